/* sga-error.h: the GError domain whose codes are qemu-ga's QMP error classes. */
#ifndef SGA_ERROR_H
#define SGA_ERROR_H

#include <glib.h>

#define SGA_ERROR (sga_error_quark())

/* The error classes qemu-ga puts in {"error": {"class": ...}}; the code of every
 * GError that reaches the wire is one of these. */
typedef enum {
    SGA_ERROR_GENERIC,            /* "GenericError" */
    SGA_ERROR_COMMAND_NOT_FOUND,  /* "CommandNotFound" */
} SgaErrorClass;

GQuark sga_error_quark(void);

/* The wire name of an error class; errors from other domains report as GenericError. */
const char *sga_error_class_name(const GError *error);

#endif
