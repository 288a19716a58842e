/* clock.h: guest-set-time's arguments and handler. */
#ifndef SGA_COMMANDS_CLOCK_H
#define SGA_COMMANDS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "command.h"

typedef struct SgaSetTimeArgs {
    bool has_time;
    int64_t time;       /* nanoseconds since the epoch */
} SgaSetTimeArgs;
extern const SgaTypeSpec sga_set_time_args;

json_object *sga_cmd_guest_set_time(SgaRequest *req, const void *args, GError **error);

#endif
