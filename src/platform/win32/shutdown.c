/* shutdown.c: shutting Windows down as qemu-ga does: ExitWindowsEx, forced, privileged. */
#include "shutdown.h"

#include <windows.h>

#include "action-record.h"
#include "privilege.h"
#include "sga-error.h"
#include "sysroot.h"

struct SgaPowerPlan {
    SgaPowerMode mode;
};

/* qemu-ga's flags: applications are not asked, they are closed (EWX_FORCE). */
static UINT exit_windows_flags(SgaPowerMode mode)
{
    switch (mode) {
    case SGA_POWER_HALT:
        return EWX_SHUTDOWN | EWX_FORCE;
    case SGA_POWER_REBOOT:
        return EWX_REBOOT | EWX_FORCE;
    case SGA_POWER_OFF:
        break;
    }
    return EWX_POWEROFF | EWX_FORCE;
}

/* The reboot(2) command posix's record names for the mode: one wording for
 * both platforms' recorded shutdowns. */
static const char *record_name(SgaPowerMode mode)
{
    switch (mode) {
    case SGA_POWER_HALT:
        return "HALT_SYSTEM";
    case SGA_POWER_REBOOT:
        return "AUTOBOOT";
    case SGA_POWER_OFF:
        break;
    }
    return "POWER_OFF";
}

/* qemu-ga's reply when ExitWindowsEx fails (it calls it before replying). */
static void shutdown_failed(DWORD code, GError **error)
{
    g_autofree char *msg = g_win32_error_message((gint)code);

    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "guest-shutdown failed: %s", msg);
}

SgaPowerPlan *sga_power_plan_new(SgaPowerMode mode, GError **error)
{
    SgaPowerPlan *plan;
    bool held;

    /* Asked for under a fake root too: it only concerns the agent's own token. */
    if (!sga_privilege_enable(L"SeShutdownPrivilege", &held, error)) {
        return NULL;
    }
    if (!held && sga_sysroot_is_real()) {
        /* ExitWindowsEx would fail so, and qemu-ga, calling it before its
         * reply, would answer that: answered here, before the reply. */
        shutdown_failed(ERROR_PRIVILEGE_NOT_HELD, error);
        return NULL;
    }
    plan = g_new0(SgaPowerPlan, 1);
    plan->mode = mode;
    return plan;
}

void sga_power_plan_free(SgaPowerPlan *plan)
{
    g_free(plan);
}

void sga_power_plan_run(SgaPowerPlan *plan)
{
    g_autoptr(GError) error = NULL;
    UINT flags = exit_windows_flags(plan->mode);
    DWORD err;

    g_message("guest-shutdown: %s with ExitWindowsEx", sga_power_mode_name(plan->mode));
    if (!sga_sysroot_is_real()) {
        if (!sga_action_record(&error, "reboot %s", record_name(plan->mode))) {
            g_warning("guest-shutdown: %s", error->message);
        }
        sga_power_plan_free(plan);
        return;
    }
    if (ExitWindowsEx(flags, SHTDN_REASON_FLAG_PLANNED)) {
        sga_power_plan_free(plan);
        return;
    }
    err = GetLastError();
    shutdown_failed(err, &error);
    g_warning("%s", error->message);
    /* The next way, as the header promises: the system's own shutdown (with
     * no halt of its own: it powers off where the machine can). */
    if (!InitiateSystemShutdownExW(NULL, NULL, 0, TRUE, plan->mode == SGA_POWER_REBOOT,
                                   SHTDN_REASON_FLAG_PLANNED)) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_warning("guest-shutdown: InitiateSystemShutdownExW failed: %s", msg);
    }
    sga_power_plan_free(plan);
}
