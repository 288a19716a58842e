/* sga-base64.c: qemu-ga's base64 input check in front of glib's decoder. */
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
