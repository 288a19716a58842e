/* channel-open.c: device and socket setup for each transport method. */
#include "channel-open.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/vm_sockets.h>
#endif

#include "sga-error.h"
#include "tcp-address.h"

/* Pending connections the kernel holds while one host is being served, so a
 * second client waits its turn instead of being refused. */
#define SGA_LISTEN_BACKLOG 16

int sga_channel_open_virtio(const char *path, GError **error)
{
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "error opening channel '%s': %s",
                    path, g_strerror(errno));
    }
    return fd;
}

int sga_channel_open_serial(const char *path, GError **error)
{
    struct termios tio;
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "error opening channel '%s': %s",
                    path, g_strerror(errno));
        return -1;
    }
    if (tcgetattr(fd, &tio) == 0) {
        /* Raw bytes both ways: no echo, no line editing, no translations. */
        cfmakeraw(&tio);
        tio.c_cflag |= CLOCAL | CREAD;
        cfsetispeed(&tio, B38400);
        cfsetospeed(&tio, B38400);
        tio.c_cc[VMIN] = 1;
        tio.c_cc[VTIME] = 0;
        /* What is waiting in the line from before we opened it is garbage now. */
        tcflush(fd, TCIFLUSH);
        if (tcsetattr(fd, TCSANOW, &tio) < 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "error setting up serial line '%s': %s",
                        path, g_strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

static int listen_fail(int fd, GError **error, const char *what, const char *where)
{
    int saved = errno;

    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to %s '%s': %s", what, where,
                g_strerror(saved));
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

int sga_channel_listen_unix(const char *path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct stat st;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "UNIX socket path '%s' is too long", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    /* Replace a socket left by an earlier run, but never delete anything else. */
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "'%s' exists and is not a socket", path);
            return -1;
        }
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return listen_fail(fd, error, "create socket for", path);
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        return listen_fail(fd, error, "bind socket to", path);
    }
    if (listen(fd, SGA_LISTEN_BACKLOG) < 0) {
        return listen_fail(fd, error, "listen on", path);
    }
    return fd;
}

static gboolean parse_u32(const char *s, const char *end, guint32 *out)
{
    guint64 v = 0;

    if (s == end) {
        return FALSE;
    }
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return FALSE;
        }
        v = v * 10 + (guint64)(*p - '0');
        if (v > G_MAXUINT32) {
            return FALSE;
        }
    }
    *out = (guint32)v;
    return TRUE;
}

gboolean sga_channel_parse_vsock(const char *address, guint32 *cid, guint32 *port, GError **error)
{
    const char *colon = strchr(address, ':');

    if (!colon || !parse_u32(address, colon, cid) ||
        !parse_u32(colon + 1, colon + 1 + strlen(colon + 1), port)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "error parsing vsock address '%s': expected <cid>:<port>", address);
        return FALSE;
    }
    return TRUE;
}

int sga_channel_listen_vsock(const char *address, GError **error)
{
#ifdef AF_VSOCK
    struct sockaddr_vm addr = { .svm_family = AF_VSOCK };
    guint32 cid, port;
    int fd;

    if (!sga_channel_parse_vsock(address, &cid, &port, error)) {
        return -1;
    }
    addr.svm_cid = cid;
    addr.svm_port = port;
    fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return listen_fail(fd, error, "create vsock socket for", address);
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        return listen_fail(fd, error, "bind vsock socket to", address);
    }
    if (listen(fd, SGA_LISTEN_BACKLOG) < 0) {
        return listen_fail(fd, error, "listen on", address);
    }
    return fd;
#else
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "vsock is not supported on this system");
    return -1;
#endif
}

int sga_channel_listen_tcp(const char *address, GError **error)
{
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;
    struct sockaddr_storage addr = { 0 };
    struct sockaddr_in *in4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
    socklen_t len;
    int one = 1;
    int fd;

    if (!sga_tcp_address_parse(address, &host, &port, error)) {
        return -1;
    }
    /* Numeric addresses only: no resolver (and no NSS modules, which a static
     * agent in a bare image would not have); an empty host is every IPv4 one. */
    if (host[0] == '\0' || inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)g_ascii_strtoull(port, NULL, 10));
        len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)g_ascii_strtoull(port, NULL, 10));
        len = sizeof(*in6);
    } else {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "error parsing tcp-listen address '%s': '%s' is not a numeric IP address",
                    address, host);
        return -1;
    }
    fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return listen_fail(fd, error, "create socket for", address);
    }
    /* A restarted agent must not wait out the old connection's TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&addr, len) < 0) {
        return listen_fail(fd, error, "bind socket to", address);
    }
    if (listen(fd, SGA_LISTEN_BACKLOG) < 0) {
        return listen_fail(fd, error, "listen on", address);
    }
    return fd;
}
