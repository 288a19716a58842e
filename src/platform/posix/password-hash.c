/* password-hash.c: hashing a new password: libxcrypt with login.defs's method, or built-in SHA-512. */
#include "password-hash.h"

#include <errno.h>
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>

#include "sga-build-config.h"
#include "sga-error.h"
#include "sha512-crypt.h"
#include "sysroot.h"

#if SGA_HAVE_LIBXCRYPT
#include <crypt.h>
#endif

#define LOGIN_DEFS_FILE "/etc/login.defs"

/* The fallback: verified by every libc a guest may run (glibc >= 2.7, libxcrypt, musl). */
#define HASH_PREFIX_DEFAULT "$6$"

static const struct {
    const char *method;     /* login.defs's ENCRYPT_METHOD */
    const char *prefix;     /* crypt_gensalt's */
} hash_methods[] = {
    { "SHA512", "$6$" },
    { "SHA256", "$5$" },
    { "YESCRYPT", "$y$" },
    { "BCRYPT", "$2b$" },
};

/* The prefix for the method login.defs names; the default for weak or unknown ones. */
static const char *hash_prefix_configured(void)
{
    g_autofree char *path = sga_sysroot_path(LOGIN_DEFS_FILE);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    const char *prefix = HASH_PREFIX_DEFAULT;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return prefix;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **line = lines; *line; line++) {
        g_auto(GStrv) words = g_strsplit_set(g_strstrip(*line), " \t", -1);
        char **w = words;

        if (!w[0] || strcmp(w[0], "ENCRYPT_METHOD") != 0) {
            continue;
        }
        for (w++; *w && !**w; w++) {
            /* runs of blanks split into empty words */
        }
        for (size_t i = 0; *w && i < G_N_ELEMENTS(hash_methods); i++) {
            if (g_ascii_strcasecmp(*w, hash_methods[i].method) == 0) {
                prefix = hash_methods[i].prefix;
            }
        }
    }
    return prefix;
}

#if SGA_HAVE_LIBXCRYPT
static char *password_hash_with(const char *prefix, const char *password, GError **error)
{
    struct crypt_data *data;
    char *setting, *hash = NULL;
    const char *result;

    /* count 0: the library's default cost; NULL random bytes: from the kernel */
    setting = crypt_gensalt_ra(prefix, 0, NULL, 0);
    if (!setting && strcmp(prefix, HASH_PREFIX_DEFAULT) != 0) {
        g_warning("cannot hash with %s (%s), using %s instead", prefix, g_strerror(errno),
                  HASH_PREFIX_DEFAULT);
        setting = crypt_gensalt_ra(HASH_PREFIX_DEFAULT, 0, NULL, 0);
    }
    if (!setting) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot make a salt: %s", g_strerror(err));
        return NULL;
    }
    data = g_new0(struct crypt_data, 1);
    result = crypt_r(password, setting, data);
    /* libxcrypt fails with a string starting with '*' rather than NULL */
    if (!result || result[0] == '*') {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot hash the password: %s",
                    g_strerror(err));
    } else {
        hash = g_strdup(result);
    }
    explicit_bzero(data, sizeof(*data));    /* it held the password */
    g_free(data);
    free(setting);
    return hash;
}
#else
/* Without libxcrypt (the static build: its 177 KiB of every historic method
 * would break the 2 MiB budget) only SHA-512 is built in; it is what login.defs
 * asks on most systems, and every libc's crypt verifies it. */
static char *password_hash_with(const char *prefix, const char *password, GError **error)
{
    static const char salt_chars[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    guint8 random[SGA_SHA512_CRYPT_SALT_MAX];
    char salt[SGA_SHA512_CRYPT_SALT_MAX + 1];

    if (strcmp(prefix, HASH_PREFIX_DEFAULT) != 0) {
        g_warning("cannot hash with %s in this build, using %s instead", prefix,
                  HASH_PREFIX_DEFAULT);
    }
    if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random)) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot make a salt: %s", g_strerror(err));
        return NULL;
    }
    for (size_t i = 0; i < sizeof(random); i++) {
        salt[i] = salt_chars[random[i] & 0x3f];
    }
    salt[sizeof(random)] = '\0';
    return sga_sha512_crypt(password, salt, 0);
}
#endif

char *sga_password_hash(const char *password, GError **error)
{
    return password_hash_with(hash_prefix_configured(), password, error);
}
