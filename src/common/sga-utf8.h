/* sga-utf8.h: UTF-8 decoding with the rules qemu's JSON code applies (modified UTF-8). */
#ifndef SGA_UTF8_H
#define SGA_UTF8_H

#include <stddef.h>

/* Decode one code point from s[0..n). On success returns the code point and sets
 * *seq_len to the bytes used. Returns -1 for an invalid sequence (overlong forms
 * other than C0 80, surrogates, noncharacters, beyond U+10FFFF, bytes FE/FF, stray
 * continuation bytes) and sets *seq_len to the bytes to skip; returns -2 when s
 * ends inside a sequence that is still well-formed so far (*seq_len = bytes present).
 * "\xC0\x80" decodes to U+0000, as in qemu, so NUL can travel inside C strings. */
int sga_utf8_decode(const unsigned char *s, size_t n, size_t *seq_len);

/* Encode a code point as modified UTF-8 (U+0000 becomes C0 80) into buf[5]
 * (NUL-terminated); returns the length, or -1 for a code point that is not valid. */
int sga_utf8_encode(char buf[5], int codepoint);

/* How many of the len bytes at buf can be handed out now without splitting a
 * UTF-8 character: len, less the 1-3 bytes of a multi-byte sequence cut short at
 * the end that more bytes could still complete. Bytes that can never be valid
 * UTF-8 are not held back. */
size_t sga_utf8_whole_prefix(const unsigned char *buf, size_t len);

#endif
