/* sga-log.h: a cheap guard for debug messages on hot paths. */
#ifndef SGA_LOG_H
#define SGA_LOG_H

#include <glib.h>

/* Set when the agent runs with -v/--verbose. Debug messages on paths taken per
 * request check it first, so a quiet agent never formats them. */
extern gboolean sga_log_debug;

#define sga_debug(...) \
    do { \
        if (G_UNLIKELY(sga_log_debug)) { \
            g_debug(__VA_ARGS__); \
        } \
    } while (0)

#endif
