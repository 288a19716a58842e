/* file.c: guest-file-open, -close and -flush, the family's settings, and qemu-ga's open modes. */
#include "file.h"

#include <string.h>

#include "commands.h"
#include "file-handles.h"
#include "file-io.h"
#include "sga-error.h"

static SgaFileSettings file_settings = { .read_count_default = SGA_FILE_READ_COUNT_DEFAULT };

void sga_file_init(const SgaFileSettings *settings)
{
    file_settings = *settings;
}

void sga_file_cleanup(void)
{
    sga_file_handles_close_all();
}

const SgaFileSettings *sga_file_settings(void)
{
    return &file_settings;
}

/* ---- argument specs ------------------------------------------------------------ */

static const SgaMemberSpec open_members[] = {
    SGA_MEMBER(SgaFileOpenArgs, path, "path", sga_type_str),
    SGA_OPTIONAL(SgaFileOpenArgs, mode, "mode", sga_type_str),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_file_open_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-file-open arguments", .size = sizeof(SgaFileOpenArgs),
    .members = open_members,
};

static const SgaMemberSpec handle_members[] = {
    SGA_MEMBER(SgaFileHandleArgs, handle, "handle", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_file_handle_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-file handle arguments",
    .size = sizeof(SgaFileHandleArgs), .members = handle_members,
};

/* ---- guest-file-open ------------------------------------------------------------- */

/* The fopen() modes qemu-ga accepts (each row's spellings), and what each asks
 * of the file. Any other string, even one fopen() takes ("rx", "re"), is
 * refused as qemu-ga refuses it. */
static const struct {
    const char *forms[3];
    unsigned flags;             /* SgaFileIoFlags */
} open_modes[] = {
    { { "r" }, SGA_FILE_IO_READ },
    { { "rb" }, SGA_FILE_IO_READ },
    { { "w" }, SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_TRUNCATE },
    { { "wb" }, SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_TRUNCATE },
    { { "a" }, SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_APPEND },
    { { "ab" }, SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_APPEND },
    { { "r+" }, SGA_FILE_IO_READ | SGA_FILE_IO_WRITE },
    { { "rb+", "r+b" }, SGA_FILE_IO_READ | SGA_FILE_IO_WRITE },
    { { "w+" }, SGA_FILE_IO_READ | SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_TRUNCATE },
    { { "wb+", "w+b" },
      SGA_FILE_IO_READ | SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_TRUNCATE },
    { { "a+" }, SGA_FILE_IO_READ | SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_APPEND },
    { { "ab+", "a+b" },
      SGA_FILE_IO_READ | SGA_FILE_IO_WRITE | SGA_FILE_IO_CREATE | SGA_FILE_IO_APPEND },
};

static bool open_mode_flags(const char *mode, unsigned *flags, GError **error)
{
    for (size_t i = 0; i < G_N_ELEMENTS(open_modes); i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(open_modes[i].forms) && open_modes[i].forms[j]; j++) {
            if (strcmp(open_modes[i].forms[j], mode) == 0) {
                *flags = open_modes[i].flags;
                return true;
            }
        }
    }
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "invalid file open mode '%s'", mode);
    return false;
}

json_object *sga_cmd_guest_file_open(SgaRequest *req, const void *args, GError **error)
{
    const SgaFileOpenArgs *a = args;
    const char *mode = a->has_mode ? a->mode : "r";
    g_autoptr(GError) io_error = NULL;
    SgaFileIo *f;
    unsigned flags;
    int64_t handle;

    g_log("syslog", G_LOG_LEVEL_INFO, "guest-file-open called, filepath: %s, mode: %s", a->path,
          mode);
    if (!open_mode_flags(mode, &flags, error) || !sga_file_handles_have_room(error)) {
        return NULL;
    }
    f = sga_file_io_open(a->path, flags, &io_error);
    if (!f && g_error_matches(io_error, SGA_FILE_IO_ERROR, SGA_FILE_IO_ERROR_PERMISSIONS)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "failed to set permission 0%03o on new file '%s' (mode: '%s'): %s",
                    SGA_FILE_IO_NEW_FILE_MODE, a->path, mode, io_error->message);
        return NULL;
    }
    if (!f) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to open file '%s' (mode: '%s'): %s",
                    a->path, mode, io_error->message);
        return NULL;
    }
    if (!sga_file_handles_add(f, &handle, error)) {
        sga_file_io_close(f, NULL);
        return NULL;
    }
    g_log("syslog", G_LOG_LEVEL_INFO, "guest-file-open, handle: %" G_GINT64_FORMAT, handle);
    return json_object_new_int64(handle);
}

/* ---- guest-file-close, guest-file-flush -------------------------------------------- */

json_object *sga_cmd_guest_file_close(SgaRequest *req, const void *args, GError **error)
{
    const SgaFileHandleArgs *a = args;
    g_autoptr(GError) io_error = NULL;
    SgaFileIo *f;

    g_log("syslog", G_LOG_LEVEL_INFO, "guest-file-close called, handle: %" G_GINT64_FORMAT,
          a->handle);
    f = sga_file_handles_take(a->handle, error);
    if (f && !sga_file_io_close(f, &io_error)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to close handle: %s",
                    io_error->message);
    }
    return NULL;
}

/* Nothing is ever buffered here (writes reach the kernel before guest-file-write
 * answers), so only the handle is checked. It does not fsync either, as
 * qemu-ga's fflush() does not: see docs/commands.md. */
json_object *sga_cmd_guest_file_flush(SgaRequest *req, const void *args, GError **error)
{
    const SgaFileHandleArgs *a = args;

    sga_file_handles_find(a->handle, error);
    return NULL;
}
