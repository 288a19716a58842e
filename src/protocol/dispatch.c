/* dispatch.c: request envelope checks, command lookup, argument checks, replies. */
#include "dispatch.h"

#include <string.h>

#include "sga-error.h"

struct SgaRequest {
    const SgaRegistry *registry;
    bool delimit;
};

/* Commands without arguments still refuse any they are given, as QAPI does. */
static const SgaMemberSpec no_members[] = { SGA_MEMBERS_END };
static const SgaTypeSpec no_arguments = {
    .kind = SGA_TYPE_STRUCT, .name = "arguments", .size = 0, .members = no_members,
};

void sga_request_delimit_reply(SgaRequest *req)
{
    req->delimit = true;
}

const SgaRegistry *sga_request_registry(const SgaRequest *req)
{
    return req->registry;
}

json_object *sga_dispatch_error_reply(const GError *error)
{
    json_object *reply = json_object_new_object();
    json_object *err = json_object_new_object();

    json_object_object_add(err, "class", json_object_new_string(sga_error_class_name(error)));
    json_object_object_add(err, "desc", json_object_new_string(error->message));
    json_object_object_add(reply, "error", err);
    return reply;
}

/* The envelope rules of QEMU's qmp_dispatch_check_obj (without out-of-band). */
static const char *request_check(json_object *request, GError **error)
{
    const char *execute = NULL;

    json_object_object_foreach(request, key, val) {
        if (strcmp(key, "execute") == 0) {
            if (!json_object_is_type(val, json_type_string)) {
                g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "QMP input member 'execute' must be a string");
                return NULL;
            }
            execute = json_object_get_string(val);
        } else if (strcmp(key, "arguments") == 0) {
            if (!json_object_is_type(val, json_type_object)) {
                g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "QMP input member 'arguments' must be an object");
                return NULL;
            }
        } else if (strcmp(key, "id") != 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "QMP input member '%s' is unexpected", key);
            return NULL;
        }
    }
    if (!execute) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "QMP input lacks member 'execute'");
    }
    return execute;
}

static json_object *command_run(const SgaCommand *cmd, json_object *arguments, SgaRequest *req,
                                GError **error)
{
    const SgaTypeSpec *spec = cmd->args ? cmd->args : &no_arguments;
    json_object *empty = NULL;
    json_object *result = NULL;
    void *args = g_malloc0(MAX(spec->size, 1));

    if (!arguments) {
        arguments = empty = json_object_new_object();
    }
    if (sga_args_unmarshal(spec, arguments, args, error)) {
        result = cmd->handler(req, cmd->args ? args : NULL, error);
        sga_args_clear(spec, args);
    }
    json_object_put(empty);
    g_free(args);
    return result;
}

json_object *sga_dispatch(const SgaRegistry *reg, json_object *request, bool *delimit)
{
    SgaRequest req = { .registry = reg, .delimit = false };
    g_autoptr(GError) error = NULL;
    json_object *id = NULL, *arguments = NULL, *result = NULL, *reply;
    gboolean has_id = FALSE;
    const SgaCommand *cmd = NULL;
    const char *name;

    *delimit = false;
    if (!json_object_is_type(request, json_type_object)) {
        g_set_error(&error, SGA_ERROR, SGA_ERROR_GENERIC, "QMP input must be a JSON object");
        return sga_dispatch_error_reply(error);
    }
    has_id = json_object_object_get_ex(request, "id", &id);

    name = request_check(request, &error);
    if (name) {
        const char *reason = NULL;
        cmd = sga_registry_lookup(reg, name);
        if (!cmd) {
            g_set_error(&error, SGA_ERROR, SGA_ERROR_COMMAND_NOT_FOUND,
                        "The command %s has not been found", name);
        } else if (!sga_registry_is_enabled(reg, cmd, &reason)) {
            g_set_error(&error, SGA_ERROR, SGA_ERROR_COMMAND_NOT_FOUND,
                        "Command %s has been disabled%s%s", name,
                        reason ? ": " : "", reason ? reason : "");
        } else {
            json_object_object_get_ex(request, "arguments", &arguments);
            result = command_run(cmd, arguments, &req, &error);
        }
    }

    if (error) {
        reply = sga_dispatch_error_reply(error);
    } else if (cmd->flags & SGA_COMMAND_NO_SUCCESS_RESPONSE) {
        json_object_put(result);
        return NULL;
    } else {
        reply = json_object_new_object();
        json_object_object_add(reply, "return", result ? result : json_object_new_object());
        *delimit = req.delimit;
    }
    if (has_id) {
        json_object_object_add(reply, "id", json_object_get(id));
    }
    return reply;
}
