/* disk-location.h: where a disk hangs off the machine (the QAPI GuestDiskAddress), as either platform finds it. */
#ifndef SGA_DISK_LOCATION_H
#define SGA_DISK_LOCATION_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Where a disk hangs off the machine (the QAPI GuestDiskAddress). */
typedef struct SgaDiskAddress {
    const char *bus_type;       /* a GuestDiskBusType name: "virtio", "scsi", "unknown"... */
    int64_t pci_domain;         /* the controller's PCI address, -1 when unknown */
    int64_t pci_bus;
    int64_t pci_slot;
    int64_t pci_function;
    int64_t bus;
    int64_t target;
    int64_t unit;
    char *serial;               /* udev's ID_SERIAL (Windows: the storage descriptor's), or NULL */
    char *dev;                  /* the device node (Windows: \\.\PhysicalDriveN), or NULL */
    bool has_ccw;               /* an s390 channel I/O device: */
    int64_t ccw_cssid;
    int64_t ccw_ssid;
    int64_t ccw_subchno;
    int64_t ccw_devno;
} SgaDiskAddress;

void sga_disk_address_free(SgaDiskAddress *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SgaDiskAddress, sga_disk_address_free)

#endif
