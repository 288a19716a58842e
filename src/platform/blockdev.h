/* blockdev.h: block devices as sysfs and udev describe them: disk addresses, disks, partitions. */
#ifndef SGA_BLOCKDEV_H
#define SGA_BLOCKDEV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "disk-location.h"

/*
 * The device a filesystem lies on (major:minor from the mount table): its name
 * (the kernel's, e.g. "vda1" or "dm-0") and the disks under it, a device
 * mapper or md device being followed down to the disks it is built from.
 * disks gets SgaDiskAddress * (the caller's array frees them). Errors are
 * those qemu-ga reports (a sysfs directory that cannot be read).
 */
bool sga_blockdev_fs_devices(unsigned major, unsigned minor, char **name, GPtrArray *disks,
                             GError **error);

/* NVMe SMART / health log values (the QAPI GuestNVMeSmart). */
typedef struct SgaNvmeSmart {
    int64_t critical_warning;
    int64_t temperature;
    int64_t available_spare;
    int64_t available_spare_threshold;
    int64_t percentage_used;
    /* 128-bit counters as low and high halves, in this order: data units
     * read, written, host read and write commands, controller busy time,
     * power cycles, power-on hours, unsafe shutdowns, media errors, error log
     * entries. */
    uint64_t counters[10][2];
} SgaNvmeSmart;

/* One disk or partition (the QAPI GuestDiskInfo). */
typedef struct SgaDiskInfo {
    char *name;                 /* device node */
    bool partition;
    GPtrArray *dependencies;    /* of char *: device nodes it is built on; NULL: unknown */
    SgaDiskAddress *address;    /* NULL for virtual devices or when unknown */
    char *alias;                /* device mapper name, or NULL */
    SgaNvmeSmart *smart;        /* NVMe disks whose health log could be read, or NULL */
} SgaDiskInfo;

void sga_disk_info_free(SgaDiskInfo *disk);

/* Every block device of non-zero size and its partitions, in qemu-ga's order:
 * a GPtrArray of SgaDiskInfo * that frees them. */
GPtrArray *sga_blockdev_disks(GError **error);

#endif
