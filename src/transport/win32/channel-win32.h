/* channel-win32.h: opening the Windows channels: the virtio-serial port, a COM port, a TCP listener. */
#ifndef SGA_CHANNEL_WIN32_H
#define SGA_CHANNEL_WIN32_H

#include <glib.h>
#include <winsock2.h>
#include <windows.h>

/* The port's device (or any path CreateFile opens), for overlapped I/O;
 * INVALID_HANDLE_VALUE with error set on failure. */
HANDLE sga_channel_open_port(const char *path, GError **error);

/* A COM port set to raw 8N1 at 38400 baud (as the posix isa-serial), for
 * overlapped I/O; INVALID_HANDLE_VALUE with error set on failure. */
HANDLE sga_channel_open_serial(const char *path, GError **error);

/* A non-blocking socket listening on address; INVALID_SOCKET with error set. */
SOCKET sga_channel_listen_tcp(const char *address, GError **error);

#endif
