/* exec.h: streamga-host exec: run a program in the guest with its output live. */
#ifndef SGA_HOST_EXEC_H
#define SGA_HOST_EXEC_H

#include <glib.h>
#include <stdbool.h>

#include "client.h"

typedef struct SgaHostExec {
    char **argv;            /* the program and its arguments */
    GPtrArray *env;         /* "K=V" strings, or empty for the guest agent's default */
    char *stdin_path;       /* a file for the program's stdin, "-" for ours, or NULL */
    bool merge;             /* stderr into stdout, in write order */
    double time_limit;      /* seconds; 0 for none (needs the agent's timeout extension) */
} SgaHostExec;

/* Parse "exec [OPTIONS] [--] PROG ARGS..."; false after printing a usage error. */
bool sga_host_exec_parse(SgaHostExec *exec, int argc, char **argv);
void sga_host_exec_clear(SgaHostExec *exec);

/* Run it; returns the exit status for streamga-host: the program's exit code,
 * 128+N when signal N ended it, 124 when the time limit ended it. */
int sga_host_exec_run(const SgaHostExec *exec, SgaClient *client, int timeout_ms, GError **error);

#endif
