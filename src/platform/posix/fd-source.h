/* fd-source.h: a main-loop source for one fd whose watched conditions can change. */
#ifndef SGA_FD_SOURCE_H
#define SGA_FD_SOURCE_H

#include <glib.h>

/* Return FALSE to have the source destroyed. */
typedef gboolean (*SgaFdCallback)(int fd, GIOCondition revents, gpointer data);

/* Attached to the default main context; g_source_destroy + unref to remove. */
GSource *sga_fd_source_new(int fd, GIOCondition events, SgaFdCallback callback, gpointer data);

/* Change what is watched without recreating the source (cheap, no syscall until
 * the next poll). */
void sga_fd_source_set_events(GSource *source, GIOCondition events);

/* Destroy and unref; NULL-safe, clears the pointer. */
void sga_fd_source_clear(GSource **source);

#endif
