/* sga-json-writer.c: qemu-style JSON serialization of json-c values. */
#include "sga-json-writer.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sga-utf8.h"

/* Bytes that can be copied to the output unchanged: printable ASCII but '"' and '\\'. */
static gboolean byte_is_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

#define BYTES_01 UINT64_C(0x0101010101010101)
#define BYTES_80 UINT64_C(0x8080808080808080)

/* The number of plain bytes at the start of p. Long strings (base64 data) are
 * plain throughout, so this tests eight bytes at a time, three times as fast
 * as byte by byte: the OR of the terms below has a high bit set if and only if
 * some byte is below 0x20, 0x7F or above, '"' or '\\' (the usual word-at-a-time
 * tests, exact about whether any byte matches, not about which). */
static size_t plain_run(const unsigned char *p, size_t len)
{
    size_t n = 0;

    for (; len - n >= 8; n += 8) {
        uint64_t x, quote, backslash;
        memcpy(&x, p + n, 8);
        quote = x ^ (BYTES_01 * '"');
        backslash = x ^ (BYTES_01 * '\\');
        if ((((x - BYTES_01 * 0x20) & ~x) | (((x & ~BYTES_80) + BYTES_01) | x) |
             ((quote - BYTES_01) & ~quote) | ((backslash - BYTES_01) & ~backslash)) & BYTES_80) {
            break;
        }
    }
    while (n < len && byte_is_plain(p[n])) {
        n++;
    }
    return n;
}

void sga_json_write_string(GString *out, const char *str, size_t len)
{
    const unsigned char *p = (const unsigned char *)str;
    const unsigned char *end = p + len;

    g_string_append_c(out, '"');
    while (p < end) {
        const unsigned char *run = p;
        p += plain_run(p, (size_t)(end - p));
        if (p > run) {
            g_string_append_len(out, (const char *)run, p - run);
            if (p == end) {
                break;
            }
        }
        size_t seq_len;
        int cp = sga_utf8_decode(p, end - p, &seq_len);
        p += seq_len;
        switch (cp) {
        case '"':  g_string_append(out, "\\\""); continue;
        case '\\': g_string_append(out, "\\\\"); continue;
        case '\b': g_string_append(out, "\\b"); continue;
        case '\f': g_string_append(out, "\\f"); continue;
        case '\n': g_string_append(out, "\\n"); continue;
        case '\r': g_string_append(out, "\\r"); continue;
        case '\t': g_string_append(out, "\\t"); continue;
        default: break;
        }
        if (cp < 0) {
            cp = 0xFFFD;    /* replacement character for anything that is not UTF-8 */
        }
        if (cp > 0xFFFF) {
            g_string_append_printf(out, "\\u%04X\\u%04X",
                                   0xD800 + ((cp - 0x10000) >> 10),
                                   0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            g_string_append_printf(out, "\\u%04X", (unsigned)cp);
        }
    }
    g_string_append_c(out, '"');
}

static void write_double(GString *out, double d)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (!isfinite(d)) {
        g_string_append(out, "null");   /* JSON has no Inf or NaN */
        return;
    }
    /* %.17g round-trips every double; g_ascii_formatd ignores the locale. */
    g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.17g", d));
}

static void write_int(GString *out, json_object *obj)
{
    int64_t i = json_object_get_int64(obj);

    /* json-c keeps integers above INT64_MAX as uint64 and clamps get_int64. */
    if (i == INT64_MAX && json_object_get_uint64(obj) > (uint64_t)INT64_MAX) {
        g_string_append_printf(out, "%" G_GUINT64_FORMAT, (guint64)json_object_get_uint64(obj));
    } else {
        g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)i);
    }
}

void sga_json_write(GString *out, json_object *obj)
{
    switch (json_object_get_type(obj)) {
    case json_type_null:
        g_string_append(out, "null");
        break;
    case json_type_boolean:
        g_string_append(out, json_object_get_boolean(obj) ? "true" : "false");
        break;
    case json_type_int:
        write_int(out, obj);
        break;
    case json_type_double:
        write_double(out, json_object_get_double(obj));
        break;
    case json_type_string:
        sga_json_write_string(out, json_object_get_string(obj),
                              (size_t)json_object_get_string_len(obj));
        break;
    case json_type_object: {
        gboolean first = TRUE;
        g_string_append_c(out, '{');
        json_object_object_foreach(obj, key, val) {
            if (!first) {
                g_string_append(out, ", ");
            }
            first = FALSE;
            sga_json_write_string(out, key, strlen(key));
            g_string_append(out, ": ");
            sga_json_write(out, val);
        }
        g_string_append_c(out, '}');
        break;
    }
    case json_type_array: {
        size_t n = json_object_array_length(obj);
        g_string_append_c(out, '[');
        for (size_t i = 0; i < n; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            sga_json_write(out, json_object_array_get_idx(obj, i));
        }
        g_string_append_c(out, ']');
        break;
    }
    }
}
