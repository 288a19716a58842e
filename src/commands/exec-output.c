/* exec-output.c: bounded buffering of a child's output, with backpressure or qemu-ga's cap. */
#include "exec-output.h"

#include <string.h>

#include "sga-base64.h"
#include "sga-utf8.h"

/* One read() takes at most this: the pipe itself holds 64 KiB. */
#define SGA_EXEC_READ_CHUNK (64 * 1024)

void sga_exec_output_init(SgaExecOutput *o, size_t limit, bool at_exit)
{
    memset(o, 0, sizeof(*o));
    o->buf = g_byte_array_new();
    o->limit = limit;
    o->at_exit = at_exit;
}

void sga_exec_output_clear(SgaExecOutput *o)
{
    if (o->buf) {
        g_byte_array_unref(o->buf);
    }
    memset(o, 0, sizeof(*o));
}

size_t sga_exec_output_pending(const SgaExecOutput *o)
{
    return o->buf->len - o->start;
}

/* Drop what was handed out once it is most of the buffer, so the buffer
 * neither grows past its limit nor is moved for every small take. */
static void output_compact(SgaExecOutput *o)
{
    if (o->start == o->buf->len) {
        g_byte_array_set_size(o->buf, 0);
        o->start = 0;
    } else if (o->start > o->buf->len / 2) {
        g_byte_array_remove_range(o->buf, 0, (guint)o->start);
        o->start = 0;
    }
}

void sga_exec_output_fill(SgaExecOutput *o, SgaChild *child, SgaChildStream stream, size_t budget)
{
    size_t done = 0;

    output_compact(o);
    while (!o->eof && done < budget) {
        size_t pending = sga_exec_output_pending(o);
        size_t room = o->limit > pending ? o->limit - pending : 0;
        size_t want;
        guint old_len = o->buf->len;
        gssize n;

        if (room == 0 && !o->at_exit) {
            break;      /* full: the child waits until the host collects */
        }
        if (room == 0) {
            /* qemu-ga's cap: keep reading so the child is not blocked, drop the rest */
            char discard[SGA_EXEC_READ_CHUNK];
            n = sga_child_read(child, stream, discard, sizeof(discard));
            if (n > 0) {
                o->truncated = true;
            }
        } else {
            want = MIN(room, SGA_EXEC_READ_CHUNK);
            g_byte_array_set_size(o->buf, old_len + (guint)want);
            n = sga_child_read(child, stream, o->buf->data + old_len, want);
            g_byte_array_set_size(o->buf, old_len + (guint)MAX(n, 0));
        }
        if (n == 0) {
            o->eof = true;
        } else if (n < 0) {
            break;      /* nothing more for now */
        } else {
            done += (size_t)n;
        }
    }
    if (!o->eof) {
        sga_child_watch_stream(child, stream, o->at_exit || sga_exec_output_pending(o) < o->limit);
    }
}

char *sga_exec_output_take(SgaExecOutput *o, size_t max)
{
    const guint8 *p = o->buf->data + o->start;
    size_t n = MIN(sga_exec_output_pending(o), max);
    char *text;

    /* Whole characters only, unless this is the very end of the stream. */
    if (!(o->eof && n == sga_exec_output_pending(o))) {
        n = sga_utf8_whole_prefix(p, n);
    }
    if (n == 0) {
        return NULL;
    }
    text = sga_base64_encode(p, n);
    o->start += n;
    return text;
}

char *sga_exec_output_take_all(SgaExecOutput *o)
{
    size_t n = sga_exec_output_pending(o);
    char *text;

    if (n == 0) {
        return NULL;
    }
    text = sga_base64_encode(o->buf->data + o->start, n);
    o->start += n;
    return text;
}
