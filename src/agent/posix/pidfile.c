/* pidfile.c: pidfile creation with an fcntl lock, as qemu's qemu_write_pidfile. */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sga-error.h"

int sga_pidfile_create(const char *path, GError **error)
{
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct stat before, after;
    char buf[32];
    int fd, len;

    for (;;) {
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Cannot open pid file %s: %s",
                        path, g_strerror(errno));
            return -1;
        }
        if (fcntl(fd, F_SETLK, &lock) < 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "Cannot lock pid file %s: %s (is another agent running?)",
                        path, g_strerror(errno));
            close(fd);
            return -1;
        }
        /* The previous holder may have unlinked the file between our open and
         * lock; then we locked a file nobody sees: try again. */
        if (fstat(fd, &before) == 0 && stat(path, &after) == 0 &&
            before.st_ino == after.st_ino && before.st_dev == after.st_dev) {
            break;
        }
        close(fd);
    }
    len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)len) != len) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to write pid file %s: %s",
                    path, g_strerror(errno));
        unlink(path);
        close(fd);
        return -1;
    }
    return fd;
}

void sga_pidfile_remove(const char *path, int fd)
{
    if (fd < 0) {
        return;
    }
    unlink(path);
    close(fd);
}
