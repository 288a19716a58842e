/* log-audit.c: Windows has no syslog; audit lines go to the agent's log, as qemu-ga's do. */
#include "log-audit.h"

bool sga_log_audit(const char *level_name, const char *message)
{
    return false;
}
