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

/* ---- sga_utf8_whole_prefix ------------------------------------------------------ */

static size_t whole_prefix(const char *s, size_t len)
{
    return sga_utf8_whole_prefix((const unsigned char *)s, len);
}

#define WHOLE(literal) whole_prefix((literal), sizeof(literal) - 1)

static void test_whole_prefix_empty_and_ascii(void)
{
    char ascii[128];

    g_assert_cmpuint(sga_utf8_whole_prefix((const unsigned char *)"", 0), ==, 0);
    /* The length counts, not what follows in memory. */
    g_assert_cmpuint(whole_prefix("\xe2\x82\xac", 0), ==, 0);
    g_assert_cmpuint(WHOLE("a"), ==, 1);
    g_assert_cmpuint(WHOLE("hello\n"), ==, 6);
    /* Every ASCII byte, NUL included, ends a whole prefix. */
    for (int c = 0; c < 0x80; c++) {
        ascii[c] = (char)c;
        g_assert_cmpuint(whole_prefix(ascii, (size_t)c + 1), ==, (size_t)c + 1);
        g_assert_cmpuint(whole_prefix(ascii + c, 1), ==, 1);
    }
}

/* Every prefix of the character's encoding, after each context: the cut falls
 * before the character unless it is complete (or not started). */
static void assert_splits(const char *enc, size_t enc_len)
{
    static const char *const contexts[] = { "", "x", "\xc3\xa9", "ab\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff" };
    char buf[16];

    for (size_t c = 0; c < G_N_ELEMENTS(contexts); c++) {
        size_t ctx_len = strlen(contexts[c]);
        memcpy(buf, contexts[c], ctx_len);
        memcpy(buf + ctx_len, enc, enc_len);
        for (size_t k = 0; k <= enc_len; k++) {
            size_t expected = ctx_len + (k == enc_len ? k : 0);
            if (sga_utf8_whole_prefix((const unsigned char *)buf, ctx_len + k) != expected) {
                g_test_message("context %zu, %zu of %zu bytes of U+%04X", c, k, enc_len,
                               g_utf8_get_char_validated(enc, (gssize)enc_len));
            }
            g_assert_cmpuint(sga_utf8_whole_prefix((const unsigned char *)buf, ctx_len + k), ==, expected);
        }
    }
}

static void test_whole_prefix_every_split(void)
{
    /* Every Unicode scalar value: 1 to 4 bytes, every split. */
    for (gunichar cp = 0; cp <= 0x10FFFF; cp++) {
        char enc[6];
        int n;

        if (cp >= 0xD800 && cp <= 0xDFFF) {
            continue;
        }
        n = g_unichar_to_utf8(cp, enc);
        g_assert_cmpint(n, >=, 1);
        g_assert_cmpint(n, <=, 4);
        assert_splits(enc, (size_t)n);
    }
}

static void test_whole_prefix_invalid_leads(void)
{
    /* C0 and C1 only start overlong forms; F5-FF start nothing: never held back,
     * whatever follows them. */
    static const unsigned char never[] = { 0xC0, 0xC1, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC,
                                           0xFD, 0xFE, 0xFF };

    for (size_t i = 0; i < G_N_ELEMENTS(never); i++) {
        unsigned char buf[8] = { 'a', never[i], 0x80, 0x80, 0x80 };
        for (size_t len = 1; len <= 5; len++) {
            g_assert_cmpuint(sga_utf8_whole_prefix(buf, len), ==, len);
            g_assert_cmpuint(sga_utf8_whole_prefix(buf + 1, len - 1), ==, len - 1);
        }
    }
    /* The valid leads just around them are held back when cut short. */
    g_assert_cmpuint(WHOLE("a\xc2"), ==, 1);
    g_assert_cmpuint(WHOLE("a\xdf"), ==, 1);
    g_assert_cmpuint(WHOLE("a\xf4\x8f"), ==, 1);
    g_assert_cmpuint(WHOLE("a\xf0\x90\x80"), ==, 1);
    /* An invalid lead before a character cut short does not hide it. */
    g_assert_cmpuint(WHOLE("\xff\xe2\x82"), ==, 1);
    g_assert_cmpuint(WHOLE("\xc0\xc3"), ==, 1);
}

static void test_whole_prefix_continuation_tails(void)
{
    /* Continuation bytes with no lead within reach cannot be completed. */
    g_assert_cmpuint(WHOLE("\x80"), ==, 1);
    g_assert_cmpuint(WHOLE("\xbf\x80"), ==, 2);
    g_assert_cmpuint(WHOLE("\x80\x80\x80"), ==, 3);
    g_assert_cmpuint(WHOLE("\x80\x80\x80\x80"), ==, 4);
    g_assert_cmpuint(WHOLE("abc\x80\x80\x80\x80"), ==, 7);
    /* Stray continuations after a complete character, or after ASCII. */
    g_assert_cmpuint(WHOLE("\xc3\xa9\x80"), ==, 3);
    g_assert_cmpuint(WHOLE("\xe2\x82\xac\x80"), ==, 4);
    g_assert_cmpuint(WHOLE("\xf0\x9f\x98\x80\x80"), ==, 5);
    g_assert_cmpuint(WHOLE("a\x80\x80"), ==, 3);
    /* A complete sequence ends a whole prefix even when followed by nothing. */
    g_assert_cmpuint(WHOLE("\xf0\x9f\x98\x80"), ==, 4);
    /* A cut-short sequence ended by ASCII is not waited for. */
    g_assert_cmpuint(WHOLE("\xe2\x82" "A"), ==, 3);
    g_assert_cmpuint(WHOLE("\xf0\x9f" "\n"), ==, 3);
}

static void test_whole_prefix_random_cuts(void)
{
    /* A text of random characters cut anywhere: the prefix is the longest one
     * ending on a character boundary. */
    GRand *rand = g_rand_new_with_seed(20240607);
    GString *text = g_string_new(NULL);
    GArray *boundaries = g_array_new(FALSE, FALSE, sizeof(size_t));

    for (int i = 0; i < 4000; i++) {
        static const gunichar ranges[][2] = {
            { 0, 0x7F }, { 0x80, 0x7FF }, { 0x800, 0xD7FF }, { 0xE000, 0xFFFF }, { 0x10000, 0x10FFFF },
        };
        const gunichar *r = ranges[g_rand_int_range(rand, 0, G_N_ELEMENTS(ranges))];
        g_array_append_val(boundaries, text->len);
        g_string_append_unichar(text, (gunichar)g_rand_int_range(rand, (gint32)r[0], (gint32)r[1] + 1));
    }
    g_array_append_val(boundaries, text->len);
    for (size_t cut = 0, b = 0; cut <= text->len; cut++) {
        while (b + 1 < boundaries->len && g_array_index(boundaries, size_t, b + 1) <= cut) {
            b++;
        }
        g_assert_cmpuint(whole_prefix(text->str, cut), ==, g_array_index(boundaries, size_t, b));
    }
    g_array_unref(boundaries);
    g_string_free(text, TRUE);
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/utf8/decode-valid", test_decode_valid);
    g_test_add_func("/utf8/decode-invalid", test_decode_invalid);
    g_test_add_func("/utf8/decode-truncated", test_decode_truncated);
    g_test_add_func("/utf8/encode", test_encode);
    g_test_add_func("/utf8/round-trip", test_round_trip);
    g_test_add_func("/utf8/whole-prefix/empty-and-ascii", test_whole_prefix_empty_and_ascii);
    g_test_add_func("/utf8/whole-prefix/every-split", test_whole_prefix_every_split);
    g_test_add_func("/utf8/whole-prefix/invalid-leads", test_whole_prefix_invalid_leads);
    g_test_add_func("/utf8/whole-prefix/continuation-tails", test_whole_prefix_continuation_tails);
    g_test_add_func("/utf8/whole-prefix/random-cuts", test_whole_prefix_random_cuts);
    return g_test_run();
}
