/* test-base64.c: unit tests of qemu-ga's base64 input rules and the encoder (src/common/sga-base64.c). */
#include <string.h>

#include <glib.h>

#include "sga-base64.h"
#include "sga-error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode text that must be accepted; returns the bytes as a GBytes. */
static GBytes *decode_ok(const char *text)
{
    GError *error = NULL;
    gsize len = 12345;
    guint8 *data = sga_base64_decode(text, &len, &error);

    g_assert_no_error(error);
    g_assert_nonnull(data);
    return g_bytes_new_take(data, len);
}

static void assert_decodes(const char *text, const void *expected, gsize expected_len)
{
    g_autoptr(GBytes) got = decode_ok(text);
    gsize len;
    const void *data = g_bytes_get_data(got, &len);

    g_assert_cmpmem(data, len, expected, expected_len);
}

#define DECODES(text, literal) assert_decodes((text), (literal), sizeof(literal) - 1)

/* Text that must be refused with qemu-ga's message. */
static void assert_refused(const char *text)
{
    GError *error = NULL;
    gsize len = 0;
    guint8 *data = sga_base64_decode(text, &len, &error);

    g_assert_null(data);
    g_assert_error(error, SGA_ERROR, SGA_ERROR_GENERIC);
    g_assert_cmpstr(error->message, ==, "Base64 data contains invalid characters");
    g_error_free(error);
}

static void test_empty(void)
{
    GError *error = NULL;
    gsize len = 99;
    guint8 *data = sga_base64_decode("", &len, &error);

    /* Success is never NULL, even with nothing decoded. */
    g_assert_no_error(error);
    g_assert_nonnull(data);
    g_assert_cmpuint(len, ==, 0);
    g_free(data);
    /* Only newlines: accepted, nothing decoded. */
    DECODES("\n", "");
    DECODES("\n\n\n", "");
}

static void test_alphabet(void)
{
    g_autofree guchar *expected = NULL;
    gsize expected_len;

    /* Every character of the alphabet, in one text: 64 characters, 48 bytes. */
    expected = g_base64_decode(alphabet, &expected_len);
    g_assert_cmpuint(expected_len, ==, 48);
    assert_decodes(alphabet, expected, expected_len);
    /* Each character on its own in a whole group. */
    for (const char *c = alphabet; *c; c++) {
        char group[5] = { 'A', 'A', 'A', *c, 0 };
        guint8 last = (guint8)(c - alphabet);
        guint8 bytes[3] = { 0, 0, last };
        assert_decodes(group, bytes, 3);
    }
    DECODES("QUJD", "ABC");
    DECODES("aGVsbG8gd29ybGQ=", "hello world");
}

static void test_padding_and_newlines(void)
{
    DECODES("QQ==", "A");
    DECODES("QUI=", "AB");
    /* Newlines anywhere, as MIME base64 has them. */
    DECODES("QU\nJD\n", "ABC");
    DECODES("\nQUJD", "ABC");
    DECODES("aGVs\nbG8K\n", "hello\n");
    /* Padding is not enforced: glib's decoder keeps whole groups and drops an
     * unfinished last one, as in qemu-ga. */
    DECODES("QUJDRA", "ABC");
    DECODES("QQ", "");
    /* '=' is in the accepted set wherever it stands; what it means is glib's. */
    (void)g_bytes_unref(decode_ok("===="));
    (void)g_bytes_unref(decode_ok("Q=Q="));
    (void)g_bytes_unref(decode_ok("=QUJD"));
}

static void test_binary_round_trip(void)
{
    /* Any bytes glib encodes (with or without line breaks) come back. */
    GRand *rand = g_rand_new_with_seed(64);

    for (gsize len = 0; len < 300; len++) {
        guint8 *bytes = g_malloc(len + 1);
        g_autofree char *text = NULL;

        for (gsize i = 0; i < len; i++) {
            bytes[i] = (guint8)g_rand_int_range(rand, 0, 256);
        }
        text = g_base64_encode(bytes, len);
        assert_decodes(text, bytes, len);
        g_free(bytes);
    }
    g_rand_free(rand);
}

static void test_refused(void)
{
    /* Every byte outside the alphabet, '=' and '\n': alone, at the start, in the
     * middle and at the end of otherwise good text. */
    for (int c = 1; c < 256; c++) {
        char alone[2] = { (char)c, 0 };
        g_autofree char *start = g_strdup_printf("%cQUJD", c);
        g_autofree char *middle = g_strdup_printf("QU%cJD", c);
        g_autofree char *end = g_strdup_printf("QUJD%c", c);

        if ((c < 128 && strchr(alphabet, c)) || c == '=' || c == '\n') {
            (void)g_bytes_unref(decode_ok(alone));
            (void)g_bytes_unref(decode_ok(middle));
            continue;
        }
        assert_refused(alone);
        assert_refused(start);
        assert_refused(middle);
        assert_refused(end);
    }
    /* The usual mistakes: whitespace other than \n, the URL-safe alphabet, and
     * NUL as JSON's parser hands it over (modified UTF-8 C0 80). */
    assert_refused("QUJD\r\n");
    assert_refused("QU JD");
    assert_refused("QUJD\t");
    assert_refused("-_-_");
    assert_refused("QUJD\xc0\x80");
    assert_refused("data:QUJD");
}

static void test_text_ends_at_nul(void)
{
    /* A C string: what follows the NUL is not looked at. */
    static const char text[] = "QUJD\0!!!!";

    DECODES(text, "ABC");
}

static void test_encode_as_glib(void)
{
    /* sga_base64_encode is glib's encoding, faster: the same text for every
     * length (each padding case) and every byte value. */
    GRand *rand = g_rand_new_with_seed(46);
    guint8 all[256];

    for (int i = 0; i < 256; i++) {
        all[i] = (guint8)i;
    }
    for (gsize len = 0; len <= 256; len++) {
        g_autofree char *ours = sga_base64_encode(all + (256 - len), len);
        g_autofree char *glib = g_base64_encode(all + (256 - len), len);
        g_assert_cmpstr(ours, ==, glib);
    }
    for (int round = 0; round < 200; round++) {
        gsize len = (gsize)g_rand_int_range(rand, 0, 5000);
        guint8 *bytes = g_malloc(len + 1);
        g_autofree char *ours = NULL;
        g_autofree char *glib = NULL;

        for (gsize i = 0; i < len; i++) {
            bytes[i] = (guint8)g_rand_int_range(rand, 0, 256);
        }
        ours = sga_base64_encode(bytes, len);
        glib = g_base64_encode(bytes, len);
        g_assert_cmpstr(ours, ==, glib);
        /* And it reads back through the decoder with qemu-ga's rules. */
        assert_decodes(ours, bytes, len);
        g_free(bytes);
    }
    g_rand_free(rand);
}

static void test_encode_into_in_place(void)
{
    /* guest-file-read reads into the tail of the text's own buffer and encodes
     * there: every length, with the data exactly where the text ends and
     * further in (a read that returned less than asked), gives glib's text. */
    GRand *rand = g_rand_new_with_seed(47);

    for (gsize len = 0; len <= 300; len++) {
        for (gsize extra = 0; extra <= 7; extra++) {
            gsize asked = len + extra;
            gsize room = SGA_BASE64_ENCODED_LEN(asked);
            char *buf = g_malloc(room + 1);
            guint8 *data = (guint8 *)buf + (room - asked);
            guint8 *copy = g_malloc(len + 1);
            g_autofree char *glib = NULL;

            for (gsize i = 0; i < len; i++) {
                data[i] = copy[i] = (guint8)g_rand_int_range(rand, 0, 256);
            }
            glib = g_base64_encode(copy, len);
            g_assert_cmpuint(sga_base64_encode_into(buf, data, len), ==, strlen(glib));
            g_assert_cmpuint(strlen(glib), ==, SGA_BASE64_ENCODED_LEN(len));
            g_assert_cmpstr(buf, ==, glib);
            g_free(copy);
            g_free(buf);
        }
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/base64/empty", test_empty);
    g_test_add_func("/base64/alphabet", test_alphabet);
    g_test_add_func("/base64/padding-and-newlines", test_padding_and_newlines);
    g_test_add_func("/base64/binary-round-trip", test_binary_round_trip);
    g_test_add_func("/base64/refused", test_refused);
    g_test_add_func("/base64/text-ends-at-nul", test_text_ends_at_nul);
    g_test_add_func("/base64/encode-as-glib", test_encode_as_glib);
    g_test_add_func("/base64/encode-into-in-place", test_encode_into_in_place);
    return g_test_run();
}
