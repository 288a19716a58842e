/* blockdev.c: the disks under a mounted filesystem, and every disk with its partitions, from sysfs. */
#include "blockdev.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "disk-address.h"
#include "nvme-smart.h"
#include "sga-error.h"
#include "sysfs-device.h"
#include "sysroot.h"

/* Devices the kernel builds from others (device mapper, md, loop) live here. */
#define SYSFS_VIRTUAL_BLOCK "/devices/virtual/block/"
#define SYSFS_BLOCK_DIR "/sys/block"

void sga_disk_info_free(SgaDiskInfo *disk)
{
    if (!disk) {
        return;
    }
    g_free(disk->name);
    g_clear_pointer(&disk->dependencies, g_ptr_array_unref);
    sga_disk_address_free(disk->address);
    g_free(disk->alias);
    g_free(disk->smart);
    g_free(disk);
}

static bool sysfs_path_is_virtual(const SgaSysfsPath *path)
{
    return strstr(path->sys, SYSFS_VIRTUAL_BLOCK) != NULL;
}

/* ---- the disks under a device ------------------------------------------------- */

static bool device_walk(const char *real_path, char **name, GPtrArray *disks, GError **error);

/* A real device: its address, kept when anything at all is known of it. */
static bool real_device_add(const SgaSysfsPath *path, GPtrArray *disks, GError **error)
{
    g_autoptr(SgaDiskAddress) disk = g_new0(SgaDiskAddress, 1);
    g_autoptr(SgaUdevDevice) udev = sga_udev_device_open(path->real);
    GError *local = NULL;
    bool placed;

    disk->bus_type = "unknown";
    disk->pci_domain = disk->pci_bus = disk->pci_slot = disk->pci_function = -1;
    if (udev) {
        const char *serial = sga_udev_device_property(udev, "ID_SERIAL");
        disk->dev = g_strdup(sga_udev_device_devnode(udev));
        disk->serial = serial && *serial ? g_strdup(serial) : NULL;
    } else {
        g_debug("failed to query udev");
    }
    placed = sga_disk_address_from_sysfs(path, disk, &local);
    if (placed || disk->dev || disk->serial) {
        g_ptr_array_add(disks, g_steal_pointer(&disk));
    }
    if (local) {
        g_propagate_error(error, local);
        return false;
    }
    return true;
}

/* A virtual device: the disks under each device it is built from (slaves/). */
static bool virtual_device_walk(const SgaSysfsPath *path, char **name, GPtrArray *disks,
                                GError **error)
{
    g_autofree char *dir_path = g_build_filename(path->real, "slaves", NULL);
    DIR *dir = opendir(dir_path);
    bool ok = true;

    if (!dir) {
        if (errno != ENOENT) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "opendir(\"%s\"): %s",
                        sga_sysfs_system_name(dir_path), g_strerror(errno));
            return false;
        }
        return true;
    }
    for (;;) {
        struct dirent *de;

        errno = 0;
        de = readdir(dir);
        if (!de) {
            if (errno) {
                g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "readdir(\"%s\"): %s",
                            sga_sysfs_system_name(dir_path), g_strerror(errno));
                ok = false;
            }
            break;
        }
        if (de->d_type == DT_LNK) {
            g_autofree char *slave = g_build_filename(dir_path, de->d_name, NULL);
            g_debug(" slave device '%s'", de->d_name);
            if (!device_walk(slave, name, disks, error)) {
                ok = false;
                break;
            }
        }
    }
    closedir(dir);
    return ok;
}

/* Name the device (when not yet named) and collect the disks under it. A
 * device missing from sysfs (in a container) is named after the path. */
static bool device_walk(const char *real_path, char **name, GPtrArray *disks, GError **error)
{
    SgaSysfsPath path;
    bool ok;

    if (!sga_sysfs_path_resolve(real_path, &path)) {
        if (errno != ENOENT) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "realpath(\"%s\"): %s",
                        sga_sysfs_system_name(real_path), g_strerror(errno));
            return false;
        }
        if (!*name) {
            *name = g_path_get_basename(real_path);
        }
        return true;
    }
    if (!*name) {
        *name = g_path_get_basename(path.sys);
    }
    g_debug("  parse sysfs path '%s'", path.sys);
    if (sysfs_path_is_virtual(&path)) {
        ok = virtual_device_walk(&path, name, disks, error);
    } else {
        ok = real_device_add(&path, disks, error);
    }
    sga_sysfs_path_clear(&path);
    return ok;
}

/* qemu-ga builds its lists by prepending: the last found comes first. */
static void ptr_array_reverse(GPtrArray *array)
{
    for (guint i = 0, j = array->len; i + 1 < j; i++, j--) {
        gpointer t = array->pdata[i];
        array->pdata[i] = array->pdata[j - 1];
        array->pdata[j - 1] = t;
    }
}

bool sga_blockdev_fs_devices(unsigned major, unsigned minor, char **name, GPtrArray *disks,
                             GError **error)
{
    g_autofree char *system_path = g_strdup_printf("/sys/dev/block/%u:%u", major, minor);
    g_autofree char *real_path = sga_sysroot_path(system_path);
    guint first = disks->len;
    bool ok = device_walk(real_path, name, disks, error);

    if (disks->len > first) {
        g_autoptr(GPtrArray) found = g_ptr_array_new();
        for (guint i = first; i < disks->len; i++) {
            g_ptr_array_add(found, disks->pdata[i]);
        }
        ptr_array_reverse(found);
        memcpy(disks->pdata + first, found->pdata, found->len * sizeof(gpointer));
    }
    return ok;
}

/* ---- every disk ------------------------------------------------------------------ */

/* The address of a real disk: the one device_walk finds last, as qemu-ga takes it. */
static SgaDiskAddress *disk_address(const char *real_path, GError **error)
{
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func((GDestroyNotify)sga_disk_address_free);
    g_autofree char *name = NULL;

    device_walk(real_path, &name, disks, error);
    if (disks->len == 0) {
        return NULL;
    }
    return g_ptr_array_steal_index(disks, disks->len - 1);
}

/* The devices a disk is built from (slaves/), NULL when it has no such list. */
static GPtrArray *disk_dependencies(const char *disk_dir)
{
    g_autofree char *deps_dir = g_build_filename(disk_dir, "slaves", NULL);
    GDir *dir = g_dir_open(deps_dir, 0, NULL);
    GPtrArray *deps;
    const char *entry;

    if (!dir) {
        g_debug("failed to list entries in %s", deps_dir);
        return NULL;
    }
    deps = g_ptr_array_new_with_free_func(g_free);
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *dep = g_build_filename(deps_dir, entry, NULL);
        char *node = sga_udev_devnode_for(dep);
        if (node) {
            g_ptr_array_add(deps, node);
        }
    }
    g_dir_close(dir);
    ptr_array_reverse(deps);
    return deps;
}

/* Partitions are the disk's subdirectories named "<disk>N" or "<disk>pN". */
static bool partition_name_matches(const char *disk_name, const char *entry)
{
    size_t len = strlen(disk_name);

    if (strncmp(entry, disk_name, len) != 0) {
        return false;
    }
    entry += len;
    return isdigit((unsigned char)entry[0]) || (entry[0] == 'p' && isdigit((unsigned char)entry[1]));
}

static void disk_partitions_add(GPtrArray *found, const char *disk_name, const char *disk_dir,
                                const char *disk_node)
{
    DIR *dir = opendir(disk_dir);
    struct dirent *de;

    if (!dir) {
        return;
    }
    while ((de = readdir(dir))) {
        g_autofree char *part_dir = NULL;
        SgaDiskInfo *part;
        char *node;

        /* As qemu-ga tests it: any type with the directory bit. */
        if (!(de->d_type & DT_DIR) || !partition_name_matches(disk_name, de->d_name)) {
            continue;
        }
        part_dir = g_build_filename(disk_dir, de->d_name, NULL);
        node = sga_udev_devnode_for(part_dir);
        if (!node) {
            g_debug("Failed to get device name for syspath: %s", disk_dir);
            continue;
        }
        part = g_new0(SgaDiskInfo, 1);
        part->name = node;
        part->partition = true;
        /* The disk, so that the hierarchy can be followed. */
        part->dependencies = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(part->dependencies, g_strdup(disk_node));
        g_ptr_array_add(found, part);
    }
    closedir(dir);
}

/* One entry of /sys/block: the disk, then its partitions, added to found. */
static void disk_add(GPtrArray *found, const char *block_dir, const char *entry)
{
    g_autofree char *disk_dir = g_build_filename(block_dir, entry, NULL);
    g_autofree char *size_path = g_build_filename(disk_dir, "size", NULL);
    g_autofree char *size = NULL;
    g_autoptr(SgaUdevDevice) udev = NULL;
    g_autoptr(GError) error = NULL;
    SgaSysfsPath path;
    SgaDiskInfo *disk;
    const char *alias;
    bool is_virtual;

    if (!g_file_get_contents(size_path, &size, NULL, NULL)) {
        g_debug("  failed to read disk size");
        return;
    }
    if (strcmp(size, "0\n") == 0) {
        g_debug("  skipping zero-sized disk");
        return;
    }
    udev = sga_udev_device_open(disk_dir);
    if (!udev || !sga_udev_device_devnode(udev)) {
        g_debug("Failed to get device name for syspath: %s", disk_dir);
        return;
    }
    disk = g_new0(SgaDiskInfo, 1);
    disk->name = g_strdup(sga_udev_device_devnode(udev));
    alias = sga_udev_device_property(udev, "DM_NAME");
    disk->alias = alias && *alias ? g_strdup(alias) : NULL;
    g_ptr_array_add(found, disk);

    /* Only real devices have an address; an unresolvable one counts as virtual. */
    is_virtual = !sga_sysfs_path_resolve(disk_dir, &path) || sysfs_path_is_virtual(&path);
    sga_sysfs_path_clear(&path);
    if (!is_virtual) {
        disk->address = disk_address(disk_dir, &error);
        if (error) {
            g_debug("  failed to get device info, ignoring error: %s", error->message);
            g_clear_pointer(&disk->address, sga_disk_address_free);
        }
    }
    disk->dependencies = disk_dependencies(disk_dir);
    if (disk->address && strcmp(disk->address->bus_type, "nvme") == 0) {
        disk->smart = sga_nvme_smart_read(disk->name);
    }
    disk_partitions_add(found, entry, disk_dir, disk->name);
}

GPtrArray *sga_blockdev_disks(GError **error)
{
    g_autofree char *block_dir = sga_sysroot_path(SYSFS_BLOCK_DIR);
    GPtrArray *found;
    DIR *dir = opendir(block_dir);
    struct dirent *de;

    if (!dir) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Can't open directory \"%s\": %s",
                    SYSFS_BLOCK_DIR, g_strerror(errno));
        return NULL;
    }
    found = g_ptr_array_new_with_free_func((GDestroyNotify)sga_disk_info_free);
    while ((de = readdir(dir))) {
        if (de->d_type != DT_LNK) {
            g_debug("  skipping entry: %s", de->d_name);
            continue;
        }
        disk_add(found, block_dir, de->d_name);
    }
    closedir(dir);
    ptr_array_reverse(found);
    return found;
}
