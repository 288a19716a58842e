/* routes.c: routing tables from Linux's /proc/net/route and /proc/net/ipv6_route. */
#include "routes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sga-error.h"
#include "sysroot.h"

#define PROC_ROUTE "/proc/net/route"
#define PROC_IPV6_ROUTE "/proc/net/ipv6_route"
/* Hex digits of an IPv6 address in ipv6_route. */
#define IPV6_HEX_DIGITS 32

/* /proc/net/route prints addresses as the hex of the 32-bit word in memory:
 * on a little-endian machine the first byte of the address is the lowest.
 * Upstream prints the lowest byte first whatever the machine; so do we. */
static char *ipv4_text(unsigned int word)
{
    return g_strdup_printf("%u.%u.%u.%u", word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff,
                           (word >> 24) & 0xff);
}

/* An address of ipv6_route (32 hex digits) as inet_ntop prints it; NULL when
 * the text is not one. */
static char *ipv6_text(const char *hex)
{
    struct in6_addr addr;
    char text[INET6_ADDRSTRLEN];

    if (strlen(hex) != IPV6_HEX_DIGITS) {
        return NULL;
    }
    for (int i = 0; i < 16; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]);
        int lo = g_ascii_xdigit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return NULL;
        }
        addr.s6_addr[i] = (unsigned char)(hi << 4 | lo);
    }
    return g_strdup(inet_ntop(AF_INET6, &addr, text, sizeof(text)));
}

/* One line of /proc/net/route: Iface Destination Gateway Flags RefCnt Use
 * Metric Mask MTU Window IRTT, read with upstream's conversions (hex words,
 * signed decimal counters). NULL for a line that does not have them all. */
static SgaRoute *ipv4_route_parse(const char *line)
{
    char iface[64];
    unsigned int destination, gateway, flags, mask;
    int refcnt, use, metric, mtu, window, irtt;
    SgaRoute *r;

    if (sscanf(line, "%63s %X %X %x %d %d %d %X %d %d %d", iface, &destination, &gateway, &flags,
               &refcnt, &use, &metric, &mask, &mtu, &window, &irtt) != 11) {
        return NULL;
    }
    r = g_new0(SgaRoute, 1);
    r->version = 4;
    r->iface = g_strdup(iface);
    r->destination = ipv4_text(destination);
    r->gateway = ipv4_text(gateway);
    r->mask = ipv4_text(mask);
    r->metric = metric;
    r->has_counters = true;
    r->flags = flags;
    r->refcnt = refcnt;
    r->use = use;
    r->has_mtu = true;
    r->mtu = mtu;
    r->window = window;
    r->irtt = irtt;
    return r;
}

/* One line of /proc/net/ipv6_route: destination prefix source prefix nexthop
 * metric refcnt use flags device, all numbers in hex. Upstream reads them
 * into ints, so metric ffffffff is -1 and flags with the top bit set
 * (RTF_LOCAL) widen to a 64-bit value with the upper half set; kept so. */
static SgaRoute *ipv6_route_parse(const char *line)
{
    char dest_hex[IPV6_HEX_DIGITS + 1], src_hex[IPV6_HEX_DIGITS + 1], next_hex[IPV6_HEX_DIGITS + 1];
    char iface[64];
    int dest_len, src_len, metric, refcnt, use, flags;
    g_autofree char *destination = NULL, *source = NULL, *nexthop = NULL;
    SgaRoute *r;

    if (sscanf(line, "%32s %x %32s %x %32s %x %x %x %x %63s", dest_hex, &dest_len, src_hex, &src_len,
               next_hex, &metric, &refcnt, &use, &flags, iface) != 10) {
        return NULL;
    }
    destination = ipv6_text(dest_hex);
    source = ipv6_text(src_hex);
    nexthop = ipv6_text(next_hex);
    if (!destination || !source || !nexthop) {
        return NULL;
    }
    r = g_new0(SgaRoute, 1);
    r->version = 6;
    r->iface = g_strdup(iface);
    r->destination = g_steal_pointer(&destination);
    r->source = g_steal_pointer(&source);
    r->nexthop = g_steal_pointer(&nexthop);
    r->desprefixlen = g_strdup_printf("%d", dest_len);
    r->srcprefixlen = g_strdup_printf("%d", src_len);
    r->metric = metric;
    r->has_counters = true;
    r->flags = (uint64_t)(int64_t)flags;
    r->refcnt = refcnt;
    r->use = use;
    return r;
}

/* Append the routes of one table file; false with error when it cannot be opened. */
static bool routes_file_read(const char *path, bool ipv6, GPtrArray *routes, GError **error)
{
    g_autofree char *real = sga_sysroot_path(path);
    char *line = NULL;
    size_t cap = 0;
    bool header = !ipv6;    /* route has a header line, ipv6_route none */
    FILE *f = fopen(real, "re");

    if (!f) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s\"): %s", path, g_strerror(err));
        return false;
    }
    while (getline(&line, &cap, f) != -1) {
        SgaRoute *r;
        if (header) {
            header = false;
            continue;
        }
        r = ipv6 ? ipv6_route_parse(line) : ipv4_route_parse(line);
        if (r) {
            g_ptr_array_add(routes, r);
        }
    }
    free(line);
    fclose(f);
    return true;
}

GPtrArray *sga_routes_read(GError **error)
{
    GPtrArray *routes = g_ptr_array_new_with_free_func(sga_route_free);

    /* Upstream reports a table it cannot open as the command's error, even
     * when the other could be read (a kernel without IPv6 included). */
    if (!routes_file_read(PROC_ROUTE, false, routes, error) ||
        !routes_file_read(PROC_IPV6_ROUTE, true, routes, error)) {
        g_ptr_array_unref(routes);
        return NULL;
    }
    return routes;
}
