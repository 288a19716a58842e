/* netif.c: network interfaces from GetAdaptersAddresses and their counters from GetIfEntry2. */
#include "netif.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "sga-error.h"
#include "sga-log.h"

/* Bytes of a hardware address that are shown: an Ethernet address's six. */
#define HW_ADDR_SHOWN 6
/* Enough for any IPv6 address with a scope id and port in WSAAddressToString's form. */
#define ADDRESS_TEXT_MAX 128
/* How often the adapter list is asked for again when it grew between the size query and the read. */
#define ADAPTER_LIST_TRIES 4

/* Every adapter with its addresses and prefixes (GAA_FLAG_INCLUDE_PREFIX, as
 * qemu-ga asks): a g_free-able list, NULL for none at all (ERROR_NO_DATA),
 * or NULL with error. */
static IP_ADAPTER_ADDRESSES *adapters_read(bool *none, GError **error)
{
    ULONG len = 16 * 1024;
    ULONG ret = ERROR_BUFFER_OVERFLOW;

    *none = false;
    for (int i = 0; i < ADAPTER_LIST_TRIES && ret == ERROR_BUFFER_OVERFLOW; i++) {
        IP_ADAPTER_ADDRESSES *list = g_malloc(len);
        /* on overflow len becomes the size needed now */
        ret = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_INCLUDE_PREFIX, NULL, list, &len);
        if (ret == ERROR_SUCCESS) {
            return list;
        }
        g_free(list);
    }
    if (ret == ERROR_NO_DATA) {
        *none = true;
        return NULL;
    }
    g_autofree char *msg = g_win32_error_message((gint)ret);
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to get adapters addresses: %s", msg);
    return NULL;
}

/* An address as qemu-ga's Windows code prints it: WSAAddressToString's form,
 * so a link-local IPv6 address carries its scope ("fe80::1%4"). NULL (and
 * the address skipped, as there) when it has no printed form. */
static char *address_text(const SOCKET_ADDRESS *sa)
{
    wchar_t text[ADDRESS_TEXT_MAX];
    DWORD len = G_N_ELEMENTS(text);

    if (WSAAddressToStringW(sa->lpSockaddr, (DWORD)sa->iSockaddrLength, NULL, text, &len) != 0) {
        g_autofree char *msg = g_win32_error_message(WSAGetLastError());
        sga_debug("failed address presentation form conversion: %s", msg);
        return NULL;
    }
    return g_utf16_to_utf8(text, -1, NULL, NULL, NULL);
}

static void interface_addresses_fill(SgaNetInterface *iface, const IP_ADAPTER_ADDRESSES *adapter)
{
    for (const IP_ADAPTER_UNICAST_ADDRESS *u = adapter->FirstUnicastAddress; u; u = u->Next) {
        int family = u->Address.lpSockaddr ? u->Address.lpSockaddr->sa_family : AF_UNSPEC;
        SgaIpAddress address = { 0 };

        if (family != AF_INET && family != AF_INET6) {
            continue;
        }
        address.address = address_text(&u->Address);
        if (!address.address) {
            continue;
        }
        address.ipv6 = family == AF_INET6;
        /* Vista and later give the prefix itself, as qemu-ga reads it. */
        address.prefix = u->OnLinkPrefixLength;
        g_array_append_val(iface->addresses, address);
    }
}

/* The adapter's counters, as qemu-ga's Windows code picks them (unicast
 * packets only). Looked up by LUID, which names the adapter whatever IP
 * versions it runs (qemu-ga looks the IPv4 index up from the adapter's GUID). */
static bool interface_stats_fill(SgaNetInterface *iface, const IP_ADAPTER_ADDRESSES *adapter)
{
    MIB_IF_ROW2 row;
    ULONG ret;

    memset(&row, 0, sizeof(row));
    row.InterfaceLuid = adapter->Luid;
    ret = GetIfEntry2(&row);
    if (ret != NO_ERROR) {
        sga_debug("no statistics for %s: GetIfEntry2 failed (%lu)", iface->name, (unsigned long)ret);
        return false;
    }
    iface->stats.rx_bytes = row.InOctets;
    iface->stats.rx_packets = row.InUcastPkts;
    iface->stats.rx_errs = row.InErrors;
    iface->stats.rx_dropped = row.InDiscards;
    iface->stats.tx_bytes = row.OutOctets;
    iface->stats.tx_packets = row.OutUcastPkts;
    iface->stats.tx_errs = row.OutErrors;
    iface->stats.tx_dropped = row.OutDiscards;
    return true;
}

static SgaNetInterface *interface_of(const IP_ADAPTER_ADDRESSES *adapter)
{
    SgaNetInterface *iface = g_new0(SgaNetInterface, 1);

    /* qemu-ga names an adapter by its friendly name ("Ethernet 2"). */
    iface->name = g_utf16_to_utf8(adapter->FriendlyName, -1, NULL, NULL, NULL);
    if (!iface->name) {
        iface->name = g_strdup("");
    }
    if (adapter->PhysicalAddressLength != 0) {
        const unsigned char *mac = adapter->PhysicalAddress;
        G_STATIC_ASSERT(sizeof(adapter->PhysicalAddress) >= HW_ADDR_SHOWN);
        iface->hardware_address = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                                                  mac[2], mac[3], mac[4], mac[5]);
    }
    iface->addresses = g_array_new(FALSE, TRUE, sizeof(SgaIpAddress));
    g_array_set_clear_func(iface->addresses, sga_ip_address_clear);
    interface_addresses_fill(iface, adapter);
    /* Every adapter gets counters where the system has them, with addresses
     * or without: qemu-ga's Windows code looks them up for all. */
    iface->has_stats = interface_stats_fill(iface, adapter);
    return iface;
}

GPtrArray *sga_net_interfaces(GError **error)
{
    g_autofree IP_ADAPTER_ADDRESSES *adapters = NULL;
    GPtrArray *list;
    WSADATA wsa;
    bool none;
    int ret;

    adapters = adapters_read(&none, error);
    if (!adapters && !none) {
        return NULL;
    }
    /* WSAAddressToString needs Winsock started; the count is per process, so
     * this pairs with its own WSACleanup whatever else uses sockets. */
    ret = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (ret != 0) {
        g_autofree char *msg = g_win32_error_message(ret);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed socket startup: %s", msg);
        return NULL;
    }
    list = g_ptr_array_new_with_free_func(sga_net_interface_free);
    for (const IP_ADAPTER_ADDRESSES *a = adapters; a; a = a->Next) {
        g_ptr_array_add(list, interface_of(a));
    }
    WSACleanup();
    return list;
}
