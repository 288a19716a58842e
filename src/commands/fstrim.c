/* fstrim.c: guest-fstrim, FITRIM on every mounted filesystem, one result per mount point. */
#include "fs.h"

#include <errno.h>
#include <unistd.h>

#include "commands.h"
#include "fsctl.h"
#include "mounts.h"

/* A GuestFilesystemTrimResult: trimmed and minimum, or an error. */
static json_object *fstrim_one(const SgaMount *m, uint64_t minimum)
{
    json_object *result = json_object_new_object();
    g_autoptr(GError) open_error = NULL;
    uint64_t trimmed = 0;
    int fd, err;

    json_object_object_add(result, "path", json_object_new_string(m->dir));
    fd = sga_mount_open(m->dir, &open_error);
    if (fd < 0) {
        g_autofree char *msg = g_strdup_printf("failed to open: %s", open_error->message);
        json_object_object_add(result, "error", json_object_new_string(msg));
        return result;
    }
    err = sga_fs_trim(fd, &minimum, &trimmed);
    close(fd);
    if (err == ENOTTY || err == EOPNOTSUPP) {
        /* Filesystems (and devices, such as CD-ROMs) that cannot discard. */
        json_object_object_add(result, "error", json_object_new_string("trim not supported"));
    } else if (err) {
        g_autofree char *msg = g_strdup_printf("failed to trim: %s", g_strerror(err));
        json_object_object_add(result, "error", json_object_new_string(msg));
    } else {
        json_object_object_add(result, "minimum", json_object_new_int64((int64_t)minimum));
        json_object_object_add(result, "trimmed", json_object_new_int64((int64_t)trimmed));
    }
    return result;
}

json_object *sga_cmd_guest_fstrim(SgaRequest *req, const void *args, GError **error)
{
    const SgaFstrimArgs *a = args;
    g_autoptr(GPtrArray) mounts = NULL;
    json_object *paths, *response;
    /* A negative minimum becomes a huge one, as the kernel's unsigned field takes it. */
    uint64_t minimum = a->has_minimum ? (uint64_t)a->minimum : 0;

    g_log("syslog", G_LOG_LEVEL_INFO, "guest-fstrim called");
    mounts = sga_mounts_read(error);
    if (!mounts) {
        return NULL;
    }
    /* Trimmed in mount order, listed latest mount first, as qemu-ga does. */
    paths = json_object_new_array();
    for (guint i = 0; i < mounts->len; i++) {
        json_object_array_add(paths, fstrim_one(g_ptr_array_index(mounts, i), minimum));
    }
    paths = sga_fs_json_reversed(paths);
    response = json_object_new_object();
    json_object_object_add(response, "paths", paths);
    return response;
}
