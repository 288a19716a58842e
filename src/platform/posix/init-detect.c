/* init-detect.c: telling systemd, sysvinit, busybox init and openrc-init apart from /proc/1. */
#include "init-detect.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysroot.h"

/* What /proc/<pid>/exe says after the binary was replaced on disk (an upgrade). */
#define EXE_DELETED_SUFFIX " (deleted)"

const char *sga_init_kind_name(SgaInitKind kind)
{
    switch (kind) {
    case SGA_INIT_SYSTEMD:
        return "systemd";
    case SGA_INIT_SYSVINIT:
        return "sysvinit";
    case SGA_INIT_BUSYBOX:
        return "busybox";
    case SGA_INIT_OPENRC:
        return "openrc-init";
    case SGA_INIT_UNKNOWN:
        break;
    }
    return "unknown";
}

static bool path_is_fifo(const char *system_path)
{
    g_autofree char *path = sga_sysroot_path(system_path);
    struct stat st;

    return stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
}

char *sga_initctl_path(void)
{
    if (path_is_fifo(SGA_INITCTL_RUN)) {
        return sga_sysroot_path(SGA_INITCTL_RUN);
    }
    if (path_is_fifo(SGA_INITCTL_DEV)) {
        return sga_sysroot_path(SGA_INITCTL_DEV);
    }
    return NULL;
}

/* The mask after "<field>:" in /proc/1/status (hex, bit n-1 for signal n); 0 if absent. */
static guint64 status_signal_mask(const char *status, const char *field)
{
    size_t len = strlen(field);

    for (const char *line = status; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n') {
            line++;
        }
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            return g_ascii_strtoull(line + len + 1, NULL, 16);
        }
    }
    return 0;
}

bool sga_init_takes_signal(int signo)
{
    g_autofree char *path = sga_sysroot_path("/proc/1/status");
    g_autofree char *status = NULL;
    guint64 bit;

    if (signo < 1 || signo > 64 || !g_file_get_contents(path, &status, NULL, NULL)) {
        return false;
    }
    bit = G_GUINT64_CONSTANT(1) << (signo - 1);
    return ((status_signal_mask(status, "SigCgt") | status_signal_mask(status, "SigBlk")) & bit) != 0;
}

/* An init of another name speaking busybox's protocol catches all three (a
 * shell running as /init, none). */
static bool init_takes_busybox_signals(void)
{
    return sga_init_takes_signal(SIGUSR1) && sga_init_takes_signal(SIGUSR2) &&
           sga_init_takes_signal(SIGTERM);
}

/* systemd blocks its signals and reads them from a signalfd. */
static bool init_takes_systemd_signals(void)
{
    return sga_init_takes_signal(SIGRTMIN + 3) && sga_init_takes_signal(SIGRTMIN + 4) &&
           sga_init_takes_signal(SIGRTMIN + 5);
}

/* The applet a busybox binary runs as: the name it was started by (argv[0]),
 * or the word after "busybox". NULL without <root>/proc/1/cmdline. */
static char *init_busybox_applet(void)
{
    g_autofree char *path = sga_sysroot_path("/proc/1/cmdline");
    g_autofree char *cmdline = NULL;
    g_autofree char *name = NULL;
    gsize len;

    if (!g_file_get_contents(path, &cmdline, &len, NULL) || len == 0) {
        return NULL;
    }
    name = g_path_get_basename(cmdline);    /* argv[0], up to its NUL */
    if (strcmp(name, "busybox") == 0) {
        size_t first = strlen(cmdline) + 1;
        g_free(name);
        name = first < len ? g_path_get_basename(cmdline + first) : NULL;
    }
    return g_steal_pointer(&name);
}

/* busybox init waits for its signals in sigtimedwait(), which unblocks them
 * for the wait (so /proc shows them neither caught nor blocked, though the
 * kernel delivers them): it is known by its applet name instead. A busybox
 * shell running an initramfs's /init is not init and gets no request. */
static bool init_is_busybox_init(void)
{
    g_autofree char *applet = init_busybox_applet();

    return applet && (strcmp(applet, "init") == 0 || strcmp(applet, "linuxrc") == 0);
}

static SgaInitKind kind_from_name(const char *name)
{
    if (strcmp(name, "systemd") == 0) {
        return init_takes_systemd_signals() ? SGA_INIT_SYSTEMD : SGA_INIT_UNKNOWN;
    }
    if (strcmp(name, "openrc-init") == 0) {
        return path_is_fifo(SGA_OPENRC_INIT_FIFO) ? SGA_INIT_OPENRC : SGA_INIT_UNKNOWN;
    }
    if (strcmp(name, "busybox") == 0) {
        return init_is_busybox_init() ? SGA_INIT_BUSYBOX : SGA_INIT_UNKNOWN;
    }
    if (strcmp(name, "init") == 0) {
        /* sysvinit always has its FIFO; busybox init (also run as "init") has none. */
        g_autofree char *initctl = sga_initctl_path();
        if (initctl) {
            return SGA_INIT_SYSVINIT;
        }
        return init_takes_busybox_signals() ? SGA_INIT_BUSYBOX : SGA_INIT_UNKNOWN;
    }
    return SGA_INIT_UNKNOWN;
}

/* The base name of the program PID 1 runs, or NULL (no permission, or no /proc). */
static char *init_exe_name(void)
{
    g_autofree char *path = sga_sysroot_path("/proc/1/exe");
    g_autofree char *target = g_file_read_link(path, NULL);

    if (!target) {
        return NULL;
    }
    if (g_str_has_suffix(target, EXE_DELETED_SUFFIX)) {
        target[strlen(target) - strlen(EXE_DELETED_SUFFIX)] = '\0';
    }
    return g_path_get_basename(target);
}

static char *init_comm(void)
{
    g_autofree char *path = sga_sysroot_path("/proc/1/comm");
    char *comm = NULL;

    if (!g_file_get_contents(path, &comm, NULL, NULL)) {
        return NULL;
    }
    return g_strchomp(comm);
}

SgaInitKind sga_init_detect(void)
{
    g_autofree char *exe = init_exe_name();
    g_autofree char *comm = NULL;
    SgaInitKind kind = SGA_INIT_UNKNOWN;

    if (getpid() == 1 && sga_sysroot_is_real()) {
        return SGA_INIT_UNKNOWN;    /* the agent itself is PID 1: nobody else to ask */
    }
    if (exe) {
        kind = kind_from_name(exe);
    }
    if (kind == SGA_INIT_UNKNOWN) {
        comm = init_comm();
        if (comm) {
            kind = kind_from_name(comm);
        }
    }
    return kind;
}
