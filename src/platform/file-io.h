/* file-io.h: files opened on a host's behalf (guest-file-*): open, read, write, seek, close. */
#ifndef SGA_FILE_IO_H
#define SGA_FILE_IO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An open file with no buffering of its own: what a read or write moves is in
 * the kernel when the call returns, so there is never anything left to flush.
 * Calls never block on pipes, FIFOs or devices (a host must not be able to
 * hang the agent by reading an idle FIFO). Failures are in SGA_FILE_IO_ERROR
 * and their message is only the system's reason ("No such file or
 * directory"); the caller says what was being done.
 */
typedef struct SgaFileIo SgaFileIo;

/* What an open asks for; the command layer maps fopen() mode strings to these. */
typedef enum {
    SGA_FILE_IO_READ = 1 << 0,
    SGA_FILE_IO_WRITE = 1 << 1,
    SGA_FILE_IO_CREATE = 1 << 2,     /* created when missing, readable and writable by all */
    SGA_FILE_IO_TRUNCATE = 1 << 3,
    SGA_FILE_IO_APPEND = 1 << 4,     /* every write goes to the end */
} SgaFileIoFlags;

typedef enum {
    SGA_FILE_IO_SEEK_SET,
    SGA_FILE_IO_SEEK_CUR,
    SGA_FILE_IO_SEEK_END,
} SgaFileIoWhence;

#define SGA_FILE_IO_ERROR (sga_file_io_error_quark())
GQuark sga_file_io_error_quark(void);

typedef enum {
    SGA_FILE_IO_ERROR_FAILED,
    /* Nothing could be read or written without waiting (an idle FIFO). */
    SGA_FILE_IO_ERROR_WOULD_BLOCK,
    /* The file was created but its permissions could not be set; it was removed again. */
    SGA_FILE_IO_ERROR_PERMISSIONS,
} SgaFileIoErrorCode;

/* The permissions a created file gets, whatever the umask (as qemu-ga). */
#define SGA_FILE_IO_NEW_FILE_MODE 0666

/* Open path (flags: SgaFileIoFlags). NULL with error set on failure. */
SgaFileIo *sga_file_io_open(const char *path, unsigned flags, GError **error);

/* Close and free f. f is gone even when this fails (the system releases it anyway). */
bool sga_file_io_close(SgaFileIo *f, GError **error);

/*
 * Read up to count bytes into buf. *got says how many came; *eof is true when
 * the end of the file was met before count bytes (never for count 0). A pipe
 * that has given some bytes and has no more for now ends the read early,
 * without eof; one with nothing at all fails with SGA_FILE_IO_ERROR_WOULD_BLOCK.
 * Outputs are untouched on failure.
 */
bool sga_file_io_read(SgaFileIo *f, void *buf, size_t count, size_t *got, bool *eof, GError **error);

/*
 * Write the count bytes at buf, all of them unless the file stops taking them
 * (a full pipe, a full disk): *written then says how many went, and the next
 * write reports why. Fails only when not a byte could be written.
 */
bool sga_file_io_write(SgaFileIo *f, const void *buf, size_t count, size_t *written,
                       GError **error);

/* Move the file position; *position is the new one, from the start of the file. */
bool sga_file_io_seek(SgaFileIo *f, int64_t offset, SgaFileIoWhence whence, int64_t *position,
                      GError **error);

#endif
