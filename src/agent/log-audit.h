/* log-audit.h: where command audit lines (qemu-ga's slog) go besides the agent's log. */
#ifndef SGA_AGENT_LOG_AUDIT_H
#define SGA_AGENT_LOG_AUDIT_H

#include <stdbool.h>

/* Hand an audit line to the system's log. False when this system has none for
 * it, so the agent's own log shows it instead (qemu-ga on Windows does that). */
bool sga_log_audit(const char *level_name, const char *message);

#endif
