/* users.h: guest-get-users and guest-set-user-password. */
#ifndef SGA_COMMANDS_USERS_H
#define SGA_COMMANDS_USERS_H

#include <stdbool.h>

#include "command.h"

typedef struct SgaSetUserPasswordArgs {
    const char *username;
    const char *password;   /* base64 */
    bool crypted;
} SgaSetUserPasswordArgs;
extern const SgaTypeSpec sga_set_user_password_args;

json_object *sga_cmd_guest_get_users(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_set_user_password(SgaRequest *req, const void *args, GError **error);

#endif
