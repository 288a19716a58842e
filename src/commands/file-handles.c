/* file-handles.c: the table of open guest-file handles: numbers from the hooks, a bound, lookup. */
#include "file-handles.h"

#include "file.h"
#include "hooks.h"
#include "sga-error.h"

typedef struct FileHandle {
    int64_t id;                 /* the key */
    SgaFileIo *io;
} FileHandle;

static GHashTable *file_handles;    /* &FileHandle.id -> FileHandle */

static void file_handle_free(gpointer data)
{
    FileHandle *h = data;
    g_autoptr(GError) error = NULL;

    if (h->io && !sga_file_io_close(h->io, &error)) {
        g_warning("closing guest-file handle %" G_GINT64_FORMAT ": %s", h->id, error->message);
    }
    g_free(h);
}

static GHashTable *file_handles_table(void)
{
    if (!file_handles) {
        file_handles = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, file_handle_free);
    }
    return file_handles;
}

bool sga_file_handles_have_room(GError **error)
{
    if (g_hash_table_size(file_handles_table()) >= SGA_FILE_HANDLES_MAX) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "too many open files: at most %d guest-file handles can be open at once, "
                    "close one with guest-file-close first", SGA_FILE_HANDLES_MAX);
        return false;
    }
    return true;
}

bool sga_file_handles_add(SgaFileIo *f, int64_t *handle, GError **error)
{
    const SgaCommandHooks *hooks = sga_command_hooks();
    g_autoptr(GError) local = NULL;
    FileHandle *h;
    int64_t id;

    if (!hooks->file_handle_take(hooks->opaque, &id, &local)) {
        /* qemu-ga's words for the host; the details (which path, why) for the log. */
        g_warning("%s", local->message);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to commit persistent state to disk");
        return false;
    }
    h = g_new(FileHandle, 1);
    h->id = id;
    h->io = f;
    g_hash_table_replace(file_handles_table(), &h->id, h);
    *handle = id;
    return true;
}

SgaFileIo *sga_file_handles_find(int64_t handle, GError **error)
{
    FileHandle *h = file_handles ? g_hash_table_lookup(file_handles, &handle) : NULL;

    if (!h) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "handle '%" G_GINT64_FORMAT
                    "' has not been found", handle);
        return NULL;
    }
    return h->io;
}

SgaFileIo *sga_file_handles_take(int64_t handle, GError **error)
{
    SgaFileIo *io = sga_file_handles_find(handle, error);
    FileHandle *h;

    if (!io) {
        return NULL;
    }
    h = g_hash_table_lookup(file_handles, &handle);
    h->io = NULL;
    g_hash_table_remove(file_handles, &handle);
    return io;
}

void sga_file_handles_close_all(void)
{
    g_clear_pointer(&file_handles, g_hash_table_unref);
}
