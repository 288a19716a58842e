/* command-line.c: argv to a Windows command line by the MSVCRT rules, env list to an environment block. */
#include "command-line.h"

#include <string.h>
#include <windows.h>

#include "sga-error.h"

/*
 * One argument as the C runtime's parser reads it back: bare when it has no
 * blank or quote; otherwise in quotes, where a quote is escaped with a
 * backslash and backslashes count only before a quote (and before the closing
 * one), so those are doubled. Works on UTF-8 bytes: the significant characters
 * are ASCII and never occur inside a multi-byte sequence.
 */
static void command_line_append_arg(GString *line, const char *arg)
{
    size_t backslashes = 0;

    if (*arg && !strpbrk(arg, " \t\n\v\"")) {
        g_string_append(line, arg);
        return;
    }
    g_string_append_c(line, '"');
    for (const char *p = arg;; p++) {
        if (*p == '\\') {
            backslashes++;
            continue;
        }
        if (*p == '\0') {
            for (size_t i = 0; i < backslashes * 2; i++) {
                g_string_append_c(line, '\\');
            }
            break;
        }
        if (*p == '"') {
            for (size_t i = 0; i < backslashes * 2 + 1; i++) {
                g_string_append_c(line, '\\');
            }
        } else {
            for (size_t i = 0; i < backslashes; i++) {
                g_string_append_c(line, '\\');
            }
        }
        g_string_append_c(line, *p);
        backslashes = 0;
    }
    g_string_append_c(line, '"');
}

gunichar2 *sga_command_line_build(const char *path, const char *const *args, GError **error)
{
    g_autoptr(GString) line = g_string_new(NULL);
    gunichar2 *wide;
    int index = 1;

    /* argv[0] is parsed apart (by CreateProcessW too): quotes delimit it and
     * backslashes are path separators, never escapes, so a quote cannot be in it. */
    if (!g_utf8_validate(path, -1, NULL) || strchr(path, '"')) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Invalid program name: %s", path);
        return NULL;
    }
    if (*path && !strpbrk(path, " \t")) {
        g_string_append(line, path);
    } else {
        g_string_append_printf(line, "\"%s\"", path);
    }
    for (const char *const *a = args; a && *a; a++, index++) {
        if (!g_utf8_validate(*a, -1, NULL)) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "Invalid string in argument vector at %d: not UTF-8", index);
            return NULL;
        }
        g_string_append_c(line, ' ');
        command_line_append_arg(line, *a);
    }
    wide = g_utf8_to_utf16(line->str, (glong)line->len, NULL, NULL, error);
    return wide;
}

/* The length of the name in a "NAME=VALUE" entry; a leading '=' belongs to the
 * name (cmd.exe keeps "=C:=C:\dir" entries). */
static int environment_name_length(const gunichar2 *entry)
{
    int n = entry[0] ? 1 : 0;

    while (entry[n] && entry[n] != '=') {
        n++;
    }
    return n;
}

/* Windows keeps the block sorted by name, case-insensitively (ordinal, upper case). */
static gint environment_entry_compare(gconstpointer a, gconstpointer b)
{
    const gunichar2 *x = *(const gunichar2 *const *)a;
    const gunichar2 *y = *(const gunichar2 *const *)b;
    int r = CompareStringOrdinal(x, environment_name_length(x), y, environment_name_length(y), TRUE);

    return r == CSTR_LESS_THAN ? -1 : r == CSTR_GREATER_THAN ? 1 : 0;
}

gunichar2 *sga_environment_block_build(const char *const *env, GError **error)
{
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);
    gunichar2 *block, *p;
    size_t units = 1;   /* the final terminator */

    for (const char *const *e = env; e && *e; e++) {
        glong len;
        gunichar2 *wide = g_utf8_to_utf16(*e, -1, NULL, &len, NULL);
        if (!wide) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Invalid string in environment: %s", *e);
            return NULL;
        }
        if (len == 0) {
            g_free(wide);   /* an empty entry would end the block early */
            continue;
        }
        g_ptr_array_add(entries, wide);
        units += (size_t)len + 1;
    }
    /* stable, so duplicate names keep the host's order */
    g_ptr_array_sort(entries, environment_entry_compare);
    if (entries->len == 0) {
        units++;            /* an empty block is still two terminators */
    }
    block = p = g_new0(gunichar2, units);
    for (guint i = 0; i < entries->len; i++) {
        const gunichar2 *w = g_ptr_array_index(entries, i);
        size_t len = 0;
        while (w[len]) {
            len++;
        }
        memcpy(p, w, (len + 1) * sizeof(gunichar2));
        p += len + 1;
    }
    return block;
}
