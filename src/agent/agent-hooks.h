/* agent-hooks.h: the agent's side of the command hooks: file handles and the frozen state. */
#ifndef SGA_AGENT_HOOKS_H
#define SGA_AGENT_HOOKS_H

#include <glib.h>
#include <stdbool.h>

#include "registry.h"
#include "state.h"

/* What the agent must do again once filesystems thaw, because it could not
 * write to them while frozen. */
typedef void (*SgaAgentThawedFn)(void *opaque);

/*
 * Install the hooks for the command families: handles come from state (kept
 * in qga.state), and the frozen state restricts registry to the commands
 * allowed while frozen, stops logging, and keeps qemu-ga's marker file
 * <statedir>/qga.state.isfrozen so a restarted agent knows. thawed runs after
 * every thaw.
 */
void sga_agent_hooks_install(SgaRegistry *registry, SgaState *state, const char *statedir,
                             SgaAgentThawedFn thawed, void *opaque);

/* Whether the marker says a previous agent left filesystems frozen. */
bool sga_agent_hooks_marker_present(const char *statedir, GError **error);

/* Enter the frozen state without freezing (the marker was present at start). */
void sga_agent_hooks_start_frozen(void);

void sga_agent_hooks_clear(void);

#endif
