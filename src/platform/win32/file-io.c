/* file-io.c: guest-file-* files on Windows: unbuffered CreateFileW handles, qemu-ga's open modes. */
#include "file-io.h"

#include <windows.h>

struct SgaFileIo {
    HANDLE h;
};

G_DEFINE_QUARK(sga-file-io-error-quark, sga_file_io_error)

static void file_io_set_win32_error(GError **error, DWORD code)
{
    g_autofree char *msg = g_win32_error_message((gint)code);

    g_set_error_literal(error, SGA_FILE_IO_ERROR, SGA_FILE_IO_ERROR_FAILED, msg);
}

SgaFileIo *sga_file_io_open(const char *path, unsigned flags, GError **error)
{
    g_autofree wchar_t *wpath = g_utf8_to_utf16(path, -1, NULL, NULL, NULL);
    DWORD access = 0;
    DWORD disposition;
    SgaFileIo *f;
    HANDLE h;

    if (!wpath) {
        file_io_set_win32_error(error, ERROR_INVALID_NAME);
        return NULL;
    }
    if (flags & SGA_FILE_IO_READ) {
        access |= GENERIC_READ;
    }
    if (flags & SGA_FILE_IO_APPEND) {
        /* append data only, never write in place: every write lands at the end */
        access |= FILE_APPEND_DATA | SYNCHRONIZE;
    } else if (flags & SGA_FILE_IO_WRITE) {
        access |= GENERIC_WRITE;
    }
    if (flags & SGA_FILE_IO_CREATE) {
        disposition = (flags & SGA_FILE_IO_TRUNCATE) ? CREATE_ALWAYS : OPEN_ALWAYS;
    } else {
        disposition = (flags & SGA_FILE_IO_TRUNCATE) ? TRUNCATE_EXISTING : OPEN_EXISTING;
    }
    /* Others may read and write it meanwhile, as with qemu-ga; no security
     * attributes, so programs started by guest-exec do not inherit it. */
    h = CreateFileW(wpath, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, disposition,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        file_io_set_win32_error(error, GetLastError());
        return NULL;
    }
    f = g_new(SgaFileIo, 1);
    f->h = h;
    return f;
}

bool sga_file_io_close(SgaFileIo *f, GError **error)
{
    BOOL ok = CloseHandle(f->h);
    DWORD code = GetLastError();

    g_free(f);
    if (!ok) {
        file_io_set_win32_error(error, code);
        return false;
    }
    return true;
}

/* ReadFile and WriteFile move at most a DWORD's worth at a time. */
static DWORD file_io_chunk(size_t remaining)
{
    return (DWORD)MIN(remaining, (size_t)(1u << 30));
}

bool sga_file_io_read(SgaFileIo *f, void *buf, size_t count, size_t *got, bool *eof, GError **error)
{
    size_t done = 0;

    /* Files return everything asked unless at the end; pipes return what they
     * hold: keep reading until count or the end. */
    while (done < count) {
        DWORD n = 0;

        if (!ReadFile(f->h, (char *)buf + done, file_io_chunk(count - done), &n, NULL)) {
            DWORD code = GetLastError();
            if (code == ERROR_HANDLE_EOF || code == ERROR_BROKEN_PIPE) {
                break;
            }
            if (done > 0) {
                *got = done;
                *eof = false;
                return true;    /* the next read reports it */
            }
            file_io_set_win32_error(error, code);
            return false;
        }
        if (n == 0) {
            break;
        }
        done += n;
    }
    *got = done;
    *eof = done < count;
    return true;
}

bool sga_file_io_write(SgaFileIo *f, const void *buf, size_t count, size_t *written,
                       GError **error)
{
    size_t done = 0;

    while (done < count) {
        DWORD n = 0;

        if (!WriteFile(f->h, (const char *)buf + done, file_io_chunk(count - done), &n, NULL) || n == 0) {
            DWORD code = GetLastError();
            if (done > 0) {
                break;      /* a short write; the next one says why it stopped */
            }
            file_io_set_win32_error(error, n == 0 && code == 0 ? ERROR_WRITE_FAULT : code);
            return false;
        }
        done += n;
    }
    *written = done;
    return true;
}

bool sga_file_io_seek(SgaFileIo *f, int64_t offset, SgaFileIoWhence whence, int64_t *position,
                      GError **error)
{
    static const DWORD methods[] = {
        [SGA_FILE_IO_SEEK_SET] = FILE_BEGIN,
        [SGA_FILE_IO_SEEK_CUR] = FILE_CURRENT,
        [SGA_FILE_IO_SEEK_END] = FILE_END,
    };
    LARGE_INTEGER distance = { .QuadPart = offset };
    LARGE_INTEGER pos;

    if (!SetFilePointerEx(f->h, distance, &pos, methods[whence])) {
        file_io_set_win32_error(error, GetLastError());
        return false;
    }
    *position = pos.QuadPart;
    return true;
}
