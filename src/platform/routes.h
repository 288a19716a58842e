/* routes.h: the kernel's IPv4 and IPv6 routing tables. */
#ifndef SGA_ROUTES_H
#define SGA_ROUTES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* One route with upstream qemu-ga's members: which are set depends on version
 * and on the system (the has_ flags). */
typedef struct SgaRoute {
    int version;            /* 4 or 6 */
    char *iface;
    char *destination;
    int64_t metric;
    /* Linux's kernel counters: flags, refcnt, use, and for IPv4 window and
     * irtt. Windows has none of them; upstream's Windows code leaves them out. */
    bool has_counters;
    uint64_t flags;
    int64_t refcnt;
    int64_t use;
    /* Linux gives an MTU for IPv4 routes, Windows its interface's for either
     * version (where the interface can be looked up). */
    bool has_mtu;
    int64_t mtu;
    /* IPv4 only */
    char *gateway;
    char *mask;
    int64_t window;
    int64_t irtt;
    /* IPv6 only; the prefix lengths are decimal strings, as upstream has them */
    char *desprefixlen;
    char *source;
    char *srcprefixlen;
    char *nexthop;
} SgaRoute;

/* Every IPv4 route of the main table, then every IPv6 route the kernel lists
 * (all tables), in the kernel's order (Windows: GetIpForwardTable2's rows, in
 * its order): a GPtrArray of SgaRoute (freed with it).
 * NULL with error when either table cannot be opened. */
GPtrArray *sga_routes_read(GError **error);

/* For the list (net-records.c). */
void sga_route_free(gpointer route);

#endif
