/* host-wait.c: SIGIO-driven wait for a virtio-serial port's host side.
 *
 * While the host side of a virtio-serial port is closed, Linux reports POLLHUP
 * on it continuously, so it cannot stay in the poll set without spinning. The
 * driver sends SIGIO to the owner of an O_ASYNC port when the host opens or closes
 * its side (and when the port is unplugged); a slow probe covers kernels that do
 * not send the signal.
 */
#include "host-wait.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "signal-watch.h"

/* Fallback check for the host's return when no SIGIO arrives: one poll() a second
 * costs nothing measurable and bounds the reconnect delay. */
#define SGA_HOST_PROBE_SECONDS 1

struct SgaHostWait {
    int fd;
    void (*host_back)(gpointer data);
    void (*port_lost)(int err, gpointer data);
    gpointer data;
    SgaSignalWatch *sigio;
    guint probe_timer;
};

static void host_wait_check(SgaHostWait *w)
{
    struct pollfd p = { .fd = w->fd, .events = POLLIN };
    char discard[4096];
    ssize_t n;

    if (poll(&p, 1, 0) < 0) {
        return;
    }
    if (!(p.revents & POLLHUP)) {
        w->host_back(w->data);
        return;
    }
    /* A port whose host is away also polls readable (a read would return 0);
     * one that is only hung up may have been unplugged: a read tells, failing
     * with ENODEV then. What it reads otherwise is the departed host's. */
    if (p.revents & POLLIN) {
        return;
    }
    do {
        n = read(w->fd, discard, sizeof(discard));
    } while (n > 0 || (n < 0 && errno == EINTR));
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        w->port_lost(errno, w->data);
    }
}

static void host_wait_signalled(gpointer data)
{
    host_wait_check(data);
}

static gboolean host_wait_probe(gpointer data)
{
    host_wait_check(data);
    return G_SOURCE_CONTINUE;
}

SgaHostWait *sga_host_wait_start(int fd, void (*host_back)(gpointer),
                                 void (*port_lost)(int err, gpointer), gpointer data)
{
    SgaHostWait *w = g_new0(SgaHostWait, 1);
    int flags = fcntl(fd, F_GETFL);

    w->fd = fd;
    w->host_back = host_back;
    w->port_lost = port_lost;
    w->data = data;
    w->sigio = sga_signal_watch_add(SIGIO, host_wait_signalled, w);
    /* O_ASYNC only takes effect through fcntl, not open(). */
    if (w->sigio && flags >= 0 && fcntl(fd, F_SETOWN, getpid()) == 0) {
        fcntl(fd, F_SETFL, flags | O_ASYNC);
        /* The host may have come back before O_ASYNC was on: check once now,
         * from the main loop, as if the signal had arrived. */
        sga_signal_watch_poke(w->sigio);
    }
    w->probe_timer = g_timeout_add_seconds(SGA_HOST_PROBE_SECONDS, host_wait_probe, w);
    return w;
}

void sga_host_wait_stop(SgaHostWait *w)
{
    int flags;

    if (!w) {
        return;
    }
    /* While connected, SIGIO would fire on every incoming byte: turn it off. */
    flags = fcntl(w->fd, F_GETFL);
    if (flags >= 0 && (flags & O_ASYNC)) {
        fcntl(w->fd, F_SETFL, flags & ~O_ASYNC);
    }
    sga_signal_watch_remove(w->sigio);
    if (w->probe_timer) {
        g_source_remove(w->probe_timer);
    }
    g_free(w);
}
