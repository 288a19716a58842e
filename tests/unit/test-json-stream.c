/* test-json-stream.c: unit tests of the request stream splitter and parser (src/protocol/json-stream.c). */
#include <math.h>
#include <string.h>

#include "json-stream.h"
#include "sga-error.h"
#include "sga-json-writer.h"

/* ---- feeding helpers ----------------------------------------------------------
 *
 * Every outcome of a feed call is written down as one line: "V <value as the
 * agent writes it>" or "E <error message>", and a whole input gives the lines
 * joined with '\n'. The same input must give the same lines however it is cut
 * into chunks, because the transport hands over whatever read() returned.
 */

/* Append one outcome to the transcript, checking what every outcome must satisfy. */
static void outcome_record(GString *log, SgaJsonStreamResult r, json_object *value, GError *error)
{
    if (log->len) {
        g_string_append_c(log, '\n');
    }
    if (r == SGA_JSON_STREAM_VALUE) {
        g_assert_null(error);
        g_string_append(log, "V ");
        sga_json_write(log, value);     /* a JSON null arrives as NULL and writes "null" */
        json_object_put(value);
    } else {
        g_assert_cmpint(r, ==, SGA_JSON_STREAM_ERROR);
        g_assert_nonnull(error);
        g_assert_null(value);
        /* Stream errors reach the host as GenericError. */
        g_assert_true(error->domain == SGA_ERROR);
        g_assert_cmpint(error->code, ==, SGA_ERROR_GENERIC);
        g_string_append(log, "E ");
        g_string_append(log, error->message);
        g_error_free(error);
    }
}

/* Feed one chunk completely, as the session does: call again while bytes remain. */
static void chunk_feed(SgaJsonStream *s, const char *buf, size_t len, GString *log)
{
    size_t used = 0;

    while (used < len) {
        json_object *value = NULL;
        GError *error = NULL;
        size_t consumed = 12345;
        SgaJsonStreamResult r = sga_json_stream_feed(s, buf + used, len - used, &consumed,
                                                     &value, &error);

        g_assert_cmpuint(consumed, <=, len - used);
        used += consumed;
        if (r == SGA_JSON_STREAM_NEED_MORE) {
            /* Running out of input means all of it was taken. */
            g_assert_cmpuint(used, ==, len);
            g_assert_null(value);
            g_assert_null(error);
            continue;
        }
        outcome_record(log, r, value, error);
    }
}

/* The transcript of input fed in pieces of the given sizes (the last piece takes
 * the rest; sizes NULL: all at once). */
static char *transcript_cut(const SgaJsonLimits *limits, const char *buf, size_t len,
                            const size_t *sizes, size_t n_sizes)
{
    SgaJsonStream *s = sga_json_stream_new(limits);
    GString *log = g_string_new(NULL);
    size_t off = 0;

    for (size_t i = 0; i < n_sizes && off < len; i++) {
        size_t n = MIN(sizes[i], len - off);
        chunk_feed(s, buf + off, n, log);
        off += n;
    }
    if (off < len) {
        chunk_feed(s, buf + off, len - off, log);
    }
    sga_json_stream_free(s);
    return g_string_free(log, FALSE);
}

static char *transcript(const SgaJsonLimits *limits, const char *buf, size_t len)
{
    return transcript_cut(limits, buf, len, NULL, 0);
}

/* Check input against the expected transcript fed all at once, one byte at a time,
 * split in two at every byte boundary, and in random chunks. */
static void check_limited(const SgaJsonLimits *limits, const char *buf, size_t len, const char *expected)
{
    g_autofree char *whole = transcript(limits, buf, len);
    g_autofree size_t *ones = g_new(size_t, len + 1);

    g_assert_cmpstr(whole, ==, expected);

    for (size_t i = 0; i <= len; i++) {
        ones[i] = 1;
    }
    g_autofree char *bytewise = transcript_cut(limits, buf, len, ones, len);
    g_assert_cmpstr(bytewise, ==, expected);

    for (size_t cut = 0; cut <= len; cut++) {
        g_autofree char *two = transcript_cut(limits, buf, len, &cut, 1);
        if (g_strcmp0(two, expected) != 0) {
            g_test_message("input split after %zu bytes", cut);
        }
        g_assert_cmpstr(two, ==, expected);
    }

    for (int round = 0; round < 20; round++) {
        size_t sizes[64];
        for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
            sizes[i] = (size_t)g_test_rand_int_range(0, 8);   /* empty chunks too */
        }
        g_autofree char *random = transcript_cut(limits, buf, len, sizes, G_N_ELEMENTS(sizes));
        g_assert_cmpstr(random, ==, expected);
    }
}

#define CHECK(literal, expected) check_limited(NULL, (literal), sizeof(literal) - 1, (expected))
#define CHECK_LIMITS(limits, literal, expected) \
    check_limited((limits), (literal), sizeof(literal) - 1, (expected))

/* One feed call on a fresh or running stream; returns its result and what it gave. */
static SgaJsonStreamResult feed_once(SgaJsonStream *s, const char *buf, size_t len, size_t *consumed,
                                     char **text)
{
    json_object *value = NULL;
    GError *error = NULL;
    SgaJsonStreamResult r = sga_json_stream_feed(s, buf, len, consumed, &value, &error);

    if (r == SGA_JSON_STREAM_NEED_MORE) {
        g_assert_null(value);
        g_assert_null(error);
        *text = NULL;
    } else {
        GString *log = g_string_new(NULL);
        outcome_record(log, r, value, error);
        *text = g_string_free(log, FALSE);
    }
    return r;
}

/* ---- tokens and values ---------------------------------------------------------- */

static void test_token_types(void)
{
    /* Every token kind, in and out of containers: braces, brackets, comma, colon,
     * both kinds of string, integers, floats, the three keywords. */
    CHECK("{\"s\": \"x\", \"q\": 'y', \"i\": 42, \"f\": 2.5, \"t\": true, \"n\": null,"
          " \"b\": false, \"a\": [1, [], {}, [2, 3]], \"o\": {\"k\": -7}}\n",
          "V {\"s\": \"x\", \"q\": \"y\", \"i\": 42, \"f\": 2.5, \"t\": true, \"n\": null,"
          " \"b\": false, \"a\": [1, [], {}, [2, 3]], \"o\": {\"k\": -7}}");
    /* Scalars are messages of their own. */
    CHECK("\"str\" 'sq' 17 -3 0.25 true false null [] {} ",
          "V \"str\"\nV \"sq\"\nV 17\nV -3\nV 0.25\nV true\nV false\nV null\nV []\nV {}");
    /* JSON whitespace is space, tab, CR and LF, between any tokens. */
    CHECK(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 \t\r\n, 2 ] \t\r\n} ",
          "V {\"a\": [1, 2]}");
}

static void test_top_level_null(void)
{
    SgaJsonStream *s = sga_json_stream_new(NULL);
    json_object *value = (json_object *)0x1;
    GError *error = NULL;
    size_t consumed = 0;

    /* A JSON null is a whole value, handed over as NULL. */
    g_assert_cmpint(sga_json_stream_feed(s, "null ", 5, &consumed, &value, &error), ==,
                    SGA_JSON_STREAM_VALUE);
    g_assert_null(value);
    g_assert_null(error);
    g_assert_cmpuint(consumed, ==, 4);
    sga_json_stream_free(s);

    CHECK("null\n{\"a\": null}\n[null]\n", "V null\nV {\"a\": null}\nV [null]");
}

static json_object *parse_one(const char *text)
{
    SgaJsonStream *s = sga_json_stream_new(NULL);
    json_object *value = NULL;
    GError *error = NULL;
    size_t consumed;
    g_autofree char *input = g_strconcat(text, " ", NULL);

    g_assert_cmpint(sga_json_stream_feed(s, input, strlen(input), &consumed, &value, &error), ==,
                    SGA_JSON_STREAM_VALUE);
    g_assert_no_error(error);
    g_assert_cmpuint(consumed, ==, strlen(text));
    sga_json_stream_free(s);
    return value;
}

static void assert_int64(const char *text, int64_t expected)
{
    json_object *v = parse_one(text);

    g_assert_true(json_object_is_type(v, json_type_int));
    g_assert_cmpint(json_object_get_int64(v), ==, expected);
    /* json-c's uint64 view of a negative int64 is 0; of a non-negative one, itself. */
    if (expected >= 0) {
        g_assert_cmpuint(json_object_get_uint64(v), ==, (uint64_t)expected);
    }
    json_object_put(v);
}

static void assert_double(const char *text, double expected)
{
    json_object *v = parse_one(text);

    g_assert_true(json_object_is_type(v, json_type_double));
    g_assert_cmpfloat(json_object_get_double(v), ==, expected);
    json_object_put(v);
}

static void test_integers(void)
{
    json_object *v;

    assert_int64("0", 0);
    assert_int64("7", 7);
    assert_int64("-7", -7);
    assert_int64("9223372036854775807", INT64_MAX);
    assert_int64("-9223372036854775808", INT64_MIN);

    /* -0 is an integer zero, as qemu_strtoi64 reads it. */
    v = parse_one("-0");
    g_assert_true(json_object_is_type(v, json_type_int));
    g_assert_cmpint(json_object_get_int64(v), ==, 0);
    json_object_put(v);

    /* Above INT64_MAX: an unsigned 64-bit integer (json-c clamps its int64 view). */
    v = parse_one("9223372036854775808");
    g_assert_true(json_object_is_type(v, json_type_int));
    g_assert_cmpuint(json_object_get_uint64(v), ==, (uint64_t)INT64_MAX + 1);
    g_assert_cmpint(json_object_get_int64(v), ==, INT64_MAX);
    json_object_put(v);
    v = parse_one("18446744073709551615");
    g_assert_true(json_object_is_type(v, json_type_int));
    g_assert_cmpuint(json_object_get_uint64(v), ==, UINT64_MAX);
    json_object_put(v);

    /* Beyond 64 bits: a double, in either direction. */
    assert_double("18446744073709551616", 18446744073709551616.0);
    assert_double("-9223372036854775809", -9223372036854775808.0);
    assert_double("100000000000000000000000", 1e23);

    /* What the agent writes back for each kind. */
    CHECK("9223372036854775807 9223372036854775808 18446744073709551615 18446744073709551616 "
          "-9223372036854775808 -9223372036854775809 ",
          "V 9223372036854775807\nV 9223372036854775808\nV 18446744073709551615\n"
          "V 1.8446744073709552e+19\nV -9223372036854775808\nV -9.2233720368547758e+18");
}

static void test_floats(void)
{
    json_object *v;

    assert_double("0.5", 0.5);
    assert_double("-2.25", -2.25);
    assert_double("1e3", 1000.0);
    assert_double("1E3", 1000.0);
    assert_double("1e+3", 1000.0);
    assert_double("25e-2", 0.25);
    assert_double("1.5E-1", 0.15);
    assert_double("0.0", 0.0);
    assert_double("0.0e1", 0.0);
    assert_double("1e400", INFINITY);     /* strtod overflows to infinity, as in qemu */

    /* As in qemu's lexer, a zero takes only a '.', not an exponent: "0e0" is the
     * integer 0 followed by the keyword "e" and another 0. */
    CHECK("0e0 ", "V 0\nE JSON parse error, invalid keyword 'e'\nV 0");

    /* -0.0 keeps its sign. */
    v = parse_one("-0.0");
    g_assert_true(json_object_is_type(v, json_type_double));
    g_assert_cmpfloat(json_object_get_double(v), ==, 0.0);
    g_assert_true(signbit(json_object_get_double(v)));
    json_object_put(v);
}

static void test_strings(void)
{
    json_object *v;

    /* Single quotes are qemu's extension; a double quote needs no escape inside them
     * and \' works in both kinds. */
    CHECK("'a\"b' 'it\\'s' \"it\\'s\" \"q\\\"q\" ",
          "V \"a\\\"b\"\nV \"it's\"\nV \"it's\"\nV \"q\\\"q\"");
    /* All the escapes. */
    v = parse_one("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\'\"");
    g_assert_cmpstr(json_object_get_string(v), ==, "\"\\/\b\f\n\r\t'");
    json_object_put(v);

    /* \u escapes become UTF-8, upper or lower case hex. */
    v = parse_one("\"\\u0041\\u00e9\\u20AC\\uFFFD\"");
    g_assert_cmpstr(json_object_get_string(v), ==, "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbd");
    json_object_put(v);

    /* \u0000 becomes modified UTF-8's C0 80, so the string stays a C string. */
    v = parse_one("\"a\\u0000b\"");
    g_assert_cmpint(json_object_get_string_len(v), ==, 4);
    g_assert_cmpmem(json_object_get_string(v), 4, "a\xc0\x80" "b", 4);
    json_object_put(v);

    /* A surrogate pair is one astral character. */
    v = parse_one("\"\\ud83d\\ude00\"");
    g_assert_cmpstr(json_object_get_string(v), ==, "\xf0\x9f\x98\x80");
    json_object_put(v);

    /* Raw UTF-8 passes through, C0 80 included; 0x7F is an ordinary character. */
    v = parse_one("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\x80\x7f\"");
    g_assert_cmpint(json_object_get_string_len(v), ==, 12);
    g_assert_cmpmem(json_object_get_string(v), 12, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\x80\x7f", 12);
    json_object_put(v);

    /* The empty string, and keys that need escapes. */
    CHECK("\"\" {\"\\u0041\\n\": ''} ", "V \"\"\nV {\"A\\n\": \"\"}");
}

/* ---- errors --------------------------------------------------------------------- */

static void test_grammar_errors(void)
{
    /* Each message below is one message by the brace and bracket counts; the first
     * grammar error qemu's recursive parser meets is the one reported. */
    CHECK("{\"a\" 1} ", "E JSON parse error, missing : in object pair");
    CHECK("{\"a\": 1 \"b\": 2} ", "E JSON parse error, expected separator in dict");
    CHECK("[1 2] ", "E JSON parse error, expected separator in list");
    CHECK("{\"a\": 1, \"a\": 2} ", "E JSON parse error, duplicate key");
    CHECK("{1: 2} ", "E JSON parse error, key is not a string in object");
    CHECK("{\"a\": 1, 2: 3} ", "E JSON parse error, key is not a string in object");
    CHECK("{null: 1} ", "E JSON parse error, key is not a string in object");
    /* A value in a key's place is parsed whole first: a well-formed container is
     * then rejected as a key, an error inside it wins. */
    CHECK("{[1, 2]: 3} ", "E JSON parse error, key is not a string in object");
    CHECK("{{}: 3} ", "E JSON parse error, key is not a string in object");
    CHECK("{[1 2]: 3} ", "E JSON parse error, expected separator in list");
    CHECK("{tru: 1} ", "E JSON parse error, invalid keyword 'tru'");
    CHECK("{\"\\x\": 1} ", "E JSON parse error, invalid escape sequence in string");
    /* A key error stops the parse: nothing after it is looked at. */
    CHECK("{1: nul} ", "E JSON parse error, key is not a string in object");
    /* Missing values and stray separators. */
    CHECK("{\"a\": } ", "E JSON parse error, expecting value");
    CHECK("{\"a\": 1, } ", "E JSON parse error, expecting value");
    CHECK("{, } ", "E JSON parse error, expecting value");
    CHECK("[1, ] ", "E JSON parse error, expecting value");
    CHECK("[, 1] ", "E JSON parse error, expecting value");
    CHECK("[:] ", "E JSON parse error, expecting value");
    /* The value's error comes before the duplicate check. */
    CHECK("{\"a\": 1, \"a\": tru} ", "E JSON parse error, invalid keyword 'tru'");
    CHECK("{\"a\": 1, \"a\": [1 2]} ", "E JSON parse error, expected separator in list");
    /* Keywords are lower-case letters; anything else of that shape is invalid. */
    CHECK("[nul] ", "E JSON parse error, invalid keyword 'nul'");
    CHECK("truex ", "E JSON parse error, invalid keyword 'truex'");
    CHECK("x ", "E JSON parse error, invalid keyword 'x'");
    /* A closing token or separator alone is a message of one token. */
    CHECK("} ", "E JSON parse error, expecting value");
    CHECK("] ", "E JSON parse error, expecting value");
    CHECK(", ", "E JSON parse error, expecting value");
    CHECK(": ", "E JSON parse error, expecting value");
    /* A grammar error is reported once the message ends, and the next one parses. */
    CHECK("[1 2 3 4]{\"ok\": 1}", "E JSON parse error, expected separator in list\nV {\"ok\": 1}");
}

static void test_message_end_rule(void)
{
    /* qemu counts braces and brackets separately: a message ends when neither count
     * is positive (or one goes negative), whatever they close. */
    CHECK("{\"a\": [}] ", "E JSON parse error, expecting value");
    CHECK("[{]} ", "E JSON parse error, expecting value");
    CHECK("{\"a\": 1]", "E JSON parse error, expected separator in dict");
    CHECK("[1}", "E JSON parse error, expected separator in list");
    CHECK("[{\"a\": 1]}", "E JSON parse error, expected separator in dict");
    /* A negative count ends the message at once. */
    CHECK("{]", "E JSON parse error, expecting value");
    CHECK("[}", "E JSON parse error, expecting value");
    /* An extra closer after a complete message is a message of its own. */
    CHECK("{\"a\": 1}}", "V {\"a\": 1}\nE JSON parse error, expecting value");
    CHECK("[1]]", "V [1]\nE JSON parse error, expecting value");

    /* `{"a": [}` is not over yet: the bracket is still open. */
    SgaJsonStream *s = sga_json_stream_new(NULL);
    size_t consumed;
    g_autofree char *text = NULL;
    g_assert_cmpint(feed_once(s, "{\"a\": [}", 8, &consumed, &text), ==, SGA_JSON_STREAM_NEED_MORE);
    g_assert_cmpuint(consumed, ==, 8);
    g_assert_cmpint(feed_once(s, "]{}", 3, &consumed, &text), ==, SGA_JSON_STREAM_ERROR);
    g_assert_cmpuint(consumed, ==, 1);
    g_assert_cmpstr(text, ==, "E JSON parse error, expecting value");
    sga_json_stream_free(s);
}

static void test_consumed_counts(void)
{
    static const char buf[] = "  {\"a\": 1}{\"b\": [2]}[3] \"x\" 'y'45 true\n";
    SgaJsonStream *s = sga_json_stream_new(NULL);
    size_t off = 0, consumed;
    static const struct {
        size_t consumed;
        const char *text;
    } steps[] = {
        { 10, "V {\"a\": 1}" },     /* leading blanks and the object */
        { 10, "V {\"b\": [2]}" },
        { 3, "V [3]" },
        { 4, "V \"x\"" },           /* the blank before it, and the closing quote */
        { 4, "V \"y\"" },
        { 2, "V 45" },              /* the number ends at the blank, not taken */
        { 5, "V true" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_autofree char *text = NULL;
        g_assert_cmpint(feed_once(s, buf + off, sizeof(buf) - 1 - off, &consumed, &text), !=,
                        SGA_JSON_STREAM_NEED_MORE);
        g_assert_cmpstr(text, ==, steps[i].text);
        g_assert_cmpuint(consumed, ==, steps[i].consumed);
        off += consumed;
    }
    /* Only the newline is left; it ends nothing. */
    g_autofree char *rest = NULL;
    g_assert_cmpint(feed_once(s, buf + off, sizeof(buf) - 1 - off, &consumed, &rest), ==,
                    SGA_JSON_STREAM_NEED_MORE);
    g_assert_cmpuint(consumed, ==, 1);
    g_assert_cmpuint(off + consumed, ==, sizeof(buf) - 1);

    /* A number or keyword at the end of the input waits for the byte after it. */
    g_autofree char *t1 = NULL, *t2 = NULL;
    g_assert_cmpint(feed_once(s, "123", 3, &consumed, &t1), ==, SGA_JSON_STREAM_NEED_MORE);
    g_assert_cmpuint(consumed, ==, 3);
    g_assert_cmpint(feed_once(s, "]", 1, &consumed, &t1), ==, SGA_JSON_STREAM_VALUE);
    g_assert_cmpuint(consumed, ==, 0);   /* the ']' starts the next token */
    g_assert_cmpstr(t1, ==, "V 123");
    g_assert_cmpint(feed_once(s, "]", 1, &consumed, &t2), ==, SGA_JSON_STREAM_ERROR);
    g_assert_cmpuint(consumed, ==, 1);
    g_assert_cmpstr(t2, ==, "E JSON parse error, expecting value");
    sga_json_stream_free(s);

    /* Many messages in one buffer. */
    CHECK("{}[]{}[]1 2 3 'a''b'", "V {}\nV []\nV {}\nV []\nV 1\nV 2\nV 3\nV \"a\"\nV \"b\"");
}

static void test_lexical_errors(void)
{
    /* The stray text is the token so far plus the byte that broke it. */
    CHECK("@ ", "E JSON parse error, stray '@'");
    CHECK("True ", "E JSON parse error, stray 'T'");
    CHECK("01 ", "E JSON parse error, stray '01'");
    CHECK("-a ", "E JSON parse error, stray '-a'");
    CHECK("--1 ", "E JSON parse error, stray '--'");
    CHECK("1.x ", "E JSON parse error, stray '1.x'");
    CHECK("1.e5 ", "E JSON parse error, stray '1.e'");
    CHECK("1ex ", "E JSON parse error, stray '1ex'");
    CHECK("1e+x ", "E JSON parse error, stray '1e+x'");
    CHECK("+1 ", "E JSON parse error, stray '+'");
    CHECK(". ", "E JSON parse error, stray '.'");
    CHECK("\"a\tb\" ", "E JSON parse error, stray '\"a\t'");    /* raw control characters */
    CHECK("'a\nb' ", "E JSON parse error, stray ''a\n'");
    CHECK("\"a\\\n\" ", "E JSON parse error, stray '\"a\\\n'");  /* after a backslash too */
    CHECK("\"a\xfe\" ", "E JSON parse error, stray '\"a\xfe'");
    CHECK("\xfe ", "E JSON parse error, stray '\xfe'");
    CHECK("\x01 ", "E JSON parse error, stray '\x01'");
    /* A number token that ends on a byte it cannot take leaves that byte for the next token. */
    CHECK("1.5.", "V 1.5\nE JSON parse error, stray '.'");
    CHECK("0x10 ", "V 0\nE JSON parse error, invalid keyword 'x'\nV 10");
    /* Keywords take lower-case letters only: the upper-case letter is a stray. */
    CHECK("tRue ", "E JSON parse error, invalid keyword 't'\nE JSON parse error, stray 'R'");

    /* A NUL byte is a control character, not the end of the input (the error
     * message, a C string, shows it as nothing, as qemu's does). */
    check_limited(NULL, "[\0]{\"ok\": 1}", 12, "E JSON parse error, stray ''\nV {\"ok\": 1}");

    /* A huge bad token is quoted in part, so the error reply stays small. */
    GString *big = g_string_new("\"");
    for (int i = 0; i < 5000; i++) {
        g_string_append_c(big, 'a' + i % 26);
    }
    g_string_append(big, "\x01 {\"ok\": 1}");
    g_autofree char *t = transcript(NULL, big->str, big->len);
    g_assert_true(g_str_has_prefix(t, "E JSON parse error, stray '\"abcdefghijklmnopqrstuvwxyz"));
    g_assert_true(g_str_has_suffix(t, "...'\nV {\"ok\": 1}"));
    g_assert_cmpuint(strlen(t), <, 1100);
    g_string_free(big, TRUE);
}

static void test_string_errors(void)
{
    CHECK("\"\\x\" ", "E JSON parse error, invalid escape sequence in string");
    CHECK("'\\a' ", "E JSON parse error, invalid escape sequence in string");
    CHECK("\"\\U0041\" ", "E JSON parse error, invalid escape sequence in string");

    /* Bad \u escapes quote six bytes from the backslash, twelve for a pair that was
     * taken as one, and show the closing quote when the string ends sooner. */
    CHECK("\"\\ud83d\" ", "E JSON parse error, \\ud83d is not a valid Unicode character");
    CHECK("\"\\udc00x\" ", "E JSON parse error, \\udc00 is not a valid Unicode character");
    CHECK("\"\\ud83d\\u0041\" ", "E JSON parse error, \\ud83d is not a valid Unicode character");
    CHECK("\"\\ud800\\ud800\" ", "E JSON parse error, \\ud800 is not a valid Unicode character");
    CHECK("\"\\ud83d\\ude0\" ", "E JSON parse error, \\ud83d is not a valid Unicode character");
    CHECK("\"\\uffff\" ", "E JSON parse error, \\uffff is not a valid Unicode character");
    CHECK("\"\\uFDD0\" ", "E JSON parse error, \\uFDD0 is not a valid Unicode character");
    CHECK("\"\\ufffe\" ", "E JSON parse error, \\ufffe is not a valid Unicode character");
    CHECK("\"\\uZZZZ\" ", "E JSON parse error, \\uZZZZ is not a valid Unicode character");
    CHECK("\"\\u12\" ", "E JSON parse error, \\u12\" is not a valid Unicode character");
    CHECK("'\\u12x' ", "E JSON parse error, \\u12x' is not a valid Unicode character");
    CHECK("\"\\u\" ", "E JSON parse error, \\u\" is not a valid Unicode character");
    /* An astral noncharacter from a valid pair: U+1FFFF. */
    CHECK("\"\\ud83f\\udfff\" ", "E JSON parse error, \\ud83f\\udfff is not a valid Unicode character");

    /* Bytes that are not (modified) UTF-8 inside a string. */
    CHECK("\"\xc3\" ", "E JSON parse error, invalid UTF-8 sequence in string");        /* truncated */
    CHECK("\"\xc3(\" ", "E JSON parse error, invalid UTF-8 sequence in string");
    CHECK("\"\x80\" ", "E JSON parse error, invalid UTF-8 sequence in string");        /* stray continuation */
    CHECK("\"\xc1\x81\" ", "E JSON parse error, invalid UTF-8 sequence in string");    /* overlong 'A' */
    CHECK("\"\xe0\x80\x80\" ", "E JSON parse error, invalid UTF-8 sequence in string"); /* overlong NUL */
    CHECK("\"\xed\xa0\x80\" ", "E JSON parse error, invalid UTF-8 sequence in string"); /* surrogate */
    CHECK("\"\xef\xbf\xbf\" ", "E JSON parse error, invalid UTF-8 sequence in string"); /* U+FFFF */
    CHECK("\"\xef\xb7\x90\" ", "E JSON parse error, invalid UTF-8 sequence in string"); /* U+FDD0 */
    CHECK("\"\xf4\x90\x80\x80\" ", "E JSON parse error, invalid UTF-8 sequence in string"); /* > U+10FFFF */
    CHECK("\"\xf8\x88\x80\x80\x80\" ", "E JSON parse error, invalid UTF-8 sequence in string"); /* 5 bytes */
    CHECK("\"\xfc\x84\x80\x80\x80\x80\" ", "E JSON parse error, invalid UTF-8 sequence in string");
    /* Keys are decoded with the same rules. */
    CHECK("{\"\xc3\": 1} ", "E JSON parse error, invalid UTF-8 sequence in string");
    CHECK("{\"\\ud800\": 1} ", "E JSON parse error, \\ud800 is not a valid Unicode character");
}

static void test_error_recovery(void)
{
    /* After a lexical error, everything up to the next '{' or '[' is dropped:
     * recovery skips to a structural character, and then tokens that cannot start
     * a request are thrown away, so one bad message gives one error. */
    CHECK("@ 1, \"x\" ] } : true {\"a\": 1}", "E JSON parse error, stray '@'\nV {\"a\": 1}");
    CHECK("@ 1, 2 [1]", "E JSON parse error, stray '@'\nV [1]");
    /* An error inside a message drops the rest of it. */
    CHECK("{\"execute\": guest-ping}{\"execute\": \"guest-ping\"}",
          "E JSON parse error, stray '-p'\nV {\"execute\": \"guest-ping\"}");
    CHECK("{\"a\": [1, @, 3], \"b\": 2} [2]", "E JSON parse error, stray '@'\nV [2]");
    /* The rule is that simple: a '{' or '[' left in the broken message's rest
     * starts the next message, and its own debris then gives errors. */
    CHECK("{\"a\": [1, @, 3], \"b\": {}} [2]",
          "E JSON parse error, stray '@'\nV {}\nE JSON parse error, expecting value\nV [2]");
    /* Further lexical errors among the dropped bytes are not reported again. */
    CHECK("@, @, \x01, 01, {\"ok\": 1}", "E JSON parse error, stray '@'\nV {\"ok\": 1}");
    /* The error state ends with the next message: its own errors are reported. */
    CHECK("@ {\"a\": @} {\"b\": 2}",
          "E JSON parse error, stray '@'\nE JSON parse error, stray '@'\nV {\"b\": 2}");
    /* A string that starts in the dropped part is dropped whole, braces and all. */
    CHECK("@, \"{[\" {\"ok\": 1}", "E JSON parse error, stray '@'\nV {\"ok\": 1}");
    /* A lexical error inside a string: the rest of the line is skipped. */
    CHECK("{\"a\": \"x\x01y\"}\n{\"ok\": 1}", "E JSON parse error, stray '\"x\x01'\nV {\"ok\": 1}");
}

/* ---- 0xFF: silent reset -------------------------------------------------------- */

static void test_sync_reset(void)
{
    /* In every lexer state, 0xFF drops the partial message without a reply, and
     * the next message parses. */
    static const char *const prefixes[] = {
        "",                     /* start */
        "{\"a\": ",             /* mid-object */
        "[[1, {\"b\": [",       /* deep inside containers */
        "{\"a\": \"half",       /* double-quoted string */
        "{\"a\": \"half\\",     /* its escape */
        "['half",               /* single-quoted string */
        "['half\\",             /* its escape */
        "[0",                   /* zero */
        "[-",                   /* sign */
        "[12",                  /* digits */
        "[1.",                  /* mantissa */
        "[1.5",                 /* mantissa digits */
        "[1e",                  /* exponent */
        "[1e-",                 /* exponent sign */
        "[1e5",                 /* exponent digits */
        "[tru",                 /* keyword */
        "12",                   /* a top-level number */
        "nul",                  /* a top-level keyword */
        "\"top",                /* a top-level string */
        "{\"a\" 1, ",           /* after a grammar error, before the message ends */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        g_autofree char *input = g_strconcat(prefixes[i], "\xff{\"ok\": 1}", NULL);
        g_test_message("prefix %s", prefixes[i]);
        check_limited(NULL, input, strlen(input), "V {\"ok\": 1}");
    }
    /* In error recovery: the error was already reported, nothing more is. */
    CHECK("@abc\xff{\"ok\": 1}", "E JSON parse error, stray '@'\nV {\"ok\": 1}");
    /* The reset also ends the dropping after an error: a scalar parses again. */
    CHECK("@\xff" "5 ", "E JSON parse error, stray '@'\nV 5");
    CHECK("{\"a\": @, \xff" "7 ", "E JSON parse error, stray '@'\nV 7");
    /* Repeated and trailing 0xFF bytes are harmless. */
    CHECK("\xff\xff\xff{}\xff", "V {}");
    /* 0xFF between messages changes nothing. */
    CHECK("{\"a\": 1}\xff{\"b\": 2}", "V {\"a\": 1}\nV {\"b\": 2}");
}

static void test_reset_function(void)
{
    SgaJsonStream *s = sga_json_stream_new(NULL);
    size_t consumed;
    g_autofree char *t0 = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;

    g_assert_cmpint(feed_once(s, "{\"a\": [1, ", 10, &consumed, &t0), ==, SGA_JSON_STREAM_NEED_MORE);
    sga_json_stream_reset(s);
    g_assert_cmpint(feed_once(s, "[2]", 3, &consumed, &t1), ==, SGA_JSON_STREAM_VALUE);
    g_assert_cmpstr(t1, ==, "V [2]");

    /* The reset also forgets the error state. */
    g_assert_cmpint(feed_once(s, "@", 1, &consumed, &t2), ==, SGA_JSON_STREAM_ERROR);
    sga_json_stream_reset(s);
    g_assert_cmpint(feed_once(s, "3 ", 2, &consumed, &t3), ==, SGA_JSON_STREAM_VALUE);
    g_assert_cmpstr(t3, ==, "V 3");
    sga_json_stream_free(s);

    /* Freeing a stream in the middle of a message releases what it built (ASan). */
    s = sga_json_stream_new(NULL);
    g_assert_cmpint(feed_once(s, "{\"a\": [1, {\"b\": \"c", 18, &consumed, &t4), ==,
                    SGA_JSON_STREAM_NEED_MORE);
    sga_json_stream_free(s);
    sga_json_stream_free(NULL);
}

/* ---- limits ----------------------------------------------------------------------- */

static void test_limit_bytes(void)
{
    /* Token text per message; qemu counts each token's length plus one. */
    const SgaJsonLimits limits = { .max_message_bytes = 16, .max_tokens = 1000, .max_depth = 100 };

    CHECK_LIMITS(&limits, "{\"a\": \"0123\"} ", "V {\"a\": \"0123\"}");
    CHECK_LIMITS(&limits, "{\"a\": \"0123456789abcdef\", \"b\": [1, 2, {}]} {\"ok\": 1}",
                 "E JSON token size limit exceeded\nV {\"ok\": 1}");
    /* Many small tokens add up too. */
    CHECK_LIMITS(&limits, "[1, 2, 3, 4, 5, 6, 7, 8, 9] [1]", "E JSON token size limit exceeded\nV [1]");
    /* A top-level string over the limit. */
    CHECK_LIMITS(&limits, "\"0123456789abcdefghij\" [2]", "E JSON token size limit exceeded\nV [2]");
    /* The skipped rest of the message may hold anything, even lexical errors. */
    CHECK_LIMITS(&limits, "[\"0123456789abcdefghij\", @, \"\x01\"] [3]",
                 "E JSON token size limit exceeded\nV [3]");

    /* The error comes as soon as the limit is crossed, not at the message's end. */
    SgaJsonStream *s = sga_json_stream_new(&limits);
    static const char big[] = "[\"0123456789abcdefghijklmnopqrstuvwxyz\", 1, 2, 3] [4]";
    size_t consumed;
    g_autofree char *t1 = NULL, *t2 = NULL;
    g_assert_cmpint(feed_once(s, big, sizeof(big) - 1, &consumed, &t1), ==, SGA_JSON_STREAM_ERROR);
    g_assert_cmpstr(t1, ==, "E JSON token size limit exceeded");
    g_assert_cmpuint(consumed, <=, 40);   /* no further than the end of the long string */
    g_assert_cmpint(feed_once(s, big + consumed, sizeof(big) - 1 - consumed, &consumed, &t2), ==,
                    SGA_JSON_STREAM_VALUE);
    g_assert_cmpstr(t2, ==, "V [4]");
    sga_json_stream_free(s);
}

static void test_limit_tokens(void)
{
    const SgaJsonLimits limits = { .max_message_bytes = 1000, .max_tokens = 5, .max_depth = 100 };

    CHECK_LIMITS(&limits, "[1, 2] {\"a\": 1} ", "V [1, 2]\nV {\"a\": 1}");
    CHECK_LIMITS(&limits, "[1, 2, 3] [1]", "E JSON token count limit exceeded\nV [1]");
    CHECK_LIMITS(&limits, "{\"a\": 1, \"b\": 2} {\"c\": 3}",
                 "E JSON token count limit exceeded\nV {\"c\": 3}");
    /* Reported once, at the sixth token. */
    SgaJsonStream *s = sga_json_stream_new(&limits);
    static const char many[] = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10] [5]";
    size_t consumed;
    g_autofree char *t1 = NULL, *t2 = NULL;
    g_assert_cmpint(feed_once(s, many, sizeof(many) - 1, &consumed, &t1), ==, SGA_JSON_STREAM_ERROR);
    g_assert_cmpstr(t1, ==, "E JSON token count limit exceeded");
    g_assert_cmpuint(consumed, ==, 8);     /* "[1, 2, 3": the ',' that ended the '3' is not taken */
    g_assert_cmpint(feed_once(s, many + consumed, sizeof(many) - 1 - consumed, &consumed, &t2), ==,
                    SGA_JSON_STREAM_VALUE);
    g_assert_cmpstr(t2, ==, "V [5]");
    sga_json_stream_free(s);
}

static void test_limit_depth(void)
{
    const SgaJsonLimits limits = { .max_message_bytes = 1000, .max_tokens = 1000, .max_depth = 3 };

    CHECK_LIMITS(&limits, "[[[1]]] [{\"a\": {}}] ", "V [[[1]]]\nV [{\"a\": {}}]");
    CHECK_LIMITS(&limits, "[[[[1]]]] [[2]]", "E JSON nesting depth limit exceeded\nV [[2]]");
    /* Braces and brackets add up. */
    CHECK_LIMITS(&limits, "{\"a\": [{\"b\": []}]} {\"c\": [[]]}",
                 "E JSON nesting depth limit exceeded\nV {\"c\": [[]]}");
    /* The skipped rest is followed by its brace count even through strings. */
    CHECK_LIMITS(&limits, "[[[[\"]]]]\", 1]]]] [3]", "E JSON nesting depth limit exceeded\nV [3]");

    /* qemu's own limit: 1024 open containers are fine, 1025 are not. */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(deep, ']');
    }
    g_autofree char *ok = transcript(NULL, deep->str, deep->len);
    g_assert_true(g_str_has_prefix(ok, "V [[[[["));
    g_assert_null(strchr(ok, '\n'));
    g_string_prepend_c(deep, '[');
    g_string_append(deep, "] {}");
    g_autofree char *too_deep = transcript(NULL, deep->str, deep->len);
    g_assert_cmpstr(too_deep, ==, "E JSON nesting depth limit exceeded\nV {}");
    g_string_free(deep, TRUE);
}

static void test_limit_then_sync_reset(void)
{
    /* A 0xFF while the rest of an oversized message is being skipped ends the
     * skipping and the dropping: what follows parses, scalars too. */
    const SgaJsonLimits limits = { .max_message_bytes = 1000, .max_tokens = 1000, .max_depth = 2 };

    CHECK_LIMITS(&limits, "[[[[1, 2, \xff" "5 [[6]]", "E JSON nesting depth limit exceeded\nV 5\nV [[6]]");
}

static void test_large_values(void)
{
    /* A 3 MiB string inside a request, fed in 64 KiB reads as a transport would,
     * and a small message after it. */
    const size_t n = 3 << 20;
    GString *in = g_string_new("{\"data\": \"");
    SgaJsonStream *s = sga_json_stream_new(NULL);
    size_t off = 0, values = 0;

    for (size_t i = 0; i < n; i++) {
        g_string_append_c(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64]);
    }
    g_string_append(in, "\"} [1]");
    while (off < in->len) {
        size_t len = MIN((size_t)65536, in->len - off), used = 0;
        while (used < len) {
            json_object *value = NULL;
            GError *error = NULL;
            size_t consumed;
            SgaJsonStreamResult r = sga_json_stream_feed(s, in->str + off + used, len - used, &consumed,
                                                         &value, &error);
            g_assert_no_error(error);
            used += consumed;
            if (r == SGA_JSON_STREAM_VALUE) {
                if (values++ == 0) {
                    json_object *data;
                    g_assert_true(json_object_object_get_ex(value, "data", &data));
                    g_assert_cmpint(json_object_get_string_len(data), ==, (int)n);
                    g_assert_cmpmem(json_object_get_string(data), 64,
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 64);
                } else {
                    g_assert_cmpint(json_object_array_length(value), ==, 1);
                }
                json_object_put(value);
            }
        }
        off += len;
    }
    g_assert_cmpuint(values, ==, 2);
    sga_json_stream_free(s);
    g_string_free(in, TRUE);
}

static void test_limit_then_scalars_dropped(void)
{
    /* After a limit error the stream drops input until a '{' or '[' like after any
     * other error: the skipped message's debris cannot turn into requests. */
    const SgaJsonLimits limits = { .max_message_bytes = 1000, .max_tokens = 3, .max_depth = 100 };

    CHECK_LIMITS(&limits, "[1, 2, 3] 4 \"x\" ] [7]", "E JSON token count limit exceeded\nV [7]");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-stream/token-types", test_token_types);
    g_test_add_func("/json-stream/top-level-null", test_top_level_null);
    g_test_add_func("/json-stream/integers", test_integers);
    g_test_add_func("/json-stream/floats", test_floats);
    g_test_add_func("/json-stream/strings", test_strings);
    g_test_add_func("/json-stream/grammar-errors", test_grammar_errors);
    g_test_add_func("/json-stream/message-end-rule", test_message_end_rule);
    g_test_add_func("/json-stream/consumed-counts", test_consumed_counts);
    g_test_add_func("/json-stream/lexical-errors", test_lexical_errors);
    g_test_add_func("/json-stream/string-errors", test_string_errors);
    g_test_add_func("/json-stream/error-recovery", test_error_recovery);
    g_test_add_func("/json-stream/sync-reset", test_sync_reset);
    g_test_add_func("/json-stream/reset-function", test_reset_function);
    g_test_add_func("/json-stream/limit-bytes", test_limit_bytes);
    g_test_add_func("/json-stream/limit-tokens", test_limit_tokens);
    g_test_add_func("/json-stream/limit-depth", test_limit_depth);
    g_test_add_func("/json-stream/limit-then-scalars-dropped", test_limit_then_scalars_dropped);
    g_test_add_func("/json-stream/limit-then-sync-reset", test_limit_then_sync_reset);
    g_test_add_func("/json-stream/large-values", test_large_values);
    return g_test_run();
}
