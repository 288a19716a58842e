/* transport.h: moves bytes between the agent and the host; knows nothing of JSON. */
#ifndef SGA_TRANSPORT_H
#define SGA_TRANSPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SGA_TRANSPORT_VIRTIO_SERIAL,
    SGA_TRANSPORT_ISA_SERIAL,
    SGA_TRANSPORT_UNIX_LISTEN,
    SGA_TRANSPORT_VSOCK_LISTEN,
    /* streamga's extension: a TCP socket, one host at a time (-p HOST:PORT).
     * For tests under wine and for guests reached over a network; it has no
     * authentication, so bind it to loopback or a trusted network only. */
    SGA_TRANSPORT_TCP_LISTEN,
} SgaTransportMethod;

/* What the transport tells its owner. Callbacks run in the main loop. */
typedef struct SgaTransportEvents {
    /* A host is there: a client connected, or the port opened on the host side. */
    void (*session_started)(void *opaque);
    /* Bytes from the host. */
    void (*received)(const char *buf, size_t len, void *opaque);
    /* Everything queued has been written. */
    void (*drained)(void *opaque);
    /* The host went away; output not yet written was dropped. */
    void (*session_ended)(void *opaque);
    /* The channel itself broke (device gone, I/O error); the transport is now
     * idle and the owner decides whether to reopen it (-r/--retry-path). */
    void (*failed)(const GError *error, void *opaque);
} SgaTransportEvents;

typedef struct SgaTransport SgaTransport;

/* Parse a method name given with -m; FALSE when this platform has no such method. */
bool sga_transport_method_from_name(const char *name, SgaTransportMethod *method);

/* The methods to suggest after an unknown -m ("a, b or c"). */
const char *sga_transport_methods_hint(void);

/* The default -p for a method, or NULL when the method needs an explicit path. */
const char *sga_transport_default_path(SgaTransportMethod method);

/* Check a -p value for a method without opening anything (vsock's CID:PORT). */
bool sga_transport_check_path(SgaTransportMethod method, const char *path, GError **error);

/* A listening socket handed over by systemd socket activation, if any: returns
 * the fd and sets *method from its address family; -1 when not activated. */
int sga_transport_activation_fd(SgaTransportMethod *method, GError **error);

/* Open the channel and start watching it in the default main context. For the
 * listen methods, listen_fd >= 0 is an already listening socket to use. */
SgaTransport *sga_transport_open(SgaTransportMethod method, const char *path, int listen_fd,
                                 const SgaTransportEvents *events, void *opaque,
                                 GError **error);

/* Queue bytes for the host; takes ownership of data (g_free). Never blocks. */
void sga_transport_send(SgaTransport *t, char *data, size_t len);

/* Bytes queued and not yet written. */
size_t sga_transport_queued(const SgaTransport *t);

/* Stop or restart reading from the host (backpressure). */
void sga_transport_set_receiving(SgaTransport *t, bool receiving);

/* Close everything; a unix socket path this transport created is removed. */
void sga_transport_free(SgaTransport *t);

#endif
