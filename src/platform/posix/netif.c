/* netif.c: network interfaces from getifaddrs(), SIOCGIFHWADDR and Linux's /proc/net/dev. */
#include "netif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sga-error.h"
#include "sga-log.h"
#include "sysroot.h"

#define PROC_NET_DEV "/proc/net/dev"
/* Bytes of a hardware address that are shown: an Ethernet address's six. */
#define HW_ADDR_SHOWN 6

/* The counters of interface name in /proc/net/dev's text, matched as qemu-ga
 * matches them: the name is all that precedes the line's first ':', and the
 * line needs all sixteen counters (else a later line may still match). */
static bool net_stats_lookup(const char *text, const char *name, SgaNetStats *stats)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t name_len = strlen(name);

    for (char **l = lines; *l; l++) {
        const char *line = g_strchug(*l);
        const char *colon = strchr(line, ':');
        long long v[16];
        if (!colon || (size_t)(colon - line) != name_len || strncmp(line, name, name_len) != 0) {
            continue;
        }
        if (sscanf(colon + 1, "%lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld "
                   "%lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                   &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 16) {
            continue;
        }
        /* Receive: bytes packets errs drop (fifo frame compressed multicast);
         * transmit likewise from the ninth. */
        stats->rx_bytes = (uint64_t)v[0];
        stats->rx_packets = (uint64_t)v[1];
        stats->rx_errs = (uint64_t)v[2];
        stats->rx_dropped = (uint64_t)v[3];
        stats->tx_bytes = (uint64_t)v[8];
        stats->tx_packets = (uint64_t)v[9];
        stats->tx_errs = (uint64_t)v[10];
        stats->tx_dropped = (uint64_t)v[11];
        return true;
    }
    sga_debug("%s: Interface '%s' not found", PROC_NET_DEV, name);
    return false;
}

/* Everything the interface listing needs besides getifaddrs: a socket for
 * hardware addresses and one reading of /proc/net/dev, both made on demand. */
typedef struct NetScan {
    int sock;
    bool dev_read;
    char *dev_text;         /* NULL: unreadable */
} NetScan;

static bool hw_address_fetch(NetScan *scan, SgaNetInterface *iface, GError **error)
{
    struct ifreq ifr;
    const unsigned char *mac;

    if (scan->sock < 0) {
        scan->sock = socket(PF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (scan->sock < 0) {
            int err = errno;
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to create socket: %s",
                        g_strerror(err));
            return false;
        }
    }
    memset(&ifr, 0, sizeof(ifr));
    g_strlcpy(ifr.ifr_name, iface->name, sizeof(ifr.ifr_name));
    if (ioctl(scan->sock, SIOCGIFHWADDR, &ifr) < 0) {
        /* Not fatal: the interface is listed without one. */
        int err = errno;
        if (err == EADDRNOTAVAIL) {
            sga_debug("failed to get MAC address of %s: %s", iface->name, g_strerror(err));
        } else {
            g_warning("failed to get MAC address of %s: %s", iface->name, g_strerror(err));
        }
        return true;
    }
    mac = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
    G_STATIC_ASSERT(sizeof(ifr.ifr_hwaddr.sa_data) >= HW_ADDR_SHOWN);
    iface->hardware_address = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                                              mac[2], mac[3], mac[4], mac[5]);
    return true;
}

static int mask_bits(const unsigned char *mask, size_t len)
{
    int bits = 0;

    for (size_t i = 0; i < len; i++) {
        bits += __builtin_popcount(mask[i]);
    }
    return bits;
}

/* What ip_address_of found in an entry. */
typedef enum { ENTRY_ERROR = -1, ENTRY_NOT_IP, ENTRY_IP } EntryKind;

/* The address of an IPv4 or IPv6 entry (out set only for ENTRY_IP). */
static EntryKind ip_address_of(const struct ifaddrs *ifa, SgaIpAddress *out, GError **error)
{
    char text[INET6_ADDRSTRLEN];
    const void *addr, *mask = NULL;
    size_t mask_len;
    int family;

    if (!ifa->ifa_addr) {
        return ENTRY_NOT_IP;
    }
    family = ifa->ifa_addr->sa_family;
    if (family == AF_INET) {
        addr = &((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
        if (ifa->ifa_netmask) {
            mask = &((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
        }
        mask_len = sizeof(struct in_addr);
    } else if (family == AF_INET6) {
        addr = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
        if (ifa->ifa_netmask) {
            mask = &((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
        }
        mask_len = sizeof(struct in6_addr);
    } else {
        return ENTRY_NOT_IP;
    }
    if (!inet_ntop(family, addr, text, sizeof(text))) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "inet_ntop failed: %s", g_strerror(err));
        return ENTRY_ERROR;
    }
    out->address = g_strdup(text);
    out->ipv6 = family == AF_INET6;
    /* A netmask's set bits are contiguous, so counting them gives the prefix. */
    out->prefix = mask ? mask_bits(mask, mask_len) : 0;
    return ENTRY_IP;
}

static SgaNetInterface *interface_find_or_add(GPtrArray *list, GHashTable *by_name, const char *name)
{
    SgaNetInterface *iface = g_hash_table_lookup(by_name, name);

    if (!iface) {
        iface = g_new0(SgaNetInterface, 1);
        iface->name = g_strdup(name);
        iface->addresses = g_array_new(FALSE, TRUE, sizeof(SgaIpAddress));
        g_array_set_clear_func(iface->addresses, sga_ip_address_clear);
        g_ptr_array_add(list, iface);
        g_hash_table_insert(by_name, iface->name, iface);
    }
    return iface;
}

static void interface_stats_fill(NetScan *scan, SgaNetInterface *iface)
{
    if (!scan->dev_read) {
        g_autofree char *real = sga_sysroot_path(PROC_NET_DEV);
        g_autoptr(GError) local = NULL;
        scan->dev_read = true;
        if (!g_file_get_contents(real, &scan->dev_text, NULL, &local)) {
            sga_debug("failed to open network stats %s: %s", PROC_NET_DEV, local->message);
        }
    }
    iface->has_stats = scan->dev_text && net_stats_lookup(scan->dev_text, iface->name, &iface->stats);
}

GPtrArray *sga_net_interfaces(GError **error)
{
    NetScan scan = { .sock = -1 };
    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *list = g_ptr_array_new_with_free_func(sga_net_interface_free);
    struct ifaddrs *all;
    bool ok = true;

    if (getifaddrs(&all) < 0) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "getifaddrs failed: %s", g_strerror(err));
        g_ptr_array_unref(list);
        return NULL;
    }
    /* getifaddrs lists each interface's link entry first (where there is
     * one), then IPv4, then IPv6 addresses: an interface appears where its
     * first entry is, and keeps its addresses in the order they come. */
    for (const struct ifaddrs *ifa = all; ifa; ifa = ifa->ifa_next) {
        SgaNetInterface *iface = interface_find_or_add(list, by_name, ifa->ifa_name);
        SgaIpAddress address = { 0 };
        EntryKind kind;

        if (!iface->hardware_address && !hw_address_fetch(&scan, iface, error)) {
            ok = false;
            break;
        }
        kind = ip_address_of(ifa, &address, error);
        if (kind == ENTRY_ERROR) {
            ok = false;
            break;
        }
        if (kind == ENTRY_NOT_IP) {
            continue;
        }
        g_array_append_val(iface->addresses, address);
        if (!iface->has_stats) {
            interface_stats_fill(&scan, iface);
        }
    }
    freeifaddrs(all);
    if (scan.sock >= 0) {
        close(scan.sock);
    }
    g_free(scan.dev_text);
    if (!ok) {
        g_ptr_array_unref(list);
        return NULL;
    }
    return list;
}
