/* sga-utf8.c: strict UTF-8 decoding and encoding shared by the JSON reader and writer. */
#include "sga-utf8.h"

static int codepoint_is_valid(int cp)
{
    if (cp < 0 || cp > 0x10FFFF) {
        return 0;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return 0;   /* surrogates only exist inside UTF-16 */
    }
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
        return 0;   /* Unicode's 66 noncharacters, rejected as qemu does */
    }
    return 1;
}

int sga_utf8_decode(const unsigned char *s, size_t n, size_t *seq_len)
{
    static const int min_cp[] = { 0x80, 0x800, 0x10000, 0x200000, 0x4000000 };
    unsigned byte = s[0];
    size_t len, i;
    int cp;

    if (byte < 0x80) {
        *seq_len = 1;
        return (int)byte;
    }
    if (byte >= 0xFE || (byte & 0x40) == 0) {
        *seq_len = 1;   /* impossible byte, or a continuation byte out of place */
        return -1;
    }
    len = 0;
    for (unsigned mask = 0x80; byte & mask; mask >>= 1) {
        len++;
    }
    cp = (int)(byte & (0x7Fu >> len));
    for (i = 1; i < len; i++) {
        if (i >= n) {
            *seq_len = i;
            return -2;
        }
        if ((s[i] & 0xC0) != 0x80) {
            *seq_len = i;
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *seq_len = len;
    if (len > 4 || !codepoint_is_valid(cp)) {
        return -1;
    }
    if (cp < min_cp[len - 2] && !(cp == 0 && len == 2)) {
        return -1;      /* overlong, except the C0 80 form of NUL */
    }
    return cp;
}

int sga_utf8_encode(char buf[5], int cp)
{
    if (!codepoint_is_valid(cp)) {
        return -1;
    }
    if (cp == 0) {
        buf[0] = (char)0xC0;
        buf[1] = (char)0x80;
        buf[2] = 0;
        return 2;
    }
    if (cp < 0x80) {
        buf[0] = (char)cp;
        buf[1] = 0;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        buf[2] = 0;
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        buf[3] = 0;
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    buf[4] = 0;
    return 4;
}

size_t sga_utf8_whole_prefix(const unsigned char *buf, size_t len)
{
    /* Find the last lead byte among the final three bytes. */
    for (size_t back = 1; back <= 3 && back <= len; back++) {
        unsigned char c = buf[len - back];
        size_t need;

        if ((c & 0xC0) == 0x80) {
            continue;   /* continuation byte: keep looking for its lead */
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 4;
        } else {
            return len;     /* ASCII, or a byte no UTF-8 character starts with */
        }
        return back < need ? len - back : len;
    }
    return len;     /* no lead byte within reach: nothing a later byte could complete */
}
