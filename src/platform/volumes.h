/* volumes.h: the volumes and physical disks of a Windows system, and trimming a volume with defrag. */
#ifndef SGA_VOLUMES_H
#define SGA_VOLUMES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "disk-location.h"

/* Windows names volumes by GUID and mounts them on drive letters and folders,
 * with disk extents instead of Linux's major:minor and sysfs; these are what
 * qemu-ga's Windows guest-get-fsinfo, guest-get-disks and guest-fstrim read.
 * Implemented on Windows only (win32/volumes.c, win32/volume-trim.c). */

/* One volume as guest-get-fsinfo reports it. */
typedef struct SgaVolume {
    char *name;             /* the volume GUID path: \\?\Volume{...}\ */
    char *mount_path;       /* its first mount path ("C:\", "C:\mnt\data\"), NULL when it has none */
    char *fs_type;          /* what GetVolumeInformation names it: "NTFS", "FAT32", "CDFS"... */
    bool has_usage;         /* the sizes below are known (only for a mounted volume) */
    uint64_t total_bytes;   /* GetDiskFreeSpaceEx's total, as seen by the agent's account */
    uint64_t used_bytes;    /* that total less the free bytes */
    GPtrArray *disks;       /* SgaDiskAddress *, one per disk extent, in extent order */
} SgaVolume;

void sga_volume_free(SgaVolume *volume);

/*
 * Every volume in the system's order (FindFirstVolume/FindNextVolume), as a
 * GPtrArray of SgaVolume that frees them. A volume whose details cannot be
 * read (no handle, not ready like an empty CD drive, disks that cannot be
 * opened) is left out, with a debug message, as qemu-ga skips it. NULL with
 * error (qemu-ga's words) only when the volumes cannot be enumerated.
 */
GPtrArray *sga_volumes_read(GError **error);

/* One physical disk as guest-get-disks reports it. */
typedef struct SgaPhysicalDisk {
    char *name;                 /* \\.\PhysicalDriveN */
    SgaDiskAddress *address;    /* NULL when the disk could not be queried */
} SgaPhysicalDisk;

void sga_physical_disk_free(SgaPhysicalDisk *disk);

/* The disks SetupDi lists under the disk device interface, in its order: a
 * GPtrArray of SgaPhysicalDisk that frees them. NULL with error when the
 * device tree cannot be read. */
GPtrArray *sga_physical_disks_read(GError **error);

/* Whether this Windows can trim through defrag /L (8 and later). */
bool sga_volume_trim_supported(void);

/* The first mount path of every fixed-disk volume that has one, in the
 * system's order (a GPtrArray of char * that frees them): what guest-fstrim
 * trims. NULL with error when the volumes cannot be enumerated. */
GPtrArray *sga_volume_trim_paths(GError **error);

/*
 * Trim the volume mounted at path with `defrag.exe /L path` from the system
 * directory, waiting for it to end. defrag exits 0 whatever happens and
 * reports failures as lines holding "(0x<code>)" on its output: *failure is
 * the first such line, or NULL when there is none. False with error (glib's
 * words for a program it could not spawn, as in qemu-ga) when defrag could
 * not be run. Under a fake system root the run is recorded, not made.
 */
bool sga_volume_trim(const char *path, char **failure, GError **error);

#endif
