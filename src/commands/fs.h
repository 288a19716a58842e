/* fs.h: the filesystems and disks family: fsinfo, disks, diskstats, fstrim (fsfreeze in fsfreeze.h). */
#ifndef SGA_FS_H
#define SGA_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "argspec.h"
#include "command.h"
#include "disk-location.h"

/* guest-fstrim */
typedef struct SgaFstrimArgs {
    bool has_minimum;
    int64_t minimum;
} SgaFstrimArgs;
extern const SgaTypeSpec sga_fstrim_args;

/* fs-common.c (both platforms) */
/* The elements of a JSON array in reverse order (array is consumed): qemu-ga
 * builds these lists by prepending. */
json_object *sga_fs_json_reversed(json_object *array);
/* A GuestDiskAddress. */
json_object *sga_fs_disk_address_to_json(const SgaDiskAddress *address);

/* fs.c (POSIX: mounts and sysfs), fs-volumes.c (Windows: volumes and disk extents) */
json_object *sga_cmd_guest_get_fsinfo(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_disks(SgaRequest *req, const void *args, GError **error);

/* diskstats.c */
json_object *sga_cmd_guest_get_diskstats(SgaRequest *req, const void *args, GError **error);

/* fstrim.c (POSIX: FITRIM), fstrim-volumes.c (Windows: defrag /L) */
json_object *sga_cmd_guest_fstrim(SgaRequest *req, const void *args, GError **error);

#endif
