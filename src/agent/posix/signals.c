/* signals.c: SIGTERM, SIGINT and SIGHUP delivered through the main loop. */
#include "signals.h"

#include <glib-unix.h>
#include <signal.h>

void sga_signals_install(GSourceFunc quit, GSourceFunc reopen_log, gpointer data)
{
    /* A host that disconnects mid-reply must not kill the agent. */
    signal(SIGPIPE, SIG_IGN);
    g_unix_signal_add(SIGTERM, quit, data);
    g_unix_signal_add(SIGINT, quit, data);
    g_unix_signal_add(SIGHUP, reopen_log, data);
}
