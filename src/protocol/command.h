/* command.h: what a command is to the protocol layer: a row of the command table. */
#ifndef SGA_COMMAND_H
#define SGA_COMMAND_H

#include <glib.h>
#include <json-c/json.h>

#include "argspec.h"

/* Per-request services the protocol layer offers a handler. */
typedef struct SgaRequest SgaRequest;

/*
 * A command handler. args points to the command's argument struct, already
 * checked against its spec (NULL for commands without arguments). Returns the
 * "return" value (ownership passes to the caller; NULL means {}), or NULL with
 * error set.
 */
typedef json_object *(*SgaCommandHandler)(SgaRequest *req, const void *args, GError **error);

typedef enum {
    SGA_COMMAND_NO_SUCCESS_RESPONSE = 1 << 0,   /* schema 'success-response': false */
    SGA_COMMAND_ALLOWED_WHILE_FROZEN = 1 << 1,  /* may run while filesystems are frozen */
} SgaCommandFlags;

/* Where a command can work; the registry disables it elsewhere, as qemu-ga does. */
typedef enum {
    SGA_PLATFORM_LINUX = 1 << 0,
    SGA_PLATFORM_OTHER_POSIX = 1 << 1,
    SGA_PLATFORM_WIN32 = 1 << 2,
    SGA_PLATFORM_ALL = SGA_PLATFORM_LINUX | SGA_PLATFORM_OTHER_POSIX | SGA_PLATFORM_WIN32,
} SgaPlatform;

typedef struct SgaCommand {
    const char *name;
    SgaCommandHandler handler;
    const SgaTypeSpec *args;    /* a STRUCT spec, or NULL when it takes none */
    unsigned flags;             /* SgaCommandFlags */
    unsigned platforms;         /* SgaPlatform mask */
} SgaCommand;

#endif
