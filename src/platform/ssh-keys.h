/* ssh-keys.h: a user's ~/.ssh/authorized_keys, read and written with qemu-ga's file handling. */
#ifndef SGA_SSH_KEYS_H
#define SGA_SSH_KEYS_H

#include <glib.h>
#include <stdbool.h>

#include "accounts.h"

/* The file of account's keys, under the system root. */
char *sga_authorized_keys_path(const SgaAccount *account);

/* Its lines (split at every newline, so a final newline gives a last empty
 * line). Errors read "failed to read '<path>': <glib's message>". */
char **sga_authorized_keys_read(const SgaAccount *account, GError **error);

/* Create ~/.ssh (0700, owned by the user) unless it is a directory already. */
bool sga_ssh_dir_ensure(const SgaAccount *account, GError **error);

/* Replace the file with lines joined by newlines (no final one), atomically,
 * owned by the user, mode 0600. */
bool sga_authorized_keys_write(const SgaAccount *account, char *const *lines, GError **error);

#endif
