/* netif.h: the system's network interfaces: addresses, hardware address, traffic counters. */
#ifndef SGA_NETIF_H
#define SGA_NETIF_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct SgaIpAddress {
    char *address;          /* printed as inet_ntop prints it (Windows: WSAAddressToString, scope id included) */
    bool ipv6;
    int prefix;             /* bits set in the netmask */
} SgaIpAddress;

typedef struct SgaNetStats {
    uint64_t rx_bytes, rx_packets, rx_errs, rx_dropped;
    uint64_t tx_bytes, tx_packets, tx_errs, tx_dropped;
} SgaNetStats;

typedef struct SgaNetInterface {
    char *name;             /* as getifaddrs names it: IPv4 labels ("eth0:1") count apart;
                             * on Windows the adapter's friendly name */
    char *hardware_address; /* "xx:xx:xx:xx:xx:xx", NULL when unknown */
    GArray *addresses;      /* SgaIpAddress, in the system's order */
    bool has_stats;         /* counters are looked up only for interfaces with addresses
                             * (Windows: for every adapter, as qemu-ga's Windows code) */
    SgaNetStats stats;
} SgaNetInterface;

/* Every interface, in the order getifaddrs (Windows: GetAdaptersAddresses) lists them first: a GPtrArray of
 * SgaNetInterface (freed with it). NULL with error when they cannot be listed. */
GPtrArray *sga_net_interfaces(GError **error);

/* For the list and each interface's address array (net-records.c). */
void sga_net_interface_free(gpointer iface);
void sga_ip_address_clear(gpointer address);

#endif
