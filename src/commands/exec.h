/* exec.h: the guest-exec family: settings, limits, and its argument structs. */
#ifndef SGA_EXEC_H
#define SGA_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argspec.h"

/* Pending output per stream before its pipe is no longer read (the child then
 * blocks until the host collects): big enough to keep the pipe moving while a
 * status reply is on its way, small enough to keep memory per child bounded. */
#define SGA_EXEC_BUFFER_DEFAULT ((size_t)4 << 20)
/* Output bytes per stream in one status reply: a reply stays a few MB at most,
 * quick to send over a slow channel and within short client timeouts. */
#define SGA_EXEC_REPLY_DEFAULT ((size_t)1 << 20)
/* qemu-ga 7.2 keeps at most this much of each stream in at-exit mode
 * (GUEST_EXEC_MAX_OUTPUT) and drops the rest, marking it truncated. */
#define SGA_EXEC_AT_EXIT_CAP ((size_t)16 << 20)
/* Finished processes whose final status nobody collected are kept for a client
 * that comes back, but not without bound: beyond this many, or this much of
 * their output, the oldest are forgotten (logged). */
#define SGA_EXEC_MAX_FINISHED 1024
#define SGA_EXEC_FINISHED_BYTES ((size_t)64 << 20)
/* Stdin data a host may queue for a child that has not read it yet: beyond,
 * __org.streamga_guest-exec-input is refused ("is full") until it drains. */
#define SGA_EXEC_STDIN_QUEUE_MAX ((size_t)8 << 20)
/* Bytes read from one child's pipe per main-loop turn: a child that writes
 * flat out cannot starve the agent's other work. */
#define SGA_EXEC_READ_BUDGET ((size_t)1 << 20)

typedef struct SgaExecSettings {
    bool stream_output;     /* false: qemu-ga 7.2's at-exit output */
    size_t buffer_size;
    size_t reply_size;
} SgaExecSettings;

/* Set up the family (done once by the agent before serving). */
void sga_exec_init(const SgaExecSettings *settings);
/* Forget every process; children still running are left to run and reaped. */
void sga_exec_cleanup(void);

typedef struct SgaExecArgs {
    const char *path;
    bool has_arg;
    SgaList arg;
    bool has_env;
    SgaList env;
    bool has_input_data;
    const char *input_data;
    bool has_capture_output;
    SgaAlternate capture_output;
    bool has_output_mode;
    int output_mode;            /* SgaExecOutputMode */
    bool has_timeout;
    double timeout;
    bool has_keep_stdin;
    bool keep_stdin;
} SgaExecArgs;

typedef enum {
    SGA_EXEC_OUTPUT_STREAM,
    SGA_EXEC_OUTPUT_AT_EXIT,
} SgaExecOutputMode;

/* The wire names of SgaExecOutputMode, for the config file and arguments. */
extern const char *const sga_exec_output_mode_names[];

typedef struct SgaExecPidArgs {
    int64_t pid;
} SgaExecPidArgs;

typedef struct SgaExecKillArgs {
    int64_t pid;
    bool has_signal;
    int64_t signal;
} SgaExecKillArgs;

typedef struct SgaExecInputArgs {
    int64_t pid;
    bool has_input_data;
    const char *input_data;
    bool has_close;
    bool close;
} SgaExecInputArgs;

extern const SgaTypeSpec sga_exec_args;
extern const SgaTypeSpec sga_exec_status_args;
extern const SgaTypeSpec sga_exec_kill_args;
extern const SgaTypeSpec sga_exec_input_args;

#endif
