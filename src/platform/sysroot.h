/* sysroot.h: where the system's own files are: "/" normally, another tree for tests or containers. */
#ifndef SGA_SYSROOT_H
#define SGA_SYSROOT_H

#include <stdbool.h>

/*
 * Every path the commands read or write on the system's behalf (/proc, /sys,
 * /etc/shadow, /dev/rtc0, /run/initctl, home directories...) goes through
 * sga_sysroot_path, so --system-root can point the agent at another tree: a
 * fake sysfs/proc for tests, or the host's root mounted into a container.
 * Paths a host names in a request (guest-file-open, guest-exec) are not
 * relocated: they are the host's to choose.
 */

/* Use dir as the system root; NULL or "/" means the real one. */
void sga_sysroot_set(const char *dir);

/* The root in use, "/" when none was set. */
const char *sga_sysroot(void);

/* Whether the root is the real "/" (actions with no file to redirect, such as
 * reboot(2) or clock_settime, only happen then). */
bool sga_sysroot_is_real(void);

/* An absolute system path, under the root in use (newly allocated). */
char *sga_sysroot_path(const char *path);

#endif
