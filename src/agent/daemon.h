/* daemon.h: becoming a background daemon (a service on Windows) that reports success only once it serves. */
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
 *
 * On Windows -d means "started by the service control manager", as in
 * qemu-ga: this connects to it, and returns false (status 1) with error set
 * when the process was not started as a service.
 */
bool sga_daemon_start(int *parent_status, GError **error);

/* In the child: initialization is done; release the parent and detach stdio.
 * On Windows: tell the service control manager the service runs. */
void sga_daemon_ready(void);

/* The agent is about to exit with status (Windows: the service reports it has
 * stopped; nothing to do on POSIX). */
void sga_daemon_exit(int status);

#endif
