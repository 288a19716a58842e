/* system.c: guest-get-osinfo, guest-get-host-name, guest-get-time, guest-get-timezone. */
#include "commands.h"

#include "platform.h"
#include "sga-error.h"

static void member_add_string(json_object *obj, const char *name, const char *value)
{
    if (value) {
        json_object_object_add(obj, name, json_object_new_string(value));
    }
}

json_object *sga_cmd_guest_get_osinfo(SgaRequest *req, const void *args, GError **error)
{
    SgaOsInfo info = { 0 };
    json_object *ret = json_object_new_object();

    sga_platform_os_info(&info);
    member_add_string(ret, "kernel-release", info.kernel_release);
    member_add_string(ret, "kernel-version", info.kernel_version);
    member_add_string(ret, "machine", info.machine);
    member_add_string(ret, "id", info.id);
    member_add_string(ret, "name", info.name);
    member_add_string(ret, "pretty-name", info.pretty_name);
    member_add_string(ret, "version", info.version);
    member_add_string(ret, "version-id", info.version_id);
    member_add_string(ret, "variant", info.variant);
    member_add_string(ret, "variant-id", info.variant_id);
    sga_os_info_clear(&info);
    return ret;
}

json_object *sga_cmd_guest_get_host_name(SgaRequest *req, const void *args, GError **error)
{
    g_autofree char *name = sga_platform_host_name(error);
    json_object *ret;

    if (!name) {
        return NULL;
    }
    ret = json_object_new_object();
    json_object_object_add(ret, "host-name", json_object_new_string(name));
    return ret;
}

json_object *sga_cmd_guest_get_time(SgaRequest *req, const void *args, GError **error)
{
    return json_object_new_int64(sga_platform_time_ns());
}

json_object *sga_cmd_guest_get_timezone(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GTimeZone) tz = g_time_zone_new_local();
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    int interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, now);
    const char *abbrev = g_time_zone_get_abbreviation(tz, interval);
    json_object *ret = json_object_new_object();

    member_add_string(ret, "zone", abbrev);
    json_object_object_add(ret, "offset", json_object_new_int(g_time_zone_get_offset(tz, interval)));
    return ret;
}
