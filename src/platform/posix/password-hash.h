/* password-hash.h: hashing a new password with the method the system is configured for. */
#ifndef SGA_PASSWORD_HASH_H
#define SGA_PASSWORD_HASH_H

#include <glib.h>

/* A crypt(3) hash of password with a fresh salt, by <root>/etc/login.defs's
 * ENCRYPT_METHOD (SHA512, SHA256, YESCRYPT, BCRYPT); SHA-512 otherwise, which
 * every glibc since 2.7 verifies. Never DES or MD5. */
char *sga_password_hash(const char *password, GError **error);

#endif
