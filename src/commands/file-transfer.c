/* file-transfer.c: guest-file-read, -write and -seek on open handles. */
#include "file.h"

#include "commands.h"
#include "file-handles.h"
#include "file-io.h"
#include "sga-base64.h"
#include "sga-error.h"

/* ---- argument specs ------------------------------------------------------------ */

static const SgaMemberSpec read_members[] = {
    SGA_MEMBER(SgaFileReadArgs, handle, "handle", sga_type_int),
    SGA_OPTIONAL(SgaFileReadArgs, count, "count", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_file_read_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-file-read arguments", .size = sizeof(SgaFileReadArgs),
    .members = read_members,
};

static const SgaMemberSpec write_members[] = {
    SGA_MEMBER(SgaFileWriteArgs, handle, "handle", sga_type_int),
    SGA_MEMBER(SgaFileWriteArgs, buf_b64, "buf-b64", sga_type_str),
    SGA_OPTIONAL(SgaFileWriteArgs, count, "count", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_file_write_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-file-write arguments",
    .size = sizeof(SgaFileWriteArgs), .members = write_members,
};

/* QGASeek: the names, in the order of their numeric codes. */
static const char *const whence_names[] = {
    [SGA_FILE_IO_SEEK_SET] = "set",
    [SGA_FILE_IO_SEEK_CUR] = "cur",
    [SGA_FILE_IO_SEEK_END] = "end",
    NULL,
};
static const SgaTypeSpec whence_name_type = {
    .kind = SGA_TYPE_ENUM, .name = "QGASeek", .enum_values = whence_names,
};
static const SgaTypeSpec *const whence_branches[] = { &sga_type_int, &whence_name_type, NULL };
static const SgaTypeSpec whence_type = {
    .kind = SGA_TYPE_ALTERNATE, .name = "GuestFileWhence", .branches = whence_branches,
};

static const SgaMemberSpec seek_members[] = {
    SGA_MEMBER(SgaFileSeekArgs, handle, "handle", sga_type_int),
    SGA_MEMBER(SgaFileSeekArgs, offset, "offset", sga_type_int),
    SGA_MEMBER(SgaFileSeekArgs, whence, "whence", whence_type),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_file_seek_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-file-seek arguments", .size = sizeof(SgaFileSeekArgs),
    .members = seek_members,
};

/* ---- guest-file-read ------------------------------------------------------------- */

/* One allocation per read, whatever its size: the file's bytes are read into
 * the tail of the buffer their base64 text needs and encoded in place, and
 * that text goes into the reply with its length known. */
json_object *sga_cmd_guest_file_read(SgaRequest *req, const void *args, GError **error)
{
    const SgaFileReadArgs *a = args;
    SgaFileIo *f = sga_file_handles_find(a->handle, error);
    g_autoptr(GError) io_error = NULL;
    size_t count, room, got, text_len;
    json_object *ret;
    guint8 *data;
    char *text;
    bool eof;

    if (!f) {
        return NULL;
    }
    if (a->has_count && (a->count < 0 || (uint64_t)a->count > SGA_FILE_READ_COUNT_MAX)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "value '%" G_GINT64_FORMAT "' is invalid for argument count", a->count);
        return NULL;
    }
    count = a->has_count ? (size_t)a->count : sga_file_settings()->read_count_default;
    room = SGA_BASE64_ENCODED_LEN(count);
    text = g_malloc(room + 1);
    data = (guint8 *)text + (room - count);
    if (!sga_file_io_read(f, data, count, &got, &eof, &io_error)) {
        g_free(text);
        g_log("syslog", G_LOG_LEVEL_INFO, "guest-file-read failed, handle: %" G_GINT64_FORMAT,
              a->handle);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to read file: %s",
                    io_error->message);
        return NULL;
    }
    text_len = sga_base64_encode_into(text, data, got);

    ret = json_object_new_object();
    json_object_object_add(ret, "count", json_object_new_int64((int64_t)got));
    json_object_object_add(ret, "buf-b64", json_object_new_string_len(text, (int)text_len));
    json_object_object_add(ret, "eof", json_object_new_boolean(eof));
    g_free(text);
    return ret;
}

/* ---- guest-file-write ------------------------------------------------------------ */

json_object *sga_cmd_guest_file_write(SgaRequest *req, const void *args, GError **error)
{
    const SgaFileWriteArgs *a = args;
    SgaFileIo *f = sga_file_handles_find(a->handle, error);
    g_autoptr(GError) io_error = NULL;
    g_autofree guint8 *data = NULL;
    gsize len;
    size_t written;
    json_object *ret;

    if (!f || !(data = sga_base64_decode(a->buf_b64, &len, error))) {
        return NULL;
    }
    if (a->has_count && (a->count < 0 || (uint64_t)a->count > len)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "value '%" G_GINT64_FORMAT "' is invalid for argument count", a->count);
        return NULL;
    }
    if (!sga_file_io_write(f, data, a->has_count ? (size_t)a->count : len, &written, &io_error)) {
        g_log("syslog", G_LOG_LEVEL_INFO, "guest-file-write failed, handle: %" G_GINT64_FORMAT,
              a->handle);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to write to file: %s",
                    io_error->message);
        return NULL;
    }
    ret = json_object_new_object();
    json_object_object_add(ret, "count", json_object_new_int64((int64_t)written));
    /* Writing never meets an end of file; qemu-ga's flag is always false too. */
    json_object_object_add(ret, "eof", json_object_new_boolean(0));
    return ret;
}

/* ---- guest-file-seek ------------------------------------------------------------- */

json_object *sga_cmd_guest_file_seek(SgaRequest *req, const void *args, GError **error)
{
    const SgaFileSeekArgs *a = args;
    SgaFileIo *f = sga_file_handles_find(a->handle, error);
    g_autoptr(GError) io_error = NULL;
    SgaFileIoWhence whence;
    int64_t position;
    json_object *ret;

    if (!f) {
        return NULL;
    }
    if (a->whence.branch == &sga_type_int) {
        /* The numeric codes are QGASeek's own (0 set, 1 cur, 2 end), whatever the OS's are. */
        if (a->whence.u.i < SGA_FILE_IO_SEEK_SET || a->whence.u.i > SGA_FILE_IO_SEEK_END) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "invalid whence code %" G_GINT64_FORMAT,
                        a->whence.u.i);
            return NULL;
        }
        whence = (SgaFileIoWhence)a->whence.u.i;
    } else {
        whence = (SgaFileIoWhence)a->whence.u.e;
    }
    if (!sga_file_io_seek(f, a->offset, whence, &position, &io_error)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to seek file: %s",
                    io_error->message);
        return NULL;
    }
    /* qemu-ga's member order. A seek clears the end-of-file state, so eof is
     * always false (as qemu-ga's feof() after fseek()). */
    ret = json_object_new_object();
    json_object_object_add(ret, "eof", json_object_new_boolean(0));
    json_object_object_add(ret, "position", json_object_new_int64(position));
    return ret;
}
