/* exec-output.h: one captured output stream of a guest-exec child, buffered for status replies. */
#ifndef SGA_EXEC_OUTPUT_H
#define SGA_EXEC_OUTPUT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "child.h"

typedef struct SgaExecOutput {
    GByteArray *buf;    /* bytes read and not yet handed out: data[start..len) */
    size_t start;
    size_t limit;       /* streaming: stop reading the pipe at this many pending
                         * bytes; at exit: keep at most this much (qemu-ga's cap) */
    bool at_exit;       /* qemu-ga 7.2 semantics: everything at exit, truncated */
    bool truncated;     /* at exit: bytes past the limit were dropped */
    bool eof;           /* the pipe reached its end */
} SgaExecOutput;

void sga_exec_output_init(SgaExecOutput *o, size_t limit, bool at_exit);
void sga_exec_output_clear(SgaExecOutput *o);

/* Bytes waiting to be handed out. */
size_t sga_exec_output_pending(const SgaExecOutput *o);

/*
 * Read what the child has written on stream, without blocking, until the pipe
 * has nothing more now, ends, or (streaming) the buffer holds limit bytes; at
 * most budget bytes per call, so one busy child cannot hold the main loop.
 * Updates whether the stream is watched: a full buffer is not (backpressure).
 */
void sga_exec_output_fill(SgaExecOutput *o, SgaChild *child, SgaChildStream stream, size_t budget);

/*
 * Streaming: hand out up to max bytes as base64, or NULL when there is nothing
 * to give. While more may come the cut falls between UTF-8 characters (a split
 * character waits for its last bytes), so each chunk decodes on its own.
 */
char *sga_exec_output_take(SgaExecOutput *o, size_t max);

/* At exit: everything as base64, or NULL when nothing was captured. */
char *sga_exec_output_take_all(SgaExecOutput *o);

#endif
