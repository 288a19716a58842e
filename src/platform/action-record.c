/* action-record.c: the fake root's record of actions the agent would have taken on a real system. */
#include "action-record.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#ifdef G_OS_WIN32
#include <io.h>
/* not inherited by programs the agent starts; lines end in \n, not \r\n */
#define SGA_ACTION_O_FLAGS (O_NOINHERIT | O_BINARY)
#else
#include <unistd.h>
#define SGA_ACTION_O_FLAGS O_CLOEXEC
#endif

#include "sga-error.h"
#include "sysroot.h"

bool sga_action_record(GError **error, const char *format, ...)
{
    g_autofree char *path = sga_sysroot_path(SGA_ACTION_RECORD_FILE);
    g_autofree char *line = NULL;
    va_list ap;
    gssize written;
    size_t len;
    int fd, err;

    va_start(ap, format);
    line = g_strdup_vprintf(format, ap);
    va_end(ap);
    len = strlen(line);
    line[len] = '\n';   /* replaces the NUL: written as one piece, so O_APPEND keeps lines whole */

    fd = g_open(path, O_WRONLY | O_APPEND | O_CREAT | SGA_ACTION_O_FLAGS, 0644);
    if (fd < 0) {
        err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot record an action in %s: %s", path,
                    g_strerror(err));
        return false;
    }
    written = write(fd, line, len + 1);
    err = errno;
    close(fd);
    if (written != (gssize)(len + 1)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot record an action in %s: %s", path,
                    written < 0 ? g_strerror(err) : "short write");
        return false;
    }
    return true;
}
