/* init-detect.h: which init system runs as PID 1, and which signals it listens to. */
#ifndef SGA_INIT_DETECT_H
#define SGA_INIT_DETECT_H

#include <glib.h>
#include <stdbool.h>

typedef enum {
    SGA_INIT_UNKNOWN,   /* nothing we know how to ask: a shell, a container's entrypoint, the agent */
    SGA_INIT_SYSTEMD,   /* SIGRTMIN+3/+4/+5, systemd(1) */
    SGA_INIT_SYSVINIT,  /* struct init_request on /run/initctl or /dev/initctl */
    SGA_INIT_BUSYBOX,   /* SIGUSR1/SIGUSR2/SIGTERM, busybox init.c */
    SGA_INIT_OPENRC,    /* "poweroff"/"halt"/"reboot" on openrc-init's /run/openrc/init.ctl */
} SgaInitKind;

/* Where sysvinit listens (the newer path first), and openrc-init. */
#define SGA_INITCTL_RUN "/run/initctl"
#define SGA_INITCTL_DEV "/dev/initctl"
#define SGA_OPENRC_INIT_FIFO "/run/openrc/init.ctl"

/* A short name for logs and the fake root's action record. */
const char *sga_init_kind_name(SgaInitKind kind);

/*
 * Identify PID 1 from <root>/proc/1: the name of the program it runs (exe,
 * which follows symlinks such as /sbin/init -> systemd), else the name it goes
 * by (comm). The name only says which protocol to try; each is then checked
 * against what PID 1 actually listens to: signals it catches or blocks
 * (<root>/proc/1/status), a control FIFO under the root, or for busybox the
 * applet it runs as (cmdline). A busybox shell running an initramfs's /init
 * is named "init" but is no init: UNKNOWN.
 */
SgaInitKind sga_init_detect(void);

/* Whether PID 1 would receive signo: the kernel drops signals sent to an init
 * that neither catches nor blocks them (a blocked one waits for its signalfd). */
bool sga_init_takes_signal(int signo);

/* The sysvinit control FIFO under the root, or NULL when there is none. */
char *sga_initctl_path(void);

#endif
