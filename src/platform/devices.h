/* devices.h: the system's device drivers for guest-get-devices (Windows only, as in qemu-ga). */
#ifndef SGA_DEVICES_H
#define SGA_DEVICES_H

#include <glib.h>
#include <stdint.h>

/* One device qemu-ga reports: a present device with a QEMU PCI identity
 * (vendor 1af4 virtio or 1b36 Red Hat) whose driver has a version and a date. */
typedef struct SgaDevice {
    char *driver_name;      /* the device's name (DEVPKEY_NAME) */
    int64_t driver_date;    /* the driver's date, nanoseconds since the epoch */
    char *driver_version;
    uint16_t pci_vendor_id;
    uint16_t pci_device_id;
} SgaDevice;

/* The devices in the order the system enumerates them: a GPtrArray of
 * SgaDevice (freed with it), possibly empty. NULL with error when the device
 * tree cannot be read. Implemented on Windows only. */
GPtrArray *sga_devices_list(GError **error);

#endif
