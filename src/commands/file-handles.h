/* file-handles.h: the guest-file family's table of open handles (one for the agent, not per host). */
#ifndef SGA_FILE_HANDLES_H
#define SGA_FILE_HANDLES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "file-io.h"

/*
 * Handles outlive the host connection that opened them (a host reconnects and
 * carries on), so the table belongs to the agent. Numbers come from the
 * agent's hooks, which keep them unique across restarts (qga.state).
 */

/* Whether another handle may be opened (SGA_FILE_HANDLES_MAX); error says why not. */
bool sga_file_handles_have_room(GError **error);

/* Give f a number and keep it; on failure f is left to the caller. */
bool sga_file_handles_add(SgaFileIo *f, int64_t *handle, GError **error);

/* The file behind handle, or NULL with qemu-ga's error. */
SgaFileIo *sga_file_handles_find(int64_t handle, GError **error);

/* Forget handle and hand its file back to be closed, or NULL with qemu-ga's error. */
SgaFileIo *sga_file_handles_take(int64_t handle, GError **error);

/* Close every file and empty the table. */
void sga_file_handles_close_all(void);

#endif
