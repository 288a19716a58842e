/* signal-watch.c: one self-pipe turning asynchronous signals into main-loop callbacks. */
#include "signal-watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "fd-source.h"

struct SgaSignalWatch {
    int signo;
    void (*callback)(gpointer data);
    gpointer data;
};

/* The handler writes the signal number to the pipe; the main loop reads it and
 * runs the watches for that number. Bytes are lost only when the pipe is full,
 * and then a wakeup for that signal is already pending. */
static int signal_pipe[2] = { -1, -1 };
static GSource *signal_source;
static GPtrArray *signal_watches;      /* of SgaSignalWatch * */
static sigset_t signals_installed;

static void signal_handler(int signo)
{
    int saved = errno;
    unsigned char byte = (unsigned char)signo;

    if (write(signal_pipe[1], &byte, 1) < 0) {
        /* pipe full: a wakeup is pending anyway */
    }
    errno = saved;
}

static gboolean signal_pipe_ready(int fd, GIOCondition revents, gpointer unused)
{
    unsigned char buf[64];
    gboolean seen[NSIG] = { FALSE };
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] < NSIG) {
                seen[buf[i]] = TRUE;
            }
        }
    }
    /* Callbacks may add or remove watches: walk a snapshot. */
    g_autoptr(GPtrArray) snapshot = g_ptr_array_copy(signal_watches, NULL, NULL);
    for (guint i = 0; i < snapshot->len; i++) {
        SgaSignalWatch *w = g_ptr_array_index(snapshot, i);
        if (seen[w->signo] && g_ptr_array_find(signal_watches, w, NULL)) {
            w->callback(w->data);
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean signal_pipe_setup(void)
{
    if (signal_pipe[0] >= 0) {
        return TRUE;
    }
    if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        return FALSE;
    }
    signal_watches = g_ptr_array_new();
    sigemptyset(&signals_installed);
    signal_source = sga_fd_source_new(signal_pipe[0], G_IO_IN, signal_pipe_ready, NULL);
    return TRUE;
}

SgaSignalWatch *sga_signal_watch_add(int signo, void (*callback)(gpointer), gpointer data)
{
    SgaSignalWatch *w;

    if (!signal_pipe_setup()) {
        return NULL;
    }
    if (!sigismember(&signals_installed, signo)) {
        struct sigaction sa = { .sa_handler = signal_handler, .sa_flags = SA_RESTART };
        if (signo == SIGCHLD) {
            sa.sa_flags |= SA_NOCLDSTOP;    /* exits only, not stops */
        }
        sigemptyset(&sa.sa_mask);
        if (sigaction(signo, &sa, NULL) < 0) {
            return NULL;
        }
        sigaddset(&signals_installed, signo);
    }
    w = g_new0(SgaSignalWatch, 1);
    w->signo = signo;
    w->callback = callback;
    w->data = data;
    g_ptr_array_add(signal_watches, w);
    return w;
}

void sga_signal_watch_remove(SgaSignalWatch *w)
{
    if (!w) {
        return;
    }
    g_ptr_array_remove(signal_watches, w);
    g_free(w);
}

void sga_signal_watch_poke(SgaSignalWatch *w)
{
    signal_handler(w->signo);
}
