/* volumes.c: Windows volumes (GUID names, mount paths, filesystem, sizes, disk extents) and physical disks (SetupDi, storage queries). */
#include "volumes.h"

#include <windows.h>
#include <winioctl.h>
#include <ntddscsi.h>
#include <setupapi.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sga-error.h"

/* The disk device interface class (GUID_DEVINTERFACE_DISK), spelt out so that
 * no header has to be included under initguid.h for it. */
static const GUID disk_interface_class = {
    0x53f56307L, 0xb6bf, 0x11d0, { 0x94, 0xf2, 0x00, 0xa0, 0xc9, 0x1e, 0xfb, 0x8b }
};

/* STORAGE_BUS_TYPE to GuestDiskBusType as qemu-ga maps them, its oddities
 * kept (fibre channel reports "ssa", storage spaces "unknown"); numbers past
 * the table (SCM, UFS, later ones) are "unknown". */
static const char *const bus_type_names[] = {
    [BusTypeUnknown] = "unknown",
    [BusTypeScsi] = "scsi",
    [BusTypeAtapi] = "ide",
    [BusTypeAta] = "ide",
    [BusType1394] = "ieee1394",
    [BusTypeSsa] = "ssa",
    [BusTypeFibre] = "ssa",
    [BusTypeUsb] = "usb",
    [BusTypeRAID] = "raid",
    [BusTypeiScsi] = "iscsi",
    [BusTypeSas] = "sas",
    [BusTypeSata] = "sata",
    [BusTypeSd] = "sd",
    [BusTypeMmc] = "mmc",
    [BusTypeVirtual] = "virtual",
    [BusTypeFileBackedVirtual] = "file-backed-virtual",
    [BusTypeSpaces] = "unknown",
    [BusTypeNvme] = "nvme",
};

static const char *bus_type_name(STORAGE_BUS_TYPE bus)
{
    if ((unsigned)bus >= G_N_ELEMENTS(bus_type_names) || !bus_type_names[bus]) {
        return "unknown";
    }
    return bus_type_names[bus];
}

/* qemu-ga's error_setg_win32: "what: <the system's message>". */
static void win32_error(GError **error, DWORD code, const char *what)
{
    g_autofree char *msg = g_win32_error_message((gint)code);

    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "%s: %s", what, msg);
}

static char *utf16_to_utf8(const wchar_t *s)
{
    return g_utf16_to_utf8((const gunichar2 *)s, -1, NULL, NULL, NULL);
}

void sga_volume_free(SgaVolume *volume)
{
    if (!volume) {
        return;
    }
    g_free(volume->name);
    g_free(volume->mount_path);
    g_free(volume->fs_type);
    g_clear_pointer(&volume->disks, g_ptr_array_unref);
    g_free(volume);
}

void sga_physical_disk_free(SgaPhysicalDisk *disk)
{
    if (!disk) {
        return;
    }
    g_free(disk->name);
    sga_disk_address_free(disk->address);
    g_free(disk);
}

/* ---- one disk: bus type, serial, SCSI address -------------------------------------- */

/* Bus type and serial number from the storage device descriptor, asked for
 * twice as qemu-ga does: the fixed part first, then the whole of it. */
static bool disk_read_descriptor(HANDLE h, SgaDiskAddress *disk, GError **error)
{
    STORAGE_PROPERTY_QUERY query = { .PropertyId = StorageDeviceProperty,
                                     .QueryType = PropertyStandardQuery };
    STORAGE_DEVICE_DESCRIPTOR head;
    g_autofree BYTE *whole = NULL;
    DWORD size, received = 0;

    if (!DeviceIoControl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof(query), &head,
                         sizeof(head), &received, NULL)) {
        win32_error(error, GetLastError(), "failed to get bus type");
        return false;
    }
    disk->bus_type = bus_type_name(head.BusType);
    size = MAX(head.Size, (DWORD)sizeof(head));
    whole = g_malloc0(size);
    if (!DeviceIoControl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof(query), whole, size,
                         &received, NULL)) {
        win32_error(error, GetLastError(), "failed to get serial number");
        return false;
    }
    {
        const STORAGE_DEVICE_DESCRIPTOR *d = (const STORAGE_DEVICE_DESCRIPTOR *)whole;

        if (d->SerialNumberOffset > 0) {
            const char *serial = (const char *)whole + d->SerialNumberOffset;

            if (d->SerialNumberOffset >= received) {
                g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                                    "failed to get serial number: offset outside the buffer");
                return false;
            }
            if (*serial) {
                disk->serial = g_strndup(serial, received - d->SerialNumberOffset);
            }
        }
    }
    return true;
}

/*
 * Fill what qemu-ga's get_single_disk_info finds of disk->dev: the bus type
 * and serial, and for the buses the SCSI address ioctl serves (SCSI, IDE,
 * RAID, SAS) bus, target and unit when it answers. The controller's PCI
 * address stays unknown (-1): qemu-ga finds it by walking SetupDi's device
 * tree up from the disk, which is not done here.
 */
static bool disk_query(SgaDiskAddress *disk, GError **error)
{
    g_autofree gunichar2 *dev = g_utf8_to_utf16(disk->dev, -1, NULL, NULL, NULL);
    HANDLE h;
    bool ok;

    h = dev ? CreateFileW((const wchar_t *)dev, 0, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL)
            : INVALID_HANDLE_VALUE;
    if (h == INVALID_HANDLE_VALUE) {
        win32_error(error, dev ? GetLastError() : ERROR_INVALID_NAME, "failed to open disk");
        return false;
    }
    ok = disk_read_descriptor(h, disk, error);
    if (ok && (!strcmp(disk->bus_type, "scsi") || !strcmp(disk->bus_type, "ide") ||
               !strcmp(disk->bus_type, "raid") || !strcmp(disk->bus_type, "sas"))) {
        SCSI_ADDRESS addr;
        DWORD len;

        /* Without an answer the disk is still described well enough. */
        if (DeviceIoControl(h, IOCTL_SCSI_GET_ADDRESS, NULL, 0, &addr, sizeof(addr), &len, NULL)) {
            disk->unit = addr.Lun;
            disk->target = addr.TargetId;
            disk->bus = addr.PathId;
        }
    }
    CloseHandle(h);
    return ok;
}

static SgaDiskAddress *disk_address_new(char *dev)
{
    SgaDiskAddress *disk = g_new0(SgaDiskAddress, 1);

    disk->bus_type = "unknown";
    disk->pci_domain = disk->pci_bus = disk->pci_slot = disk->pci_function = -1;
    disk->dev = dev;
    return disk;
}

/* ---- a volume's disks --------------------------------------------------------------- */

/* The disks a volume lies on, from its disk extents (name: the GUID path
 * without its final backslash, which opens the volume itself). A volume with
 * no extents to report (a CD-ROM, a network share) is asked as a disk itself;
 * if that fails too it has no disks. */
static bool volume_disks(const char *name, GPtrArray *disks, GError **error)
{
    g_autofree gunichar2 *wname = g_utf8_to_utf16(name, -1, NULL, NULL, NULL);
    g_autofree VOLUME_DISK_EXTENTS *extents = g_new0(VOLUME_DISK_EXTENTS, 1);
    DWORD size = sizeof(*extents), got;
    HANDLE h;
    bool ok = false;

    h = wname ? CreateFileW((const wchar_t *)wname, 0, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL)
              : INVALID_HANDLE_VALUE;
    if (h == INVALID_HANDLE_VALUE) {
        win32_error(error, wname ? GetLastError() : ERROR_INVALID_NAME, "failed to open volume");
        return false;
    }
    if (!DeviceIoControl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, extents, size, &got,
                         NULL)) {
        DWORD err = GetLastError();

        if (err == ERROR_MORE_DATA) {
            /* A volume on several disks: the first answer holds their number. */
            size = (DWORD)(offsetof(VOLUME_DISK_EXTENTS, Extents) +
                           extents->NumberOfDiskExtents * sizeof(DISK_EXTENT));
            g_free(extents);
            extents = g_malloc0(size);
            if (!DeviceIoControl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, extents, size,
                                 &got, NULL)) {
                win32_error(error, GetLastError(), "failed to get disk extents");
                goto out;
            }
        } else if (err == ERROR_INVALID_FUNCTION) {
            g_autoptr(SgaDiskAddress) disk = disk_address_new(g_strdup(name));
            g_autoptr(GError) local = NULL;

            g_debug("volume not on disk");
            if (disk_query(disk, &local)) {
                g_ptr_array_add(disks, g_steal_pointer(&disk));
            } else {
                g_debug("failed to get disk info, ignoring error: %s", local->message);
            }
            ok = true;
            goto out;
        } else {
            win32_error(error, err, "failed to get disk extents");
            goto out;
        }
    }
    g_debug("Number of extents: %lu", (unsigned long)extents->NumberOfDiskExtents);
    for (DWORD i = 0; i < extents->NumberOfDiskExtents; i++) {
        /* Disk numbers are those of the \\.\PhysicalDriveN names. */
        g_autoptr(SgaDiskAddress) disk = disk_address_new(
            g_strdup_printf("\\\\.\\PhysicalDrive%lu", (unsigned long)extents->Extents[i].DiskNumber));

        if (!disk_query(disk, error)) {
            goto out;
        }
        g_ptr_array_add(disks, g_steal_pointer(&disk));
    }
    ok = true;
out:
    CloseHandle(h);
    return ok;
}

/* ---- volumes -------------------------------------------------------------------------- */

/* A volume's mount paths, a list of strings ending with an empty one
 * ("C:\\\0C:\\mnt\\data\\\0\0"); NULL with qemu-ga's error when they cannot be read. */
static wchar_t *volume_path_names(const wchar_t *guid, GError **error)
{
    DWORD need = 0;
    wchar_t *names;

    if (GetVolumePathNamesForVolumeNameW(guid, NULL, 0, &need) || GetLastError() != ERROR_MORE_DATA) {
        win32_error(error, GetLastError(), "failed to get volume name");
        return NULL;
    }
    /* One more than asked, zeroed: the list stays terminated whatever comes back. */
    names = g_new0(wchar_t, (gsize)need + 2);
    if (!GetVolumePathNamesForVolumeNameW(guid, names, need + 1, &need)) {
        win32_error(error, GetLastError(), "failed to get volume name");
        g_free(names);
        return NULL;
    }
    return names;
}

/* What qemu-ga's build_guest_fsinfo reads of one volume, failing where it does. */
static SgaVolume *volume_read(const wchar_t *guid, GError **error)
{
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func((GDestroyNotify)sga_disk_address_free);
    g_autofree wchar_t *paths = NULL;
    g_autofree char *name = NULL, *disk_name = NULL;
    wchar_t fs_name[MAX_PATH + 1] = L"";
    SgaVolume *volume;
    HANDLE root;
    BOOL have_info;

    paths = volume_path_names(guid, error);
    if (!paths) {
        return NULL;
    }
    /* The volume's root directory, for its filesystem's name. */
    root = CreateFileW(guid, 0, 0, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL | FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (root == INVALID_HANDLE_VALUE) {
        win32_error(error, GetLastError(), "failed to get handle for volume");
        return NULL;
    }
    have_info = GetVolumeInformationByHandleW(root, NULL, 0, NULL, NULL, NULL, fs_name,
                                              G_N_ELEMENTS(fs_name));
    if (!have_info) {
        DWORD err = GetLastError();
        CloseHandle(root);
        if (err == ERROR_NOT_READY) {
            /* A removable drive without a medium: nothing to tell (qemu-ga
             * 7.2 puts a null in its list for it and dies on the assertion
             * that no element is null). */
            g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, "volume not ready");
        } else {
            win32_error(error, err, "failed to get volume info");
        }
        return NULL;
    }
    CloseHandle(root);

    name = utf16_to_utf8(guid);
    if (!name) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, "volume name not UTF-16");
        return NULL;
    }
    disk_name = g_strdup(name);
    if (g_str_has_suffix(disk_name, "\\")) {
        disk_name[strlen(disk_name) - 1] = '\0';
    }
    if (!volume_disks(disk_name, disks, error)) {
        return NULL;
    }

    volume = g_new0(SgaVolume, 1);
    volume->name = g_steal_pointer(&name);
    volume->fs_type = utf16_to_utf8(fs_name);
    if (!volume->fs_type) {
        volume->fs_type = g_strdup("");
    }
    if (paths[0]) {
        ULARGE_INTEGER to_caller, total, free_bytes;

        volume->mount_path = utf16_to_utf8(paths);
        /* Sizes as the agent's account sees them (quotas apply to the total). */
        if (GetDiskFreeSpaceExW(paths, &to_caller, &total, &free_bytes)) {
            volume->has_usage = true;
            volume->total_bytes = total.QuadPart;
            volume->used_bytes = total.QuadPart - free_bytes.QuadPart;
        }
    }
    volume->disks = g_steal_pointer(&disks);
    return volume;
}

/* Call visit for each volume's GUID path, in the system's order. */
static bool volumes_foreach(void (*visit)(const wchar_t *guid, GPtrArray *out), GPtrArray *out,
                            GError **error)
{
    wchar_t guid[MAX_PATH];
    HANDLE find;
    DWORD err;

    find = FindFirstVolumeW(guid, G_N_ELEMENTS(guid));
    if (find == INVALID_HANDLE_VALUE) {
        win32_error(error, GetLastError(), "failed to find any volume");
        return false;
    }
    do {
        visit(guid, out);
    } while (FindNextVolumeW(find, guid, G_N_ELEMENTS(guid)));
    err = GetLastError();
    FindVolumeClose(find);
    if (err != ERROR_NO_MORE_FILES) {
        win32_error(error, err, "failed to find next volume");
        return false;
    }
    return true;
}

static void volume_collect(const wchar_t *guid, GPtrArray *volumes)
{
    g_autoptr(GError) local = NULL;
    SgaVolume *volume = volume_read(guid, &local);

    if (volume) {
        g_ptr_array_add(volumes, volume);
    } else {
        g_debug("failed to get filesystem info, ignoring error: %s", local->message);
    }
}

GPtrArray *sga_volumes_read(GError **error)
{
    g_autoptr(GPtrArray) volumes = g_ptr_array_new_with_free_func((GDestroyNotify)sga_volume_free);

    if (!volumes_foreach(volume_collect, volumes, error)) {
        return NULL;
    }
    return g_steal_pointer(&volumes);
}

/* ---- volumes to trim ------------------------------------------------------------------- */

/* Whether a volume is on a fixed disk. Windows answers for the GUID path;
 * wine only for a drive path, hence the mount path when the GUID gets no
 * answer (on Windows both tell the same). */
static bool volume_is_fixed(const wchar_t *guid, const wchar_t *mount_path)
{
    UINT type = GetDriveTypeW(guid);

    if (type == DRIVE_UNKNOWN || type == DRIVE_NO_ROOT_DIR) {
        type = GetDriveTypeW(mount_path);
    }
    return type == DRIVE_FIXED;
}

static void volume_collect_trim_path(const wchar_t *guid, GPtrArray *paths)
{
    g_autoptr(GError) local = NULL;
    g_autofree wchar_t *names = volume_path_names(guid, &local);
    char *path;

    /* Volumes not mounted anywhere, and those not on a fixed disk
     * (removable, CD-ROM, network, RAM disk), are left alone. */
    if (!names || !names[0] || !volume_is_fixed(guid, names)) {
        return;
    }
    path = utf16_to_utf8(names);
    if (!path) {
        g_debug("guest-fstrim: a mount path that is not UTF-16, skipped");
        return;
    }
    g_ptr_array_add(paths, path);
}

GPtrArray *sga_volume_trim_paths(GError **error)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

    if (!volumes_foreach(volume_collect_trim_path, paths, error)) {
        return NULL;
    }
    return g_steal_pointer(&paths);
}

/* ---- physical disks --------------------------------------------------------------------- */

/* The device path of the index-th disk interface, or NULL past the last one
 * (*end set) or when it cannot be read. */
static wchar_t *disk_interface_path(HDEVINFO set, DWORD index, bool *end)
{
    SP_DEVICE_INTERFACE_DATA iface = { .cbSize = sizeof(iface) };
    SP_DEVICE_INTERFACE_DETAIL_DATA_W *detail;
    DWORD size = 0;
    wchar_t *path;

    *end = false;
    if (!SetupDiEnumDeviceInterfaces(set, NULL, &disk_interface_class, index, &iface)) {
        *end = true;
        return NULL;
    }
    if (!SetupDiGetDeviceInterfaceDetailW(set, &iface, NULL, 0, &size, NULL) &&
        GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
        g_debug("failed to get device interface details");
        return NULL;
    }
    detail = g_malloc0(MAX(size, (DWORD)sizeof(*detail)));
    detail->cbSize = sizeof(*detail);
    if (!SetupDiGetDeviceInterfaceDetailW(set, &iface, detail, size, &size, NULL)) {
        g_debug("failed to get device interface details");
        g_free(detail);
        return NULL;
    }
    path = g_memdup2(detail->DevicePath, (wcslen(detail->DevicePath) + 1) * sizeof(wchar_t));
    g_free(detail);
    return path;
}

GPtrArray *sga_physical_disks_read(GError **error)
{
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func((GDestroyNotify)sga_physical_disk_free);
    HDEVINFO set;

    set = SetupDiGetClassDevsW(&disk_interface_class, NULL, NULL, DIGCF_PRESENT | DIGCF_DEVICEINTERFACE);
    if (set == INVALID_HANDLE_VALUE) {
        win32_error(error, GetLastError(), "failed to get device tree");
        return NULL;
    }
    for (DWORD i = 0;; i++) {
        g_autoptr(GError) local = NULL;
        g_autofree wchar_t *path = NULL;
        STORAGE_DEVICE_NUMBER number;
        SgaPhysicalDisk *disk;
        DWORD got;
        bool end;
        HANDLE h;

        path = disk_interface_path(set, i, &end);
        if (end) {
            break;
        }
        if (!path) {
            continue;
        }
        h = CreateFileW(path, 0, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
        if (h == INVALID_HANDLE_VALUE ||
            !DeviceIoControl(h, IOCTL_STORAGE_GET_DEVICE_NUMBER, NULL, 0, &number, sizeof(number),
                             &got, NULL)) {
            g_debug("failed to get storage device number: %lu", (unsigned long)GetLastError());
            if (h != INVALID_HANDLE_VALUE) {
                CloseHandle(h);
            }
            continue;
        }
        CloseHandle(h);
        disk = g_new0(SgaPhysicalDisk, 1);
        disk->name = g_strdup_printf("\\\\.\\PhysicalDrive%lu", (unsigned long)number.DeviceNumber);
        disk->address = disk_address_new(g_strdup(disk->name));
        if (!disk_query(disk->address, &local)) {
            g_debug("failed to get disk info: %s", local->message);
            g_clear_pointer(&disk->address, sga_disk_address_free);
        }
        g_ptr_array_add(disks, disk);
    }
    SetupDiDestroyDeviceInfoList(set);
    return g_steal_pointer(&disks);
}
