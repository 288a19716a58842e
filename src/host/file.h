/* file.h: streamga-host push and pull: copy a file to or from the guest with progress. */
#ifndef SGA_HOST_FILE_H
#define SGA_HOST_FILE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

typedef struct SgaHostFile {
    bool push;              /* push LOCAL REMOTE; else pull REMOTE LOCAL */
    char *local;            /* a host path, or "-" for stdin (push) / stdout (pull) */
    char *remote;           /* a guest path */
    char *mode;             /* push: the guest-file-open mode */
    size_t chunk;           /* bytes per guest-file-write or guest-file-read */
    int progress;           /* 1 on, 0 off, -1 when stderr is a terminal */
} SgaHostFile;

/* Parse "push [OPTIONS] LOCAL REMOTE" or "pull [OPTIONS] REMOTE LOCAL" (argv[0]
 * is the subcommand); false after printing a usage error. */
bool sga_host_file_parse(SgaHostFile *file, int argc, char **argv);
void sga_host_file_clear(SgaHostFile *file);

/* Copy the file; returns streamga-host's exit status, with error set for the
 * failures main reports (local I/O errors exit 1, as agent errors do). The
 * guest handle is closed whatever happens, when the connection allows. */
int sga_host_file_run(const SgaHostFile *file, SgaClient *client, int timeout_ms, GError **error);

#endif
