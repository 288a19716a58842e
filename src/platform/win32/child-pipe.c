/* child-pipe.c: named pipes for a child's standard streams; overlapped reads and writes on the agent's ends. */
#include "child-pipe.h"

#include <string.h>

#include "sga-error.h"

/* The pipe's buffer, and what one ReadFile or WriteFile moves at most: a write
 * that small ends as soon as the pipe has room, so "queued" follows the child's
 * reading closely. */
#define PIPE_CHUNK (64 * 1024)

bool sga_child_pipe_new(bool inbound, const char *tag, HANDLE *ours, HANDLE *theirs, GError **error)
{
    static unsigned counter;
    /* Anonymous pipes (CreatePipe) cannot be overlapped: a named pipe with a
     * name nobody else uses, one instance only, local clients only. */
    g_autofree char *name = g_strdup_printf("\\\\.\\pipe\\streamga-%lu-%u-%s",
                                            (unsigned long)GetCurrentProcessId(), ++counter, tag);
    g_autofree gunichar2 *wname = g_utf8_to_utf16(name, -1, NULL, NULL, NULL);
    SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };
    HANDLE server, client;

    server = CreateNamedPipeW(wname,
                              (inbound ? PIPE_ACCESS_INBOUND : PIPE_ACCESS_OUTBOUND) |
                                  FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
                              PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                              1, PIPE_CHUNK, PIPE_CHUNK, 0, NULL);
    if (server == INVALID_HANDLE_VALUE) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot create pipes: %s", msg);
        return false;
    }
    /* The child's end as CreatePipe makes it: it may query (stdout) or set
     * (stdin) the pipe's state, as some runtimes do. */
    client = CreateFileW(wname, inbound ? GENERIC_WRITE | FILE_READ_ATTRIBUTES
                                        : GENERIC_READ | FILE_WRITE_ATTRIBUTES,
                         0, &inherit, OPEN_EXISTING, 0, NULL);
    if (client == INVALID_HANDLE_VALUE) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot create pipes: %s", msg);
        CloseHandle(server);
        return false;
    }
    *ours = server;
    *theirs = client;
    return true;
}

/* Wait for an outstanding operation to end after cancelling it: the system
 * writes into the OVERLAPPED (and the buffer) until then. */
static void pipe_cancel(HANDLE pipe, OVERLAPPED *ov)
{
    DWORD n;

    CancelIoEx(pipe, ov);
    GetOverlappedResult(pipe, ov, &n, TRUE);
}

/* ---- reading the child's output -------------------------------------------------- */

void sga_pipe_reader_init(SgaPipeReader *r, HANDLE pipe)
{
    memset(r, 0, sizeof(*r));
    r->pipe = pipe;
    /* Signalled at first: the first dispatch issues the first read. */
    r->ov.hEvent = CreateEventW(NULL, TRUE, TRUE, NULL);
    r->buf = g_malloc(PIPE_CHUNK);
}

/* Issue the next ReadFile; false when the pipe ended (ERROR_BROKEN_PIPE: every
 * writer closed its end) or failed. A read that completes at once is taken
 * like one that completes later, through GetOverlappedResult. */
static bool reader_issue(SgaPipeReader *r)
{
    HANDLE event = r->ov.hEvent;

    memset(&r->ov, 0, sizeof(r->ov));
    r->ov.hEvent = event;
    r->len = r->pos = 0;
    if (!ReadFile(r->pipe, r->buf, PIPE_CHUNK, NULL, &r->ov) && GetLastError() != ERROR_IO_PENDING) {
        SetEvent(event);    /* the end is there to be read: keep the stream's source firing */
        return false;
    }
    r->pending = true;
    return true;
}

gssize sga_pipe_reader_read(SgaPipeReader *r, void *buf, size_t len)
{
    for (;;) {
        DWORD n;

        if (r->pos < r->len) {
            size_t take = MIN(len, r->len - r->pos);
            memcpy(buf, r->buf + r->pos, take);
            r->pos += take;
            return (gssize)take;
        }
        if (!r->pipe) {
            return 0;
        }
        if (!r->pending && !reader_issue(r)) {
            return 0;
        }
        if (!GetOverlappedResult(r->pipe, &r->ov, &n, FALSE)) {
            if (GetLastError() == ERROR_IO_INCOMPLETE) {
                return -1;
            }
            r->pending = false;
            return 0;       /* ERROR_BROKEN_PIPE: the end; anything else: no more either */
        }
        r->pending = false;
        /* A zero-byte write in the child completes a read with nothing: not the end. */
        r->len = n;
    }
}

void sga_pipe_reader_close(SgaPipeReader *r)
{
    if (r->pipe) {
        if (r->pending) {
            pipe_cancel(r->pipe, &r->ov);
            r->pending = false;
        }
        CloseHandle(r->pipe);
        r->pipe = NULL;
    }
    if (r->ov.hEvent) {
        CloseHandle(r->ov.hEvent);
        r->ov.hEvent = NULL;
    }
    g_clear_pointer(&r->buf, g_free);
    r->len = r->pos = 0;
}

/* ---- writing the child's stdin --------------------------------------------------- */

void sga_pipe_writer_init(SgaPipeWriter *w, HANDLE pipe)
{
    memset(w, 0, sizeof(*w));
    w->pipe = pipe;
    w->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    g_queue_init(&w->chunks);
}

/* Write (part of) the head chunk, if any and none is outstanding. */
static bool writer_issue(SgaPipeWriter *w)
{
    HANDLE event = w->ov.hEvent;
    GBytes *head = g_queue_peek_head(&w->chunks);
    gsize size;
    const guint8 *data;

    if (w->pending || !head) {
        return true;
    }
    data = g_bytes_get_data(head, &size);
    memset(&w->ov, 0, sizeof(w->ov));
    w->ov.hEvent = event;
    if (!WriteFile(w->pipe, data + w->head_done, (DWORD)MIN(size - w->head_done, PIPE_CHUNK), NULL,
                   &w->ov) &&
        GetLastError() != ERROR_IO_PENDING) {
        return false;       /* ERROR_NO_DATA / ERROR_BROKEN_PIPE: the child closed its stdin */
    }
    w->pending = true;
    return true;
}

bool sga_pipe_writer_send(SgaPipeWriter *w, const void *data, size_t len)
{
    if (!w->pipe) {
        return false;
    }
    if (len == 0) {
        return true;
    }
    g_queue_push_tail(&w->chunks, g_bytes_new(data, len));
    w->queued += len;
    return writer_issue(w);
}

bool sga_pipe_writer_progress(SgaPipeWriter *w)
{
    DWORD n;
    gsize size;

    if (!w->pipe) {
        return false;
    }
    if (!w->pending) {
        return true;
    }
    if (!GetOverlappedResult(w->pipe, &w->ov, &n, FALSE)) {
        if (GetLastError() == ERROR_IO_INCOMPLETE) {
            return true;
        }
        w->pending = false;
        return false;
    }
    w->pending = false;
    w->head_done += n;
    w->queued -= n;
    g_bytes_get_data(g_queue_peek_head(&w->chunks), &size);
    if (w->head_done == size) {
        g_bytes_unref(g_queue_pop_head(&w->chunks));
        w->head_done = 0;
    }
    return writer_issue(w);
}

void sga_pipe_writer_close(SgaPipeWriter *w)
{
    if (w->pipe) {
        if (w->pending) {
            pipe_cancel(w->pipe, &w->ov);
            w->pending = false;
        }
        CloseHandle(w->pipe);
        w->pipe = NULL;
    }
    if (w->ov.hEvent) {
        CloseHandle(w->ov.hEvent);
        w->ov.hEvent = NULL;
    }
    g_queue_clear_full(&w->chunks, (GDestroyNotify)g_bytes_unref);
    w->head_done = 0;
    w->queued = 0;
}
