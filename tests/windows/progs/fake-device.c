/* fake-device.c: registers (or removes) a root-enumerated device with chosen properties in a wine prefix, for guest-get-devices tests.
 *
 *   fake-device.exe add INSTANCE-ID NAME HARDWARE-IDS VERSION DATE
 *   fake-device.exe remove INSTANCE-ID
 *
 * HARDWARE-IDS is '|'-separated; DATE is a FILETIME count (100 ns since 1601);
 * "-" leaves a property unset. Under wine, SetupDiSetDevicePropertyW stores
 * any property, so the device looks like a driver-backed PCI device to
 * SetupDiGetDevicePropertyW. Plain Win32, built by the test with mingw-w64.
 * Exit status 0 on success; otherwise the failing call and its error on stdout.
 */
#include <windows.h>
#include <initguid.h>
#include <devpkey.h>
#include <devguid.h>
#include <setupapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

/* In setupapi.dll since Vista, missing from mingw-w64's header. */
WINSETUPAPI WINBOOL WINAPI SetupDiSetDevicePropertyW(HDEVINFO set, PSP_DEVINFO_DATA dev, const DEVPROPKEY *key,
                                                     DEVPROPTYPE type, const BYTE *buf, DWORD size, DWORD flags);

static int fail(const char *what)
{
    printf("%s failed: %lu\n", what, GetLastError());
    return 1;
}

static int set_string(HDEVINFO set, SP_DEVINFO_DATA *dev, const DEVPROPKEY *key, const wchar_t *value,
                      const char *what)
{
    if (wcscmp(value, L"-") == 0) {
        return 0;
    }
    if (!SetupDiSetDevicePropertyW(set, dev, key, DEVPROP_TYPE_STRING, (const BYTE *)value,
                                   (DWORD)((wcslen(value) + 1) * sizeof(wchar_t)), 0)) {
        return fail(what);
    }
    return 0;
}

/* "a|b" becomes the string list "a\0b\0\0". */
static int set_hardware_ids(HDEVINFO set, SP_DEVINFO_DATA *dev, const wchar_t *ids)
{
    size_t n = wcslen(ids);
    wchar_t *list;
    int rc = 0;

    if (wcscmp(ids, L"-") == 0) {
        return 0;
    }
    list = calloc(n + 2, sizeof(wchar_t));
    if (!list) {
        return fail("calloc");
    }
    for (size_t i = 0; i < n; i++) {
        list[i] = ids[i] == L'|' ? L'\0' : ids[i];
    }
    if (!SetupDiSetDevicePropertyW(set, dev, &DEVPKEY_Device_HardwareIds, DEVPROP_TYPE_STRING_LIST,
                                   (const BYTE *)list, (DWORD)((n + 2) * sizeof(wchar_t)), 0)) {
        rc = fail("set hardware ids");
    }
    free(list);
    return rc;
}

static int set_date(HDEVINFO set, SP_DEVINFO_DATA *dev, const wchar_t *date)
{
    unsigned long long t;
    FILETIME ft;

    if (wcscmp(date, L"-") == 0) {
        return 0;
    }
    t = _wcstoui64(date, NULL, 10);
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    if (!SetupDiSetDevicePropertyW(set, dev, &DEVPKEY_Device_DriverDate, DEVPROP_TYPE_FILETIME,
                                   (const BYTE *)&ft, sizeof(ft), 0)) {
        return fail("set driver date");
    }
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    SP_DEVINFO_DATA dev = { .cbSize = sizeof(dev) };
    HDEVINFO set;
    int rc = 0;

    if (!(argc == 7 && wcscmp(argv[1], L"add") == 0) && !(argc == 3 && wcscmp(argv[1], L"remove") == 0)) {
        printf("usage: fake-device add INSTANCE-ID NAME HARDWARE-IDS VERSION DATE | remove INSTANCE-ID\n");
        return 2;
    }
    set = SetupDiCreateDeviceInfoList(&GUID_DEVCLASS_SYSTEM, NULL);
    if (set == INVALID_HANDLE_VALUE) {
        return fail("SetupDiCreateDeviceInfoList");
    }
    if (wcscmp(argv[1], L"add") == 0) {
        if (!SetupDiCreateDeviceInfoW(set, argv[2], &GUID_DEVCLASS_SYSTEM, NULL, NULL, 0, &dev)) {
            rc = fail("SetupDiCreateDeviceInfo");
        } else if (!SetupDiRegisterDeviceInfo(set, &dev, 0, NULL, NULL, NULL)) {
            rc = fail("SetupDiRegisterDeviceInfo");
        } else {
            rc = set_string(set, &dev, &DEVPKEY_NAME, argv[3], "set name") ||
                 set_hardware_ids(set, &dev, argv[4]) ||
                 set_string(set, &dev, &DEVPKEY_Device_DriverVersion, argv[5], "set driver version") ||
                 set_date(set, &dev, argv[6]);
        }
    } else {
        if (!SetupDiOpenDeviceInfoW(set, argv[2], NULL, 0, &dev)) {
            rc = fail("SetupDiOpenDeviceInfo");
        } else if (!SetupDiRemoveDevice(set, &dev)) {
            rc = fail("SetupDiRemoveDevice");
        }
    }
    SetupDiDestroyDeviceInfoList(set);
    return rc;
}
