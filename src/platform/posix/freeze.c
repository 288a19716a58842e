/* freeze.c: FIFREEZE and FITHAW on a mounted filesystem. */
#include "fsctl.h"

#include <errno.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

int sga_fs_freeze(int fd)
{
    return ioctl(fd, FIFREEZE, 0) == 0 ? 0 : errno;
}

int sga_fs_thaw(int fd)
{
    return ioctl(fd, FITHAW, 0) == 0 ? 0 : errno;
}
