/* sga-error.c: the error domain carrying qemu-ga error classes. */
#include "sga-error.h"

G_DEFINE_QUARK(sga-error-quark, sga_error)

const char *sga_error_class_name(const GError *error)
{
    if (error->domain == SGA_ERROR && error->code == SGA_ERROR_COMMAND_NOT_FOUND) {
        return "CommandNotFound";
    }
    return "GenericError";
}
