/* ssh.h: guest-ssh-get-authorized-keys, guest-ssh-add-authorized-keys, guest-ssh-remove-authorized-keys. */
#ifndef SGA_COMMANDS_SSH_H
#define SGA_COMMANDS_SSH_H

#include <stdbool.h>

#include "command.h"

typedef struct SgaSshUserArgs {
    const char *username;
} SgaSshUserArgs;
extern const SgaTypeSpec sga_ssh_get_args;

typedef struct SgaSshKeysArgs {
    const char *username;
    SgaList keys;           /* of const char * */
    bool has_reset;
    bool reset;
} SgaSshKeysArgs;
extern const SgaTypeSpec sga_ssh_add_args;
extern const SgaTypeSpec sga_ssh_remove_args;

json_object *sga_cmd_guest_ssh_get_authorized_keys(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_ssh_add_authorized_keys(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_ssh_remove_authorized_keys(SgaRequest *req, const void *args,
                                                      GError **error);

#endif
