/* command-line.h: a child's UTF-16 command line (MSVCRT quoting) and environment block. */
#ifndef SGA_COMMAND_LINE_H
#define SGA_COMMAND_LINE_H

#include <glib.h>

/*
 * The command line CreateProcessW takes for path and args (NULL-terminated, or
 * NULL), quoted so that the child's C runtime (and CommandLineToArgvW) gives
 * back exactly these strings as argv. NULL, with error, when one cannot be
 * represented (invalid UTF-8, or a '"' in path, which argv[0] cannot carry).
 */
gunichar2 *sga_command_line_build(const char *path, const char *const *args, GError **error);

/* The UTF-16 environment block of env's "NAME=VALUE" strings, sorted by name
 * as Windows keeps it; NULL, with error, on invalid UTF-8. */
gunichar2 *sga_environment_block_build(const char *const *env, GError **error);

#endif
