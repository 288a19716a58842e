/* host-wait.h: waiting, without polling in a loop, for the host to reopen a virtio port. */
#ifndef SGA_HOST_WAIT_H
#define SGA_HOST_WAIT_H

#include <glib.h>

typedef struct SgaHostWait SgaHostWait;

/* Start waiting on a virtio-serial fd whose host side is closed. host_back runs
 * (once) in the main loop when the host opens its side again; port_lost runs
 * instead, with the errno, if the port itself goes away (hot-unplug). */
SgaHostWait *sga_host_wait_start(int fd, void (*host_back)(gpointer data),
                                 void (*port_lost)(int err, gpointer data), gpointer data);

/* Stop waiting; NULL-safe. */
void sga_host_wait_stop(SgaHostWait *wait);

#endif
