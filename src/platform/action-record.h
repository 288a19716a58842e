/* action-record.h: under a fake system root, the actions with no file to redirect, written down instead. */
#ifndef SGA_ACTION_RECORD_H
#define SGA_ACTION_RECORD_H

#include <glib.h>
#include <stdbool.h>

/* The file, under the system root, that collects the lines. */
#define SGA_ACTION_RECORD_FILE "/streamga-actions"

/*
 * Some actions reach the system itself rather than a file: signalling PID 1,
 * reboot(2), clock_settime, running the system's shutdown binary. Under a fake
 * root (--system-root, tests, a container holding the host's tree) the agent
 * must not do them to the system it happens to run on, so it appends a line
 * saying what it would have done to <root>/streamga-actions instead. Only call
 * this when sga_sysroot_is_real() is false.
 */
bool sga_action_record(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

#endif
