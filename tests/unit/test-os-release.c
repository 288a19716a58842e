/* test-os-release.c: unit tests of os-release(5) parsing (src/platform/posix/os-release.c). */
#include <string.h>

#include "posix/os-release.h"

/* Parse a copy of exactly len bytes with nothing after it, so that ASan catches
 * any read past the end (the text is not promised to be NUL-terminated). */
static GHashTable *parse_exact(const char *text, size_t len)
{
    char *copy = g_malloc(len ? len : 1);
    GHashTable *fields;

    memcpy(copy, text, len);
    fields = sga_os_release_parse(copy, len);
    g_free(copy);
    return fields;
}

static GHashTable *parse(const char *text)
{
    return parse_exact(text, strlen(text));
}

/* All fields as "KEY=value" lines in key order, for whole-table comparisons. */
static char *fields_text(GHashTable *fields)
{
    GList *keys = g_list_sort(g_hash_table_get_keys(fields), (GCompareFunc)strcmp);
    GString *out = g_string_new(NULL);

    for (GList *k = keys; k; k = k->next) {
        g_string_append_printf(out, "%s=%s\n", (const char *)k->data,
                               (const char *)g_hash_table_lookup(fields, k->data));
    }
    g_list_free(keys);
    return g_string_free(out, FALSE);
}

#define ASSERT_FIELDS(text, expected) \
    do { \
        GHashTable *fields_ = parse(text); \
        g_assert_nonnull(fields_); \
        g_autofree char *got_ = fields_text(fields_); \
        g_assert_cmpstr(got_, ==, (expected)); \
        g_hash_table_unref(fields_); \
    } while (0)

static void test_debian(void)
{
    /* Debian 12's file, as shipped. */
    ASSERT_FIELDS("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                  "NAME=\"Debian GNU/Linux\"\n"
                  "VERSION_ID=\"12\"\n"
                  "VERSION=\"12 (bookworm)\"\n"
                  "VERSION_CODENAME=bookworm\n"
                  "ID=debian\n"
                  "HOME_URL=\"https://www.debian.org/\"\n"
                  "SUPPORT_URL=\"https://www.debian.org/support\"\n"
                  "BUG_REPORT_URL=\"https://bugs.debian.org/\"\n",
                  "BUG_REPORT_URL=https://bugs.debian.org/\n"
                  "HOME_URL=https://www.debian.org/\n"
                  "ID=debian\n"
                  "NAME=Debian GNU/Linux\n"
                  "PRETTY_NAME=Debian GNU/Linux 12 (bookworm)\n"
                  "SUPPORT_URL=https://www.debian.org/support\n"
                  "VERSION=12 (bookworm)\n"
                  "VERSION_CODENAME=bookworm\n"
                  "VERSION_ID=12\n");
}

static void test_quoting(void)
{
    /* Double quotes: backslash escapes the shell's specials $ " ' \ ` only. */
    ASSERT_FIELDS("A=\"a\\\"b\\$c\\\\d\\`e\\'f\"\n", "A=a\"b$c\\d`e'f\n");
    ASSERT_FIELDS("A=\"keep \\x and \\n\"\n", "A=keep \\x and \\n\n");
    /* A backslash at the very end stays. */
    ASSERT_FIELDS("A=\"end\\\n", "A=end\\\n");
    /* Single quotes: everything literal up to the next single quote. */
    ASSERT_FIELDS("A='it \"is\" \\$x'\n", "A=it \"is\" \\$x\n");
    /* Empty values in every form. */
    ASSERT_FIELDS("A=\nB=\"\"\nC=''\n", "A=\nB=\nC=\n");
    /* An unterminated quote runs to the end of the line. */
    ASSERT_FIELDS("A=\"open\nB='open\nC=x\n", "A=open\nB=open\nC=x\n");
    /* Text after a closing quote is ignored. */
    ASSERT_FIELDS("A=\"x\"tail\nB='y' tail\n", "A=x\nB=y\n");
    /* Unquoted values stop at a blank or ';', as a shell word would. */
    ASSERT_FIELDS("A=one two\nB=semi;colon\n", "A=one\nB=semi\n");
    /* An '=' in the value is part of it. */
    ASSERT_FIELDS("A=b=c\nB=\"d=e\"\n", "A=b=c\nB=d=e\n");
    /* Non-ASCII UTF-8 passes through. */
    ASSERT_FIELDS("NAME=\"D\xc3\xa9""bian \xe2\x82\xac\"\n", "NAME=D\xc3\xa9""bian \xe2\x82\xac\n");
}

static void test_lines(void)
{
    /* Comments, blank lines and lines without '=' are skipped. */
    ASSERT_FIELDS("# comment=not a field\n"
                  "   # indented comment=no\n"
                  "\n"
                  "   \n"
                  "no equals sign\n"
                  "=no key\n"
                  "ID=x\n",
                  "ID=x\n");
    /* Leading blanks before the key are dropped; trailing blanks after the value too. */
    ASSERT_FIELDS("  \tID=x  \t\nNAME=\"n\"   \n", "ID=x\nNAME=n\n");
    /* A later line wins. */
    ASSERT_FIELDS("ID=first\nID=second\n", "ID=second\n");
    /* No newline at the end. */
    ASSERT_FIELDS("ID=last", "ID=last\n");
    ASSERT_FIELDS("ID=\"last\"", "ID=last\n");
    /* A '#' that does not start the line is data. */
    ASSERT_FIELDS("ID=a#b\n", "ID=a#b\n");
}

static void test_crlf(void)
{
    /* Files written on Windows: the CR is not part of the value. */
    ASSERT_FIELDS("ID=debian\r\nNAME=\"Debian\"\r\nV='1'\r\nEMPTY=\r\n", "EMPTY=\nID=debian\nNAME=Debian\nV=1\n");
    ASSERT_FIELDS("ID=x\r", "ID=x\n");
}

static void test_empty(void)
{
    GHashTable *fields = parse_exact("", 0);

    g_assert_nonnull(fields);
    g_assert_cmpuint(g_hash_table_size(fields), ==, 0);
    g_hash_table_unref(fields);
    ASSERT_FIELDS("\n\n# only comments\n", "");
}

static void test_buffer_end(void)
{
    /* Inputs ending in every kind of incomplete line, parsed from a buffer with
     * nothing after it: no read goes past the end (ASan). */
    ASSERT_FIELDS("ID=x\n   ", "ID=x\n");
    ASSERT_FIELDS("ID=x\n\t", "ID=x\n");
    ASSERT_FIELDS("ID=x\n#", "ID=x\n");
    ASSERT_FIELDS("ID=x\nKEY", "ID=x\n");
    ASSERT_FIELDS("ID=x\nKEY=", "ID=x\nKEY=\n");
    ASSERT_FIELDS("ID=x\nKEY=\"", "ID=x\nKEY=\n");
    ASSERT_FIELDS("ID=x\nKEY='", "ID=x\nKEY=\n");
    ASSERT_FIELDS("ID=x\nKEY=\"a\\", "ID=x\nKEY=a\\\n");
    ASSERT_FIELDS(" ", "");
}

static void test_not_utf8(void)
{
    /* qemu-ga ignores a file that is not UTF-8. */
    g_assert_null(parse("ID=debian\nNAME=\"D\xe9""bian\"\n"));
    g_assert_null(parse("ID=\xff\n"));
    g_assert_null(parse("ID=\xc0\x80\n"));     /* modified UTF-8's NUL is not UTF-8 */
    /* A NUL byte inside the given length is not valid UTF-8 text either. */
    g_assert_null(parse_exact("ID=a\0b\n", 7));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/os-release/debian", test_debian);
    g_test_add_func("/os-release/quoting", test_quoting);
    g_test_add_func("/os-release/lines", test_lines);
    g_test_add_func("/os-release/crlf", test_crlf);
    g_test_add_func("/os-release/empty", test_empty);
    g_test_add_func("/os-release/buffer-end", test_buffer_end);
    g_test_add_func("/os-release/not-utf8", test_not_utf8);
    return g_test_run();
}
