/* sga-base64.c: qemu-ga's base64 input check in front of glib's decoder; an encoder. */
#include "sga-base64.h"

#include <string.h>

#include "sga-error.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n";

guint8 *sga_base64_decode(const char *text, gsize *len, GError **error)
{
    size_t n = strlen(text);

    if (strspn(text, base64_alphabet) != n) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Base64 data contains invalid characters");
        return NULL;
    }
    if (n == 0) {
        *len = 0;
        return g_malloc0(1);
    }
    return g_base64_decode(text, len);
}

char *sga_base64_encode(const guint8 *data, size_t len)
{
    char *text = g_malloc(SGA_BASE64_ENCODED_LEN(len) + 1);

    sga_base64_encode_into(text, data, len);
    return text;
}

size_t sga_base64_encode_into(char *out, const guint8 *data, size_t len)
{
    /* The first 64 characters of the alphabet are the digits. */
    const char *digit = base64_alphabet;
    char *o = out;
    size_t i = 0;

    /* In place, each group of three is loaded before its four characters are
     * stored, and those end where the next group begins at the latest (data
     * starts at least as many bytes into out as there are groups, less one),
     * so no byte is overwritten before it is read. */
    for (; len - i >= 3; i += 3, o += 4) {
        guint32 v = (guint32)data[i] << 16 | (guint32)data[i + 1] << 8 | data[i + 2];
        o[0] = digit[v >> 18];
        o[1] = digit[(v >> 12) & 63];
        o[2] = digit[(v >> 6) & 63];
        o[3] = digit[v & 63];
    }
    if (len - i > 0) {
        guint32 v = (guint32)data[i] << 16 | (len - i == 2 ? (guint32)data[i + 1] << 8 : 0);
        o[0] = digit[v >> 18];
        o[1] = digit[(v >> 12) & 63];
        o[2] = len - i == 2 ? digit[(v >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    *o = '\0';
    return (size_t)(o - out);
}
