/* suspend.c: guest-suspend-disk/-ram/-hybrid: checked at once, carried out once the dispatcher returns. */
#include "suspend.h"

#include "commands.h"
#include "sga-error.h"
#include "system-sleep.h"

/* A sleep accepted but not entered yet: the main loop enters it when it next
 * idles, after the replies to earlier requests have been handed to the
 * channel (a success sends none of its own). Another request meanwhile
 * replaces the mode rather than sleeping twice. */
static guint pending_source;
static SgaSuspendMode pending_mode;

static gboolean suspend_run(gpointer data)
{
    g_autoptr(GError) error = NULL;

    pending_source = 0;
    /* Too late to reply: a failure now can only be logged. */
    if (!sga_suspend_enter(pending_mode, &error)) {
        g_warning("suspend failed: %s", error->message);
    }
    return G_SOURCE_REMOVE;
}

/* What can be known before sleeping is checked here, so its error is replied:
 * the mode must be offered, and how a hibernation ends must be selectable. */
static json_object *suspend_request(SgaSuspendMode mode, GError **error)
{
    if (!sga_suspend_supported(mode)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "the requested suspend mode is not supported by the guest");
        return NULL;
    }
    if (!sga_suspend_prepare(mode, error)) {
        return NULL;
    }
    pending_mode = mode;
    if (pending_source == 0) {
        pending_source = g_idle_add(suspend_run, NULL);
    }
    return NULL;
}

json_object *sga_cmd_guest_suspend_disk(SgaRequest *req, const void *args, GError **error)
{
    return suspend_request(SGA_SUSPEND_DISK, error);
}

json_object *sga_cmd_guest_suspend_ram(SgaRequest *req, const void *args, GError **error)
{
    return suspend_request(SGA_SUSPEND_RAM, error);
}

json_object *sga_cmd_guest_suspend_hybrid(SgaRequest *req, const void *args, GError **error)
{
    return suspend_request(SGA_SUSPEND_HYBRID, error);
}
