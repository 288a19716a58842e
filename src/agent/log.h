/* log.h: where the agent's messages go: stderr or a logfile, and syslog for audit lines. */
#ifndef SGA_AGENT_LOG_H
#define SGA_AGENT_LOG_H

#include <glib.h>
#include <stdbool.h>

/* Route glib's messages through the agent's handler, to stderr for now. Errors,
 * criticals and warnings are shown; everything with verbose. Messages logged in
 * the "syslog" domain (command audit lines, as qemu-ga's slog) go to syslog. */
void sga_log_init(bool verbose);

/* Append to a logfile instead of stderr. */
bool sga_log_open_file(const char *path, GError **error);

/* Reopen the logfile (after logrotate moved it: SIGHUP). */
void sga_log_reopen(void);

/* Stop or resume logging (the filesystems may be frozen). */
void sga_log_set_enabled(bool enabled);

void sga_log_close(void);

#endif
