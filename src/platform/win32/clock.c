/* clock.c: the Windows clock: SetSystemTime, a w32tm resync, or their record under a fake root. */
#include "system-clock.h"

#include <windows.h>
#include <wininet.h>

#include "action-record.h"
#include "privilege.h"
#include "sga-error.h"
#include "sysroot.h"

/* 100-nanosecond FILETIME ticks from 1601-01-01 to the Unix epoch. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL
#define TICKS_PER_SEC 10000000LL

/* What qemu-ga runs when guest-set-time has no time (it has no RTC access on
 * Windows): ask the Windows Time service to resync, without waiting for it. */
#define W32TM_EXE "w32tm.exe"
#define W32TM_ARGS "/resync /nowait"
#define W32TM_RECORD "exec w32tm /resync /nowait"
/* /nowait returns at once; this only bounds a w32tm that hangs. */
#define W32TM_TIMEOUT_MS 30000
/* w32tm's exit status when the service is stopped: HRESULT_FROM_WIN32(ERROR_SERVICE_NOT_ACTIVE) */
#define W32TM_SERVICE_NOT_ACTIVE 0x80070426UL

bool sga_clock_set(int64_t seconds, long nanoseconds, GError **error)
{
    SYSTEMTIME utc;
    FILETIME when;
    int64_t ticks;

    if (seconds < 0 || seconds > (INT64_MAX - FILETIME_UNIX_EPOCH) / TICKS_PER_SEC - 1 ||
        nanoseconds < 0 || nanoseconds >= 1000000000L) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "%d", (int)ERROR_INVALID_PARAMETER);
        return false;
    }
    ticks = seconds * TICKS_PER_SEC + nanoseconds / 100 + FILETIME_UNIX_EPOCH;
    when.dwLowDateTime = (DWORD)ticks;
    when.dwHighDateTime = (DWORD)((uint64_t)ticks >> 32);
    /* SYSTEMTIME keeps milliseconds: the rest is lost, as in qemu-ga. */
    if (!FileTimeToSystemTime(&when, &utc)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to convert system time %d",
                    (int)GetLastError());
        return false;
    }
    if (!sga_sysroot_is_real()) {
        /* the line posix's clock.c writes, so both platforms' tests read one format */
        return sga_action_record(error, "clock_settime %" G_GINT64_FORMAT ".%09ld", seconds,
                                 nanoseconds);
    }
    if (!sga_privilege_enable(L"SeSystemtimePrivilege", NULL, error)) {
        return false;
    }
    /* Without the privilege SetSystemTime says so (ERROR_PRIVILEGE_NOT_HELD). */
    if (!SetSystemTime(&utc)) {
        /* qemu-ga gives the bare number */
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "%d", (int)GetLastError());
        return false;
    }
    return true;
}

/* Windows writes the RTC itself when the clock is set: nothing to do. */
bool sga_rtc_from_system(GError **error)
{
    return true;
}

/* Run w32tm /resync /nowait from the system directory; its exit status, an HRESULT. */
static bool w32tm_resync(DWORD *status, GError **error)
{
    wchar_t system_dir[MAX_PATH];
    UINT len = GetSystemDirectoryW(system_dir, G_N_ELEMENTS(system_dir));
    STARTUPINFOW startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION process;
    g_autofree char *dir = NULL, *path = NULL, *command_line = NULL;
    g_autofree gunichar2 *path_w = NULL, *command_line_w = NULL;
    DWORD waited;
    bool started;

    if (len == 0 || len >= G_N_ELEMENTS(system_dir)) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "system(...) failed: %s", msg);
        return false;
    }
    dir = g_utf16_to_utf8((const gunichar2 *)system_dir, (glong)len, NULL, NULL, NULL);
    path = g_strconcat(dir ? dir : "", "\\" W32TM_EXE, NULL);
    command_line = g_strdup_printf("\"%s\" %s", path, W32TM_ARGS);
    path_w = g_utf8_to_utf16(path, -1, NULL, NULL, NULL);
    command_line_w = g_utf8_to_utf16(command_line, -1, NULL, NULL, NULL);
    /* No handles inherited, no console window: its output is of no use here. */
    started = dir && path_w && command_line_w &&
              CreateProcessW((const wchar_t *)path_w, (wchar_t *)command_line_w, NULL, NULL, FALSE,
                             CREATE_NO_WINDOW, NULL, NULL, &startup, &process);
    if (!started) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        /* qemu-ga's words for a w32tm it could not run (it used system()) */
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "system(...) failed: %s", msg);
        return false;
    }
    CloseHandle(process.hThread);
    waited = WaitForSingleObject(process.hProcess, W32TM_TIMEOUT_MS);
    if (waited != WAIT_OBJECT_0 || !GetExitCodeProcess(process.hProcess, status)) {
        TerminateProcess(process.hProcess, 1);
        CloseHandle(process.hProcess);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "%s did not finish within %d s",
                    W32TM_EXE, W32TM_TIMEOUT_MS / 1000);
        return false;
    }
    CloseHandle(process.hProcess);
    return true;
}

/* qemu-ga's guest-set-time without a time: a resync by the Windows Time
 * service, then a warning when there is no network to sync from. */
bool sga_rtc_to_system(GError **error)
{
    DWORD status, flags;

    if (!sga_sysroot_is_real()) {
        return sga_action_record(error, W32TM_RECORD);
    }
    if (!w32tm_resync(&status, error)) {
        return false;
    }
    if (status == W32TM_SERVICE_NOT_ACTIVE) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "Windows Time service not running on the guest");
        return false;
    }
    if (status != 0) {
        g_autofree char *msg = g_win32_error_message((gint)status);
        if (*msg) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "w32tm failed with error (0x%lx): %s",
                        (unsigned long)status, msg);
        } else {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "w32tm failed with error (0x%lx), couldn't retrieve error message",
                        (unsigned long)status);
        }
        return false;
    }
    if (!InternetGetConnectedState(&flags, 0)) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "No internet connection on guest, sync not accurate");
        return false;
    }
    return true;
}
