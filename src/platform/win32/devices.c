/* devices.c: QEMU's PCI devices and their drivers from SetupDi's device tree and device properties. */
#include "devices.h"

#include <windows.h>
#include <initguid.h>   /* the DEVPKEY_ constants below are defined in this file */
#include <devpkey.h>
#include <setupapi.h>
#include <stdbool.h>
#include <string.h>

#include "sga-error.h"
#include "sga-log.h"

/* 100 ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000ULL

static void device_free(gpointer p)
{
    SgaDevice *d = p;

    g_free(d->driver_name);
    g_free(d->driver_version);
    g_free(d);
}

/* One device property of the given type, as qemu-ga reads them (the
 * CM_Get_DevNode_PropertyW keys); zero-padded so strings and string lists
 * are always terminated. NULL when the device has no such property. */
static BYTE *device_property(HDEVINFO set, SP_DEVINFO_DATA *dev, const DEVPROPKEY *key,
                             DEVPROPTYPE want, DWORD *size)
{
    DEVPROPTYPE type;
    DWORD need = 0;
    BYTE *buf;

    if (!SetupDiGetDevicePropertyW(set, dev, key, &type, NULL, 0, &need, 0) &&
        GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
        return NULL;
    }
    buf = g_malloc0((gsize)need + 2 * sizeof(wchar_t));
    if (!SetupDiGetDevicePropertyW(set, dev, key, &type, buf, need, &need, 0) || type != want) {
        g_free(buf);
        return NULL;
    }
    if (size) {
        *size = need;
    }
    return buf;
}

/* A hardware id matched as qemu-ga's pattern PCI\VEN_(1AF4|1B36)&DEV_([0-9A-B]{4})(&|$)
 * matches it, anchored and case-sensitive. Its device class [0-9A-B] is
 * upstream's, narrower than hex: kept, so the same devices are listed. */
static bool pci_id_parse(const char *id, uint16_t *vendor, uint16_t *device)
{
    static const char ven[] = "PCI\\VEN_";
    static const char dev[] = "&DEV_";
    const char *p = id;

    if (strncmp(p, ven, strlen(ven)) != 0) {
        return false;
    }
    p += strlen(ven);
    if (strncmp(p, "1AF4", 4) != 0 && strncmp(p, "1B36", 4) != 0) {
        return false;
    }
    *vendor = (uint16_t)g_ascii_strtoull(p, NULL, 16);  /* stops at the '&' */
    p += 4;
    if (strncmp(p, dev, strlen(dev)) != 0) {
        return false;
    }
    p += strlen(dev);
    for (int i = 0; i < 4; i++) {
        if (!g_ascii_isdigit(p[i]) && p[i] != 'A' && p[i] != 'B') {
            return false;
        }
    }
    if (p[4] != '&' && p[4] != '\0') {
        return false;
    }
    *device = (uint16_t)g_ascii_strtoull(p, NULL, 16);
    return true;
}

/* The PCI identity of the first hardware id that has one; false for none. */
static bool device_pci_id(HDEVINFO set, SP_DEVINFO_DATA *dev, SgaDevice *d)
{
    g_autofree wchar_t *ids = (wchar_t *)device_property(set, dev, &DEVPKEY_Device_HardwareIds,
                                                         DEVPROP_TYPE_STRING_LIST, NULL);

    if (!ids) {
        sga_debug("failed to get hardware IDs");
        return false;
    }
    for (const wchar_t *id = ids; *id; id += wcslen(id) + 1) {
        g_autofree char *id8 = g_utf16_to_utf8(id, -1, NULL, NULL, NULL);
        if (id8 && pci_id_parse(id8, &d->pci_vendor_id, &d->pci_device_id)) {
            return true;
        }
    }
    return false;
}

/* The device's entry, as qemu-ga builds it: *out stays NULL (the device is
 * skipped) when it has no name, no QEMU PCI id, no driver version or no
 * driver date; false only when a name or version is not valid UTF-16
 * (qemu-ga fails the command then too). */
static bool device_read(HDEVINFO set, SP_DEVINFO_DATA *dev, SgaDevice **out, GError **error)
{
    g_autofree wchar_t *name = NULL, *version = NULL;
    g_autofree FILETIME *date = NULL;
    DWORD date_size = 0;
    SgaDevice *d;

    *out = NULL;
    name = (wchar_t *)device_property(set, dev, &DEVPKEY_NAME, DEVPROP_TYPE_STRING, NULL);
    if (!name) {
        sga_debug("failed to get device description");
        return true;
    }
    d = g_new0(SgaDevice, 1);
    d->driver_name = g_utf16_to_utf8(name, -1, NULL, NULL, NULL);
    if (!d->driver_name) {
        device_free(d);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "conversion to utf8 failed (driver name)");
        return false;
    }
    if (!device_pci_id(set, dev, d)) {
        device_free(d);
        return true;
    }
    version = (wchar_t *)device_property(set, dev, &DEVPKEY_Device_DriverVersion, DEVPROP_TYPE_STRING,
                                         NULL);
    if (!version) {
        sga_debug("failed to get driver version of %s", d->driver_name);
        device_free(d);
        return true;
    }
    d->driver_version = g_utf16_to_utf8(version, -1, NULL, NULL, NULL);
    if (!d->driver_version) {
        device_free(d);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "conversion to utf8 failed (driver version)");
        return false;
    }
    date = (FILETIME *)device_property(set, dev, &DEVPKEY_Device_DriverDate, DEVPROP_TYPE_FILETIME,
                                       &date_size);
    if (!date || date_size < sizeof(FILETIME)) {
        sga_debug("failed to get driver date of %s", d->driver_name);
        device_free(d);
        return true;
    }
    /* unsigned arithmetic: a date before 1970 wraps to the negative count qemu-ga gives */
    d->driver_date = (int64_t)((((uint64_t)date->dwHighDateTime << 32 | date->dwLowDateTime) -
                                FILETIME_UNIX_EPOCH) * 100);
    *out = d;
    return true;
}

GPtrArray *sga_devices_list(GError **error)
{
    SP_DEVINFO_DATA dev = { .cbSize = sizeof(dev) };
    HDEVINFO set;
    GPtrArray *list;

    set = SetupDiGetClassDevsW(NULL, NULL, NULL, DIGCF_PRESENT | DIGCF_ALLCLASSES);
    if (set == INVALID_HANDLE_VALUE) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to get device tree");
        return NULL;
    }
    list = g_ptr_array_new_with_free_func(device_free);
    for (DWORD i = 0; SetupDiEnumDeviceInfo(set, i, &dev); i++) {
        SgaDevice *d;
        if (!device_read(set, &dev, &d, error)) {
            g_ptr_array_unref(list);
            list = NULL;
            break;
        }
        if (d) {
            g_ptr_array_add(list, d);
        }
    }
    SetupDiDestroyDeviceInfoList(set);
    return list;
}
