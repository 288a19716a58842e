/* hooks.c: the agent's hooks for command families, and the defaults used without an agent. */
#include "hooks.h"

/* Without an agent, handles start where a fresh qga.state would. */
#define SGA_HOOKS_DEFAULT_FIRST_HANDLE 1000

static bool default_file_handle_take(void *opaque, int64_t *handle, GError **error)
{
    static int64_t next = SGA_HOOKS_DEFAULT_FIRST_HANDLE;

    *handle = next++;
    return true;
}

static bool default_frozen_enter(void *opaque, GError **error)
{
    return true;
}

static void default_frozen_leave(void *opaque)
{
}

static SgaCommandHooks command_hooks = {
    .file_handle_take = default_file_handle_take,
    .frozen_enter = default_frozen_enter,
    .frozen_leave = default_frozen_leave,
};

void sga_command_hooks_set(const SgaCommandHooks *hooks)
{
    command_hooks = *hooks;
}

const SgaCommandHooks *sga_command_hooks(void)
{
    return &command_hooks;
}
