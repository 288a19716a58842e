/* accounts.c: looking users up: NSS under the real root, <root>/etc/passwd under another. */
#include "accounts.h"

#include <errno.h>
#include <glib-unix.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "sga-error.h"
#include "sysroot.h"

/* glibc's line buffer for one passwd entry is as long as the longest line. */
#define PASSWD_LINE_MAX 4096

static void account_fill(SgaAccount *account, const struct passwd *pw)
{
    account->name = g_strdup(pw->pw_name);
    account->uid = pw->pw_uid;
    account->gid = pw->pw_gid;
    account->home = g_strdup(pw->pw_dir);
}

/* A tree's passwd file is not the C library's to read (NSS would read the
 * running system's), so it is parsed here, with glibc's own line parser. */
static bool account_lookup_in_tree(const char *name, SgaAccount *account, GError **error)
{
    g_autofree char *path = sga_sysroot_path("/etc/passwd");
    char buf[PASSWD_LINE_MAX];
    struct passwd entry, *pw = NULL;
    FILE *f = fopen(path, "re");

    if (!f) {
        int err = errno;
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, g_strerror(err));
        return false;
    }
    while (fgetpwent_r(f, &entry, buf, sizeof(buf), &pw) == 0) {
        if (strcmp(pw->pw_name, name) == 0) {
            account_fill(account, pw);
            fclose(f);
            return true;
        }
    }
    fclose(f);
    /* glib reports a user that does not exist with strerror(0). */
    g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, g_strerror(0));
    return false;
}

bool sga_account_lookup(const char *name, SgaAccount *account, GError **error)
{
    g_autoptr(GError) lookup_error = NULL;
    struct passwd *pw;

    if (!sga_sysroot_is_real()) {
        return account_lookup_in_tree(name, account, error);
    }
    pw = g_unix_get_passwd_entry(name, &lookup_error);
    if (!pw) {
        /* A static agent in an image without glibc's NSS modules finds no one
         * through NSS: /etc/passwd itself is then the answer. */
        if (account_lookup_in_tree(name, account, NULL)) {
            return true;
        }
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, lookup_error->message);
        return false;
    }
    account_fill(account, pw);
    g_free(pw);
    return true;
}

void sga_account_clear(SgaAccount *account)
{
    g_clear_pointer(&account->name, g_free);
    g_clear_pointer(&account->home, g_free);
}
