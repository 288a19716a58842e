/* users.c: guest-get-users (utmp, WTS) and guest-set-user-password (shadow, natively; NetUserSetInfo). */
#include "users.h"

#include <string.h>
#ifdef G_OS_WIN32
#include <windows.h>
#define explicit_bzero SecureZeroMemory    /* what Windows calls it */
#endif

#include "accounts.h"
#include "commands.h"
#include "sga-base64.h"
#include "sga-error.h"

/* qemu-ga's desc whenever chpasswd fails (unknown user, a hash chpasswd would
 * not write, files it cannot update): streamga answers it in the same cases
 * and logs the reason. */
#define CHPASSWD_FAILED_DESC "child process has failed to set user password"

static const SgaMemberSpec set_user_password_members[] = {
    SGA_MEMBER(SgaSetUserPasswordArgs, username, "username", sga_type_str),
    SGA_MEMBER(SgaSetUserPasswordArgs, password, "password", sga_type_str),
    SGA_MEMBER(SgaSetUserPasswordArgs, crypted, "crypted", sga_type_bool),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_set_user_password_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-set-user-password arguments",
    .size = sizeof(SgaSetUserPasswordArgs), .members = set_user_password_members,
};

json_object *sga_cmd_guest_get_users(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GArray) logins = sga_logins_read();
    json_object *ret = json_object_new_array();

    for (guint i = 0; i < logins->len; i++) {
        const SgaLogin *login = &g_array_index(logins, SgaLogin, i);
        json_object *user = json_object_new_object();

        json_object_object_add(user, "user", json_object_new_string(login->user));
        if (login->domain) {
            json_object_object_add(user, "domain", json_object_new_string(login->domain));
        }
        json_object_object_add(user, "login-time", json_object_new_double(login->login_time));
        json_object_array_add(ret, user);
    }
    return ret;
}

json_object *sga_cmd_guest_set_user_password(SgaRequest *req, const void *args, GError **error)
{
    const SgaSetUserPasswordArgs *a = args;
    g_autoptr(GError) set_error = NULL;
    g_autofree guint8 *raw = NULL;
    gsize len;

#ifdef G_OS_WIN32
    /* qemu-ga on Windows refuses a hash before it looks at anything else. */
    if (a->crypted) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "this feature or command is not currently supported");
        return NULL;
    }
#endif
    raw = sga_base64_decode(a->password, &len, error);
    if (!raw) {
        return NULL;
    }
    /* qemu-ga treats the password as a C string: it ends at a NUL byte. */
    raw = g_realloc(raw, len + 1);
    raw[len] = '\0';
#ifdef G_OS_WIN32
    /* No chpasswd lines to keep whole, and NetUserSetInfo's reason is
     * qemu-ga's reply there. */
    if (!sga_password_set(a->username, (const char *)raw, a->crypted, error)) {
        goto out;
    }
#else
    if (strchr((const char *)raw, '\n')) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "forbidden characters in raw password");
        goto out;
    }
    if (strchr(a->username, '\n') || strchr(a->username, ':')) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "forbidden characters in username");
        goto out;
    }
    if (!sga_password_set(a->username, (const char *)raw, a->crypted, &set_error)) {
        g_warning("guest-set-user-password: %s", set_error->message);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, CHPASSWD_FAILED_DESC);
    }
#endif
out:
    explicit_bzero(raw, len);   /* the password, perhaps in clear */
    return NULL;
}
