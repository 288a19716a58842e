/* disk-address.h: where a disk hangs off the machine, read from its sysfs path. */
#ifndef SGA_DISK_ADDRESS_H
#define SGA_DISK_ADDRESS_H

#include <glib.h>
#include <stdbool.h>

#include "blockdev.h"
#include "sysfs-device.h"

/*
 * Fill the bus type, controller address and bus/target/unit of disk from the
 * sysfs path of a real (not virtual) block device, reading it the way
 * qemu-ga 7.2 does: PCI controllers whose driver it knows (IDE, LSI SCSI,
 * virtio, AHCI, NVMe), s390 channel devices, and virtio without PCI. True
 * when the path told where the disk is; an unreadable host directory is an
 * error.
 */
bool sga_disk_address_from_sysfs(const SgaSysfsPath *path, SgaDiskAddress *disk, GError **error);

#endif
