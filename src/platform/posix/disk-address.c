/* disk-address.c: bus type and address of a disk from its sysfs path (PCI, s390 CCW, virtio). */
#include "disk-address.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sga-error.h"

/* Host adapters counted under one PCI controller: as many as qemu-ga looks at. */
#define DISK_HOSTS_MAX 8

#define SYSFS_PCI_ROOT "/devices/pci"
#define SYSFS_CCW_ROOT "/devices/css"

/* PCI drivers whose disks qemu-ga can place. */
static const char *const known_pci_drivers[] = {
    "ata_piix", "sym53c8xx", "virtio-pci", "ahci", "nvme", NULL,
};

/* The driver bound to the sysfs device path->sys[..end], or NULL. */
static char *pci_driver(const SgaSysfsPath *path, const char *end)
{
    g_autofree char *link = sga_sysfs_path_prefix(path, end, "/driver");
    g_autofree char *target = g_file_read_link(link, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

static int hosts_compare(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

    return x < y ? -1 : x > y;
}

/* The numbers of the ataN or hostN entries (up to DISK_HOSTS_MAX, in directory
 * order) beside the one path->sys names at entry, sorted; -1 on error. */
static int hosts_list(const SgaSysfsPath *path, const char *entry, bool ata, unsigned *hosts,
                      GError **error)
{
    g_autofree char *dir_path = sga_sysfs_path_prefix(path, entry, "");
    DIR *dir = opendir(dir_path);
    struct dirent *de;
    int n = 0;

    if (!dir) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "opendir(\"%s\"): %s",
                    sga_sysfs_system_name(dir_path), g_strerror(errno));
        return -1;
    }
    while (n < DISK_HOSTS_MAX && (de = readdir(dir))) {
        int number;
        if (sscanf(de->d_name, ata ? "ata%d" : "host%d", &number) == 1) {
            hosts[n++] = (unsigned)number;
        }
    }
    closedir(dir);
    qsort(hosts, (size_t)n, sizeof(*hosts), hosts_compare);
    return n;
}

/* The index of host among hosts, or -1. */
static int hosts_index(const unsigned *hosts, int n, unsigned host)
{
    for (int i = 0; i < n; i++) {
        if (hosts[i] == host) {
            return i;
        }
    }
    return -1;
}

/* SCSI "targetH:C:T/H:C:T:L": the three numbers after the host in the device's name. */
static bool scsi_target_parse(const char *sys, unsigned target[3])
{
    const char *t = strstr(sys, "/target");

    return t && sscanf(t + strlen("/target"), "%*u:%*u:%*u/%*u:%u:%u:%u",
                       &target[0], &target[1], &target[2]) == 3;
}

static bool address_from_pci(const SgaSysfsPath *path, SgaDiskAddress *disk, GError **error)
{
    const char *sys = path->sys;
    const char *at = strstr(sys, SYSFS_PCI_ROOT);
    const char *host_entry, *host_number;
    unsigned pci[4], target[3], host = 0, hosts[DISK_HOSTS_MAX];
    bool has_target, has_host = false, ata;
    g_autofree char *driver = NULL;
    int n = 0, nhosts = 0, index;

    /* "/devices/pciDDDD:BB/DDDD:BB:SS.F": the root bus, then the device on it. */
    if (!at || sscanf(at + strlen(SYSFS_PCI_ROOT), "%*x:%*x/%x:%x:%x.%x%n",
                      &pci[0], &pci[1], &pci[2], &pci[3], &n) < 4) {
        g_debug("only pci device is supported: sysfs path '%s'", sys);
        return false;
    }
    at += strlen(SYSFS_PCI_ROOT) + n;
    /* Down through bridges until a controller with a driver we know. */
    for (;;) {
        driver = pci_driver(path, at);
        if (driver && g_strv_contains(known_pci_drivers, driver)) {
            break;
        }
        g_clear_pointer(&driver, g_free);
        n = 0;
        if (sscanf(at, "/%x:%x:%x.%x%n", &pci[0], &pci[1], &pci[2], &pci[3], &n) == 4) {
            at += n;
            continue;
        }
        g_debug("unsupported driver or sysfs path '%s'", sys);
        return false;
    }

    has_target = scsi_target_parse(sys, target);
    ata = (host_entry = strstr(sys, "/ata")) != NULL;
    if (ata) {
        host_number = host_entry + strlen("/ata");
    } else {
        host_entry = strstr(sys, "/host");
        host_number = host_entry ? host_entry + strlen("/host") : NULL;
    }
    if (host_entry && sscanf(host_number, "%u", &host) == 1) {
        has_host = true;
        nhosts = hosts_list(path, host_entry, ata, hosts, error);
        if (nhosts < 0) {
            return false;
        }
    }

    disk->pci_domain = pci[0];
    disk->pci_bus = pci[1];
    disk->pci_slot = pci[2];
    disk->pci_function = pci[3];

    if (strcmp(driver, "ata_piix") == 0) {
        /* One host per IDE bus; the unit is the target number. */
        if (!has_host || !has_target) {
            g_debug("invalid sysfs path '%s' (driver '%s')", sys, driver);
            return false;
        }
        index = hosts_index(hosts, nhosts, host);
        if (index < 0) {
            g_debug("no host for '%s' (driver '%s')", sys, driver);
            return false;
        }
        disk->bus_type = "ide";
        disk->bus = index;
        disk->unit = target[1];
    } else if (strcmp(driver, "sym53c8xx") == 0) {
        if (!has_target) {
            g_debug("invalid sysfs path '%s' (driver '%s')", sys, driver);
            return false;
        }
        disk->bus_type = "scsi";
        disk->unit = target[1];
    } else if (strcmp(driver, "virtio-pci") == 0) {
        /* virtio-scsi has SCSI targets (the unit is the LUN); virtio-blk is
         * one disk per PCI device. */
        if (has_target) {
            disk->bus_type = "scsi";
            disk->unit = target[2];
        } else {
            disk->bus_type = "virtio";
        }
    } else if (strcmp(driver, "ahci") == 0) {
        /* One host per SATA port: the unit is the host's rank. */
        if (!has_host || !has_target) {
            g_debug("invalid sysfs path '%s' (driver '%s')", sys, driver);
            return false;
        }
        index = hosts_index(hosts, nhosts, host);
        if (index < 0) {
            g_debug("no host for '%s' (driver '%s')", sys, driver);
            return false;
        }
        disk->bus_type = "sata";
        disk->unit = index;
    } else {
        disk->bus_type = "nvme";
    }
    return true;
}

/* virtio without PCI (s390 channel devices, virtio-mmio): virtio-scsi or virtio-blk. */
static bool address_from_virtio(const SgaSysfsPath *path, SgaDiskAddress *disk)
{
    unsigned target[3];

    if (!strstr(path->sys, "/virtio") || !strstr(path->sys, "/block")) {
        g_debug("Unsupported virtio device '%s'", path->sys);
        return false;
    }
    if (scsi_target_parse(path->sys, target)) {
        disk->bus_type = "scsi";
        disk->bus = target[0];
        disk->target = target[1];
        disk->unit = target[2];
    } else {
        disk->bus_type = "virtio";
    }
    return true;
}

/* s390: "/devices/cssN/C.S.SUBCH/C.S.DEVNO/...". */
static bool address_from_ccw(const SgaSysfsPath *path, SgaDiskAddress *disk)
{
    const char *at = strstr(path->sys, SYSFS_CCW_ROOT);
    unsigned cssid, ssid, subchno, devno;

    if (!at || sscanf(at + strlen(SYSFS_CCW_ROOT), "%*x/%x.%x.%x/%*x.%*x.%x/",
                      &cssid, &ssid, &subchno, &devno) < 4) {
        g_debug("could not parse ccw device sysfs path: %s", path->sys);
        return false;
    }
    disk->has_ccw = true;
    disk->ccw_cssid = cssid;
    disk->ccw_ssid = ssid;
    disk->ccw_subchno = subchno;
    disk->ccw_devno = devno;
    if (strstr(at, "/virtio")) {
        address_from_virtio(path, disk);
    }
    return true;
}

bool sga_disk_address_from_sysfs(const SgaSysfsPath *path, SgaDiskAddress *disk, GError **error)
{
    if (strstr(path->sys, SYSFS_PCI_ROOT)) {
        return address_from_pci(path, disk, error);
    }
    if (strstr(path->sys, SYSFS_CCW_ROOT)) {
        return address_from_ccw(path, disk);
    }
    if (strstr(path->sys, "/virtio")) {
        return address_from_virtio(path, disk);
    }
    g_debug("Unsupported device type for '%s'", path->sys);
    return false;
}
