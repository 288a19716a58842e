/* mounts.h: the local filesystems mounted, and opening one for a filesystem ioctl. */
#ifndef SGA_MOUNTS_H
#define SGA_MOUNTS_H

#include <glib.h>

/* One mounted filesystem, as qemu-ga's mount list has it: only those on a
 * block device (major number not 0, or btrfs whose source is one). */
typedef struct SgaMount {
    char *dir;          /* mount point, a system path */
    char *type;         /* filesystem type */
    unsigned major;     /* of the device the filesystem lies on */
    unsigned minor;
} SgaMount;

/* The mounts from <root>/proc/self/mountinfo (or /proc/self/mounts when there
 * is no mountinfo), in mount order: a GPtrArray of SgaMount * that frees them. */
GPtrArray *sga_mounts_read(GError **error);

/* Open a mount point (a system path, under the root in use) for an ioctl on
 * its filesystem; -1 with error set to the bare reason (strerror text). Under
 * a fake root the directory must be the root of a mount: a fake mount table
 * naming a plain directory would otherwise reach the filesystem that holds
 * the tree, a real one. */
int sga_mount_open(const char *dir, GError **error);

#endif
