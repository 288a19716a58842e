/* fd-source.c: a GSource over one unix fd with adjustable conditions. */
#include "fd-source.h"

typedef struct {
    GSource source;
    gpointer tag;
    int fd;
    GIOCondition events;
    SgaFdCallback callback;
    gpointer data;
} FdSource;

static gboolean fd_source_dispatch(GSource *source, GSourceFunc unused, gpointer unused_data)
{
    FdSource *fs = (FdSource *)source;
    GIOCondition revents = g_source_query_unix_fd(source, fs->tag);

    return fs->callback(fs->fd, revents, fs->data);
}

static GSourceFuncs fd_source_funcs = {
    .dispatch = fd_source_dispatch,
};

GSource *sga_fd_source_new(int fd, GIOCondition events, SgaFdCallback callback, gpointer data)
{
    GSource *source = g_source_new(&fd_source_funcs, sizeof(FdSource));
    FdSource *fs = (FdSource *)source;

    fs->fd = fd;
    fs->events = events;
    fs->callback = callback;
    fs->data = data;
    fs->tag = g_source_add_unix_fd(source, fd, events);
    /* GLib blocks a non-recursive source around each dispatch by removing and
     * re-adding its fds, and each of those writes the context's wakeup eventfd:
     * two writes, a read and an extra poll per request. The agent never nests
     * main loops, so allowing recursion costs nothing and halves the syscalls. */
    g_source_set_can_recurse(source, TRUE);
    g_source_attach(source, NULL);
    return source;
}

void sga_fd_source_set_events(GSource *source, GIOCondition events)
{
    FdSource *fs = (FdSource *)source;

    /* Every change wakes the main context (an eventfd write now and a read on
     * the next turn): callers set the same conditions over and over. */
    if (events != fs->events) {
        fs->events = events;
        g_source_modify_unix_fd(source, fs->tag, events);
    }
}

void sga_fd_source_clear(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}
