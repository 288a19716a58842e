/* power.c: guest-shutdown: answered (only with errors) first, carried out just after. */
#include "power.h"

#include <string.h>

#include "commands.h"
#include "shutdown.h"
#include "sga-error.h"

/*
 * How long after the request the system is brought down. qemu-ga replies to
 * nothing on success either, but its shutdown binary only asks the init,
 * which takes seconds to stop the agent; streamga's last resort, reboot(2),
 * acts at once. The delay lets the replies to earlier requests leave first
 * (the transport writes them from the main loop) and keeps the dispatcher
 * out of the way: the action never runs inside a request.
 */
#define SGA_SHUTDOWN_DELAY_MS 100

static const SgaMemberSpec shutdown_members[] = {
    SGA_OPTIONAL(SgaShutdownArgs, mode, "mode", sga_type_str),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_shutdown_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-shutdown arguments", .size = sizeof(SgaShutdownArgs),
    .members = shutdown_members,
};

/* The shutdown waiting for its moment; a second request replaces it. */
static struct {
    SgaPowerPlan *plan;
    guint timer;
} pending_shutdown;

static gboolean shutdown_now(gpointer unused)
{
    SgaPowerPlan *plan = pending_shutdown.plan;

    pending_shutdown.plan = NULL;
    pending_shutdown.timer = 0;
    sga_power_plan_run(plan);
    return G_SOURCE_REMOVE;
}

/* The mode is a plain string in the schema, checked here with qemu-ga's words. */
static bool shutdown_mode_parse(const SgaShutdownArgs *a, SgaPowerMode *mode, GError **error)
{
    if (!a->has_mode || strcmp(a->mode, "powerdown") == 0) {
        *mode = SGA_POWER_OFF;
    } else if (strcmp(a->mode, "halt") == 0) {
        *mode = SGA_POWER_HALT;
    } else if (strcmp(a->mode, "reboot") == 0) {
        *mode = SGA_POWER_REBOOT;
    } else {
#ifdef G_OS_WIN32
        /* qemu-ga's Windows code words it as an invalid parameter value */
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'");
#else
        /* sic: qemu-ga's message lacks the closing parenthesis */
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "mode is invalid (valid values are: halt|powerdown|reboot");
#endif
        return false;
    }
    return true;
}

json_object *sga_cmd_guest_shutdown(SgaRequest *req, const void *args, GError **error)
{
    const SgaShutdownArgs *a = args;
    SgaPowerMode mode;
    SgaPowerPlan *plan;

    g_log("syslog", G_LOG_LEVEL_INFO, "guest-shutdown called, mode: %s",
          a->has_mode ? a->mode : "(null)");
    if (!shutdown_mode_parse(a, &mode, error)) {
        return NULL;
    }
    plan = sga_power_plan_new(mode, error);
    if (!plan) {
        return NULL;
    }
    sga_power_plan_free(pending_shutdown.plan);
    pending_shutdown.plan = plan;
    if (!pending_shutdown.timer) {
        pending_shutdown.timer = g_timeout_add(SGA_SHUTDOWN_DELAY_MS, shutdown_now, NULL);
    }
    return NULL;
}
