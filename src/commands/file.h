/* file.h: the guest-file family: settings, limits, argument structs and handlers. */
#ifndef SGA_FILE_H
#define SGA_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argspec.h"
#include "command.h"

/* guest-file-read without a count reads this much, as qemu-ga does
 * (QGA_READ_COUNT_DEFAULT); --file-read-count raises it for clients that never
 * pass a count (FIREWHEEL's driver). */
#define SGA_FILE_READ_COUNT_DEFAULT ((size_t)4 << 10)
/* The largest count guest-file-read accepts: qemu-ga's limit (48 MiB), so a
 * reply stays within what clients expect to buffer. */
#define SGA_FILE_READ_COUNT_MAX ((size_t)48 << 20)
/* Handles open at once. Each holds a descriptor until the host closes it, and
 * a host that never does (a crashed client, a loop that forgets) would
 * otherwise use up the agent's descriptors and break guest-exec and the
 * channel itself. Real clients hold one or a few; 1024 leaves them plenty,
 * and fits beside the agent's other descriptors under the kernel's default
 * hard limit of 4096, to which the agent raises its own limit at start. */
#define SGA_FILE_HANDLES_MAX 1024

typedef struct SgaFileSettings {
    size_t read_count_default;
} SgaFileSettings;

/* Set up the family (done once by the agent before serving). */
void sga_file_init(const SgaFileSettings *settings);
/* Close every open handle. */
void sga_file_cleanup(void);
/* The settings in use: the agent's, or qemu-ga's defaults. */
const SgaFileSettings *sga_file_settings(void);

typedef struct SgaFileOpenArgs {
    const char *path;
    bool has_mode;
    const char *mode;
} SgaFileOpenArgs;

typedef struct SgaFileHandleArgs {
    int64_t handle;
} SgaFileHandleArgs;

typedef struct SgaFileReadArgs {
    int64_t handle;
    bool has_count;
    int64_t count;
} SgaFileReadArgs;

typedef struct SgaFileWriteArgs {
    int64_t handle;
    const char *buf_b64;
    bool has_count;
    int64_t count;
} SgaFileWriteArgs;

typedef struct SgaFileSeekArgs {
    int64_t handle;
    int64_t offset;
    SgaAlternate whence;        /* an int, or an index into sga_file_whence_names */
} SgaFileSeekArgs;

extern const SgaTypeSpec sga_file_open_args;
extern const SgaTypeSpec sga_file_handle_args;     /* guest-file-close, guest-file-flush */
extern const SgaTypeSpec sga_file_read_args;
extern const SgaTypeSpec sga_file_write_args;
extern const SgaTypeSpec sga_file_seek_args;

/* file.c */
json_object *sga_cmd_guest_file_open(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_file_close(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_file_flush(SgaRequest *req, const void *args, GError **error);

/* file-transfer.c */
json_object *sga_cmd_guest_file_read(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_file_write(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_file_seek(SgaRequest *req, const void *args, GError **error);

#endif
