/* system-info.c: host name, Windows version and the clock, from the sources qemu-ga reads. */
#include "platform.h"

#include <string.h>
#include <windows.h>

#include "sga-error.h"

/* 100-nanosecond FILETIME ticks from 1601-01-01 to the Unix epoch. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

/* qemu-ga's guest-get-osinfo: RtlGetVersion (GetVersionEx lies to programs
 * without a compatibility manifest), the registry's ProductName, and names
 * looked up from the version numbers. */
#define CURRENT_VERSION_KEY L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
#define VERSION_UNKNOWN "N/A"

SgaPlatform sga_platform_current(void)
{
    return SGA_PLATFORM_WIN32;
}

/* The NetBIOS computer name (GetComputerNameW), the name qemu-ga reports. */
char *sga_platform_host_name(GError **error)
{
    wchar_t small[MAX_COMPUTERNAME_LENGTH + 1];
    wchar_t *name = small;
    DWORD size = G_N_ELEMENTS(small);
    char *utf8;

    if (!GetComputerNameW(name, &size)) {
        DWORD err = GetLastError();
        if (err == ERROR_BUFFER_OVERFLOW) {
            /* size is now the length needed, with the NUL */
            name = g_new(wchar_t, size);
            if (GetComputerNameW(name, &size)) {
                err = ERROR_SUCCESS;
            } else {
                err = GetLastError();
            }
        }
        if (err != ERROR_SUCCESS) {
            g_autofree char *msg = g_win32_error_message((gint)err);
            /* sic: qemu-ga's words */
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed close handle: %s", msg);
            if (name != small) {
                g_free(name);
            }
            return NULL;
        }
    }
    utf8 = g_utf16_to_utf8((const gunichar2 *)name, (glong)size, NULL, NULL, NULL);
    if (name != small) {
        g_free(name);
    }
    if (!utf8) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot get hostname: not UTF-16");
    }
    return utf8;
}

/* The true version: ntdll's RtlGetVersion is not subject to the manifest shims. */
static bool windows_version(RTL_OSVERSIONINFOEXW *version)
{
    typedef LONG(WINAPI * RtlGetVersionFunc)(RTL_OSVERSIONINFOEXW *);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    RtlGetVersionFunc get_version;

    if (!ntdll) {
        return false;
    }
    get_version = (RtlGetVersionFunc)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion");
    if (!get_version) {
        return false;
    }
    memset(version, 0, sizeof(*version));
    version->dwOSVersionInfoSize = sizeof(*version);
    return get_version(version) == 0;   /* STATUS_SUCCESS */
}

/* The marketing names of qemu-ga's tables, by major.minor (before 10.0)... */
typedef struct {
    DWORD major, minor;
    const char *version;
    const char *version_id;
} WindowsRelease;

static const WindowsRelease client_releases[] = {
    { 5, 0, "Microsoft Windows 2000", "2000" },
    { 5, 1, "Microsoft Windows XP", "xp" },
    { 6, 0, "Microsoft Windows Vista", "vista" },
    /* qemu-ga 7.2 lacks a comma here ("Microsoft Windows 77", no id); the
     * names it meant are given */
    { 6, 1, "Microsoft Windows 7", "7" },
    { 6, 2, "Microsoft Windows 8", "8" },
    { 6, 3, "Microsoft Windows 8.1", "8.1" },
    { 0, 0, NULL, NULL },
};

static const WindowsRelease server_releases[] = {
    { 5, 2, "Microsoft Windows Server 2003", "2003" },
    { 6, 0, "Microsoft Windows Server 2008", "2008" },
    { 6, 1, "Microsoft Windows Server 2008 R2", "2008r2" },
    { 6, 2, "Microsoft Windows Server 2012", "2012" },
    { 6, 3, "Microsoft Windows Server 2012 R2", "2012r2" },
    { 0, 0, NULL, NULL },
};

/* ...and, all being 10.0, by the first build of each (ascending). */
typedef struct {
    DWORD first_build;
    const char *version;
    const char *version_id;
} WindowsBuild;

static const WindowsBuild client_builds[] = {
    { 10240, "Microsoft Windows 10", "10" },
    { 22000, "Microsoft Windows 11", "11" },
    { 0, NULL, NULL },
};

static const WindowsBuild server_builds[] = {
    { 14393, "Microsoft Windows Server 2016", "2016" },
    { 17763, "Microsoft Windows Server 2019", "2019" },
    { 20344, "Microsoft Windows Server 2022", "2022" },
    { 0, NULL, NULL },
};

/* version and version-id; "N/A" for both when the tables do not know the
 * release (qemu-ga would crash on a 10.0 build older than its first). */
static void windows_release_names(const RTL_OSVERSIONINFOEXW *v, SgaOsInfo *info)
{
    bool server = v->wProductType != VER_NT_WORKSTATION;
    const char *version = NULL, *version_id = NULL;

    if (v->dwMajorVersion == 10 && v->dwMinorVersion == 0) {
        for (const WindowsBuild *b = server ? server_builds : client_builds; b->version; b++) {
            if (v->dwBuildNumber >= b->first_build) {
                version = b->version;
                version_id = b->version_id;
            }
        }
    } else {
        for (const WindowsRelease *r = server ? server_releases : client_releases; r->version; r++) {
            if (r->major == v->dwMajorVersion && r->minor == v->dwMinorVersion) {
                version = r->version;
                version_id = r->version_id;
                break;
            }
        }
    }
    if (!version) {
        g_message("guest-get-osinfo: unknown Windows version %lu.%lu build %lu",
                  v->dwMajorVersion, v->dwMinorVersion, v->dwBuildNumber);
    }
    info->version = g_strdup(version ? version : VERSION_UNKNOWN);
    info->version_id = g_strdup(version_id ? version_id : VERSION_UNKNOWN);
}

/* A REG_SZ value of HKLM\...\CurrentVersion, in UTF-8; NULL when missing. */
static char *current_version_string(const wchar_t *value)
{
    DWORD size = 0;
    wchar_t *text;
    char *utf8;
    LSTATUS err;

    err = RegGetValueW(HKEY_LOCAL_MACHINE, CURRENT_VERSION_KEY, value, RRF_RT_REG_SZ, NULL, NULL,
                       &size);
    if (err != ERROR_SUCCESS || size < sizeof(wchar_t)) {
        return NULL;
    }
    text = g_malloc0(size + sizeof(wchar_t));
    /* RegGetValueW NUL-terminates what it returns */
    err = RegGetValueW(HKEY_LOCAL_MACHINE, CURRENT_VERSION_KEY, value, RRF_RT_REG_SZ, NULL, text,
                       &size);
    utf8 = err == ERROR_SUCCESS ? g_utf16_to_utf8((const gunichar2 *)text, -1, NULL, NULL, NULL)
                                : NULL;
    g_free(text);
    return utf8;
}

/* The machine's processor architecture in qemu-ga's (uname-like) words. */
static const char *native_machine(void)
{
    SYSTEM_INFO system;

    GetNativeSystemInfo(&system);
    switch (system.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
        return "x86_64";
    case PROCESSOR_ARCHITECTURE_ARM:
        return "arm";
    case PROCESSOR_ARCHITECTURE_IA64:
        return "ia64";
    case PROCESSOR_ARCHITECTURE_INTEL:
        return "x86";
    default:
        g_message("guest-get-osinfo: unknown processor architecture 0x%x",
                  system.wProcessorArchitecture);
        return "unknown";
    }
}

void sga_platform_os_info(SgaOsInfo *info)
{
    RTL_OSVERSIONINFOEXW version;
    bool server;

    info->machine = g_strdup(native_machine());
    info->id = g_strdup("mswindows");
    info->name = g_strdup("Microsoft Windows");
    info->pretty_name = current_version_string(L"ProductName");
    if (!windows_version(&version)) {
        /* qemu-ga fails the whole command; here only what is unknown is left out */
        g_message("guest-get-osinfo: RtlGetVersion is not available");
        return;
    }
    server = version.wProductType != VER_NT_WORKSTATION;
    info->kernel_release = g_strdup_printf("%lu", version.dwBuildNumber);
    info->kernel_version = g_strdup_printf("%lu.%lu", version.dwMajorVersion,
                                           version.dwMinorVersion);
    windows_release_names(&version, info);
    info->variant = g_strdup(server ? "server" : "client");
    info->variant_id = g_strdup(server ? "server" : "client");
}

int64_t sga_platform_time_ns(void)
{
    FILETIME now;
    int64_t ticks;

    /* 100 ns resolution (qemu-ga's g_get_real_time has microseconds) */
    GetSystemTimeAsFileTime(&now);
    ticks = (int64_t)(((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime);
    return (ticks - FILETIME_UNIX_EPOCH) * 100;
}
