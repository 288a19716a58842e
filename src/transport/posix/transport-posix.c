/* transport-posix.c: the agent's channel to the host on Linux and other POSIX systems. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel-open.h"
#include "fd-source.h"
#include "host-wait.h"
#include "out-queue.h"
#include "sga-error.h"
#include "tcp-address.h"

/* One read() takes at most this much; large enough that a 1 MB file-write
 * request needs few wakeups. */
#define SGA_TRANSPORT_READ_SIZE (64 * 1024)

/* The first fd systemd passes with socket activation (sd_listen_fds). */
#define SGA_ACTIVATION_FD 3

struct SgaTransport {
    SgaTransportMethod method;
    char *path;
    SgaTransportEvents ev;
    void *opaque;

    int listen_fd;
    GSource *listen_source;
    gboolean unlink_path;       /* we created the unix socket file */

    int fd;                     /* the host connection: client socket or device */
    GSource *fd_source;
    gboolean connected;         /* a host session is running on fd */
    gboolean receiving;
    SgaOutQueue out;
    guint teardown_idle;        /* a write failed: end the session from the main loop */

    SgaHostWait *host_wait;     /* virtio-serial: host side closed */
    char *read_buf;
};

static const char *const method_names[] = {
    [SGA_TRANSPORT_VIRTIO_SERIAL] = "virtio-serial",
    [SGA_TRANSPORT_ISA_SERIAL] = "isa-serial",
    [SGA_TRANSPORT_UNIX_LISTEN] = "unix-listen",
    [SGA_TRANSPORT_VSOCK_LISTEN] = "vsock-listen",
    [SGA_TRANSPORT_TCP_LISTEN] = "tcp-listen",
};

bool sga_transport_method_from_name(const char *name, SgaTransportMethod *method)
{
    for (size_t i = 0; i < G_N_ELEMENTS(method_names); i++) {
        if (strcmp(name, method_names[i]) == 0) {
            *method = (SgaTransportMethod)i;
            return true;
        }
    }
    return false;
}

const char *sga_transport_methods_hint(void)
{
    /* qemu-ga's words; tcp-listen, an extension, is in --help and the docs */
    return "unix-listen, virtio-serial, isa-serial or vsock-listen";
}

const char *sga_transport_default_path(SgaTransportMethod method)
{
    switch (method) {
    case SGA_TRANSPORT_VIRTIO_SERIAL:
        return "/dev/virtio-ports/org.qemu.guest_agent.0";
    case SGA_TRANSPORT_ISA_SERIAL:
        return "/dev/ttyS0";
    default:
        return NULL;
    }
}

bool sga_transport_check_path(SgaTransportMethod method, const char *path, GError **error)
{
    guint32 cid, port;

    g_autofree char *tcp_host = NULL;
    g_autofree char *tcp_port = NULL;

    if (method == SGA_TRANSPORT_VSOCK_LISTEN) {
        return sga_channel_parse_vsock(path, &cid, &port, error);
    }
    if (method == SGA_TRANSPORT_TCP_LISTEN) {
        return sga_tcp_address_parse(path, &tcp_host, &tcp_port, error);
    }
    return true;
}

int sga_transport_activation_fd(SgaTransportMethod *method, GError **error)
{
    const char *pid = g_getenv("LISTEN_PID");
    const char *fds = g_getenv("LISTEN_FDS");
    struct sockaddr_storage addr;
    socklen_t len = sizeof(addr);

    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid()) {
        return -1;
    }
    if (strtol(fds, NULL, 10) != 1) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "only one socket can be passed by socket activation (LISTEN_FDS=%s)", fds);
        return -1;
    }
    if (getsockname(SGA_ACTIVATION_FD, (struct sockaddr *)&addr, &len) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "socket activation fd: %s", g_strerror(errno));
        return -1;
    }
    if (addr.ss_family == AF_UNIX) {
        *method = SGA_TRANSPORT_UNIX_LISTEN;
#ifdef AF_VSOCK
    } else if (addr.ss_family == AF_VSOCK) {
        *method = SGA_TRANSPORT_VSOCK_LISTEN;
#endif
    } else {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "unsupported listen fd type");
        return -1;
    }
    fcntl(SGA_ACTIVATION_FD, F_SETFD, FD_CLOEXEC);
    fcntl(SGA_ACTIVATION_FD, F_SETFL, fcntl(SGA_ACTIVATION_FD, F_GETFL) | O_NONBLOCK);
    return SGA_ACTIVATION_FD;
}

/* ---- one host session on t->fd ------------------------------------------------ */

static gboolean transport_fd_ready(int fd, GIOCondition revents, gpointer data);
static void transport_listen_resume(SgaTransport *t);
static void transport_host_wait(SgaTransport *t);

static GIOCondition transport_fd_events(const SgaTransport *t)
{
    return (t->receiving ? G_IO_IN : 0) | (t->out.queued ? G_IO_OUT : 0);
}

static void transport_session_start(SgaTransport *t)
{
    t->connected = TRUE;
    t->receiving = TRUE;
    t->fd_source = sga_fd_source_new(t->fd, transport_fd_events(t), transport_fd_ready, t);
    t->ev.session_started(t->opaque);
}

/* Stop serving the current host: drop what it has not read yet. */
static void transport_session_stop(SgaTransport *t)
{
    sga_fd_source_clear(&t->fd_source);
    sga_out_queue_clear(&t->out);
    if (t->teardown_idle) {
        g_source_remove(t->teardown_idle);
        t->teardown_idle = 0;
    }
    t->connected = FALSE;
}

/* The host went away; carry on according to the method. */
static void transport_session_end(SgaTransport *t)
{
    transport_session_stop(t);
    switch (t->method) {
    case SGA_TRANSPORT_UNIX_LISTEN:
    case SGA_TRANSPORT_VSOCK_LISTEN:
    case SGA_TRANSPORT_TCP_LISTEN:
        close(t->fd);
        t->fd = -1;
        t->ev.session_ended(t->opaque);
        transport_listen_resume(t);
        break;
    case SGA_TRANSPORT_VIRTIO_SERIAL:
        t->ev.session_ended(t->opaque);
        transport_host_wait(t);
        break;
    case SGA_TRANSPORT_ISA_SERIAL:
        g_assert_not_reached();     /* a serial line has no host session to lose */
    }
}

/* The channel broke: close it and let the owner decide about reopening. */
static void transport_fail(SgaTransport *t, const char *what, int err)
{
    g_autoptr(GError) error = g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "error %s channel '%s': %s",
                                          what, t->path, g_strerror(err));

    if (t->connected) {
        transport_session_stop(t);
        t->ev.session_ended(t->opaque);
    }
    sga_host_wait_stop(t->host_wait);
    t->host_wait = NULL;
    sga_fd_source_clear(&t->listen_source);
    if (t->fd >= 0 && t->fd != t->listen_fd) {
        close(t->fd);
    }
    t->fd = -1;
    t->ev.failed(error, t->opaque);
}

/* EOF or a connection error from the host. */
static void transport_host_gone(SgaTransport *t, int err)
{
    if (t->method == SGA_TRANSPORT_ISA_SERIAL) {
        transport_fail(t, "reading", err ? err : EIO);
    } else if (t->method == SGA_TRANSPORT_VIRTIO_SERIAL && err && err != EPIPE) {
        transport_fail(t, "reading", err);   /* e.g. ENODEV: the port was unplugged */
    } else {
        transport_session_end(t);
    }
}

static gboolean transport_teardown(gpointer data)
{
    SgaTransport *t = data;

    t->teardown_idle = 0;
    transport_host_gone(t, 0);
    return G_SOURCE_REMOVE;
}

static void transport_read(SgaTransport *t, GIOCondition revents)
{
    ssize_t n;

    do {
        n = read(t->fd, t->read_buf, SGA_TRANSPORT_READ_SIZE);
    } while (n < 0 && errno == EINTR);

    if (n > 0) {
        t->ev.received(t->read_buf, (size_t)n, t->opaque);
    } else if (n == 0) {
        transport_host_gone(t, 0);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        transport_host_gone(t, errno == ECONNRESET ? 0 : errno);
    } else if (revents & (G_IO_HUP | G_IO_ERR)) {
        transport_host_gone(t, 0);
    }
}

static gboolean transport_fd_ready(int fd, GIOCondition revents, gpointer data)
{
    SgaTransport *t = data;

    if (revents & G_IO_OUT) {
        if (!sga_out_queue_flush(&t->out, fd)) {
            transport_host_gone(t, errno == EPIPE || errno == ECONNRESET ? 0 : errno);
            return G_SOURCE_CONTINUE;
        }
        if (t->out.queued == 0) {
            sga_fd_source_set_events(t->fd_source, transport_fd_events(t));
            t->ev.drained(t->opaque);
            if (!t->connected) {
                return G_SOURCE_CONTINUE;
            }
        }
    }
    if (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
        /* IN is only watched while receiving; a hang-up is read even while
         * paused, to reach the end of what the departed host sent (finite: it
         * is gone), so its session can end. */
        transport_read(t, revents);
    }
    return G_SOURCE_CONTINUE;
}

void sga_transport_send(SgaTransport *t, char *data, size_t len)
{
    if (!t->connected || t->teardown_idle) {
        g_free(data);       /* nobody to read it */
        return;
    }
    if (!sga_out_queue_send(&t->out, t->fd, data, len)) {
        /* Not torn down here: the caller is in the middle of handling input. */
        sga_out_queue_clear(&t->out);
        t->teardown_idle = g_idle_add_full(G_PRIORITY_HIGH, transport_teardown, t, NULL);
        return;
    }
    if (t->out.queued) {
        sga_fd_source_set_events(t->fd_source, transport_fd_events(t));
    }
}

size_t sga_transport_queued(const SgaTransport *t)
{
    return t->out.queued;
}

void sga_transport_set_receiving(SgaTransport *t, bool receiving)
{
    t->receiving = receiving;
    if (t->fd_source) {
        sga_fd_source_set_events(t->fd_source, transport_fd_events(t));
    }
}

/* ---- listening sockets ------------------------------------------------------ */

static gboolean transport_accept(int listen_fd, GIOCondition revents, gpointer data)
{
    SgaTransport *t = data;
    int fd;

    do {
        fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
            g_warning("error accepting connection on '%s': %s", t->path, g_strerror(errno));
        }
        return G_SOURCE_CONTINUE;
    }
    if (t->method == SGA_TRANSPORT_TCP_LISTEN) {
        /* Replies are small and each answers a request: Nagle would hold one
         * back until the host's delayed ACK (tens of ms per request). */
        int nodelay = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay));
    }
    /* One host at a time, as qemu-ga: the next waits in the backlog. */
    sga_fd_source_set_events(t->listen_source, 0);
    t->fd = fd;
    transport_session_start(t);
    return G_SOURCE_CONTINUE;
}

static void transport_listen_resume(SgaTransport *t)
{
    sga_fd_source_set_events(t->listen_source, G_IO_IN);
}

/* ---- virtio-serial host presence ------------------------------------------- */

static void transport_host_back(gpointer data)
{
    SgaTransport *t = data;

    sga_host_wait_stop(t->host_wait);
    t->host_wait = NULL;
    transport_session_start(t);
}

static void transport_port_lost(int err, gpointer data)
{
    transport_fail(data, "reading", err);
}

/* Nothing is read here: the session ended on a read() that returned 0, which
 * the driver does only when the port holds no data, so anything readable from
 * now on was sent by the next host. (Draining here raced with a host that
 * reconnects at once, and lost its first request.) */
static void transport_host_wait(SgaTransport *t)
{
    t->host_wait = sga_host_wait_start(t->fd, transport_host_back, transport_port_lost, t);
}

static gboolean virtio_host_is_connected(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };

    return poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP);
}

/* ---- life cycle ------------------------------------------------------------- */

SgaTransport *sga_transport_open(SgaTransportMethod method, const char *path, int listen_fd,
                                 const SgaTransportEvents *events, void *opaque,
                                 GError **error)
{
    SgaTransport *t = g_new0(SgaTransport, 1);

    t->method = method;
    t->path = g_strdup(path ? path : "(socket activation)");
    t->ev = *events;
    t->opaque = opaque;
    t->listen_fd = -1;
    t->fd = -1;
    t->read_buf = g_malloc(SGA_TRANSPORT_READ_SIZE);
    sga_out_queue_init(&t->out);

    switch (method) {
    case SGA_TRANSPORT_VIRTIO_SERIAL:
        t->fd = sga_channel_open_virtio(path, error);
        break;
    case SGA_TRANSPORT_ISA_SERIAL:
        t->fd = sga_channel_open_serial(path, error);
        break;
    case SGA_TRANSPORT_UNIX_LISTEN:
        t->listen_fd = listen_fd >= 0 ? listen_fd : sga_channel_listen_unix(path, error);
        t->unlink_path = listen_fd < 0;
        break;
    case SGA_TRANSPORT_VSOCK_LISTEN:
        t->listen_fd = listen_fd >= 0 ? listen_fd : sga_channel_listen_vsock(path, error);
        break;
    case SGA_TRANSPORT_TCP_LISTEN:
        t->listen_fd = sga_channel_listen_tcp(path, error);
        break;
    }
    if (t->fd < 0 && t->listen_fd < 0) {
        t->unlink_path = FALSE;
        sga_transport_free(t);
        return NULL;
    }

    if (t->listen_fd >= 0) {
        t->listen_source = sga_fd_source_new(t->listen_fd, G_IO_IN, transport_accept, t);
    } else if (method == SGA_TRANSPORT_VIRTIO_SERIAL && !virtio_host_is_connected(t->fd)) {
        transport_host_wait(t);
    } else {
        transport_session_start(t);
    }
    return t;
}

void sga_transport_free(SgaTransport *t)
{
    if (!t) {
        return;
    }
    if (t->connected) {
        transport_session_stop(t);
    }
    sga_host_wait_stop(t->host_wait);
    sga_fd_source_clear(&t->listen_source);
    if (t->fd >= 0) {
        close(t->fd);
    }
    if (t->listen_fd >= 0) {
        close(t->listen_fd);
    }
    if (t->unlink_path) {
        unlink(t->path);
    }
    g_free(t->read_buf);
    g_free(t->path);
    g_free(t);
}
