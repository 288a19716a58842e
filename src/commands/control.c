/* control.c: guest-sync, guest-sync-delimited, guest-ping and guest-info. */
#include "commands.h"

#include "dispatch.h"
#include "sga-build-config.h"

static const SgaMemberSpec sync_members[] = {
    SGA_MEMBER(SgaSyncArgs, id, "id", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_sync_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-sync arguments",
    .size = sizeof(SgaSyncArgs), .members = sync_members,
};

json_object *sga_cmd_guest_sync(SgaRequest *req, const void *args, GError **error)
{
    const SgaSyncArgs *a = args;

    return json_object_new_int64(a->id);
}

json_object *sga_cmd_guest_sync_delimited(SgaRequest *req, const void *args, GError **error)
{
    const SgaSyncArgs *a = args;

    sga_request_delimit_reply(req);
    return json_object_new_int64(a->id);
}

json_object *sga_cmd_guest_ping(SgaRequest *req, const void *args, GError **error)
{
    return NULL;
}

static void command_info_append(const SgaCommand *cmd, bool enabled, void *opaque)
{
    json_object *list = opaque;
    json_object *info = json_object_new_object();

    json_object_object_add(info, "name", json_object_new_string(cmd->name));
    json_object_object_add(info, "enabled", json_object_new_boolean(enabled));
    json_object_object_add(info, "success-response",
                           json_object_new_boolean(!(cmd->flags & SGA_COMMAND_NO_SUCCESS_RESPONSE)));
    json_object_array_add(list, info);
}

json_object *sga_cmd_guest_info(SgaRequest *req, const void *args, GError **error)
{
    json_object *info = json_object_new_object();
    json_object *list = json_object_new_array();

    /* The qemu-ga release whose protocol we speak, not streamga's own version:
     * clients compare it to decide which commands and arguments exist. */
    json_object_object_add(info, "version", json_object_new_string(SGA_QGA_COMPAT_VERSION));
    sga_registry_foreach(sga_request_registry(req), command_info_append, list);
    json_object_object_add(info, "supported_commands", list);
    return info;
}
