/* init-control.c: the shutdown protocols of systemd, sysvinit, busybox init and openrc-init. */
#include "init-control.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "action-record.h"
#include "sga-error.h"
#include "sysroot.h"

/* sysvinit's struct init_request (initreq.h): four ints and 368 bytes of
 * data, 384 in all, in the machine's byte order; init drops any read of
 * another size or without the magic. */
#define INITREQ_MAGIC 0x03091969
#define INITREQ_CMD_RUNLVL 1
#define INITREQ_CMD_SETENV 6
#define INITREQ_DATA_SIZE 368
/* Seconds between SIGTERM and SIGKILL when the runlevel changes: telinit's default. */
#define INITREQ_KILL_DELAY 5

typedef struct InitRequest {
    int32_t magic;
    int32_t cmd;
    int32_t runlevel;
    int32_t sleeptime;
    char data[INITREQ_DATA_SIZE];
} InitRequest;

G_STATIC_ASSERT(sizeof(InitRequest) == 384);

/* systemd(1): SIGRTMIN+3 halt.target, +4 poweroff.target, +5 reboot.target. */
static int systemd_signal(SgaPowerMode mode)
{
    switch (mode) {
    case SGA_POWER_HALT:
        return SIGRTMIN + 3;
    case SGA_POWER_REBOOT:
        return SIGRTMIN + 5;
    case SGA_POWER_OFF:
        break;
    }
    return SIGRTMIN + 4;
}

/* busybox init.c: SIGUSR1 halt, SIGUSR2 poweroff, SIGTERM reboot (what its
 * halt, poweroff and reboot applets send). */
static int busybox_signal(SgaPowerMode mode)
{
    switch (mode) {
    case SGA_POWER_HALT:
        return SIGUSR1;
    case SGA_POWER_REBOOT:
        return SIGTERM;
    case SGA_POWER_OFF:
        break;
    }
    return SIGUSR2;
}

/* openrc-init reads the whole FIFO content as one word. */
static const char *openrc_word(SgaPowerMode mode)
{
    switch (mode) {
    case SGA_POWER_HALT:
        return "halt";
    case SGA_POWER_REBOOT:
        return "reboot";
    case SGA_POWER_OFF:
        break;
    }
    return "poweroff";
}

static char *signal_name(int signo)
{
    if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
        return g_strdup_printf("SIGRTMIN+%d", signo - SIGRTMIN);
    }
    switch (signo) {
    case SIGUSR1:
        return g_strdup("SIGUSR1");
    case SIGUSR2:
        return g_strdup("SIGUSR2");
    case SIGTERM:
        return g_strdup("SIGTERM");
    }
    return g_strdup_printf("%d", signo);
}

static bool fifo_open(const char *path, int *fd, GError **error)
{
    /* Non-blocking: fails with ENXIO instead of waiting when nobody reads. */
    *fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot open %s: %s", path, g_strerror(err));
        return false;
    }
    return true;
}

bool sga_init_control_open(SgaInitKind kind, int *fd, GError **error)
{
    *fd = -1;
    switch (kind) {
    case SGA_INIT_SYSVINIT: {
        g_autofree char *path = sga_initctl_path();
        if (!path) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "no %s or %s", SGA_INITCTL_RUN,
                        SGA_INITCTL_DEV);
            return false;
        }
        return fifo_open(path, fd, error);
    }
    case SGA_INIT_OPENRC: {
        g_autofree char *path = sga_sysroot_path(SGA_OPENRC_INIT_FIFO);
        return fifo_open(path, fd, error);
    }
    case SGA_INIT_SYSTEMD:
    case SGA_INIT_BUSYBOX:
        if (sga_sysroot_is_real() && kill(1, 0) < 0) {
            int err = errno;
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot signal PID 1: %s",
                        g_strerror(err));
            return false;
        }
        return true;
    case SGA_INIT_UNKNOWN:
        break;
    }
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "no init system to ask");
    return false;
}

static bool init_signal(int signo, GError **error)
{
    g_autofree char *name = signal_name(signo);

    if (!sga_sysroot_is_real()) {
        return sga_action_record(error, "signal 1 %s", name);
    }
    if (kill(1, signo) < 0) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot send %s to PID 1: %s", name,
                    g_strerror(err));
        return false;
    }
    return true;
}

static bool fifo_write(int fd, const void *data, size_t len, GError **error)
{
    ssize_t n;

    do {
        n = write(fd, data, len);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)len) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot write to the init's FIFO: %s",
                    n < 0 ? g_strerror(err) : "short write");
        return false;
    }
    return true;
}

/* What sysvinit's shutdown does: set (or, for a reboot, unset) INIT_HALT in
 * init's environment, which the halt script reads, then change the runlevel
 * as telinit does. Each request is one write of 384 bytes: below PIPE_BUF, so
 * init reads it whole. */
static bool sysvinit_request(SgaPowerMode mode, int fd, GError **error)
{
    InitRequest env = { .magic = INITREQ_MAGIC, .cmd = INITREQ_CMD_SETENV };
    InitRequest level = {
        .magic = INITREQ_MAGIC,
        .cmd = INITREQ_CMD_RUNLVL,
        .runlevel = mode == SGA_POWER_REBOOT ? '6' : '0',
        .sleeptime = INITREQ_KILL_DELAY,
    };
    const char *setting = mode == SGA_POWER_HALT ? "INIT_HALT=HALT"
                          : mode == SGA_POWER_OFF ? "INIT_HALT=POWEROFF"
                                                  : "INIT_HALT";

    strcpy(env.data, setting);
    return fifo_write(fd, &env, sizeof(env), error) && fifo_write(fd, &level, sizeof(level), error);
}

bool sga_init_control_request(SgaInitKind kind, SgaPowerMode mode, int fd, GError **error)
{
    bool ok = false;

    switch (kind) {
    case SGA_INIT_SYSTEMD:
        return init_signal(systemd_signal(mode), error);
    case SGA_INIT_BUSYBOX:
        return init_signal(busybox_signal(mode), error);
    case SGA_INIT_SYSVINIT:
        ok = sysvinit_request(mode, fd, error);
        break;
    case SGA_INIT_OPENRC:
        ok = fifo_write(fd, openrc_word(mode), strlen(openrc_word(mode)), error);
        break;
    case SGA_INIT_UNKNOWN:
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "no init system to ask");
        break;
    }
    if (fd >= 0) {
        close(fd);     /* openrc-init reads up to the end of the file */
    }
    return ok;
}
