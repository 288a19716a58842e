/* pidfile.h: the locked pidfile that keeps a second agent from starting. */
#ifndef SGA_PIDFILE_H
#define SGA_PIDFILE_H

#include <glib.h>

/* Create path, lock it and write our pid. Returns the fd holding the lock (keep
 * it open while running), or -1 with error set (another agent holds it). */
int sga_pidfile_create(const char *path, GError **error);

/* Remove the pidfile and release the lock. */
void sga_pidfile_remove(const char *path, int fd);

#endif
