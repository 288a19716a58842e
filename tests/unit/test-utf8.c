/* test-utf8.c: unit tests of the strict UTF-8 decoder and encoder (src/common/sga-utf8.c). */
#include <string.h>

#include <glib.h>

#include "sga-utf8.h"

/* Decode the len bytes at s; checks the result and the bytes used. */
static void assert_decode(const char *s, size_t len, int expected_cp, size_t expected_len)
{
    size_t seq_len = 99;
    int cp = sga_utf8_decode((const unsigned char *)s, len, &seq_len);

    g_assert_cmpint(cp, ==, expected_cp);
    g_assert_cmpuint(seq_len, ==, expected_len);
}

#define DECODES(literal, cp, used) assert_decode((literal), sizeof(literal) - 1, (cp), (used))

static void test_decode_valid(void)
{
    DECODES("A", 'A', 1);
    DECODES("\x7f", 0x7F, 1);
    /* Only the first code point is read. */
    DECODES("AB", 'A', 1);
    DECODES("\xc2\x80", 0x80, 2);           /* the smallest of each length */
    DECODES("\xe0\xa0\x80", 0x800, 3);
    DECODES("\xf0\x90\x80\x80", 0x10000, 4);
    DECODES("\xdf\xbf", 0x7FF, 2);          /* the largest of each length */
    DECODES("\xef\xbf\xbd", 0xFFFD, 3);
    DECODES("\xf4\x8f\xbf\xbd", 0x10FFFD, 4);
    DECODES("\xc3\xa9xyz", 0xE9, 2);
    DECODES("\xe2\x82\xac", 0x20AC, 3);
    DECODES("\xf0\x9f\x98\x80", 0x1F600, 4);
    DECODES("\xed\x9f\xbf", 0xD7FF, 3);     /* around the surrogates */
    DECODES("\xee\x80\x80", 0xE000, 3);
    DECODES("\xef\xb7\x8f", 0xFDCF, 3);     /* around the noncharacters */
    DECODES("\xef\xb7\xb0", 0xFDF0, 3);
    /* Modified UTF-8: C0 80 is NUL, the one overlong form allowed. */
    DECODES("\xc0\x80", 0, 2);
    /* A NUL byte is just U+0000. */
    assert_decode("\0", 1, 0, 1);
}

static void test_decode_invalid(void)
{
    /* Impossible bytes and out-of-place continuation bytes: one byte to skip. */
    DECODES("\xfe", -1, 1);
    DECODES("\xff\x80", -1, 1);
    DECODES("\x80", -1, 1);
    DECODES("\xbf\x80", -1, 1);
    /* Overlong forms (but C0 80). */
    DECODES("\xc0\x81", -1, 2);
    DECODES("\xc1\xbf", -1, 2);
    DECODES("\xe0\x80\x80", -1, 3);         /* NUL in three bytes is not allowed */
    DECODES("\xe0\x9f\xbf", -1, 3);
    DECODES("\xf0\x8f\xbf\xbf", -1, 4);
    /* Surrogates. */
    DECODES("\xed\xa0\x80", -1, 3);
    DECODES("\xed\xbf\xbf", -1, 3);
    /* Noncharacters: U+FDD0..U+FDEF and the last two of every plane. */
    DECODES("\xef\xb7\x90", -1, 3);
    DECODES("\xef\xb7\xaf", -1, 3);
    DECODES("\xef\xbf\xbe", -1, 3);
    DECODES("\xef\xbf\xbf", -1, 3);
    DECODES("\xf0\x9f\xbf\xbe", -1, 4);
    DECODES("\xf4\x8f\xbf\xbf", -1, 4);
    /* Beyond U+10FFFF. */
    DECODES("\xf4\x90\x80\x80", -1, 4);
    DECODES("\xf7\xbf\xbf\xbf", -1, 4);
    /* The old 5- and 6-byte forms, whatever they encode. */
    DECODES("\xf8\x88\x80\x80\x80", -1, 5);
    DECODES("\xf8\x80\x80\x80\x80", -1, 5);
    DECODES("\xfb\xbf\xbf\xbf\xbf", -1, 5);
    DECODES("\xfc\x84\x80\x80\x80\x80", -1, 6);
    DECODES("\xfd\xbf\xbf\xbf\xbf\xbf", -1, 6);
    /* A sequence broken by a byte that is not a continuation: skip up to that byte. */
    DECODES("\xc3" "A", -1, 1);
    DECODES("\xe2\x82" "A", -1, 2);
    DECODES("\xf0\x9f\x98" "A", -1, 3);
    DECODES("\xe2\xc3\xa9", -1, 1);
    DECODES("\xfc\x84\x80\x80\x80" "A", -1, 5);
}

static void test_decode_truncated(void)
{
    /* The input ends inside a sequence that is well-formed so far: -2, and the
     * bytes that are present. */
    DECODES("\xc3", -2, 1);
    DECODES("\xe2", -2, 1);
    DECODES("\xe2\x82", -2, 2);
    DECODES("\xf0\x9f\x98", -2, 3);
    DECODES("\xf8\x88\x80\x80", -2, 4);
    DECODES("\xfc\x84\x80\x80\x80", -2, 5);
    /* The length given counts, not what follows in memory. */
    assert_decode("\xe2\x82\xac", 2, -2, 2);
    assert_decode("\xf0\x9f\x98\x80", 1, -2, 1);
    /* Even a sequence that will be invalid once complete (a surrogate) is only
     * known to be truncated. */
    DECODES("\xed\xa0", -2, 2);
}

/* Encode cp; checks the bytes, the length and the terminating NUL. */
static void assert_encode(int cp, const char *expected)
{
    char buf[8];
    int n;

    memset(buf, 0x55, sizeof(buf));
    n = sga_utf8_encode(buf, cp);
    g_assert_cmpint(n, ==, (int)strlen(expected) + (cp == 0 ? 2 : 0));
    if (cp == 0) {
        g_assert_cmpmem(buf, 3, "\xc0\x80", 3);
    } else {
        g_assert_cmpstr(buf, ==, expected);
    }
    /* Never more than buf[5]. */
    g_assert_cmpint(buf[5], ==, 0x55);
}

static void test_encode(void)
{
    assert_encode(0, "");       /* C0 80, see assert_encode */
    assert_encode('A', "A");
    assert_encode(0x7F, "\x7f");
    assert_encode(0x80, "\xc2\x80");
    assert_encode(0x7FF, "\xdf\xbf");
    assert_encode(0x800, "\xe0\xa0\x80");
    assert_encode(0x20AC, "\xe2\x82\xac");
    assert_encode(0xD7FF, "\xed\x9f\xbf");
    assert_encode(0xE000, "\xee\x80\x80");
    assert_encode(0xFFFD, "\xef\xbf\xbd");
    assert_encode(0x10000, "\xf0\x90\x80\x80");
    assert_encode(0x1F600, "\xf0\x9f\x98\x80");
    assert_encode(0x10FFFD, "\xf4\x8f\xbf\xbd");

    /* Everything that is not a valid character is refused. */
    static const int invalid[] = {
        -1, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF,
        0x1FFFE, 0x1FFFF, 0x10FFFE, 0x10FFFF, 0x110000, 0x7FFFFFFF, G_MININT,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
        char buf[5];
        g_assert_cmpint(sga_utf8_encode(buf, invalid[i]), ==, -1);
    }
}

static void test_round_trip(void)
{
    /* Every valid code point encodes to what decodes back to it; every invalid one
     * is refused by both. */
    for (int cp = 0; cp <= 0x110000; cp++) {
        char buf[5];
        size_t seq_len;
        int n = sga_utf8_encode(buf, cp);
        gboolean valid = !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0xFDD0 && cp <= 0xFDEF) &&
                         (cp & 0xFFFE) != 0xFFFE && cp <= 0x10FFFF;

        if (!valid) {
            g_assert_cmpint(n, ==, -1);
            continue;
        }
        g_assert_cmpint(n, >, 0);
        g_assert_cmpint(sga_utf8_decode((const unsigned char *)buf, (size_t)n, &seq_len), ==, cp);
        g_assert_cmpuint(seq_len, ==, (size_t)n);
        /* Apart from NUL, the encoding is standard UTF-8, as glib knows it. */
        if (cp != 0) {
            g_assert_cmpint(g_utf8_get_char(buf), ==, cp);
            g_assert_cmpint(n, ==, g_unichar_to_utf8((gunichar)cp, NULL));
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/utf8/decode-valid", test_decode_valid);
    g_test_add_func("/utf8/decode-invalid", test_decode_invalid);
    g_test_add_func("/utf8/decode-truncated", test_decode_truncated);
    g_test_add_func("/utf8/encode", test_encode);
    g_test_add_func("/utf8/round-trip", test_round_trip);
    return g_test_run();
}
