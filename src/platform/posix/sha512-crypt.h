/* sha512-crypt.h: the "$6$" crypt(3) method (SHA-512, Drepper's specification), built in. */
#ifndef SGA_SHA512_CRYPT_H
#define SGA_SHA512_CRYPT_H

/* Salt characters the method uses at most, and its default rounds (glibc's). */
#define SGA_SHA512_CRYPT_SALT_MAX 16
#define SGA_SHA512_CRYPT_ROUNDS_DEFAULT 5000

/*
 * The crypt(3) string "$6$[rounds=N$]salt$hash" of key. salt is used up to its
 * first '$' or 16 characters; rounds 0 means the default (then no "rounds="
 * is written), others are clamped to 1000..999999999 as the specification says.
 */
char *sga_sha512_crypt(const char *key, const char *salt, unsigned long rounds);

#endif
