/* accounts.h: the system's user accounts: who is logged in, passwords, where users live. */
#ifndef SGA_ACCOUNTS_H
#define SGA_ACCOUNTS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* One user with a login session. */
typedef struct SgaLogin {
    char *user;
    char *domain;           /* Windows: the account's domain; NULL elsewhere (not reported) */
    double login_time;      /* seconds since the epoch, with microseconds */
} SgaLogin;

/* The users with a session in <root>/var/run/utmp, each once, with the
 * earliest of its logins, in the order utmp first names them. An array of
 * SgaLogin; empty when there is no utmp (nobody is logged in then). On
 * Windows: the users of the Terminal Services sessions, likewise. */
GArray *sga_logins_read(void);

/* An account, as far as the commands need it. */
typedef struct SgaAccount {
    char *name;
    uint32_t uid;
    uint32_t gid;
    char *home;             /* as the system sees it (without the system root) */
} SgaAccount;

/* Look the user up: through the C library (NSS: local files, LDAP...) under
 * the real root, in <root>/etc/passwd under another. An unknown user fails
 * with the message glib gives (g_unix_get_passwd_entry), for qemu-ga's words. */
bool sga_account_lookup(const char *name, SgaAccount *account, GError **error);
void sga_account_clear(SgaAccount *account);

/* Set a local user's password in <root>/etc/shadow (or <root>/etc/passwd),
 * as chpasswd does: password is the plain text, hashed here with the method
 * <root>/etc/login.defs names, or with crypted already a crypt(3) hash. The
 * user must be in <root>/etc/passwd. On Windows: NetUserSetInfo, plain text
 * only, failing in qemu-ga's Windows words (replied as they are). */
bool sga_password_set(const char *user, const char *password, bool crypted, GError **error);

#endif
