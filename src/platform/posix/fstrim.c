/* fstrim.c: FITRIM over the whole of a mounted filesystem. */
#include "fsctl.h"

#include <errno.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

int sga_fs_trim(int fd, uint64_t *minimum, uint64_t *trimmed)
{
    struct fstrim_range range = { .start = 0, .len = UINT64_MAX, .minlen = *minimum };

    if (ioctl(fd, FITRIM, &range) != 0) {
        return errno;
    }
    /* The kernel writes back the bytes discarded, and may raise the minimum to
     * the device's discard granularity. */
    *trimmed = range.len;
    *minimum = range.minlen;
    return 0;
}
