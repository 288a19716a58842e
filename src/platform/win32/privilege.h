/* privilege.h: enabling a privilege of the agent's token (shutdown, system time) before use. */
#ifndef SGA_PRIVILEGE_H
#define SGA_PRIVILEGE_H

#include <glib.h>
#include <stdbool.h>
#include <wchar.h>

/*
 * Enable the named privilege (SE_SHUTDOWN_NAME, SE_SYSTEMTIME_NAME...) in the
 * process token, as qemu-ga's acquire_privilege does, failing with its words
 * when the token cannot be opened, the name has no LUID or the adjustment is
 * refused. Windows also "succeeds" when the token lacks the privilege
 * altogether (ERROR_NOT_ALL_ASSIGNED), as qemu-ga does not notice: *held
 * (when not NULL) tells whether it is really enabled now.
 */
bool sga_privilege_enable(const wchar_t *name, bool *held, GError **error);

#endif
