/* service.h: streamga as a Windows service: its name, install and uninstall (-s). */
#ifndef SGA_AGENT_SERVICE_H
#define SGA_AGENT_SERVICE_H

#include <glib.h>
#include <stdbool.h>

#include "config.h"

/* The service's name; qemu-ga's is QEMU-GA, so both can be installed (only one
 * may run: they share the virtio-serial port). */
#define SGA_SERVICE_NAME L"streamga"
#define SGA_SERVICE_DISPLAY_NAME L"streamga guest agent"
#define SGA_SERVICE_DESCRIPTION \
    L"QEMU guest agent (qemu-ga compatible) with streaming guest-exec output"

/* -s install: register streamga.exe as an automatically started service whose
 * command line carries this configuration's -m, -p, -l (with -v), -t and -r. */
bool sga_service_install(const SgaConfig *cfg, GError **error);

/* -s uninstall: stop the service if it runs and remove it. */
bool sga_service_uninstall(GError **error);

#endif
