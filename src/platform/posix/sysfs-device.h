/* sysfs-device.h: sysfs paths under the system root, and what udev records about a device. */
#ifndef SGA_SYSFS_DEVICE_H
#define SGA_SYSFS_DEVICE_H

#include <glib.h>
#include <stdbool.h>

/*
 * A sysfs path with its symlinks resolved. real is where it is on this
 * machine, under the system root; sys points into real just past the root,
 * so it reads as the system names it ("/sys/devices/pci0000:00/..."): paths
 * are parsed from sys, files are reached through real.
 */
typedef struct SgaSysfsPath {
    char *real;
    const char *sys;
} SgaSysfsPath;

/* Resolve a path on this machine (already under the root); false with errno set. */
bool sga_sysfs_path_resolve(const char *real_path, SgaSysfsPath *out);
void sga_sysfs_path_clear(SgaSysfsPath *path);
/* The real path of sys up to sys_end (a pointer into path->sys), with suffix appended. */
char *sga_sysfs_path_prefix(const SgaSysfsPath *path, const char *sys_end, const char *suffix);
/* A real path as the system names it, for messages (a pointer into real_path). */
const char *sga_sysfs_system_name(const char *real_path);

/* A device as libudev sees it: sysfs's uevent file plus udev's database. */
typedef struct SgaUdevDevice SgaUdevDevice;

/* NULL when the path is not a device (not under /sys, or a /sys/devices
 * directory without a uevent file), as udev_device_new_from_syspath decides. */
SgaUdevDevice *sga_udev_device_open(const char *real_path);
void sga_udev_device_free(SgaUdevDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SgaUdevDevice, sga_udev_device_free)

/* The device node ("/dev/" + the uevent's DEVNAME), or NULL. */
const char *sga_udev_device_devnode(const SgaUdevDevice *device);
/* A property from udev's database or the uevent file, or NULL. */
const char *sga_udev_device_property(const SgaUdevDevice *device, const char *key);

/* The device node of the device at a real sysfs path, or NULL (newly allocated). */
char *sga_udev_devnode_for(const char *real_path);

#endif
