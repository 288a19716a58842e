/* commands.h: the command table and the argument structs its handlers receive. */
#ifndef SGA_COMMANDS_H
#define SGA_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "exec.h"
#include "file.h"
#include "fsfreeze.h"
#include "hooks.h"
/* family headers: one line each, in table order */
#include "power.h"
#include "suspend.h"
#include "clock.h"
#include "users.h"
#include "ssh.h"
#include "fs.h"
#include "hw.h"
#include "stats.h"
#include "net.h"

/* The table, in the order guest-info lists it. */
extern const SgaCommand sga_command_table[];
extern const size_t sga_command_table_size;

/* guest-sync, guest-sync-delimited */
typedef struct SgaSyncArgs {
    int64_t id;
} SgaSyncArgs;
extern const SgaTypeSpec sga_sync_args;

/* control.c */
json_object *sga_cmd_guest_sync(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_sync_delimited(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_ping(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_info(SgaRequest *req, const void *args, GError **error);

/* system.c */
json_object *sga_cmd_guest_get_osinfo(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_host_name(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_time(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_timezone(SgaRequest *req, const void *args, GError **error);

/* exec.c */
json_object *sga_cmd_guest_exec(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_exec_status(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_exec_kill(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_exec_input(SgaRequest *req, const void *args, GError **error);

#endif
