/* tcp-address.h: the tcp-listen method's -p value, HOST:PORT or [IPV6]:PORT. */
#ifndef SGA_TCP_ADDRESS_H
#define SGA_TCP_ADDRESS_H

#include <glib.h>

/* Split address into host (may be empty: every address) and a decimal port;
 * outputs are untouched on failure. */
gboolean sga_tcp_address_parse(const char *address, char **host, char **port, GError **error);

#endif
