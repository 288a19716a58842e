/* fstrim-volumes.c: guest-fstrim on Windows, defrag /L on every fixed volume, one result per mount path. */
#include "fs.h"

#include "commands.h"
#include "sga-error.h"
#include "volumes.h"

/* A GuestFilesystemTrimResult as qemu-ga's Windows code gives it: the path,
 * and an error when defrag could not run or reported one; never trimmed or
 * minimum (defrag does not say), and the minimum argument is not used. */
static json_object *trim_one(const char *path)
{
    json_object *result = json_object_new_object();
    g_autoptr(GError) local = NULL;
    g_autofree char *failure = NULL;

    json_object_object_add(result, "path", json_object_new_string(path));
    if (!sga_volume_trim(path, &failure, &local)) {
        json_object_object_add(result, "error", json_object_new_string(local->message));
    } else if (failure) {
        json_object_object_add(result, "error", json_object_new_string(failure));
    }
    return result;
}

json_object *sga_cmd_guest_fstrim(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) paths = NULL;
    json_object *results, *response;

    if (!sga_volume_trim_supported()) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, "fstrim is only supported for Win8+");
        return NULL;
    }
    paths = sga_volume_trim_paths(error);
    if (!paths) {
        return NULL;
    }
    /* Trimmed in the system's volume order, listed last volume first, as qemu-ga does. */
    results = json_object_new_array();
    for (guint i = 0; i < paths->len; i++) {
        json_object_array_add(results, trim_one(g_ptr_array_index(paths, i)));
    }
    response = json_object_new_object();
    json_object_object_add(response, "paths", sga_fs_json_reversed(results));
    return response;
}
