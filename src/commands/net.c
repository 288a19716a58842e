/* net.c: guest-network-get-interfaces and guest-network-get-route. */
#include "net.h"

#include "commands.h"
#include "netif.h"
#include "routes.h"

static json_object *ip_address_json(const SgaIpAddress *a)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "ip-address", json_object_new_string(a->address));
    json_object_object_add(obj, "ip-address-type", json_object_new_string(a->ipv6 ? "ipv6" : "ipv4"));
    json_object_object_add(obj, "prefix", json_object_new_int(a->prefix));
    return obj;
}

static json_object *net_stats_json(const SgaNetStats *s)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "rx-bytes", json_object_new_uint64(s->rx_bytes));
    json_object_object_add(obj, "rx-packets", json_object_new_uint64(s->rx_packets));
    json_object_object_add(obj, "rx-errs", json_object_new_uint64(s->rx_errs));
    json_object_object_add(obj, "rx-dropped", json_object_new_uint64(s->rx_dropped));
    json_object_object_add(obj, "tx-bytes", json_object_new_uint64(s->tx_bytes));
    json_object_object_add(obj, "tx-packets", json_object_new_uint64(s->tx_packets));
    json_object_object_add(obj, "tx-errs", json_object_new_uint64(s->tx_errs));
    json_object_object_add(obj, "tx-dropped", json_object_new_uint64(s->tx_dropped));
    return obj;
}

/* An interface without addresses is listed by name (and hardware address)
 * alone: no ip-addresses, and on Linux no statistics either, as in qemu-ga. */
json_object *sga_cmd_guest_network_get_interfaces(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) ifaces = sga_net_interfaces(error);
    json_object *list;

    if (!ifaces) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < ifaces->len; i++) {
        const SgaNetInterface *iface = g_ptr_array_index(ifaces, i);
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "name", json_object_new_string(iface->name));
        if (iface->hardware_address) {
            json_object_object_add(obj, "hardware-address",
                                   json_object_new_string(iface->hardware_address));
        }
        if (iface->addresses->len > 0) {
            json_object *addresses = json_object_new_array();
            for (guint k = 0; k < iface->addresses->len; k++) {
                json_object_array_add(addresses,
                                      ip_address_json(&g_array_index(iface->addresses, SgaIpAddress, k)));
            }
            json_object_object_add(obj, "ip-addresses", addresses);
        }
        if (iface->has_stats) {
            json_object_object_add(obj, "statistics", net_stats_json(&iface->stats));
        }
        json_object_array_add(list, obj);
    }
    return list;
}

static void member_add_string(json_object *obj, const char *name, const char *value)
{
    if (value) {
        json_object_object_add(obj, name, json_object_new_string(value));
    }
}

/* GuestNetworkRoute, members in the schema's order; IPv4 routes carry gateway,
 * mask, window and irtt, IPv6 routes the prefix lengths, source and nexthop;
 * the kernel counters and the MTU only where the system has them (routes.h). */
static json_object *route_json(const SgaRoute *r)
{
    json_object *obj = json_object_new_object();
    bool v4 = r->version == 4;

    json_object_object_add(obj, "iface", json_object_new_string(r->iface));
    json_object_object_add(obj, "destination", json_object_new_string(r->destination));
    json_object_object_add(obj, "metric", json_object_new_int64(r->metric));
    member_add_string(obj, "gateway", r->gateway);
    member_add_string(obj, "mask", r->mask);
    if (r->has_counters) {
        if (v4) {
            json_object_object_add(obj, "irtt", json_object_new_int64(r->irtt));
        }
        json_object_object_add(obj, "flags", json_object_new_uint64(r->flags));
        json_object_object_add(obj, "refcnt", json_object_new_int64(r->refcnt));
        json_object_object_add(obj, "use", json_object_new_int64(r->use));
        if (v4) {
            json_object_object_add(obj, "window", json_object_new_int64(r->window));
        }
    }
    if (r->has_mtu) {
        json_object_object_add(obj, "mtu", json_object_new_int64(r->mtu));
    }
    member_add_string(obj, "desprefixlen", r->desprefixlen);
    member_add_string(obj, "source", r->source);
    member_add_string(obj, "srcprefixlen", r->srcprefixlen);
    member_add_string(obj, "nexthop", r->nexthop);
    json_object_object_add(obj, "version", json_object_new_int(r->version));
    return obj;
}

json_object *sga_cmd_guest_network_get_route(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) routes = sga_routes_read(error);
    json_object *list;

    if (!routes) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < routes->len; i++) {
        json_object_array_add(list, route_json(g_ptr_array_index(routes, i)));
    }
    return list;
}
