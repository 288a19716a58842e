/* init-control.h: asking a running init system to power off, halt or reboot. */
#ifndef SGA_INIT_CONTROL_H
#define SGA_INIT_CONTROL_H

#include <glib.h>
#include <stdbool.h>

#include "init-detect.h"
#include "shutdown.h"

/* Make sure the init can be asked: open its control FIFO without blocking
 * (*fd; it fails when nobody reads it), or check that PID 1 may be signalled.
 * *fd stays -1 for the inits that take signals. */
bool sga_init_control_open(SgaInitKind kind, int *fd, GError **error);

/* Send the request: a signal to PID 1 (under a fake root, written to the action
 * record instead), or the init's message on fd, which is closed. */
bool sga_init_control_request(SgaInitKind kind, SgaPowerMode mode, int fd, GError **error);

#endif
