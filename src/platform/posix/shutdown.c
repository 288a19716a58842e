/* shutdown.c: shutting Linux down natively: ask the init, else its shutdown binary, else reboot(2). */
#include "shutdown.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action-record.h"
#include "child.h"
#include "init-control.h"
#include "init-detect.h"
#include "sga-error.h"
#include "sysroot.h"

/* What qemu-ga runs; only used when PID 1 is no init streamga knows. */
#define SHUTDOWN_BINARY "/sbin/shutdown"
#define SHUTDOWN_MESSAGE "hypervisor initiated shutdown"
/* qemu-ga's desc whenever its shutdown helper fails; streamga gives it for the
 * same situations (no way to bring the system down) and logs the details. */
#define SHUTDOWN_FAILED_DESC "child process has failed to shutdown"

struct SgaPowerPlan {
    SgaPowerMode mode;
    SgaInitKind init;       /* SGA_INIT_UNKNOWN: not asked */
    int init_fd;            /* its control FIFO, opened while planning */
    char *binary;           /* the shutdown binary to run, or NULL */
    bool can_reboot;        /* whether reboot(2) is the last resort */
    SgaChild *child;        /* the shutdown binary while it runs */
};

/* reboot(2) needs CAP_SYS_BOOT; asked up front, so a refusal is reported. */
static bool process_can_reboot(void)
{
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

    if (syscall(SYS_capget, &header, data) < 0) {
        return false;
    }
    return (data[CAP_TO_INDEX(CAP_SYS_BOOT)].effective & CAP_TO_MASK(CAP_SYS_BOOT)) != 0;
}

static char *shutdown_binary_find(void)
{
    char *path = sga_sysroot_path(SHUTDOWN_BINARY);

    if (access(path, X_OK) == 0) {
        return path;
    }
    g_free(path);
    return NULL;
}

SgaPowerPlan *sga_power_plan_new(SgaPowerMode mode, GError **error)
{
    SgaPowerPlan *plan = g_new0(SgaPowerPlan, 1);
    g_autoptr(GError) init_error = NULL;

    plan->mode = mode;
    plan->init_fd = -1;
    plan->init = sga_init_detect();
    if (plan->init != SGA_INIT_UNKNOWN &&
        !sga_init_control_open(plan->init, &plan->init_fd, &init_error)) {
        /* Not privileged, or nobody on the FIFO: the init's own shutdown
         * binary could not ask it either, so only reboot(2) is left. */
        g_warning("guest-shutdown: %s cannot be asked: %s", sga_init_kind_name(plan->init),
                  init_error->message);
        plan->init = SGA_INIT_UNKNOWN;
    } else if (plan->init == SGA_INIT_UNKNOWN) {
        /* An init streamga does not know may still have a working shutdown
         * binary (runit, s6, a sysvinit clone): run it as qemu-ga would. */
        plan->binary = shutdown_binary_find();
    }
    plan->can_reboot = !sga_sysroot_is_real() || process_can_reboot();
    if (plan->init == SGA_INIT_UNKNOWN && !plan->binary && !plan->can_reboot) {
        g_warning("guest-shutdown: no init to ask, no %s, and reboot(2) is not permitted",
                  SHUTDOWN_BINARY);
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, SHUTDOWN_FAILED_DESC);
        sga_power_plan_free(plan);
        return NULL;
    }
    return plan;
}

void sga_power_plan_free(SgaPowerPlan *plan)
{
    if (!plan) {
        return;
    }
    if (plan->init_fd >= 0) {
        close(plan->init_fd);
    }
    sga_child_free(plan->child);
    g_free(plan->binary);
    g_free(plan);
}

/* The last resort: write everything out and have the kernel do it. Inside a
 * PID namespace other than the first this ends that namespace's init only. */
static void power_plan_reboot(SgaPowerPlan *plan)
{
    static const struct {
        int cmd;
        const char *name;
    } reboot_cmds[] = {
        [SGA_POWER_OFF] = { RB_POWER_OFF, "POWER_OFF" },
        [SGA_POWER_HALT] = { RB_HALT_SYSTEM, "HALT_SYSTEM" },
        [SGA_POWER_REBOOT] = { RB_AUTOBOOT, "AUTOBOOT" },
    };
    g_autoptr(GError) error = NULL;

    if (!plan->can_reboot) {
        g_warning("guest-shutdown: nothing left to try: reboot(2) is not permitted");
        return;
    }
    g_message("guest-shutdown: %s with reboot(2)", sga_power_mode_name(plan->mode));
    if (!sga_sysroot_is_real()) {
        if (!sga_action_record(&error, "sync") ||
            !sga_action_record(&error, "reboot %s", reboot_cmds[plan->mode].name)) {
            g_warning("guest-shutdown: %s", error->message);
        }
        return;
    }
    sync();
    if (reboot(reboot_cmds[plan->mode].cmd) < 0) {
        g_warning("guest-shutdown: reboot(2) failed: %s", g_strerror(errno));
    }
}

static void shutdown_binary_exited(void *opaque)
{
    SgaPowerPlan *plan = opaque;
    int exitcode, signo;

    sga_child_exit_status(plan->child, &exitcode, &signo);
    if (exitcode != 0) {
        g_warning("guest-shutdown: %s failed (exit status %d, signal %d)", plan->binary, exitcode,
                  signo);
        power_plan_reboot(plan);
    }
    sga_power_plan_free(plan);
}

/* The shutdown binary with qemu-ga's arguments; false when it did not start.
 * Once it runs, the plan lives on until the binary has ended (plan->child). */
static bool power_plan_run_binary(SgaPowerPlan *plan)
{
    static const char *const mode_flags[] = {
        [SGA_POWER_OFF] = "-P",
        [SGA_POWER_HALT] = "-H",
        [SGA_POWER_REBOOT] = "-r",
    };
    const char *const args[] = { "-h", mode_flags[plan->mode], "+0", SHUTDOWN_MESSAGE, NULL };
    static const SgaChildEvents events = { .exited = shutdown_binary_exited };
    SgaChildSpec spec = { .path = plan->binary, .args = args, .capture = SGA_CAPTURE_NONE };
    g_autoptr(GError) error = NULL;

    if (!sga_sysroot_is_real()) {
        /* The tree's binary is not the system's to run: say what would run. */
        if (!sga_action_record(&error, "exec %s -h %s +0 %s", SHUTDOWN_BINARY,
                               mode_flags[plan->mode], SHUTDOWN_MESSAGE)) {
            g_warning("guest-shutdown: %s", error->message);
            return false;
        }
        return true;
    }
    plan->child = sga_child_spawn(&spec, &events, plan, &error);
    if (!plan->child) {
        g_warning("guest-shutdown: cannot run %s: %s", plan->binary, error->message);
        return false;
    }
    return true;
}

void sga_power_plan_run(SgaPowerPlan *plan)
{
    g_autoptr(GError) error = NULL;

    if (plan->init != SGA_INIT_UNKNOWN) {
        int fd = plan->init_fd;
        plan->init_fd = -1;     /* the request closes it */
        g_message("guest-shutdown: asking %s to %s", sga_init_kind_name(plan->init),
                  sga_power_mode_name(plan->mode));
        if (sga_init_control_request(plan->init, plan->mode, fd, &error)) {
            sga_power_plan_free(plan);
            return;
        }
        g_warning("guest-shutdown: %s", error->message);
    } else if (plan->binary) {
        g_message("guest-shutdown: running %s", plan->binary);
        if (power_plan_run_binary(plan)) {
            if (!plan->child) {
                sga_power_plan_free(plan);     /* only recorded */
            }
            return;
        }
    }
    power_plan_reboot(plan);
    sga_power_plan_free(plan);
}
