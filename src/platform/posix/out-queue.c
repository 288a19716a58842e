/* out-queue.c: queued output written with writev when the fd allows. */
#include "out-queue.h"

#include <errno.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

/* iovecs per writev call: enough to batch many small replies. */
#define SGA_OUT_QUEUE_IOV 64

typedef struct {
    char *data;
    size_t len;
    size_t offset;  /* bytes already written */
} OutChunk;

static void out_chunk_free(gpointer p)
{
    OutChunk *c = p;

    g_free(c->data);
    g_free(c);
}

void sga_out_queue_init(SgaOutQueue *q)
{
    g_queue_init(&q->chunks);
    q->queued = 0;
}

void sga_out_queue_clear(SgaOutQueue *q)
{
    g_queue_clear_full(&q->chunks, out_chunk_free);
    q->queued = 0;
}

/* Write what can go now; -1 on error, else bytes written (0 when the fd is full). */
static ssize_t write_some(int fd, const char *buf, size_t len)
{
    ssize_t n;

    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
    return n;
}

bool sga_out_queue_send(SgaOutQueue *q, int fd, char *data, size_t len)
{
    size_t offset = 0;

    if (q->queued == 0) {
        ssize_t n = write_some(fd, data, len);
        if (n < 0) {
            int saved = errno;
            g_free(data);
            errno = saved;
            return false;
        }
        offset = (size_t)n;
        if (offset == len) {
            g_free(data);
            return true;
        }
    }
    OutChunk *c = g_new(OutChunk, 1);
    c->data = data;
    c->len = len;
    c->offset = offset;
    g_queue_push_tail(&q->chunks, c);
    q->queued += len - offset;
    return true;
}

bool sga_out_queue_flush(SgaOutQueue *q, int fd)
{
    while (q->queued) {
        struct iovec iov[SGA_OUT_QUEUE_IOV];
        int n_iov = 0;
        ssize_t n;

        for (GList *l = q->chunks.head; l && n_iov < SGA_OUT_QUEUE_IOV; l = l->next) {
            OutChunk *c = l->data;
            iov[n_iov].iov_base = c->data + c->offset;
            iov[n_iov].iov_len = c->len - c->offset;
            n_iov++;
        }
        do {
            n = writev(fd, iov, n_iov);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        q->queued -= (size_t)n;
        while (n > 0) {
            OutChunk *c = g_queue_peek_head(&q->chunks);
            size_t left = c->len - c->offset;
            if ((size_t)n < left) {
                c->offset += (size_t)n;
                break;
            }
            n -= (ssize_t)left;
            out_chunk_free(g_queue_pop_head(&q->chunks));
        }
    }
    return true;
}
