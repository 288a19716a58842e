/* program.h: running a helper program to its end, with its output kept for the log. */
#ifndef SGA_PROGRAM_H
#define SGA_PROGRAM_H

#include <glib.h>
#include <stdbool.h>

/* Output kept from one run; a chatty program's rest is read and dropped, so
 * it never blocks on a full pipe. */
#define SGA_PROGRAM_OUTPUT_MAX ((gsize)64 << 10)

typedef struct SgaProgramStatus {
    bool exited;        /* it called exit (code); otherwise a signal (signo) ended it */
    int code;
    int signo;
} SgaProgramStatus;

/*
 * Run path with the single argument arg and wait for it to end: its own
 * session, stdin from /dev/null, stdout and stderr together appended to
 * output. A program that cannot be executed exits with status 1. Fails only
 * when no process could be started or waited for.
 */
bool sga_program_run(const char *path, const char *arg, GString *output, SgaProgramStatus *status,
                     GError **error);

#endif
