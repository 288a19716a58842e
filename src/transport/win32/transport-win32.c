/* transport-win32.c: the agent's channel to the host on Windows: overlapped port I/O or a TCP socket. */
#include "transport.h"

#include <string.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#include "channel-win32.h"
#include "handle-source.h"
#include "sga-error.h"
#include "tcp-address.h"

/* One read takes at most this much, as on POSIX. */
#define SGA_TRANSPORT_READ_SIZE (64 * 1024)
/* Reads in a row before the loop gets a turn: 1 MiB, a FIREWHEEL write chunk. */
#define SGA_TRANSPORT_READS_PER_WAKEUP 16
/* A port read that completes with nothing (a driver with no host behind it)
 * is retried after this long, not at once, so the loop cannot spin. */
#define SGA_TRANSPORT_EMPTY_READ_RETRY_MS 100

typedef struct OutChunk {
    char *data;
    size_t len;
    size_t off;
} OutChunk;

struct SgaTransport {
    SgaTransportMethod method;
    char *path;
    SgaTransportEvents ev;
    void *opaque;

    gboolean connected;         /* a host session is running */
    gboolean receiving;
    GQueue out;                 /* of OutChunk */
    size_t queued;              /* bytes in out not yet written */
    guint teardown_idle;        /* a write failed: end the session from the main loop */
    char *read_buf;

    /* virtio-serial, isa-serial: a device handle with one overlapped read and
     * one overlapped write in flight at most */
    HANDLE port;
    OVERLAPPED rd, wr;
    gboolean read_pending, write_pending;
    GSource *rd_source, *wr_source;
    guint read_retry;

    /* tcp-listen */
    SOCKET listen_sock, sock;
    WSAEVENT listen_event, sock_event;
    GSource *listen_source, *sock_source;
    guint resume_idle;          /* receiving again: read what waited */
};

static const char *const method_names[] = {
    [SGA_TRANSPORT_VIRTIO_SERIAL] = "virtio-serial",
    [SGA_TRANSPORT_ISA_SERIAL] = "isa-serial",
    [SGA_TRANSPORT_TCP_LISTEN] = "tcp-listen",
};

bool sga_transport_method_from_name(const char *name, SgaTransportMethod *method)
{
    for (size_t i = 0; i < G_N_ELEMENTS(method_names); i++) {
        if (method_names[i] && strcmp(name, method_names[i]) == 0) {
            *method = (SgaTransportMethod)i;
            return true;
        }
    }
    return false;
}

const char *sga_transport_methods_hint(void)
{
    return "virtio-serial, isa-serial or tcp-listen";
}

const char *sga_transport_default_path(SgaTransportMethod method)
{
    switch (method) {
    case SGA_TRANSPORT_VIRTIO_SERIAL:
        return "\\\\.\\Global\\org.qemu.guest_agent.0";
    case SGA_TRANSPORT_ISA_SERIAL:
        return "COM1";
    default:
        return NULL;
    }
}

bool sga_transport_check_path(SgaTransportMethod method, const char *path, GError **error)
{
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;

    if (method == SGA_TRANSPORT_TCP_LISTEN) {
        return sga_tcp_address_parse(path, &host, &port, error);
    }
    return true;
}

int sga_transport_activation_fd(SgaTransportMethod *method, GError **error)
{
    return -1;      /* no socket activation on Windows */
}

/* ---- output queue --------------------------------------------------------------- */

static void out_clear(SgaTransport *t)
{
    OutChunk *c;

    while ((c = g_queue_pop_head(&t->out))) {
        g_free(c->data);
        g_free(c);
    }
    t->queued = 0;
}

/* Account for n bytes of the head chunk written; true when the queue emptied. */
static gboolean out_advance(SgaTransport *t, size_t n)
{
    OutChunk *c = g_queue_peek_head(&t->out);

    c->off += n;
    t->queued -= n;
    if (c->off == c->len) {
        g_queue_pop_head(&t->out);
        g_free(c->data);
        g_free(c);
    }
    return t->queued == 0;
}

static void out_push(SgaTransport *t, char *data, size_t len, size_t off)
{
    OutChunk *c = g_new(OutChunk, 1);

    c->data = data;
    c->len = len;
    c->off = off;
    g_queue_push_tail(&t->out, c);
    t->queued += len - off;
}

/* ---- sessions ----------------------------------------------------------------------- */

static void transport_port_start_read(SgaTransport *t);
static void transport_sock_stop(SgaTransport *t);
static void transport_listen_resume(SgaTransport *t);

static void transport_session_start(SgaTransport *t)
{
    t->connected = TRUE;
    t->receiving = TRUE;
    t->ev.session_started(t->opaque);
    if (t->port != INVALID_HANDLE_VALUE) {
        transport_port_start_read(t);
    }
}

static void transport_session_stop(SgaTransport *t)
{
    out_clear(t);
    if (t->teardown_idle) {
        g_source_remove(t->teardown_idle);
        t->teardown_idle = 0;
    }
    if (t->resume_idle) {
        g_source_remove(t->resume_idle);
        t->resume_idle = 0;
    }
    t->connected = FALSE;
}

/* The TCP host went away: serve the next one. */
static void transport_session_end(SgaTransport *t)
{
    transport_session_stop(t);
    transport_sock_stop(t);
    t->ev.session_ended(t->opaque);
    transport_listen_resume(t);
}

/* The channel broke: close it and let the owner decide about reopening. */
static void transport_fail(SgaTransport *t, const char *what, DWORD code)
{
    g_autofree char *msg = g_win32_error_message((gint)code);
    g_autoptr(GError) error = g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "error %s channel '%s': %s",
                                          what, t->path, msg);

    if (t->connected) {
        transport_session_stop(t);
        t->ev.session_ended(t->opaque);
    }
    t->ev.failed(error, t->opaque);
}

static gboolean transport_teardown(gpointer data)
{
    SgaTransport *t = data;

    t->teardown_idle = 0;
    if (t->method == SGA_TRANSPORT_TCP_LISTEN) {
        transport_session_end(t);
    } else {
        transport_fail(t, "writing to", ERROR_WRITE_FAULT);
    }
    return G_SOURCE_REMOVE;
}

static void transport_schedule_teardown(SgaTransport *t)
{
    /* Not torn down here: the caller may be in the middle of handling input. */
    out_clear(t);
    if (!t->teardown_idle) {
        t->teardown_idle = g_idle_add_full(G_PRIORITY_HIGH, transport_teardown, t, NULL);
    }
}

/* ---- virtio-serial and isa-serial: overlapped I/O on the port ---------------------- */

static gboolean transport_port_read_retry(gpointer data)
{
    SgaTransport *t = data;

    t->read_retry = 0;
    transport_port_start_read(t);
    return G_SOURCE_REMOVE;
}

static void transport_port_start_read(SgaTransport *t)
{
    DWORD code;

    if (!t->connected || !t->receiving || t->read_pending || t->read_retry) {
        return;
    }
    /* Completion, synchronous or not, signals rd.hEvent: handled in one place. */
    if (ReadFile(t->port, t->read_buf, SGA_TRANSPORT_READ_SIZE, NULL, &t->rd) ||
        (code = GetLastError()) == ERROR_IO_PENDING) {
        t->read_pending = TRUE;
        return;
    }
    transport_fail(t, "reading", code);
}

static gboolean transport_port_read_done(HANDLE event, gpointer data)
{
    SgaTransport *t = data;
    DWORD n = 0;
    BOOL ok = GetOverlappedResult(t->port, &t->rd, &n, FALSE);
    DWORD code = ok ? 0 : GetLastError();

    if (!ok && code == ERROR_IO_INCOMPLETE) {
        return G_SOURCE_CONTINUE;
    }
    ResetEvent(t->rd.hEvent);
    t->read_pending = FALSE;
    if (!ok && code == ERROR_TIMEOUT) {
        /* A serial line's interval timeout ended the read: what came is good
         * (wine reports this as an error, Windows as success). */
        ok = TRUE;
        n = (DWORD)t->rd.InternalHigh;
    }
    if (!ok) {
        if (code != ERROR_OPERATION_ABORTED) {
            transport_fail(t, "reading", code);
        }
        return G_SOURCE_CONTINUE;
    }
    if (n == 0) {
        t->read_retry = g_timeout_add(SGA_TRANSPORT_EMPTY_READ_RETRY_MS, transport_port_read_retry, t);
        return G_SOURCE_CONTINUE;
    }
    t->ev.received(t->read_buf, n, t->opaque);
    transport_port_start_read(t);
    return G_SOURCE_CONTINUE;
}

static void transport_port_start_write(SgaTransport *t)
{
    OutChunk *c = g_queue_peek_head(&t->out);
    DWORD len, code;

    if (!c || t->write_pending) {
        return;
    }
    len = (DWORD)MIN(c->len - c->off, (size_t)G_MAXINT32);
    if (WriteFile(t->port, c->data + c->off, len, NULL, &t->wr) ||
        (code = GetLastError()) == ERROR_IO_PENDING) {
        t->write_pending = TRUE;
        return;
    }
    /* The host cannot take it (gone, or the port was unplugged). */
    transport_schedule_teardown(t);
}

static gboolean transport_port_write_done(HANDLE event, gpointer data)
{
    SgaTransport *t = data;
    DWORD n = 0;
    BOOL ok = GetOverlappedResult(t->port, &t->wr, &n, FALSE);

    if (!ok && GetLastError() == ERROR_IO_INCOMPLETE) {
        return G_SOURCE_CONTINUE;
    }
    ResetEvent(t->wr.hEvent);
    t->write_pending = FALSE;
    if (!ok) {
        if (GetLastError() != ERROR_OPERATION_ABORTED) {
            transport_schedule_teardown(t);
        }
        return G_SOURCE_CONTINUE;
    }
    if (out_advance(t, n)) {
        t->ev.drained(t->opaque);
    } else {
        transport_port_start_write(t);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean transport_port_open(SgaTransport *t, GError **error)
{
    t->port = t->method == SGA_TRANSPORT_ISA_SERIAL ? sga_channel_open_serial(t->path, error)
                                                    : sga_channel_open_port(t->path, error);
    if (t->port == INVALID_HANDLE_VALUE) {
        return FALSE;
    }
    t->rd.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    t->wr.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    t->rd_source = sga_handle_source_new(t->rd.hEvent, transport_port_read_done, t);
    t->wr_source = sga_handle_source_new(t->wr.hEvent, transport_port_write_done, t);
    return TRUE;
}

static void transport_port_close(SgaTransport *t)
{
    DWORD n;

    if (t->port == INVALID_HANDLE_VALUE) {
        return;
    }
    /* The kernel may still write into read_buf: wait for cancelled I/O to end. */
    CancelIoEx(t->port, NULL);
    if (t->read_pending) {
        GetOverlappedResult(t->port, &t->rd, &n, TRUE);
    }
    if (t->write_pending) {
        GetOverlappedResult(t->port, &t->wr, &n, TRUE);
    }
    sga_handle_source_clear(&t->rd_source);
    sga_handle_source_clear(&t->wr_source);
    if (t->read_retry) {
        g_source_remove(t->read_retry);
    }
    CloseHandle(t->rd.hEvent);
    CloseHandle(t->wr.hEvent);
    CloseHandle(t->port);
    t->port = INVALID_HANDLE_VALUE;
}

/* ---- tcp-listen ------------------------------------------------------------------------ */

/* One recv; FALSE when nothing more can be read now. Once the host has
 * closed, having nothing more to read ends the session. */
static gboolean transport_sock_read(SgaTransport *t, gboolean host_closed)
{
    int n = recv(t->sock, t->read_buf, SGA_TRANSPORT_READ_SIZE, 0);

    if (n > 0) {
        t->ev.received(t->read_buf, (size_t)n, t->opaque);
        return n == SGA_TRANSPORT_READ_SIZE;
    }
    if (n == 0 || host_closed || WSAGetLastError() != WSAEWOULDBLOCK) {
        transport_session_end(t);
    }
    return FALSE;
}

/* Each readiness report costs a trip through the main loop's wait (and under
 * wine through its server): read on while full buffers come, up to a bound
 * so a fast host cannot hold the loop (winsock reports FD_READ again while
 * data is left). */
static void transport_sock_read_some(SgaTransport *t)
{
    for (int i = 0; i < SGA_TRANSPORT_READS_PER_WAKEUP; i++) {
        if (!t->connected || !t->receiving || !transport_sock_read(t, FALSE)) {
            return;
        }
    }
}

/* Write what the socket takes now. FALSE on a connection error. */
static gboolean transport_sock_flush(SgaTransport *t)
{
    OutChunk *c;

    while ((c = g_queue_peek_head(&t->out))) {
        int n = send(t->sock, c->data + c->off, (int)MIN(c->len - c->off, (size_t)G_MAXINT32), 0);

        if (n < 0) {
            return WSAGetLastError() == WSAEWOULDBLOCK;
        }
        out_advance(t, (size_t)n);
    }
    return TRUE;
}

static gboolean transport_sock_ready(HANDLE event, gpointer data)
{
    SgaTransport *t = data;
    WSANETWORKEVENTS ne;

    if (WSAEnumNetworkEvents(t->sock, t->sock_event, &ne) != 0) {
        transport_session_end(t);
        return G_SOURCE_CONTINUE;
    }
    if ((ne.lNetworkEvents & FD_WRITE) && t->queued) {
        if (!transport_sock_flush(t)) {
            transport_session_end(t);
            return G_SOURCE_CONTINUE;
        }
        if (t->queued == 0) {
            t->ev.drained(t->opaque);
            if (!t->connected) {
                return G_SOURCE_CONTINUE;
            }
        }
    }
    if (ne.lNetworkEvents & FD_CLOSE) {
        /* The host is gone: what it sent before leaving is read even while
         * paused (finite), then the session ends, as on POSIX. */
        while (t->connected) {
            transport_sock_read(t, TRUE);
        }
    } else if ((ne.lNetworkEvents & FD_READ) && t->receiving) {
        transport_sock_read_some(t);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean transport_sock_resume(gpointer data)
{
    SgaTransport *t = data;

    t->resume_idle = 0;
    /* FD_READ is reported again only after a recv: do one to restart it. */
    transport_sock_read_some(t);
    return G_SOURCE_REMOVE;
}

static void transport_sock_stop(SgaTransport *t)
{
    sga_handle_source_clear(&t->sock_source);
    if (t->sock != INVALID_SOCKET) {
        closesocket(t->sock);
        t->sock = INVALID_SOCKET;
    }
}

static gboolean transport_accept(HANDLE event, gpointer data)
{
    SgaTransport *t = data;
    WSANETWORKEVENTS ne;
    BOOL nodelay = TRUE;
    SOCKET s;

    WSAEnumNetworkEvents(t->listen_sock, t->listen_event, &ne);
    s = accept(t->listen_sock, NULL, NULL);
    if (s == INVALID_SOCKET) {
        int code = WSAGetLastError();
        if (code != WSAEWOULDBLOCK && code != WSAECONNRESET) {
            g_autofree char *msg = g_win32_error_message(code);
            g_warning("error accepting connection on '%s': %s", t->path, msg);
        }
        return G_SOURCE_CONTINUE;
    }
    /* One host at a time, as qemu-ga: the next waits in the backlog. */
    sga_handle_source_set_active(t->listen_source, false);
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    /* Replies are small and each answers a request: Nagle would hold one
     * back until the host's delayed ACK (tens of ms per request). */
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&nodelay, sizeof(nodelay));
    t->sock = s;
    /* Replaces the listening socket's selection the new socket inherited. */
    WSAEventSelect(s, t->sock_event, FD_READ | FD_WRITE | FD_CLOSE);
    t->sock_source = sga_handle_source_new(t->sock_event, transport_sock_ready, t);
    transport_session_start(t);
    return G_SOURCE_CONTINUE;
}

static void transport_listen_resume(SgaTransport *t)
{
    /* A host that connected meanwhile left the event signalled. */
    sga_handle_source_set_active(t->listen_source, true);
}

static gboolean transport_tcp_open(SgaTransport *t, GError **error)
{
    t->listen_sock = sga_channel_listen_tcp(t->path, error);
    if (t->listen_sock == INVALID_SOCKET) {
        return FALSE;
    }
    t->listen_event = WSACreateEvent();
    t->sock_event = WSACreateEvent();
    WSAEventSelect(t->listen_sock, t->listen_event, FD_ACCEPT);
    t->listen_source = sga_handle_source_new(t->listen_event, transport_accept, t);
    return TRUE;
}

static void transport_tcp_close(SgaTransport *t)
{
    transport_sock_stop(t);
    sga_handle_source_clear(&t->listen_source);
    if (t->listen_sock != INVALID_SOCKET) {
        closesocket(t->listen_sock);
    }
    if (t->listen_event) {
        WSACloseEvent(t->listen_event);
    }
    if (t->sock_event) {
        WSACloseEvent(t->sock_event);
    }
}

/* ---- what the agent calls --------------------------------------------------------------- */

void sga_transport_send(SgaTransport *t, char *data, size_t len)
{
    if (!t->connected || t->teardown_idle) {
        g_free(data);       /* nobody to read it */
        return;
    }
    if (len == 0) {
        g_free(data);
        return;
    }
    out_push(t, data, len, 0);
    if (t->method == SGA_TRANSPORT_TCP_LISTEN) {
        if (t->queued == len && !transport_sock_flush(t)) {
            transport_schedule_teardown(t);
        }
    } else {
        transport_port_start_write(t);
    }
}

size_t sga_transport_queued(const SgaTransport *t)
{
    return t->queued;
}

void sga_transport_set_receiving(SgaTransport *t, bool receiving)
{
    t->receiving = receiving;
    if (!receiving || !t->connected) {
        return;
    }
    if (t->method == SGA_TRANSPORT_TCP_LISTEN) {
        if (!t->resume_idle) {
            t->resume_idle = g_idle_add(transport_sock_resume, t);
        }
    } else {
        transport_port_start_read(t);
    }
}

SgaTransport *sga_transport_open(SgaTransportMethod method, const char *path, int listen_fd,
                                 const SgaTransportEvents *events, void *opaque,
                                 GError **error)
{
    SgaTransport *t = g_new0(SgaTransport, 1);
    gboolean ok = FALSE;

    t->method = method;
    t->path = g_strdup(path);
    t->ev = *events;
    t->opaque = opaque;
    t->port = INVALID_HANDLE_VALUE;
    t->listen_sock = INVALID_SOCKET;
    t->sock = INVALID_SOCKET;
    t->read_buf = g_malloc(SGA_TRANSPORT_READ_SIZE);
    g_queue_init(&t->out);

    switch (method) {
    case SGA_TRANSPORT_VIRTIO_SERIAL:
    case SGA_TRANSPORT_ISA_SERIAL:
        ok = transport_port_open(t, error);
        break;
    case SGA_TRANSPORT_TCP_LISTEN:
        ok = transport_tcp_open(t, error);
        break;
    case SGA_TRANSPORT_UNIX_LISTEN:
    case SGA_TRANSPORT_VSOCK_LISTEN:
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "this channel method is not available on Windows");
        break;
    }
    if (!ok) {
        sga_transport_free(t);
        return NULL;
    }
    /* A port is a host session from the start: the Windows driver gives no
     * sign of the host's side opening (qemu-ga serves it the same way). */
    if (t->port != INVALID_HANDLE_VALUE) {
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
    transport_port_close(t);
    transport_tcp_close(t);
    g_free(t->read_buf);
    g_free(t->path);
    g_free(t);
}
