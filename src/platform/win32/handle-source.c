/* handle-source.c: GSource over a waitable handle, polled by glib's WaitForMultipleObjects loop. */
#include "handle-source.h"

typedef struct SgaHandleSource {
    GSource source;
    GPollFD poll;
    bool active;
    SgaHandleCallback callback;
    gpointer data;
} SgaHandleSource;

static gboolean handle_source_prepare(GSource *source, gint *timeout)
{
    *timeout = -1;
    return FALSE;
}

static gboolean handle_source_check(GSource *source)
{
    SgaHandleSource *hs = (SgaHandleSource *)source;

    return hs->active && (hs->poll.revents & G_IO_IN) != 0;
}

static gboolean handle_source_dispatch(GSource *source, GSourceFunc unused, gpointer unused_data)
{
    SgaHandleSource *hs = (SgaHandleSource *)source;

    hs->poll.revents = 0;
    return hs->callback((HANDLE)hs->poll.fd, hs->data);
}

static GSourceFuncs handle_source_funcs = {
    .prepare = handle_source_prepare,
    .check = handle_source_check,
    .dispatch = handle_source_dispatch,
};

GSource *sga_handle_source_new(HANDLE handle, SgaHandleCallback callback, gpointer data)
{
    GSource *source = g_source_new(&handle_source_funcs, sizeof(SgaHandleSource));
    SgaHandleSource *hs = (SgaHandleSource *)source;

    /* glib's win32 poll takes the handle itself as the "fd" */
    hs->poll.fd = (gintptr)handle;
    hs->poll.events = G_IO_IN;
    hs->active = true;
    hs->callback = callback;
    hs->data = data;
    g_source_add_poll(source, &hs->poll);
    g_source_attach(source, NULL);
    return source;
}

void sga_handle_source_set_active(GSource *source, bool active)
{
    SgaHandleSource *hs = (SgaHandleSource *)source;

    if (hs->active == active) {
        return;
    }
    hs->active = active;
    /* An unwatched handle must leave the wait set, or a signalled one would
     * wake the loop for nothing on every iteration. */
    if (active) {
        g_source_add_poll(source, &hs->poll);
    } else {
        g_source_remove_poll(source, &hs->poll);
        hs->poll.revents = 0;
    }
}

void sga_handle_source_clear(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}
