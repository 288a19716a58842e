/* pidfile.c: the pidfile on Windows, held open with an exclusive lock while the agent runs. */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <io.h>
#include <stdio.h>
#include <windows.h>

#include "sga-error.h"

int sga_pidfile_create(const char *path, GError **error)
{
    OVERLAPPED whole_file = { 0 };
    char buf[32];
    int fd, len;

    fd = g_open(path, O_CREAT | O_WRONLY | O_BINARY | O_NOINHERIT, 0644);
    if (fd < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Cannot open pid file %s: %s",
                    path, g_strerror(errno));
        return -1;
    }
    /* Unlike POSIX locks, this one keeps a second agent from even writing. */
    if (!LockFileEx((HANDLE)_get_osfhandle(fd), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
                    0, MAXDWORD, MAXDWORD, &whole_file)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "Cannot lock pid file %s (is another agent running?)", path);
        close(fd);
        return -1;
    }
    len = snprintf(buf, sizeof(buf), "%lu\n", (unsigned long)GetCurrentProcessId());
    if (_chsize(fd, 0) < 0 || write(fd, buf, (unsigned)len) != len) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to write pid file %s: %s",
                    path, g_strerror(errno));
        close(fd);
        g_unlink(path);
        return -1;
    }
    return fd;
}

void sga_pidfile_remove(const char *path, int fd)
{
    if (fd < 0) {
        return;
    }
    /* The lock goes with the handle; only then can the file be deleted. */
    close(fd);
    g_unlink(path);
}
