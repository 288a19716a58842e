/* channel-win32.c: device and socket setup for each transport method on Windows. */
#include "channel-win32.h"

#include <ws2tcpip.h>

#include "sga-error.h"
#include "tcp-address.h"

/* Pending connections held while one host is served, as on POSIX. */
#define SGA_LISTEN_BACKLOG 16

static void channel_set_win32_error(GError **error, DWORD code, const char *what, const char *path)
{
    g_autofree char *msg = g_win32_error_message((gint)code);

    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "error %s channel '%s': %s", what, path, msg);
}

HANDLE sga_channel_open_port(const char *path, GError **error)
{
    g_autofree wchar_t *wpath = g_utf8_to_utf16(path, -1, NULL, NULL, NULL);
    COMMTIMEOUTS timeouts = { 0 };
    HANDLE h;

    if (!wpath) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "channel path '%s' is not UTF-8", path);
        return INVALID_HANDLE_VALUE;
    }
    h = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        channel_set_win32_error(error, GetLastError(), "opening", path);
        return h;
    }
    /* A serial line's reads would otherwise wait until the whole buffer is
     * full: wait for the first byte, then return at the first 1 ms pause.
     * (Fails harmlessly on the virtio-serial driver, whose reads return what
     * is there.) */
    timeouts.ReadIntervalTimeout = 1;
    SetCommTimeouts(h, &timeouts);
    return h;
}

HANDLE sga_channel_open_serial(const char *path, GError **error)
{
    HANDLE h = sga_channel_open_port(path, error);
    DCB dcb = { .DCBlength = sizeof(DCB) };

    if (h == INVALID_HANDLE_VALUE) {
        return h;
    }
    /* Raw bytes both ways, no flow control. */
    if (GetCommState(h, &dcb)) {
        dcb.BaudRate = CBR_38400;
        dcb.ByteSize = 8;
        dcb.Parity = NOPARITY;
        dcb.StopBits = ONESTOPBIT;
        dcb.fBinary = TRUE;
        dcb.fOutxCtsFlow = FALSE;
        dcb.fOutxDsrFlow = FALSE;
        dcb.fDtrControl = DTR_CONTROL_ENABLE;
        dcb.fRtsControl = RTS_CONTROL_ENABLE;
        dcb.fOutX = FALSE;
        dcb.fInX = FALSE;
        if (!SetCommState(h, &dcb)) {
            channel_set_win32_error(error, GetLastError(), "setting up", path);
            CloseHandle(h);
            return INVALID_HANDLE_VALUE;
        }
        /* What waits in the line from before we opened it is garbage now. */
        PurgeComm(h, PURGE_RXCLEAR);
    }
    return h;
}

static gboolean channel_winsock_started;

SOCKET sga_channel_listen_tcp(const char *address, GError **error)
{
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *res = NULL;
    u_long nonblocking = 1;
    SOCKET s;
    int rc;

    if (!channel_winsock_started) {
        WSADATA wsa;
        if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot start Winsock");
            return INVALID_SOCKET;
        }
        channel_winsock_started = TRUE;
    }
    if (!sga_tcp_address_parse(address, &host, &port, error)) {
        return INVALID_SOCKET;
    }
    rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        channel_set_win32_error(error, (DWORD)rc, "resolving", address);
        return INVALID_SOCKET;
    }
    /* WSA_FLAG_NO_HANDLE_INHERIT: programs started by guest-exec must not hold it. */
    s = WSASocketW(res->ai_family, res->ai_socktype, res->ai_protocol, NULL, 0,
                   WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        channel_set_win32_error(error, (DWORD)WSAGetLastError(), "creating", address);
        freeaddrinfo(res);
        return INVALID_SOCKET;
    }
    if (bind(s, res->ai_addr, (int)res->ai_addrlen) != 0 || listen(s, SGA_LISTEN_BACKLOG) != 0 ||
        ioctlsocket(s, FIONBIO, &nonblocking) != 0) {
        channel_set_win32_error(error, (DWORD)WSAGetLastError(), "listening on", address);
        closesocket(s);
        s = INVALID_SOCKET;
    }
    freeaddrinfo(res);
    return s;
}
