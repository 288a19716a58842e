/* os-release.c: KEY=VALUE lines with shell-style quoting, as os-release(5) defines. */
#include "os-release.h"

#include <string.h>

/* A double-quoted value: backslash escapes the shell specials $ " ' \ ` (as
 * os-release(5) asks, and qemu-ga unescapes) and nothing else. */
static char *value_double_quoted(const char *p, const char *end)
{
    GString *v = g_string_new(NULL);

    for (; p < end && *p != '"'; p++) {
        if (*p == '\\' && p + 1 < end && strchr("$\"'\\`", p[1])) {
            p++;
        }
        g_string_append_c(v, *p);
    }
    return g_string_free(v, FALSE);
}

static char *value_parse(const char *p, const char *end)
{
    if (p < end && *p == '"') {
        return value_double_quoted(p + 1, end);
    }
    if (p < end && *p == '\'') {
        const char *close = memchr(p + 1, '\'', (size_t)(end - p - 1));
        return g_strndup(p + 1, (gsize)((close ? close : end) - p - 1));
    }
    /* Unquoted: up to a space or ';', where a shell would stop too (and qemu-ga). */
    const char *stop = p;
    while (stop < end && *stop != ' ' && *stop != ';' && *stop != '\t') {
        stop++;
    }
    return g_strndup(p, (gsize)(stop - p));
}

GHashTable *sga_os_release_parse(const char *text, gsize len)
{
    GHashTable *fields;
    const char *p = text, *end = text + len;

    if (!g_utf8_validate(text, (gssize)len, NULL)) {
        return NULL;
    }
    fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *eq;

        while (p < line_end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        eq = memchr(p, '=', (size_t)(line_end - p));
        /* eq first: on a blank last line p is at the end, where the text may stop. */
        if (eq && eq > p && *p != '#') {
            const char *vend = line_end;
            while (vend > eq + 1 && (vend[-1] == '\r' || vend[-1] == ' ' || vend[-1] == '\t')) {
                vend--;
            }
            g_hash_table_replace(fields, g_strndup(p, (gsize)(eq - p)), value_parse(eq + 1, vend));
        }
        p = eol ? eol + 1 : end;
    }
    return fields;
}
