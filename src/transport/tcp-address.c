/* tcp-address.c: parsing tcp-listen's HOST:PORT, shared by the POSIX and Windows transports. */
#include "tcp-address.h"

#include <string.h>

#include "sga-error.h"

gboolean sga_tcp_address_parse(const char *address, char **host, char **port, GError **error)
{
    const char *host_start = address;
    const char *host_end;
    const char *port_start;

    if (address[0] == '[') {
        host_start = address + 1;
        host_end = strchr(host_start, ']');
        port_start = host_end && host_end[1] == ':' ? host_end + 2 : NULL;
    } else {
        host_end = strrchr(address, ':');
        port_start = host_end ? host_end + 1 : NULL;
    }
    if (!port_start || port_start[0] == '\0' || strlen(port_start) > 5 ||
        strspn(port_start, "0123456789") != strlen(port_start) ||
        g_ascii_strtoull(port_start, NULL, 10) > 65535) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "error parsing tcp-listen address '%s': expected <host>:<port> or [<ipv6>]:<port>",
                    address);
        return FALSE;
    }
    *host = g_strndup(host_start, (gsize)(host_end - host_start));
    *port = g_strdup(port_start);
    return TRUE;
}
