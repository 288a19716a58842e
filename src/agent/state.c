/* state.c: qga.state, a key file holding the file-handle counter across restarts. */
#include "state.h"

#include <errno.h>

#include "sga-error.h"

#define SGA_STATE_GROUP "global"
#define SGA_STATE_KEY_HANDLE "fd_counter"

static bool state_save(const SgaState *state, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *data = NULL;
    gsize len;

    g_key_file_set_int64(kf, SGA_STATE_GROUP, SGA_STATE_KEY_HANDLE, state->next_handle);
    data = g_key_file_to_data(kf, &len, NULL);
    if (!g_file_set_contents(state->path, data, (gssize)len, error)) {
        g_prefix_error(error, "failed to write persistent state to %s: ", state->path);
        return false;
    }
    return true;
}

bool sga_state_load(SgaState *state, const char *statedir, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    GError *local = NULL;

    state->path = g_build_filename(statedir, "qga.state", NULL);
    state->next_handle = SGA_STATE_FIRST_HANDLE;
    if (!g_key_file_load_from_file(kf, state->path, G_KEY_FILE_NONE, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_error_free(local);
            return state_save(state, error);
        }
        g_propagate_prefixed_error(error, local, "failed to load persistent state %s: ", state->path);
        return false;
    }
    if (g_key_file_has_key(kf, SGA_STATE_GROUP, SGA_STATE_KEY_HANDLE, NULL)) {
        /* A damaged value restarts from the default, as qemu-ga does. */
        gint64 v = g_key_file_get_int64(kf, SGA_STATE_GROUP, SGA_STATE_KEY_HANDLE, NULL);
        state->next_handle = v > 0 ? v : SGA_STATE_FIRST_HANDLE;
    }
    return true;
}

bool sga_state_take_handle(SgaState *state, int64_t *handle, GError **error)
{
    int64_t h = state->next_handle;

    state->next_handle++;
    if (!state_save(state, error)) {
        return false;
    }
    *handle = h;
    return true;
}

void sga_state_clear(SgaState *state)
{
    g_clear_pointer(&state->path, g_free);
}
