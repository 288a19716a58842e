/* signals.h: how the system asks the agent to quit or reopen its log (signals; console and service events on Windows). */
#ifndef SGA_AGENT_SIGNALS_H
#define SGA_AGENT_SIGNALS_H

#include <glib.h>

/* Run quit or reopen_log in the default main context when asked: SIGTERM/SIGINT
 * and SIGHUP on POSIX; Ctrl-C, console close and the service's stop on
 * Windows. Also makes a host that disconnects mid-reply harmless (SIGPIPE). */
void sga_signals_install(GSourceFunc quit, GSourceFunc reopen_log, gpointer data);

#endif
