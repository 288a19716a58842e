/* signal-watch.h: run callbacks in the main loop when a signal arrives (SIGIO, SIGCHLD). */
#ifndef SGA_SIGNAL_WATCH_H
#define SGA_SIGNAL_WATCH_H

#include <glib.h>

typedef struct SgaSignalWatch SgaSignalWatch;

/* Call callback from the main loop after signo is delivered (several deliveries
 * may merge into one call). glib's g_unix_signal_add covers neither SIGIO nor
 * SIGCHLD; nothing else in the agent may install handlers for these. */
SgaSignalWatch *sga_signal_watch_add(int signo, void (*callback)(gpointer data), gpointer data);

/* Stop calling back; the handler stays installed. NULL-safe. */
void sga_signal_watch_remove(SgaSignalWatch *watch);

/* Make the watch's callback run soon, as if the signal had arrived (a check
 * that must not miss a signal delivered before the watch existed). */
void sga_signal_watch_poke(SgaSignalWatch *watch);

#endif
