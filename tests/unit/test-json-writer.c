/* test-json-writer.c: unit tests of qemu-style reply serialization (src/common/sga-json-writer.c). */
#include <math.h>
#include <string.h>

#include "sga-json-writer.h"

/* The text sga_json_write gives for obj (which it then releases). */
static char *written(json_object *obj)
{
    GString *out = g_string_new(NULL);

    sga_json_write(out, obj);
    json_object_put(obj);
    return g_string_free(out, FALSE);
}

#define ASSERT_WRITES(obj, expected) \
    do { \
        g_autofree char *text_ = written(obj); \
        g_assert_cmpstr(text_, ==, (expected)); \
    } while (0)

/* The literal sga_json_write_string gives for len bytes. */
static char *string_literal(const char *bytes, size_t len)
{
    GString *out = g_string_new(NULL);

    sga_json_write_string(out, bytes, len);
    return g_string_free(out, FALSE);
}

#define ASSERT_STRING(literal, expected) \
    do { \
        g_autofree char *text_ = string_literal((literal), sizeof(literal) - 1); \
        g_assert_cmpstr(text_, ==, (expected)); \
    } while (0)

static void test_scalars(void)
{
    ASSERT_WRITES(NULL, "null");
    ASSERT_WRITES(json_object_new_boolean(1), "true");
    ASSERT_WRITES(json_object_new_boolean(0), "false");
    ASSERT_WRITES(json_object_new_string("x"), "\"x\"");
    ASSERT_WRITES(json_object_new_string(""), "\"\"");
}

static void test_integers(void)
{
    ASSERT_WRITES(json_object_new_int64(0), "0");
    ASSERT_WRITES(json_object_new_int64(-1), "-1");
    ASSERT_WRITES(json_object_new_int(42), "42");
    ASSERT_WRITES(json_object_new_int64(INT64_MAX), "9223372036854775807");
    ASSERT_WRITES(json_object_new_int64(INT64_MIN), "-9223372036854775808");
    /* Unsigned values above INT64_MAX are written whole, not clamped. */
    ASSERT_WRITES(json_object_new_uint64((uint64_t)INT64_MAX + 1), "9223372036854775808");
    ASSERT_WRITES(json_object_new_uint64(UINT64_MAX), "18446744073709551615");
    ASSERT_WRITES(json_object_new_uint64(5), "5");
}

static void test_doubles(void)
{
    /* %.17g: enough digits to read the same double back. */
    ASSERT_WRITES(json_object_new_double(0.5), "0.5");
    ASSERT_WRITES(json_object_new_double(1.0), "1");
    ASSERT_WRITES(json_object_new_double(-2.25), "-2.25");
    ASSERT_WRITES(json_object_new_double(0.1), "0.10000000000000001");
    ASSERT_WRITES(json_object_new_double(1e300), "1.0000000000000001e+300");
    ASSERT_WRITES(json_object_new_double(5e-324), "4.9406564584124654e-324");
    ASSERT_WRITES(json_object_new_double(-0.0), "-0");
    ASSERT_WRITES(json_object_new_double(18446744073709551616.0), "1.8446744073709552e+19");
    /* JSON has no infinities or NaN. */
    ASSERT_WRITES(json_object_new_double(INFINITY), "null");
    ASSERT_WRITES(json_object_new_double(-INFINITY), "null");
    ASSERT_WRITES(json_object_new_double(NAN), "null");

    /* Every written double reads back as the same value. */
    static const double samples[] = { 0.1, 1.0 / 3, 2.0 / 3, 123456789.123456789, 1e-300, 6.02214076e23 };
    for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
        g_autofree char *text = written(json_object_new_double(samples[i]));
        g_assert_cmpfloat(g_ascii_strtod(text, NULL), ==, samples[i]);
    }
}

static void test_string_escapes(void)
{
    /* The two-character escapes qemu uses. */
    ASSERT_STRING("\"\\\b\f\n\r\t", "\"\\\"\\\\\\b\\f\\n\\r\\t\"");
    /* '/' and the other printable ASCII characters stay as they are. */
    ASSERT_STRING(" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~", "\" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~\"");
    /* Other control characters and DEL: \u00XX with upper-case hex. */
    ASSERT_STRING("\x01\x0b\x1f\x7f", "\"\\u0001\\u000B\\u001F\\u007F\"");
    /* A NUL inside the given length is a character like the others. */
    ASSERT_STRING("a\0b", "\"a\\u0000b\"");
    /* Everything beyond ASCII is escaped, so replies are pure ASCII. */
    ASSERT_STRING("\xc3\xa9", "\"\\u00E9\"");
    ASSERT_STRING("\xe2\x82\xac", "\"\\u20AC\"");
    ASSERT_STRING("\xef\xbf\xbd", "\"\\uFFFD\"");
    ASSERT_STRING("\xdf\xbf", "\"\\u07FF\"");
    /* Astral characters as UTF-16 surrogate pairs. */
    ASSERT_STRING("\xf0\x9f\x98\x80", "\"\\uD83D\\uDE00\"");
    ASSERT_STRING("\xf0\x90\x80\x80", "\"\\uD800\\uDC00\"");
    ASSERT_STRING("\xf4\x8f\xbf\xbd", "\"\\uDBFF\\uDFFD\"");
    /* Modified UTF-8's NUL. */
    ASSERT_STRING("x\xc0\x80y", "\"x\\u0000y\"");
    /* Mixed runs keep their order. */
    ASSERT_STRING("ab\xc3\xa9" "cd\n\xf0\x9f\x98\x80" "ef", "\"ab\\u00E9cd\\n\\uD83D\\uDE00ef\"");
}

static void test_invalid_utf8(void)
{
    /* Each bad sequence becomes one U+FFFD; the bytes after it are read afresh. */
    ASSERT_STRING("\xff", "\"\\uFFFD\"");
    ASSERT_STRING("\xfe", "\"\\uFFFD\"");
    ASSERT_STRING("a\x80" "b", "\"a\\uFFFDb\"");                     /* stray continuation */
    ASSERT_STRING("\xc1\x81", "\"\\uFFFD\"");                        /* overlong 'A' */
    ASSERT_STRING("\xe0\x80\x80", "\"\\uFFFD\"");                    /* overlong NUL */
    ASSERT_STRING("\xed\xa0\x80", "\"\\uFFFD\"");                    /* a surrogate */
    ASSERT_STRING("\xef\xbf\xbf", "\"\\uFFFD\"");                    /* U+FFFF, a noncharacter */
    ASSERT_STRING("\xf4\x90\x80\x80", "\"\\uFFFD\"");                /* beyond U+10FFFF */
    ASSERT_STRING("\xf8\x88\x80\x80\x80", "\"\\uFFFD\"");            /* a 5-byte form */
    ASSERT_STRING("\xe2(x", "\"\\uFFFD(x\"");                       /* cut short by ASCII */
    ASSERT_STRING("\xe2\x82", "\"\\uFFFD\"");                        /* cut short by the end */
    ASSERT_STRING("\xc3\xc3\xa9", "\"\\uFFFD\\u00E9\"");              /* a lead byte, then a good pair */

    /* The length given is what counts, not a NUL. */
    g_autofree char *cut = string_literal("\xe2\x82\xac", 2);
    g_assert_cmpstr(cut, ==, "\"\\uFFFD\"");
}

static void test_containers(void)
{
    json_object *obj = json_object_new_object();
    json_object *list = json_object_new_array();
    json_object *inner = json_object_new_object();

    /* Members in insertion order, ", " between items and ": " after keys. */
    json_object_object_add(obj, "zeta", json_object_new_int(1));
    json_object_object_add(obj, "alpha", list);
    json_object_array_add(list, json_object_new_int(1));
    json_object_array_add(list, json_object_new_string("two"));
    json_object_array_add(list, NULL);
    json_object_array_add(list, inner);
    json_object_array_add(list, json_object_new_array());
    json_object_object_add(inner, "k\xc3\xa9y\"", json_object_new_boolean(1));
    json_object_object_add(inner, "empty", json_object_new_object());
    json_object_object_add(obj, "nothing", NULL);
    ASSERT_WRITES(obj, "{\"zeta\": 1, \"alpha\": [1, \"two\", null, {\"k\\u00E9y\\\"\": true, "
                       "\"empty\": {}}, []], \"nothing\": null}");

    ASSERT_WRITES(json_object_new_object(), "{}");
    ASSERT_WRITES(json_object_new_array(), "[]");

    /* A qemu-ga reply, as the agent puts it on the wire. */
    json_object *reply = json_object_new_object();
    json_object *err = json_object_new_object();
    json_object_object_add(err, "class", json_object_new_string("GenericError"));
    json_object_object_add(err, "desc", json_object_new_string("JSON parse error, stray '@'"));
    json_object_object_add(reply, "error", err);
    json_object_object_add(reply, "id", json_object_new_int(7));
    ASSERT_WRITES(reply, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '@'\"}, \"id\": 7}");
}

static void test_appends(void)
{
    GString *out = g_string_new("prefix:");
    json_object *v = json_object_new_int(3);

    /* Both writers append to what is already there. */
    sga_json_write(out, v);
    sga_json_write_string(out, "s", 1);
    g_assert_cmpstr(out->str, ==, "prefix:3\"s\"");
    json_object_put(v);
    g_string_free(out, TRUE);
}

static void test_deep_nesting(void)
{
    /* As deep as a request may be (1024 levels), without trouble. */
    json_object *top = json_object_new_array();
    json_object *cur = top;
    GString *expected = g_string_new(NULL);

    for (int i = 0; i < 1023; i++) {
        json_object *next = json_object_new_array();
        json_object_array_add(cur, next);
        cur = next;
    }
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(expected, '[');
    }
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(expected, ']');
    }
    ASSERT_WRITES(top, expected->str);
    g_string_free(expected, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-writer/scalars", test_scalars);
    g_test_add_func("/json-writer/integers", test_integers);
    g_test_add_func("/json-writer/doubles", test_doubles);
    g_test_add_func("/json-writer/string-escapes", test_string_escapes);
    g_test_add_func("/json-writer/invalid-utf8", test_invalid_utf8);
    g_test_add_func("/json-writer/containers", test_containers);
    g_test_add_func("/json-writer/appends", test_appends);
    g_test_add_func("/json-writer/deep-nesting", test_deep_nesting);
    return g_test_run();
}
