/* power.h: guest-shutdown's arguments and handler. */
#ifndef SGA_COMMANDS_POWER_H
#define SGA_COMMANDS_POWER_H

#include <stdbool.h>

#include "command.h"

typedef struct SgaShutdownArgs {
    bool has_mode;
    const char *mode;
} SgaShutdownArgs;
extern const SgaTypeSpec sga_shutdown_args;

json_object *sga_cmd_guest_shutdown(SgaRequest *req, const void *args, GError **error);

#endif
