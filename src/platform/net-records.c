/* net-records.c: freeing the interface and route records netif.h and routes.h describe (both platforms fill them). */
#include "netif.h"
#include "routes.h"

void sga_ip_address_clear(gpointer p)
{
    SgaIpAddress *a = p;

    g_free(a->address);
}

void sga_net_interface_free(gpointer p)
{
    SgaNetInterface *iface = p;

    g_free(iface->name);
    g_free(iface->hardware_address);
    g_array_unref(iface->addresses);
    g_free(iface);
}

void sga_route_free(gpointer p)
{
    SgaRoute *r = p;

    g_free(r->iface);
    g_free(r->destination);
    g_free(r->gateway);
    g_free(r->mask);
    g_free(r->desprefixlen);
    g_free(r->source);
    g_free(r->srcprefixlen);
    g_free(r->nexthop);
    g_free(r);
}
