/* handle-source.h: a main-loop source that calls back while a Windows handle (event, process) is signalled. */
#ifndef SGA_HANDLE_SOURCE_H
#define SGA_HANDLE_SOURCE_H

#include <glib.h>
#include <stdbool.h>
#include <windows.h>

/* Return FALSE to have the source destroyed. */
typedef gboolean (*SgaHandleCallback)(HANDLE handle, gpointer data);

/*
 * Attached to the default main context; g_source_destroy + unref to remove.
 * The callback runs on each loop iteration in which the handle is signalled,
 * so a manual-reset event must be reset (or a new overlapped operation
 * started on it) before returning, or the loop spins.
 */
GSource *sga_handle_source_new(HANDLE handle, SgaHandleCallback callback, gpointer data);

/* Watch or stop watching the handle (backpressure) without recreating the source. */
void sga_handle_source_set_active(GSource *source, bool active);

/* Destroy and unref; NULL-safe, clears the pointer. */
void sga_handle_source_clear(GSource **source);

#endif
