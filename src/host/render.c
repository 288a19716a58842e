/* render.c: text output of replies for people; compact JSON for scripts. */
#include "render.h"

#include <glib.h>
#include <stdio.h>

#include "sga-json-writer.h"

void sga_render_json(json_object *value)
{
    g_autoptr(GString) out = g_string_new(NULL);

    sga_json_write(out, value);
    puts(out->str);
}

void sga_render_value(json_object *value, bool json)
{
    if (json) {
        sga_render_json(value);
    } else {
        puts(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
    }
}

static const char *member_string(json_object *obj, const char *name)
{
    json_object *v;

    if (json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_string)) {
        return json_object_get_string(v);
    }
    return NULL;
}

static bool member_bool(json_object *obj, const char *name)
{
    json_object *v;

    return json_object_object_get_ex(obj, name, &v) && json_object_get_boolean(v);
}

void sga_render_info(json_object *info)
{
    json_object *cmds = NULL;
    const char *version = member_string(info, "version");

    printf("version: %s\n", version ? version : "(unknown)");
    if (!json_object_object_get_ex(info, "supported_commands", &cmds) ||
        !json_object_is_type(cmds, json_type_array)) {
        return;
    }
    printf("%-40s %-8s %s\n", "COMMAND", "ENABLED", "REPLIES");
    for (size_t i = 0; i < json_object_array_length(cmds); i++) {
        json_object *c = json_object_array_get_idx(cmds, i);
        const char *name = member_string(c, "name");
        printf("%-40s %-8s %s\n", name ? name : "?", member_bool(c, "enabled") ? "yes" : "no",
               member_bool(c, "success-response") ? "yes" : "no");
    }
}

void sga_render_osinfo(json_object *osinfo)
{
    static const char *const fields[] = {
        "pretty-name", "name", "id", "version", "version-id", "variant", "variant-id",
        "kernel-release", "kernel-version", "machine", NULL,
    };

    for (int i = 0; fields[i]; i++) {
        const char *v = member_string(osinfo, fields[i]);
        if (v) {
            printf("%-15s %s\n", fields[i], v);
        }
    }
}
