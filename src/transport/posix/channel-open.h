/* channel-open.h: opening each kind of agent channel on POSIX systems. */
#ifndef SGA_CHANNEL_OPEN_H
#define SGA_CHANNEL_OPEN_H

#include <glib.h>

/* The virtio-serial port: non-blocking, close-on-exec. */
int sga_channel_open_virtio(const char *path, GError **error);
/* A serial line, set to raw byte streaming. */
int sga_channel_open_serial(const char *path, GError **error);
/* A listening unix socket at path; a stale socket file there is replaced. */
int sga_channel_listen_unix(const char *path, GError **error);
/* A listening vsock socket at "CID:PORT". */
int sga_channel_listen_vsock(const char *address, GError **error);
/* A listening TCP socket at "HOST:PORT" (streamga's tcp-listen extension). */
int sga_channel_listen_tcp(const char *address, GError **error);
/* Parse "CID:PORT" as qemu-ga does (two unsigned 32-bit decimal numbers). */
gboolean sga_channel_parse_vsock(const char *address, guint32 *cid, guint32 *port, GError **error);

#endif
