/* hooks.h: what command families ask of the agent that runs them, set once at start. */
#ifndef SGA_COMMAND_HOOKS_H
#define SGA_COMMAND_HOOKS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The commands layer sits below the agent, so whatever a command needs from
 * the agent's own state comes through these callbacks rather than by reaching
 * up. Where no agent set them (unit tests, the fuzzer), defaults apply: an
 * in-memory handle counter and freeze notifications that do nothing.
 */
typedef struct SgaCommandHooks {
    /* The next guest-file handle number; the agent persists the counter
     * (qga.state) so numbers never repeat across restarts. */
    bool (*file_handle_take)(void *opaque, int64_t *handle, GError **error);
    /* Called before the first filesystem is frozen: from here on the agent
     * writes nothing to disk (log file, state) and runs only the commands
     * allowed while frozen. Fails when the agent cannot record the frozen
     * state (qemu-ga's qga.state.isfrozen marker); nothing is frozen then. */
    bool (*frozen_enter)(void *opaque, GError **error);
    /* Called after the last filesystem is thawed. */
    void (*frozen_leave)(void *opaque);
    void *opaque;
} SgaCommandHooks;

/* Install the agent's hooks (copied). */
void sga_command_hooks_set(const SgaCommandHooks *hooks);

/* The hooks in use: the agent's, or the defaults. */
const SgaCommandHooks *sga_command_hooks(void);

#endif
