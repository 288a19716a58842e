/* fs.c: guest-get-fsinfo and guest-get-disks, built from the mount table and sysfs. */
#include "fs.h"

#include <sys/statvfs.h>

#include "blockdev.h"
#include "commands.h"
#include "mounts.h"
#include "sysroot.h"

/* ---- guest-get-fsinfo ------------------------------------------------------------ */

/* Used and total bytes as qemu-ga 7.2 counts them: the total is what users
 * other than root may fill (used plus available), not the filesystem's size.
 * (QEMU 9.1 adds that size, f_blocks * f_frsize, as total-bytes-privileged;
 * 7.2 replies have no such member.) */
static void fsinfo_add_usage(json_object *fs, const char *mountpoint)
{
    g_autofree char *path = sga_sysroot_path(mountpoint);
    struct statvfs st;
    uint64_t used;

    if (statvfs(path, &st) != 0) {
        return;
    }
    used = (uint64_t)st.f_blocks - st.f_bfree;
    json_object_object_add(fs, "used-bytes", json_object_new_uint64(used * st.f_frsize));
    json_object_object_add(fs, "total-bytes",
                           json_object_new_uint64((used + st.f_bavail) * st.f_frsize));
}

static json_object *fsinfo_one(const SgaMount *m, GError **error)
{
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func((GDestroyNotify)sga_disk_address_free);
    g_autofree char *name = NULL;
    json_object *fs, *list;

    if (!sga_blockdev_fs_devices(m->major, m->minor, &name, disks, error)) {
        return NULL;
    }
    fs = json_object_new_object();
    json_object_object_add(fs, "name", json_object_new_string(name));
    json_object_object_add(fs, "mountpoint", json_object_new_string(m->dir));
    json_object_object_add(fs, "type", json_object_new_string(m->type));
    fsinfo_add_usage(fs, m->dir);
    list = json_object_new_array();
    for (guint i = 0; i < disks->len; i++) {
        json_object_array_add(list, sga_fs_disk_address_to_json(g_ptr_array_index(disks, i)));
    }
    json_object_object_add(fs, "disk", list);
    return fs;
}

json_object *sga_cmd_guest_get_fsinfo(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) mounts = sga_mounts_read(error);
    json_object *list;

    if (!mounts) {
        return NULL;
    }
    /* In mount order, so that the first mount that fails is the one reported. */
    list = json_object_new_array();
    for (guint i = 0; i < mounts->len; i++) {
        const SgaMount *m = g_ptr_array_index(mounts, i);
        json_object *fs;

        g_debug("Building guest fsinfo for '%s'", m->dir);
        fs = fsinfo_one(m, error);
        if (!fs) {
            json_object_put(list);
            return NULL;
        }
        json_object_array_add(list, fs);
    }
    /* Latest mount first, as qemu-ga lists them. */
    return sga_fs_json_reversed(list);
}

/* ---- guest-get-disks --------------------------------------------------------------- */

/* The 128-bit counters' names, in SgaNvmeSmart.counters order. */
static const char *const nvme_counter_names[] = {
    "data-units-read", "data-units-written", "host-read-commands", "host-write-commands",
    "controller-busy-time", "power-cycles", "power-on-hours", "unsafe-shutdowns",
    "media-errors", "number-of-error-log-entries",
};

/* A GuestDiskSmart of type nvme. */
static json_object *nvme_smart_to_json(const SgaNvmeSmart *s)
{
    json_object *obj = json_object_new_object();

    G_STATIC_ASSERT(G_N_ELEMENTS(nvme_counter_names) == G_N_ELEMENTS(s->counters));
    json_object_object_add(obj, "type", json_object_new_string("nvme"));
    json_object_object_add(obj, "critical-warning", json_object_new_int64(s->critical_warning));
    json_object_object_add(obj, "temperature", json_object_new_int64(s->temperature));
    json_object_object_add(obj, "available-spare", json_object_new_int64(s->available_spare));
    json_object_object_add(obj, "available-spare-threshold",
                           json_object_new_int64(s->available_spare_threshold));
    json_object_object_add(obj, "percentage-used", json_object_new_int64(s->percentage_used));
    for (size_t i = 0; i < G_N_ELEMENTS(nvme_counter_names); i++) {
        g_autofree char *lo = g_strconcat(nvme_counter_names[i], "-lo", NULL);
        g_autofree char *hi = g_strconcat(nvme_counter_names[i], "-hi", NULL);
        json_object_object_add(obj, lo, json_object_new_uint64(s->counters[i][0]));
        json_object_object_add(obj, hi, json_object_new_uint64(s->counters[i][1]));
    }
    return obj;
}

static json_object *disk_info_to_json(const SgaDiskInfo *d)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "name", json_object_new_string(d->name));
    json_object_object_add(obj, "partition", json_object_new_boolean(d->partition));
    if (d->dependencies) {
        json_object *deps = json_object_new_array();
        for (guint i = 0; i < d->dependencies->len; i++) {
            json_object_array_add(deps, json_object_new_string(g_ptr_array_index(d->dependencies, i)));
        }
        json_object_object_add(obj, "dependencies", deps);
    }
    if (d->address) {
        json_object_object_add(obj, "address", sga_fs_disk_address_to_json(d->address));
    }
    if (d->alias) {
        json_object_object_add(obj, "alias", json_object_new_string(d->alias));
    }
    if (d->smart) {
        json_object_object_add(obj, "smart", nvme_smart_to_json(d->smart));
    }
    return obj;
}

json_object *sga_cmd_guest_get_disks(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) disks = sga_blockdev_disks(error);
    json_object *list;

    if (!disks) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < disks->len; i++) {
        json_object_array_add(list, disk_info_to_json(g_ptr_array_index(disks, i)));
    }
    return list;
}
