/* system-sleep.c: suspend to RAM or disk on Windows as qemu-ga: capabilities, privilege, SetSuspendState. */
#include "system-sleep.h"

#include <windows.h>
#include <powrprof.h>

#include "action-record.h"
#include "privilege.h"
#include "sga-error.h"
#include "sysroot.h"

/* qemu-ga's QERR_QGA_COMMAND_FAILED around its reasons. */
#define COMMAND_FAILED_FORMAT "Guest agent command failed, error was '%s'"

/* Windows has the calls for both; whether this machine can sleep so is asked
 * in sga_suspend_prepare, to fail in qemu-ga's order and words. Hybrid sleep
 * is not one of them (qemu-ga blocks guest-suspend-hybrid on Windows). */
bool sga_suspend_supported(SgaSuspendMode mode)
{
    return mode == SGA_SUSPEND_RAM || mode == SGA_SUSPEND_DISK;
}

/* qemu-ga's check_suspend_mode: the power policy's S3 and S4 states. */
static bool power_state_available(SgaSuspendMode mode, GError **error)
{
    SYSTEM_POWER_CAPABILITIES capabilities = { 0 };

    if (!GetPwrCapabilities(&capabilities)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, COMMAND_FAILED_FORMAT,
                    "failed to determine guest suspend capabilities");
        return false;
    }
    if (mode == SGA_SUSPEND_DISK && !capabilities.SystemS4) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, COMMAND_FAILED_FORMAT,
                    "suspend-to-disk not supported by OS");
        return false;
    }
    if (mode == SGA_SUSPEND_RAM && !capabilities.SystemS3) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, COMMAND_FAILED_FORMAT,
                    "suspend-to-ram not supported by OS");
        return false;
    }
    return true;
}

/* qemu-ga's message when SetSuspendState fails (it only logs it). */
static void suspend_failed(DWORD code, GError **error)
{
    g_autofree char *msg = g_win32_error_message((gint)code);

    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to suspend guest: %s", msg);
}

bool sga_suspend_prepare(SgaSuspendMode mode, GError **error)
{
    bool held;

    if (!sga_suspend_supported(mode)) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "this feature or command is not currently supported");
        return false;
    }
    /* A fake root is a test's stand-in system: this machine's power policy
     * is not its own, and nothing will sleep. */
    if (sga_sysroot_is_real() && !power_state_available(mode, error)) {
        return false;
    }
    if (!sga_privilege_enable(L"SeShutdownPrivilege", &held, error)) {
        return false;
    }
    if (!held && sga_sysroot_is_real()) {
        /* SetSuspendState would fail so later, where only the log hears it
         * (qemu-ga replies success then): said now, while a reply can. */
        suspend_failed(ERROR_PRIVILEGE_NOT_HELD, error);
        return false;
    }
    return true;
}

bool sga_suspend_enter(SgaSuspendMode mode, GError **error)
{
    bool hibernate = mode == SGA_SUSPEND_DISK;

    if (!sga_sysroot_is_real()) {
        return sga_action_record(error, "SetSuspendState %s", hibernate ? "disk" : "ram");
    }
    /* Returns after the wake-up; the main loop waits meanwhile, as nothing
     * runs while the machine sleeps. qemu-ga's arguments: forced, with wake
     * events disabled. */
    if (!SetSuspendState(hibernate, TRUE, TRUE)) {
        suspend_failed(GetLastError(), error);
        return false;
    }
    return true;
}
