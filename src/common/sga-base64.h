/* sga-base64.h: base64 decoding with the input rules qemu-ga applies, and fast encoding. */
#ifndef SGA_BASE64_H
#define SGA_BASE64_H

#include <glib.h>

/* Decode NUL-terminated base64 text. Like qemu-ga, only the base64 alphabet,
 * '=' and newlines are accepted ("Base64 data contains invalid characters");
 * padding is not enforced. Returns a g_free()able buffer (never NULL on success,
 * even for empty input) and its length. */
guint8 *sga_base64_decode(const char *text, gsize *len, GError **error);

/* Encode len bytes exactly as g_base64_encode() does (padded, no line breaks),
 * 1.3-1.5 times as fast: every byte of guest-exec output passes through here.
 * g_free() the result. */
char *sga_base64_encode(const guint8 *data, size_t len);

/* The length of the encoding of len bytes (without a terminating NUL). */
#define SGA_BASE64_ENCODED_LEN(len) (((len) + 2) / 3 * 4)

/* Encode len bytes into out, which holds SGA_BASE64_ENCODED_LEN(len) + 1 bytes,
 * and NUL-terminate it; returns the encoded length. data may also lie in out's
 * own buffer, starting at least SGA_BASE64_ENCODED_LEN(len) - len bytes into
 * it: a reader then fills one buffer that becomes the text, with no second
 * allocation (guest-file-read). */
size_t sga_base64_encode_into(char *out, const guint8 *data, size_t len);

#endif
