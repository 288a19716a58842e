/* routes.h: the kernel's IPv4 and IPv6 routing tables. */
#ifndef SGA_ROUTES_H
#define SGA_ROUTES_H

#include <glib.h>
#include <stdint.h>

/* One route with upstream qemu-ga's members: which are set depends on version. */
typedef struct SgaRoute {
    int version;            /* 4 or 6 */
    char *iface;
    char *destination;
    int64_t metric;
    uint64_t flags;
    int64_t refcnt;
    int64_t use;
    /* IPv4 only */
    char *gateway;
    char *mask;
    int64_t mtu;
    int64_t window;
    int64_t irtt;
    /* IPv6 only; the prefix lengths are decimal strings, as upstream has them */
    char *desprefixlen;
    char *source;
    char *srcprefixlen;
    char *nexthop;
} SgaRoute;

/* Every IPv4 route of the main table, then every IPv6 route the kernel lists
 * (all tables), in the kernel's order: a GPtrArray of SgaRoute (freed with it).
 * NULL with error when either table cannot be opened. */
GPtrArray *sga_routes_read(GError **error);

#endif
