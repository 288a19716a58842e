/* log-audit.c: audit lines to syslog, when a syslog daemon listens. */
#include "log-audit.h"

#include <syslog.h>
#include <unistd.h>

/* Where glibc's syslog() sends messages. */
#define SGA_SYSLOG_SOCKET "/dev/log"

bool sga_log_audit(const char *level_name, const char *message)
{
    /* Without a syslog daemon glibc opens, fails to connect and closes a
     * socket (and rereads the time zone) on every call: skip it then. */
    if (access(SGA_SYSLOG_SOCKET, W_OK) == 0) {
        syslog(LOG_INFO, "%s: %s", level_name, message);
    }
    return true;
}
