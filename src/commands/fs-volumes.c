/* fs-volumes.c: guest-get-fsinfo and guest-get-disks built from the platform's volume list (Windows). */
#include "fs.h"

#include "commands.h"
#include "volumes.h"

/* qemu-ga's name for a volume mounted nowhere (it is usually the boot
 * partition Windows setup makes, labelled so). */
#define UNMOUNTED_VOLUME "System Reserved"

/* A GuestFilesystemInfo: sizes only for a mounted volume, disks latest extent
 * first (qemu-ga prepends them). */
static json_object *volume_to_json(const SgaVolume *v)
{
    json_object *fs = json_object_new_object();
    json_object *disks = json_object_new_array();

    json_object_object_add(fs, "name", json_object_new_string(v->name));
    json_object_object_add(fs, "mountpoint",
                           json_object_new_string(v->mount_path ? v->mount_path : UNMOUNTED_VOLUME));
    json_object_object_add(fs, "type", json_object_new_string(v->fs_type));
    if (v->has_usage) {
        json_object_object_add(fs, "used-bytes", json_object_new_uint64(v->used_bytes));
        json_object_object_add(fs, "total-bytes", json_object_new_uint64(v->total_bytes));
    }
    for (guint i = 0; i < v->disks->len; i++) {
        json_object_array_add(disks, sga_fs_disk_address_to_json(g_ptr_array_index(v->disks, i)));
    }
    json_object_object_add(fs, "disk", sga_fs_json_reversed(disks));
    return fs;
}

json_object *sga_cmd_guest_get_fsinfo(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) volumes = sga_volumes_read(error);
    json_object *list;

    if (!volumes) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < volumes->len; i++) {
        json_object_array_add(list, volume_to_json(g_ptr_array_index(volumes, i)));
    }
    /* Last volume found first, as qemu-ga lists them. */
    return sga_fs_json_reversed(list);
}

/* A GuestDiskInfo: Windows reports whole disks only, with no dependencies. */
static json_object *physical_disk_to_json(const SgaPhysicalDisk *d)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "name", json_object_new_string(d->name));
    json_object_object_add(obj, "partition", json_object_new_boolean(false));
    if (d->address) {
        json_object_object_add(obj, "address", sga_fs_disk_address_to_json(d->address));
    }
    return obj;
}

json_object *sga_cmd_guest_get_disks(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) disks = sga_physical_disks_read(error);
    json_object *list;

    if (!disks) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < disks->len; i++) {
        json_object_array_add(list, physical_disk_to_json(g_ptr_array_index(disks, i)));
    }
    /* Last disk enumerated first, as qemu-ga lists them. */
    return sga_fs_json_reversed(list);
}
