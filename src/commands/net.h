/* net.h: guest-network-get-interfaces and guest-network-get-route (QEMU 9.1). */
#ifndef SGA_NET_H
#define SGA_NET_H

#include "command.h"

json_object *sga_cmd_guest_network_get_interfaces(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_network_get_route(SgaRequest *req, const void *args, GError **error);

#endif
