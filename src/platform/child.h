/* child.h: child processes for guest-exec: spawning, their pipes, exit and signals. */
#ifndef SGA_CHILD_H
#define SGA_CHILD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef G_OS_WIN32
#include <signal.h>
/* mingw's <signal.h> has no SIGKILL, which guest-exec's timeout sends; on
 * Windows any signal number ends the process tree (win32/child.c). */
#ifndef SIGKILL
#define SIGKILL 9
#endif
#endif

/* What of the child's output is captured (the QAPI enum GuestExecCaptureOutputMode). */
typedef enum {
    SGA_CAPTURE_NONE,
    SGA_CAPTURE_STDOUT,
    SGA_CAPTURE_STDERR,
    SGA_CAPTURE_SEPARATED,  /* stdout and stderr on two pipes */
    SGA_CAPTURE_MERGED,     /* both on one pipe, read as stdout, in write order */
} SgaCaptureMode;

typedef enum {
    SGA_CHILD_STDOUT,
    SGA_CHILD_STDERR,
} SgaChildStream;

typedef struct SgaChildSpec {
    const char *path;               /* searched in PATH (the child's, if env is given) */
    const char *const *args;        /* NULL-terminated arguments after argv[0], or NULL */
    const char *const *env;         /* NULL-terminated environment, or NULL for the agent's */
    bool stdin_pipe;                /* a pipe on stdin; otherwise /dev/null */
    SgaCaptureMode capture;
} SgaChildSpec;

typedef struct SgaChildEvents {
    /* Output is waiting on a stream being watched (read it with sga_child_read). */
    void (*readable)(SgaChildStream stream, void *opaque);
    /* The child process has ended and been reaped (its pipes may still be open,
     * held by processes it started). */
    void (*exited)(void *opaque);
} SgaChildEvents;

typedef struct SgaChild SgaChild;

/* Start the child. It gets an empty signal mask, default signal dispositions,
 * its own process group, the agent's original open-file limit, and no agent
 * file descriptor beyond its three standard streams. On failure, error carries
 * the system's message (e.g. "Failed to execute child process ..."). */
SgaChild *sga_child_spawn(const SgaChildSpec *spec, const SgaChildEvents *events, void *opaque,
                          GError **error);

int64_t sga_child_pid(const SgaChild *child);

/* Whether the stream is captured (a pipe exists). */
bool sga_child_has_stream(const SgaChild *child, SgaChildStream stream);

/* Read without blocking: bytes read, 0 at the end of the stream (or after a read
 * error), -1 when nothing is there yet. */
gssize sga_child_read(SgaChild *child, SgaChildStream stream, void *buf, size_t len);

/* Watch a stream for readable output, or stop (backpressure). Watched at spawn. */
void sga_child_watch_stream(SgaChild *child, SgaChildStream stream, bool watch);

/* Queue data for the child's stdin (copied; written as the pipe accepts it).
 * Returns false when stdin is closed or the child stopped reading it. */
bool sga_child_stdin_write(SgaChild *child, const void *data, size_t len);
/* Close stdin once everything queued is written. */
void sga_child_stdin_close(SgaChild *child);
/* Bytes queued for stdin and not yet taken by the child. */
size_t sga_child_stdin_queued(const SgaChild *child);
/* Whether writes to stdin are still accepted. */
bool sga_child_stdin_is_open(const SgaChild *child);

/* Check now whether the child has ended (reaping it); true once it has. */
bool sga_child_reap(SgaChild *child);
/* After it ended: its exit code, or the signal that killed it (the other is -1);
 * true when it is the signal. On Windows, as with qemu-ga there, an exit status
 * of 0xC0000000 or more (an unhandled exception's NTSTATUS) is the "signal", and
 * either may be negative (the 32-bit status read as an int): go by the result. */
bool sga_child_exit_status(const SgaChild *child, int *exitcode, int *signo);

/* Send a signal to the child's process group (it and what it started). On
 * Windows every signal ends the child's job (it and what it started), with the
 * signal's number as exit code. */
bool sga_child_signal(SgaChild *child, int signo, GError **error);

/* Close the pipes and forget the child; one still running is reaped when it ends. */
void sga_child_free(SgaChild *child);

/* Called once at start-up: raise the agent's open-file limit to the hard limit
 * (hundreds of concurrent execs need three pipes each), remembering the original
 * for the children, which get it back. */
void sga_child_save_fd_limit(void);

#endif
