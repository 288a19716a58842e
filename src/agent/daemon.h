/* daemon.h: becoming a background daemon that reports success only once it serves. */
#ifndef SGA_DAEMON_H
#define SGA_DAEMON_H

#include <glib.h>
#include <stdbool.h>

/*
 * Fork into the background. Returns true in the child, which carries on. The
 * parent waits until the child calls sga_daemon_ready() (then *parent_status is
 * 0) or dies first (then it is 1), and gets false back: it should exit with
 * *parent_status. Unlike qemu-ga, whose parent exits at once, an init script
 * thus learns whether the agent really started.
 */
bool sga_daemon_start(int *parent_status, GError **error);

/* In the child: initialization is done; release the parent and detach stdio. */
void sga_daemon_ready(void);

#endif
