/* file-io.c: guest-file-* files on POSIX: raw non-blocking descriptors, qemu-ga's open flags. */
#include "file-io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct SgaFileIo {
    int fd;
};

G_DEFINE_QUARK(sga-file-io-error-quark, sga_file_io_error)

static void file_io_set_errno(GError **error, int err)
{
    g_set_error_literal(error, SGA_FILE_IO_ERROR,
                        err == EAGAIN || err == EWOULDBLOCK ? SGA_FILE_IO_ERROR_WOULD_BLOCK
                                                            : SGA_FILE_IO_ERROR_FAILED,
                        g_strerror(err));
}

static int file_io_oflags(unsigned flags)
{
    int oflag;

    if ((flags & SGA_FILE_IO_READ) && (flags & SGA_FILE_IO_WRITE)) {
        oflag = O_RDWR;
    } else if (flags & SGA_FILE_IO_WRITE) {
        oflag = O_WRONLY;
    } else {
        oflag = O_RDONLY;
    }
    if (flags & SGA_FILE_IO_TRUNCATE) {
        oflag |= O_TRUNC;
    }
    if (flags & SGA_FILE_IO_APPEND) {
        oflag |= O_APPEND;
    }
    /* Never become the agent's controlling terminal; never block on a FIFO or
     * device (open of a FIFO without a writer, or reads of an idle one); never
     * leak into guest-exec children. */
    return oflag | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
}

SgaFileIo *sga_file_io_open(const char *path, unsigned flags, GError **error)
{
    int oflag = file_io_oflags(flags);
    bool created = false;
    SgaFileIo *f;
    int fd = -1;

    /* A file this call creates gets 0666 whatever the umask; one that exists
     * keeps its permissions. Creating exclusively first tells the two apart
     * (O_EXCL fails only because the file exists), then a plain open takes the
     * existing one. */
    if (flags & SGA_FILE_IO_CREATE) {
        fd = open(path, oflag | O_CREAT | O_EXCL, 0);
        created = fd >= 0;
    }
    if (fd < 0 && (!(flags & SGA_FILE_IO_CREATE) || errno == EEXIST)) {
        fd = open(path, oflag);
    }
    if (fd < 0) {
        file_io_set_errno(error, errno);
        return NULL;
    }
    if (created && fchmod(fd, SGA_FILE_IO_NEW_FILE_MODE) != 0) {
        int err = errno;
        close(fd);
        unlink(path);
        g_set_error_literal(error, SGA_FILE_IO_ERROR, SGA_FILE_IO_ERROR_PERMISSIONS, g_strerror(err));
        return NULL;
    }
    f = g_new(SgaFileIo, 1);
    f->fd = fd;
    return f;
}

bool sga_file_io_close(SgaFileIo *f, GError **error)
{
    /* Linux releases the descriptor even when close fails (EINTR, EIO), so
     * retrying could close another file: report, and forget it. */
    int r = close(f->fd);
    int err = errno;

    g_free(f);
    if (r != 0) {
        file_io_set_errno(error, err);
        return false;
    }
    return true;
}

bool sga_file_io_read(SgaFileIo *f, void *buf, size_t count, size_t *got, bool *eof, GError **error)
{
    size_t done = 0;

    /* Regular files return everything asked unless at the end; pipes return
     * what they hold, so keep reading until count, the end, or an empty pipe. */
    while (done < count) {
        ssize_t n = read(f->fd, (char *)buf + done, count - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n == 0) {
            *got = done;
            *eof = true;
            return true;
        } else if (errno == EINTR) {
            continue;
        } else if ((errno == EAGAIN || errno == EWOULDBLOCK) && done > 0) {
            break;      /* what the pipe had: more may come later */
        } else {
            file_io_set_errno(error, errno);
            return false;
        }
    }
    *got = done;
    *eof = false;
    return true;
}

bool sga_file_io_write(SgaFileIo *f, const void *buf, size_t count, size_t *written,
                       GError **error)
{
    size_t done = 0;

    while (done < count) {
        ssize_t n = write(f->fd, (const char *)buf + done, count - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (done > 0) {
            break;      /* a short write; the next one says why it stopped */
        } else {
            file_io_set_errno(error, n < 0 ? errno : EIO);
            return false;
        }
    }
    *written = done;
    return true;
}

bool sga_file_io_seek(SgaFileIo *f, int64_t offset, SgaFileIoWhence whence, int64_t *position,
                      GError **error)
{
    static const int whence_codes[] = {
        [SGA_FILE_IO_SEEK_SET] = SEEK_SET,
        [SGA_FILE_IO_SEEK_CUR] = SEEK_CUR,
        [SGA_FILE_IO_SEEK_END] = SEEK_END,
    };
    off_t pos = lseek(f->fd, (off_t)offset, whence_codes[whence]);

    if (pos < 0) {
        file_io_set_errno(error, errno);
        return false;
    }
    *position = (int64_t)pos;
    return true;
}
