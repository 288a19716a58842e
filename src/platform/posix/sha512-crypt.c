/* sha512-crypt.c: SHA-512 crypt ("$6$"), for builds without libxcrypt (the static range-image agent). */
#include "sha512-crypt.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

/* The specification's bounds on a given rounds count. */
#define SHA512_CRYPT_ROUNDS_MIN 1000UL
#define SHA512_CRYPT_ROUNDS_MAX 999999999UL
#define SHA512_DIGEST_BYTES 64

static const char crypt_b64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void digest_finish(GChecksum *sum, guint8 out[SHA512_DIGEST_BYTES])
{
    gsize len = SHA512_DIGEST_BYTES;

    g_checksum_get_digest(sum, out, &len);
}

/* Feed len bytes of a sequence made by repeating the 64-byte block. */
static void update_repeated(GChecksum *sum, const guint8 *block, size_t len)
{
    for (; len > SHA512_DIGEST_BYTES; len -= SHA512_DIGEST_BYTES) {
        g_checksum_update(sum, block, SHA512_DIGEST_BYTES);
    }
    g_checksum_update(sum, block, len);
}

static void b64_append(GString *out, guint8 b2, guint8 b1, guint8 b0, int chars)
{
    guint32 w = ((guint32)b2 << 16) | ((guint32)b1 << 8) | b0;

    while (chars-- > 0) {
        g_string_append_c(out, crypt_b64[w & 0x3f]);
        w >>= 6;
    }
}

char *sga_sha512_crypt(const char *key, const char *salt, unsigned long rounds)
{
    /* The specification's byte order for the 86 output characters. */
    static const guint8 order[21][3] = {
        { 0, 21, 42 }, { 22, 43, 1 }, { 44, 2, 23 }, { 3, 24, 45 }, { 25, 46, 4 },
        { 47, 5, 26 }, { 6, 27, 48 }, { 28, 49, 7 }, { 50, 8, 29 }, { 9, 30, 51 },
        { 31, 52, 10 }, { 53, 11, 32 }, { 12, 33, 54 }, { 34, 55, 13 }, { 56, 14, 35 },
        { 15, 36, 57 }, { 37, 58, 16 }, { 59, 17, 38 }, { 18, 39, 60 }, { 40, 61, 19 },
        { 62, 20, 41 },
    };
    size_t key_len = strlen(key);
    size_t salt_len = strcspn(salt, "$");
    bool rounds_given = rounds != 0;
    guint8 a[SHA512_DIGEST_BYTES], b[SHA512_DIGEST_BYTES], dp[SHA512_DIGEST_BYTES],
        ds[SHA512_DIGEST_BYTES];
    g_autofree guint8 *p_seq = g_malloc(key_len + 1);
    guint8 s_seq[SGA_SHA512_CRYPT_SALT_MAX];
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA512);
    GString *out;

    if (salt_len > SGA_SHA512_CRYPT_SALT_MAX) {
        salt_len = SGA_SHA512_CRYPT_SALT_MAX;
    }
    rounds = !rounds_given ? SGA_SHA512_CRYPT_ROUNDS_DEFAULT
             : CLAMP(rounds, SHA512_CRYPT_ROUNDS_MIN, SHA512_CRYPT_ROUNDS_MAX);

    /* B = H(key salt key) */
    g_checksum_update(sum, (const guint8 *)key, key_len);
    g_checksum_update(sum, (const guint8 *)salt, salt_len);
    g_checksum_update(sum, (const guint8 *)key, key_len);
    digest_finish(sum, b);

    /* A = H(key salt B-stretched-to-key-length, then B or key per bit of the key length) */
    g_checksum_reset(sum);
    g_checksum_update(sum, (const guint8 *)key, key_len);
    g_checksum_update(sum, (const guint8 *)salt, salt_len);
    update_repeated(sum, b, key_len);
    for (size_t n = key_len; n > 0; n >>= 1) {
        if (n & 1) {
            g_checksum_update(sum, b, sizeof(b));
        } else {
            g_checksum_update(sum, (const guint8 *)key, key_len);
        }
    }
    digest_finish(sum, a);

    /* P = H(key repeated key-length times), stretched to key length */
    g_checksum_reset(sum);
    for (size_t i = 0; i < key_len; i++) {
        g_checksum_update(sum, (const guint8 *)key, key_len);
    }
    digest_finish(sum, dp);
    for (size_t i = 0; i < key_len; i += SHA512_DIGEST_BYTES) {
        memcpy(p_seq + i, dp, MIN((size_t)SHA512_DIGEST_BYTES, key_len - i));
    }

    /* S = H(salt repeated 16 + A[0] times), cut to salt length */
    g_checksum_reset(sum);
    for (unsigned i = 0; i < 16u + a[0]; i++) {
        g_checksum_update(sum, (const guint8 *)salt, salt_len);
    }
    digest_finish(sum, ds);
    memcpy(s_seq, ds, salt_len);

    /* The rounds that make it slow. */
    for (unsigned long r = 0; r < rounds; r++) {
        g_checksum_reset(sum);
        if (r & 1) {
            g_checksum_update(sum, p_seq, key_len);
        } else {
            g_checksum_update(sum, a, sizeof(a));
        }
        if (r % 3 != 0) {
            g_checksum_update(sum, s_seq, salt_len);
        }
        if (r % 7 != 0) {
            g_checksum_update(sum, p_seq, key_len);
        }
        if (r & 1) {
            g_checksum_update(sum, a, sizeof(a));
        } else {
            g_checksum_update(sum, p_seq, key_len);
        }
        digest_finish(sum, a);
    }
    g_checksum_free(sum);

    out = g_string_new("$6$");
    if (rounds_given) {
        g_string_append_printf(out, "rounds=%lu$", rounds);
    }
    g_string_append_len(out, salt, (gssize)salt_len);
    g_string_append_c(out, '$');
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
        b64_append(out, a[order[i][0]], a[order[i][1]], a[order[i][2]], 4);
    }
    b64_append(out, 0, 0, a[63], 2);

    /* The intermediate digests and sequences say much about the key. */
    explicit_bzero(p_seq, key_len);
    explicit_bzero(dp, sizeof(dp));
    explicit_bzero(b, sizeof(b));
    explicit_bzero(a, sizeof(a));
    return g_string_free(out, FALSE);
}
