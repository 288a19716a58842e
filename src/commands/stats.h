/* stats.h: guest-get-cpustats and guest-get-load. */
#ifndef SGA_STATS_H
#define SGA_STATS_H

#include "command.h"

json_object *sga_cmd_guest_get_cpustats(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_load(SgaRequest *req, const void *args, GError **error);

#endif
