/* out-queue.h: bytes waiting to be written to a non-blocking fd. */
#ifndef SGA_OUT_QUEUE_H
#define SGA_OUT_QUEUE_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct SgaOutQueue {
    GQueue chunks;      /* of OutChunk */
    size_t queued;      /* bytes not yet written */
} SgaOutQueue;

void sga_out_queue_init(SgaOutQueue *q);
/* Drop everything queued. */
void sga_out_queue_clear(SgaOutQueue *q);
/* Take ownership of data[0..len) (g_free), first writing what the fd accepts now
 * when nothing else is queued. Returns FALSE on a write error (errno set). */
bool sga_out_queue_send(SgaOutQueue *q, int fd, char *data, size_t len);
/* Write as much as the fd accepts. Returns FALSE on a write error (errno set). */
bool sga_out_queue_flush(SgaOutQueue *q, int fd);

#endif
