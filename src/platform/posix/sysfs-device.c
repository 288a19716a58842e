/* sysfs-device.c: resolving sysfs paths under the system root; devices' uevent and udev database. */
#include "sysfs-device.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysroot.h"

/* Where udev keeps what it learnt about each device (its rules' properties),
 * one file per device: "b" or "c" then major:minor. */
#define UDEV_DB_DIR "/run/udev/data"

struct SgaUdevDevice {
    char *devnode;
    GHashTable *properties;     /* char * -> char * */
};

/* The root in use with its symlinks resolved, "" for the real root. */
static char *sysroot_real(void)
{
    char *root;

    if (sga_sysroot_is_real()) {
        return g_strdup("");
    }
    root = realpath(sga_sysroot(), NULL);
    return root ? root : g_strdup(sga_sysroot());
}

/* Past the root's prefix in a real path; the path itself when it is outside. */
static const char *sysroot_strip(const char *real_path)
{
    g_autofree char *root = sysroot_real();
    size_t len = strlen(root);

    if (len && strncmp(real_path, root, len) == 0 && real_path[len] == '/') {
        return real_path + len;
    }
    return real_path;
}

const char *sga_sysfs_system_name(const char *real_path)
{
    return sysroot_strip(real_path);
}

bool sga_sysfs_path_resolve(const char *real_path, SgaSysfsPath *out)
{
    char *real = realpath(real_path, NULL);

    if (!real) {
        return false;
    }
    out->real = real;
    out->sys = sysroot_strip(real);
    return true;
}

void sga_sysfs_path_clear(SgaSysfsPath *path)
{
    g_clear_pointer(&path->real, free);
    path->sys = NULL;
}

char *sga_sysfs_path_prefix(const SgaSysfsPath *path, const char *sys_end, const char *suffix)
{
    g_autofree char *head = g_strndup(path->real, (gsize)(sys_end - path->real));

    return g_strconcat(head, suffix, NULL);
}

static bool path_under(const char *path, const char *dir)
{
    size_t len = strlen(dir);

    return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* KEY=VALUE lines into properties; prefix, when given, must start each line
 * and is dropped (udev's database marks properties "E:"). */
static void properties_read(GHashTable *properties, const char *file, const char *prefix)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(file, &text, NULL, NULL)) {
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *line = *l;
        const char *eq;

        if (prefix) {
            if (!g_str_has_prefix(line, prefix)) {
                continue;
            }
            line += strlen(prefix);
        }
        eq = strchr(line, '=');
        if (eq && eq != line) {
            g_hash_table_replace(properties, g_strndup(line, (gsize)(eq - line)), g_strdup(eq + 1));
        }
    }
}

/* "b" for block devices, "c" for the rest, as udev names its database files. */
static char udev_db_kind(const char *real_path)
{
    g_autofree char *link = g_build_filename(real_path, "subsystem", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    g_autofree char *subsystem = target ? g_path_get_basename(target) : NULL;

    return g_strcmp0(subsystem, "block") == 0 ? 'b' : 'c';
}

SgaUdevDevice *sga_udev_device_open(const char *real_path)
{
    SgaSysfsPath path;
    SgaUdevDevice *device;
    g_autofree char *uevent = NULL;
    const char *devname, *major, *minor;
    struct stat st;

    if (!sga_sysfs_path_resolve(real_path, &path)) {
        return NULL;
    }
    uevent = g_build_filename(path.real, "uevent", NULL);
    /* Devices proper need a uevent file; other sysfs entries, to be directories. */
    if (!path_under(path.sys, "/sys") ||
        (path_under(path.sys, "/sys/devices") ? access(uevent, F_OK) != 0
                                              : stat(path.real, &st) != 0 || !S_ISDIR(st.st_mode))) {
        sga_sysfs_path_clear(&path);
        return NULL;
    }
    device = g_new0(SgaUdevDevice, 1);
    device->properties = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    properties_read(device->properties, uevent, NULL);
    major = g_hash_table_lookup(device->properties, "MAJOR");
    minor = g_hash_table_lookup(device->properties, "MINOR");
    if (major && minor) {
        g_autofree char *name = g_strdup_printf("%s/%c%s:%s", UDEV_DB_DIR, udev_db_kind(path.real),
                                                major, minor);
        g_autofree char *db = sga_sysroot_path(name);
        properties_read(device->properties, db, "E:");
    }
    devname = g_hash_table_lookup(device->properties, "DEVNAME");
    if (devname && *devname) {
        device->devnode = devname[0] == '/' ? g_strdup(devname) : g_strconcat("/dev/", devname, NULL);
    }
    sga_sysfs_path_clear(&path);
    return device;
}

void sga_udev_device_free(SgaUdevDevice *device)
{
    if (!device) {
        return;
    }
    g_hash_table_unref(device->properties);
    g_free(device->devnode);
    g_free(device);
}

const char *sga_udev_device_devnode(const SgaUdevDevice *device)
{
    return device->devnode;
}

const char *sga_udev_device_property(const SgaUdevDevice *device, const char *key)
{
    return g_hash_table_lookup(device->properties, key);
}

char *sga_udev_devnode_for(const char *real_path)
{
    g_autoptr(SgaUdevDevice) device = sga_udev_device_open(real_path);

    return device ? g_strdup(sga_udev_device_devnode(device)) : NULL;
}
