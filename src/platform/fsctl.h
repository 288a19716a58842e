/* fsctl.h: filesystem ioctls on an open mount point: freeze, thaw, trim. */
#ifndef SGA_FSCTL_H
#define SGA_FSCTL_H

#include <stdint.h>

/* Each returns 0 or the errno of the failed ioctl; fd comes from sga_mount_open. */

/* Freeze the filesystem: EOPNOTSUPP when it cannot be frozen, EBUSY when it
 * already is (a second mount of the same filesystem). */
int sga_fs_freeze(int fd);

/* Undo one freeze: EINVAL when the filesystem is not frozen. */
int sga_fs_thaw(int fd);

/* Discard the free ranges of at least *minimum bytes; on success *trimmed is
 * what the filesystem discarded and *minimum the minimum it used. */
int sga_fs_trim(int fd, uint64_t *minimum, uint64_t *trimmed);

#endif
