/* routes.c: the IPv4 and IPv6 routing table from GetIpForwardTable2, named by GetAdaptersAddresses. */
#include "routes.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "sga-error.h"
#include "sga-log.h"

/* How often the adapter list is asked for again when it grew between the size query and the read. */
#define ADAPTER_LIST_TRIES 4

/* The adapters, for their friendly names and interface metrics; NULL when
 * they cannot be listed (routes then name interfaces "ifN", as upstream). */
static IP_ADAPTER_ADDRESSES *adapters_read(void)
{
    ULONG flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
    ULONG len = 16 * 1024;
    ULONG ret = ERROR_BUFFER_OVERFLOW;

    for (int i = 0; i < ADAPTER_LIST_TRIES && ret == ERROR_BUFFER_OVERFLOW; i++) {
        IP_ADAPTER_ADDRESSES *list = g_malloc(len);
        ret = GetAdaptersAddresses(AF_UNSPEC, flags, NULL, list, &len);
        if (ret == ERROR_SUCCESS) {
            return list;
        }
        g_free(list);
    }
    sga_debug("routes: no adapter list (GetAdaptersAddresses: %lu)", (unsigned long)ret);
    return NULL;
}

static const IP_ADAPTER_ADDRESSES *adapter_find(const IP_ADAPTER_ADDRESSES *adapters, const NET_LUID *luid)
{
    for (const IP_ADAPTER_ADDRESSES *a = adapters; a; a = a->Next) {
        if (a->Luid.Value == luid->Value) {
            return a;
        }
    }
    return NULL;
}

static char *ntop(int family, const void *addr)
{
    char text[INET6_ADDRSTRLEN];

    if (!inet_ntop(family, addr, text, sizeof(text))) {
        return g_strdup(family == AF_INET6 ? "::" : "0.0.0.0");
    }
    return g_strdup(text);
}

/* Destination, mask (from the prefix length) and gateway of an IPv4 row. */
static void ipv4_route_fill(SgaRoute *r, const MIB_IPFORWARD_ROW2 *row)
{
    guint bits = MIN(row->DestinationPrefix.PrefixLength, 32);
    struct in_addr mask;

    mask.s_addr = htonl(bits == 0 ? 0 : 0xffffffffu << (32 - bits));
    r->version = 4;
    r->destination = ntop(AF_INET, &row->DestinationPrefix.Prefix.Ipv4.sin_addr);
    r->mask = ntop(AF_INET, &mask);
    r->gateway = ntop(AF_INET, &row->NextHop.Ipv4.sin_addr);
}

/* Destination, its prefix length and next hop of an IPv6 row. */
static void ipv6_route_fill(SgaRoute *r, const MIB_IPFORWARD_ROW2 *row)
{
    r->version = 6;
    r->destination = ntop(AF_INET6, &row->DestinationPrefix.Prefix.Ipv6.sin6_addr);
    r->desprefixlen = g_strdup_printf("%u", (unsigned)row->DestinationPrefix.PrefixLength);
    r->nexthop = ntop(AF_INET6, &row->NextHop.Ipv6.sin6_addr);
}

/*
 * The members upstream's Windows code gives (its guest-network-get-route for
 * Windows): the interface's friendly name, the effective metric (the route's
 * plus the interface's, as "route print" shows it) and the interface's MTU.
 * The interface metric comes from the adapter list (Ipv4Metric/Ipv6Metric),
 * the same value GetIpInterfaceEntry gives, which wine does not implement.
 */
static void route_interface_fill(SgaRoute *r, const MIB_IPFORWARD_ROW2 *row,
                                 const IP_ADAPTER_ADDRESSES *adapters)
{
    const IP_ADAPTER_ADDRESSES *adapter = adapter_find(adapters, &row->InterfaceLuid);
    MIB_IF_ROW2 ifrow;

    r->metric = row->Metric;
    if (adapter) {
        r->iface = g_utf16_to_utf8(adapter->FriendlyName, -1, NULL, NULL, NULL);
        r->metric += r->version == 4 ? adapter->Ipv4Metric : adapter->Ipv6Metric;
    }
    if (!r->iface) {
        r->iface = g_strdup_printf("if%lu", (unsigned long)row->InterfaceIndex);
    }
    memset(&ifrow, 0, sizeof(ifrow));
    ifrow.InterfaceLuid = row->InterfaceLuid;
    if (GetIfEntry2(&ifrow) == NO_ERROR) {
        r->has_mtu = true;
        r->mtu = ifrow.Mtu;
    }
}

GPtrArray *sga_routes_read(GError **error)
{
    MIB_IPFORWARD_TABLE2 *table = NULL;
    g_autofree IP_ADAPTER_ADDRESSES *adapters = NULL;
    GPtrArray *routes;
    WSADATA wsa;
    ULONG ret;
    int started;

    ret = GetIpForwardTable2(AF_UNSPEC, &table);
    if (ret != NO_ERROR) {
        g_autofree char *msg = g_win32_error_message((gint)ret);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to get IP routes: %s", msg);
        return NULL;
    }
    /* inet_ntop is Winsock's: started (and cleaned up) here like any user's. */
    started = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (started != 0) {
        g_autofree char *msg = g_win32_error_message(started);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed socket startup: %s", msg);
        FreeMibTable(table);
        return NULL;
    }
    adapters = adapters_read();
    routes = g_ptr_array_new_with_free_func(sga_route_free);
    for (ULONG i = 0; i < table->NumEntries; i++) {
        const MIB_IPFORWARD_ROW2 *row = &table->Table[i];
        ADDRESS_FAMILY family = row->DestinationPrefix.Prefix.si_family;
        SgaRoute *r;

        if (family != AF_INET && family != AF_INET6) {
            continue;
        }
        r = g_new0(SgaRoute, 1);
        if (family == AF_INET) {
            ipv4_route_fill(r, row);
        } else {
            ipv6_route_fill(r, row);
        }
        route_interface_fill(r, row, adapters);
        g_ptr_array_add(routes, r);
    }
    WSACleanup();
    FreeMibTable(table);
    return routes;
}
