/* child-pipe.h: a child's pipes on Windows: the agent's overlapped ends, reading output and writing stdin. */
#ifndef SGA_CHILD_PIPE_H
#define SGA_CHILD_PIPE_H

#include <glib.h>
#include <stdbool.h>
#include <windows.h>

/*
 * A new pipe. The agent's end (*ours) is overlapped and not inheritable; the
 * child's (*theirs) is an ordinary synchronous handle, inheritable, as programs
 * expect of their standard streams. inbound: the agent reads (the child's
 * stdout or stderr); otherwise the agent writes (the child's stdin).
 */
bool sga_child_pipe_new(bool inbound, const char *tag, HANDLE *ours, HANDLE *theirs,
                        GError **error);

/*
 * Output of the child, read with at most one overlapped ReadFile outstanding.
 * No read is outstanding unless one was asked for, so a stream nobody reads
 * fills the pipe and the child blocks in its write (lossless backpressure).
 * The event is signalled whenever a read would not return -1 (a read ended,
 * or none was issued yet); a read leaves it unsignalled only by returning -1.
 */
typedef struct SgaPipeReader {
    HANDLE pipe;            /* NULL once closed */
    OVERLAPPED ov;          /* ov.hEvent: manual reset */
    bool pending;           /* a ReadFile is outstanding */
    guint8 *buf;            /* what the last read brought: buf[pos..len) not yet taken */
    size_t len, pos;
} SgaPipeReader;

void sga_pipe_reader_init(SgaPipeReader *r, HANDLE pipe);
/* As sga_child_read: bytes copied, 0 at the end (or after an error), -1 when
 * nothing is there yet (a read is then outstanding). */
gssize sga_pipe_reader_read(SgaPipeReader *r, void *buf, size_t len);
/* Cancel an outstanding read and close; idempotent. */
void sga_pipe_reader_close(SgaPipeReader *r);

/* The child's stdin: queued bytes written by overlapped WriteFiles, one at a time. */
typedef struct SgaPipeWriter {
    HANDLE pipe;            /* NULL once closed */
    OVERLAPPED ov;          /* ov.hEvent: manual reset, signalled when a write ends */
    bool pending;           /* a WriteFile is outstanding */
    GQueue chunks;          /* of GBytes */
    size_t head_done;       /* bytes of the head chunk already written */
    size_t queued;          /* bytes not yet taken by the pipe */
} SgaPipeWriter;

void sga_pipe_writer_init(SgaPipeWriter *w, HANDLE pipe);
/* Queue a copy of data and start writing; false when the pipe is broken. */
bool sga_pipe_writer_send(SgaPipeWriter *w, const void *data, size_t len);
/* After the event was signalled: account for the finished write and start the
 * next. False when the pipe is broken (the child closed its end). */
bool sga_pipe_writer_progress(SgaPipeWriter *w);
/* Cancel an outstanding write, drop the queue and close; idempotent. */
void sga_pipe_writer_close(SgaPipeWriter *w);

#endif
