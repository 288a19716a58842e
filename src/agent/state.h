/* state.h: the agent's persistent state file in the state directory (qga.state). */
#ifndef SGA_STATE_H
#define SGA_STATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The first file handle number qemu-ga hands out on a fresh state file. */
#define SGA_STATE_FIRST_HANDLE 1000

typedef struct SgaState {
    char *path;                 /* <statedir>/qga.state, the name qemu-ga uses */
    int64_t next_handle;        /* guest-file-open handle numbers never repeat */
} SgaState;

/* Read the state file, creating it with defaults when missing, as qemu-ga does at
 * start-up (so an unwritable state directory is found at once). */
bool sga_state_load(SgaState *state, const char *statedir, GError **error);

/* Take the next handle number and commit the counter to disk. */
bool sga_state_take_handle(SgaState *state, int64_t *handle, GError **error);

void sga_state_clear(SgaState *state);

#endif
