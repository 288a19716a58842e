/* suspend.h: guest-suspend-disk, guest-suspend-ram, guest-suspend-hybrid. */
#ifndef SGA_SUSPEND_CMD_H
#define SGA_SUSPEND_CMD_H

#include "command.h"

json_object *sga_cmd_guest_suspend_disk(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_suspend_ram(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_suspend_hybrid(SgaRequest *req, const void *args, GError **error);

#endif
