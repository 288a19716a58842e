/* agent-hooks.c: file handles from qga.state and the agent's frozen state, for the command families. */
#include "agent-hooks.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "hooks.h"
#include "log.h"
#include "sga-error.h"

/* qemu-ga's name for the marker, so either agent sees the other's. */
#define SGA_FROZEN_MARKER "qga.state.isfrozen"

static struct {
    SgaRegistry *registry;
    SgaState *state;
    char *marker_path;
    bool frozen;
    SgaAgentThawedFn thawed;
    void *opaque;
} agent_hooks;

static bool agent_file_handle_take(void *opaque, int64_t *handle, GError **error)
{
    return sga_state_take_handle(agent_hooks.state, handle, error);
}

static void agent_frozen_set(void)
{
    sga_registry_set_frozen(agent_hooks.registry, true);
    g_warning("disabling logging due to filesystem freeze");
    sga_log_set_enabled(false);
    agent_hooks.frozen = true;
}

static bool agent_frozen_enter(void *opaque, GError **error)
{
    if (agent_hooks.frozen) {
        return true;
    }
    /* The marker is written before anything is frozen, while it still can be;
     * qemu-ga only warns when it cannot, and so do we: refusing would leave
     * snapshots unquiesced on a read-only state directory. */
    if (!g_file_set_contents(agent_hooks.marker_path, "", 0, NULL)) {
        g_warning("unable to create %s, fsfreeze may not function properly",
                  agent_hooks.marker_path);
    }
    agent_frozen_set();
    return true;
}

static void agent_frozen_leave(void *opaque)
{
    if (!agent_hooks.frozen) {
        return;
    }
    agent_hooks.frozen = false;
    sga_log_set_enabled(true);
    /* A log file deferred at start opens here, so that the line below goes
     * to it, as qemu-ga's does. */
    if (agent_hooks.thawed) {
        agent_hooks.thawed(agent_hooks.opaque);
    }
    g_warning("logging re-enabled due to filesystem unfreeze");
    sga_registry_set_frozen(agent_hooks.registry, false);
    if (g_unlink(agent_hooks.marker_path) != 0 && errno != ENOENT) {
        g_warning("unable to delete %s, fsfreeze may not function properly",
                  agent_hooks.marker_path);
    }
}

void sga_agent_hooks_install(SgaRegistry *registry, SgaState *state, const char *statedir,
                             SgaAgentThawedFn thawed, void *opaque)
{
    SgaCommandHooks hooks = {
        .file_handle_take = agent_file_handle_take,
        .frozen_enter = agent_frozen_enter,
        .frozen_leave = agent_frozen_leave,
    };

    agent_hooks.registry = registry;
    agent_hooks.state = state;
    g_free(agent_hooks.marker_path);
    agent_hooks.marker_path = g_build_filename(statedir, SGA_FROZEN_MARKER, NULL);
    agent_hooks.thawed = thawed;
    agent_hooks.opaque = opaque;
    sga_command_hooks_set(&hooks);
}

bool sga_agent_hooks_marker_present(const char *statedir, GError **error)
{
    g_autofree char *path = g_build_filename(statedir, SGA_FROZEN_MARKER, NULL);
    GStatBuf st;

    if (g_stat(path, &st) == 0) {
        return true;
    }
    /* Anything but "missing" is a setup problem to fix before going on, as
     * qemu-ga decides: better than hanging later on a frozen filesystem. */
    if (errno != ENOENT) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "unable to access state file at path %s: %s",
                    path, g_strerror(errno));
    }
    return false;
}

void sga_agent_hooks_start_frozen(void)
{
    g_warning("previous instance appears to have exited with frozen filesystems. deferring "
              "logging/pidfile creation and disabling non-fsfreeze-safe commands until "
              "guest-fsfreeze-thaw is issued, or filesystems are manually unfrozen and the "
              "file %s is removed", agent_hooks.marker_path);
    agent_frozen_set();
}

void sga_agent_hooks_clear(void)
{
    g_clear_pointer(&agent_hooks.marker_path, g_free);
    agent_hooks.registry = NULL;
    agent_hooks.state = NULL;
    agent_hooks.frozen = false;
}
