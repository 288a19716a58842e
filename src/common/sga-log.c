/* sga-log.c: the debug-logging switch shared by every layer. */
#include "sga-log.h"

gboolean sga_log_debug;
