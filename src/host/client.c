/* client.c: connecting, syncing, and request/reply exchange with a guest agent. */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sga-json-writer.h"

/* Replies are untrusted: a line longer than this is refused rather than stored.
 * The largest legitimate reply is a 48 MiB guest-file-read, 64 MiB in base64. */
#define SGA_CLIENT_MAX_REPLY ((size_t)80 << 20)

#define SGA_SENTINEL 0xFF

G_DEFINE_QUARK(sga-client-error-quark, sga_client_error)

struct SgaClient {
    int fd;
    GByteArray *in;     /* bytes read but not yet returned as a line */
    gsize scanned;      /* how many of them are known to hold no newline */
};

SgaClient *sga_client_connect(const char *socket_path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    SgaClient *c;
    int fd;

    if (strlen(socket_path) >= sizeof(addr.sun_path)) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_CONNECT, "socket path too long: %s",
                    socket_path);
        return NULL;
    }
    strcpy(addr.sun_path, socket_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_CONNECT, "cannot connect to %s: %s",
                    socket_path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    c = g_new0(SgaClient, 1);
    c->fd = fd;
    c->in = g_byte_array_new();
    return c;
}

void sga_client_free(SgaClient *c)
{
    if (!c) {
        return;
    }
    close(c->fd);
    g_byte_array_unref(c->in);
    g_free(c);
}

static bool client_write_all(SgaClient *c, const char *buf, size_t len, GError **error)
{
    while (len) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_CONNECT,
                        "connection to the agent lost: %s", g_strerror(errno));
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* The next newline-terminated line (without the newline), or NULL. */
static char *client_read_line(SgaClient *c, gint64 deadline, gsize *len, GError **error)
{
    for (;;) {
        /* An empty GByteArray's data may be NULL, which memchr must not see.
         * Only new bytes are searched: a 64 MiB reply arrives in a thousand
         * reads, and searching it all again after each one is quadratic. */
        guint8 *nl = c->in->len > c->scanned ?
                     memchr(c->in->data + c->scanned, '\n', c->in->len - c->scanned) : NULL;
        if (nl) {
            gsize n = (gsize)(nl - c->in->data);
            char *line = g_strndup((const char *)c->in->data, n);
            g_byte_array_remove_range(c->in, 0, (guint)(n + 1));
            c->scanned = 0;
            *len = n;
            return line;
        }
        c->scanned = c->in->len;
        if (c->in->len > SGA_CLIENT_MAX_REPLY) {
            g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL,
                        "reply longer than %zu bytes", SGA_CLIENT_MAX_REPLY);
            return NULL;
        }

        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        if (left <= 0 || poll(&p, 1, (int)MIN(left, G_MAXINT)) == 0) {
            g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_TIMEOUT, "timed out waiting for the agent");
            return NULL;
        }
        guint8 buf[65536];
        ssize_t n = read(c->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_CONNECT,
                        "the agent closed the connection");
            return NULL;
        }
        g_byte_array_append(c->in, buf, (guint)n);
    }
}

static json_object *reply_parse(const char *text, gsize len, GError **error)
{
    json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    gsize end = json_tokener_get_parse_end(tok);

    json_tokener_free(tok);
    /* A reply line holds one object: anything after it but white space is garbage. */
    while (end < len && g_ascii_isspace(text[end])) {
        end++;
    }
    if (jerr != json_tokener_success || !json_object_is_type(obj, json_type_object) || end != len) {
        json_object_put(obj);
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL, "the agent sent a malformed reply");
        return NULL;
    }
    return obj;
}

bool sga_client_sync(SgaClient *c, int timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gint64 id = g_random_int_range(1, G_MAXINT32);
    g_autofree char *request = g_strdup_printf(
        "\xff{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": %" G_GINT64_FORMAT "}}\n", id);

    if (!client_write_all(c, request, strlen(request), error)) {
        return false;
    }
    for (;;) {
        gsize len;
        GError *local = NULL;
        g_autofree char *line = client_read_line(c, deadline, &len, &local);
        if (!line) {
            if (g_error_matches(local, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_TIMEOUT)) {
                g_prefix_error(&local, "guest-sync: ");
            }
            g_propagate_error(error, local);
            return false;
        }
        char *sentinel = memchr(line, SGA_SENTINEL, len);
        if (!sentinel) {
            continue;   /* a stale reply, or the error for the 0xFF byte itself */
        }
        json_object *reply = reply_parse(sentinel + 1, len - (gsize)(sentinel + 1 - line), NULL);
        json_object *ret;
        bool match = reply && json_object_object_get_ex(reply, "return", &ret) &&
                     json_object_is_type(ret, json_type_int) && json_object_get_int64(ret) == id;
        json_object_put(reply);
        if (match) {
            return true;
        }
    }
}

json_object *sga_client_request(SgaClient *c, const char *request, int timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_autofree char *line = NULL;
    gsize len;

    if (!client_write_all(c, request, strlen(request), error) || !client_write_all(c, "\n", 1, error)) {
        return NULL;
    }
    line = client_read_line(c, deadline, &len, error);
    if (!line) {
        return NULL;
    }
    return reply_parse(line, len, error);
}

bool sga_client_send(SgaClient *c, const char *request, GError **error)
{
    return client_write_all(c, request, strlen(request), error) && client_write_all(c, "\n", 1, error);
}

json_object *sga_client_call(SgaClient *c, const char *command, json_object *arguments,
                             int timeout_ms, GError **error)
{
    g_autoptr(GString) request = g_string_new("{\"execute\": ");

    sga_json_write_string(request, command, strlen(command));
    if (arguments) {
        g_string_append(request, ", \"arguments\": ");
        sga_json_write(request, arguments);
    }
    g_string_append_c(request, '}');
    return sga_client_call_text(c, request->str, timeout_ms, error);
}

json_object *sga_client_call_text(SgaClient *c, const char *request, int timeout_ms, GError **error)
{
    json_object *reply, *ret = NULL, *err;

    reply = sga_client_request(c, request, timeout_ms, error);
    if (!reply) {
        return NULL;
    }
    if (json_object_object_get_ex(reply, "return", &ret)) {
        json_object_get(ret);
    } else if (json_object_object_get_ex(reply, "error", &err)) {
        json_object *cls = NULL, *desc = NULL;
        json_object_object_get_ex(err, "class", &cls);
        json_object_object_get_ex(err, "desc", &desc);
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_AGENT, "%s: %s",
                    cls ? json_object_get_string(cls) : "?", desc ? json_object_get_string(desc) : "?");
    } else {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL, "reply has neither return nor error");
    }
    json_object_put(reply);
    return ret;
}
