/* argspec.c: checking command arguments against their declared types. */
#include "argspec.h"

#include <string.h>

#include "sga-error.h"

const SgaTypeSpec sga_type_int = { .kind = SGA_TYPE_INT, .name = "integer" };
const SgaTypeSpec sga_type_uint64 = { .kind = SGA_TYPE_UINT64, .name = "uint64" };
const SgaTypeSpec sga_type_number = { .kind = SGA_TYPE_NUMBER, .name = "number" };
const SgaTypeSpec sga_type_bool = { .kind = SGA_TYPE_BOOL, .name = "boolean" };
const SgaTypeSpec sga_type_str = { .kind = SGA_TYPE_STR, .name = "string" };
const SgaTypeSpec sga_type_any = { .kind = SGA_TYPE_ANY, .name = "any" };
const SgaTypeSpec sga_type_str_list = {
    .kind = SGA_TYPE_LIST, .name = "array",
    .element = &sga_type_str, .element_size = sizeof(const char *),
};

static bool unmarshal_value(const SgaTypeSpec *type, json_object *v, const char *path,
                            void *dst, GError **error);

static bool fail_type(GError **error, const char *path, const char *expected)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                "Invalid parameter type for '%s', expected: %s", path, expected);
    return false;
}

/* The name qemu's generated visitors give enum value and alternate type errors:
 * the member's own name, not its path, and "null" for a list element. */
static const char *member_name(const char *path)
{
    const char *name = path;

    if (g_str_has_suffix(path, "]")) {
        return "null";
    }
    /* Members are joined with '.', but a downstream extension's name
     * (__RFQDN_name) has dots of its own, in the RFQDN before its first '_'. */
    for (const char *p = path; *p; p++) {
        if (p == name && g_str_has_prefix(p, "__") && strchr(p + 2, '_')) {
            p = strchr(p + 2, '_');
        } else if (*p == '.') {
            name = p + 1;
        }
    }
    return name;
}

/* json-c stores integers above INT64_MAX as uint64 and clamps get_int64. */
static bool json_int_fits_int64(json_object *v)
{
    return json_object_get_int64(v) != INT64_MAX ||
           json_object_get_uint64(v) <= (uint64_t)INT64_MAX;
}

static bool unmarshal_enum(const SgaTypeSpec *type, json_object *v, const char *path,
                           int *dst, GError **error)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string)) {
        return fail_type(error, path, "string");
    }
    s = json_object_get_string(v);
    for (int i = 0; type->enum_values[i]; i++) {
        if (strcmp(type->enum_values[i], s) == 0) {
            *dst = i;
            return true;
        }
    }
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                "Parameter '%s' does not accept value '%s'", member_name(path), s);
    return false;
}

static bool unmarshal_list(const SgaTypeSpec *type, json_object *v, const char *path,
                           SgaList *list, GError **error)
{
    size_t n;

    if (!json_object_is_type(v, json_type_array)) {
        return fail_type(error, path, "array");
    }
    n = json_object_array_length(v);
    /* One zeroed element more than needed: string lists end in NULL, and a list
     * that fails half way can still be cleared element by element. */
    list->items = g_malloc0_n(n + 1, type->element_size);
    list->count = n;
    for (size_t i = 0; i < n; i++) {
        g_autofree char *item_path = g_strdup_printf("%s[%zu]", path, i);
        void *item = (char *)list->items + i * type->element_size;
        if (!unmarshal_value(type->element, json_object_array_get_idx(v, i), item_path, item, error)) {
            return false;
        }
    }
    return true;
}

static const SgaTypeSpec *alternate_branch(const SgaTypeSpec *type, json_object *v)
{
    for (int i = 0; type->branches[i]; i++) {
        SgaTypeKind k = type->branches[i]->kind;
        switch (json_object_get_type(v)) {
        case json_type_int:
            if (k == SGA_TYPE_INT || k == SGA_TYPE_NUMBER) {
                return type->branches[i];
            }
            break;
        case json_type_double:
            if (k == SGA_TYPE_INT || k == SGA_TYPE_NUMBER) {
                return type->branches[i];  /* an INT branch then reports the type error */
            }
            break;
        case json_type_string:
            if (k == SGA_TYPE_STR || k == SGA_TYPE_ENUM) {
                return type->branches[i];
            }
            break;
        case json_type_boolean:
            if (k == SGA_TYPE_BOOL) {
                return type->branches[i];
            }
            break;
        default:
            break;
        }
    }
    return NULL;
}

static bool unmarshal_alternate(const SgaTypeSpec *type, json_object *v, const char *path,
                                SgaAlternate *alt, GError **error)
{
    const SgaTypeSpec *branch = alternate_branch(type, v);

    if (!branch) {
        return fail_type(error, member_name(path), type->name);
    }
    alt->branch = branch;
    switch (branch->kind) {
    case SGA_TYPE_INT:    return unmarshal_value(branch, v, path, &alt->u.i, error);
    case SGA_TYPE_NUMBER: return unmarshal_value(branch, v, path, &alt->u.d, error);
    case SGA_TYPE_BOOL:   return unmarshal_value(branch, v, path, &alt->u.b, error);
    case SGA_TYPE_STR:    return unmarshal_value(branch, v, path, &alt->u.s, error);
    case SGA_TYPE_ENUM:   return unmarshal_value(branch, v, path, &alt->u.e, error);
    default:
        g_assert_not_reached();
    }
}

static bool unmarshal_struct(const SgaTypeSpec *spec, json_object *obj, const char *prefix,
                             void *out, GError **error)
{
    char *base = out;

    for (const SgaMemberSpec *m = spec->members; m && m->name; m++) {
        g_autofree char *path = prefix ? g_strdup_printf("%s.%s", prefix, m->name) : g_strdup(m->name);
        json_object *v;

        if (!json_object_object_get_ex(obj, m->name, &v)) {
            if (m->optional) {
                continue;
            }
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Parameter '%s' is missing", path);
            return false;
        }
        if (!unmarshal_value(m->type, v, path, base + m->offset, error)) {
            return false;
        }
        if (m->optional) {
            *(bool *)(base + m->has_offset) = true;
        }
    }

    /* Like QAPI's check_struct: members the type does not declare are an error. */
    json_object_object_foreach(obj, key, val) {
        const SgaMemberSpec *m = spec->members;
        (void)val;
        while (m && m->name && strcmp(m->name, key) != 0) {
            m++;
        }
        if (!m || !m->name) {
            g_autofree char *path = prefix ? g_strdup_printf("%s.%s", prefix, key) : g_strdup(key);
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Parameter '%s' is unexpected", path);
            return false;
        }
    }
    return true;
}

static bool unmarshal_value(const SgaTypeSpec *type, json_object *v, const char *path,
                            void *dst, GError **error)
{
    switch (type->kind) {
    case SGA_TYPE_INT:
        if (!json_object_is_type(v, json_type_int) || !json_int_fits_int64(v)) {
            return fail_type(error, path, "integer");
        }
        *(int64_t *)dst = json_object_get_int64(v);
        return true;
    case SGA_TYPE_UINT64:
        /* qemu's uint64 visitor: any integer up to 2^64-1, negative ones taken
         * modulo 2^64; anything else "expects uint64" (not a type error). */
        if (!json_object_is_type(v, json_type_int)) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Parameter '%s' expects uint64", path);
            return false;
        }
        *(uint64_t *)dst = json_int_fits_int64(v) ? (uint64_t)json_object_get_int64(v)
                                                  : json_object_get_uint64(v);
        return true;
    case SGA_TYPE_NUMBER:
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
            return fail_type(error, path, "number");
        }
        *(double *)dst = json_object_get_double(v);
        return true;
    case SGA_TYPE_BOOL:
        if (!json_object_is_type(v, json_type_boolean)) {
            return fail_type(error, path, "boolean");
        }
        *(bool *)dst = json_object_get_boolean(v);
        return true;
    case SGA_TYPE_STR:
        if (!json_object_is_type(v, json_type_string)) {
            return fail_type(error, path, "string");
        }
        *(const char **)dst = json_object_get_string(v);
        return true;
    case SGA_TYPE_ENUM:
        return unmarshal_enum(type, v, path, dst, error);
    case SGA_TYPE_LIST:
        return unmarshal_list(type, v, path, dst, error);
    case SGA_TYPE_STRUCT:
        if (!json_object_is_type(v, json_type_object)) {
            return fail_type(error, path, "object");
        }
        return unmarshal_struct(type, v, path, dst, error);
    case SGA_TYPE_ALTERNATE:
        return unmarshal_alternate(type, v, path, dst, error);
    case SGA_TYPE_ANY:
        *(json_object **)dst = v;
        return true;
    }
    g_assert_not_reached();
}

static void clear_value(const SgaTypeSpec *type, void *dst)
{
    if (type->kind == SGA_TYPE_LIST) {
        SgaList *list = dst;
        if (list->items) {
            for (size_t i = 0; i < list->count; i++) {
                clear_value(type->element, (char *)list->items + i * type->element_size);
            }
            g_clear_pointer(&list->items, g_free);
        }
        list->count = 0;
    } else if (type->kind == SGA_TYPE_STRUCT) {
        for (const SgaMemberSpec *m = type->members; m && m->name; m++) {
            clear_value(m->type, (char *)dst + m->offset);
        }
    }
}

void sga_args_clear(const SgaTypeSpec *spec, void *out)
{
    clear_value(spec, out);
}

bool sga_args_unmarshal(const SgaTypeSpec *spec, json_object *args, void *out, GError **error)
{
    g_assert(spec->kind == SGA_TYPE_STRUCT);
    if (!unmarshal_struct(spec, args, NULL, out, error)) {
        sga_args_clear(spec, out);
        memset(out, 0, spec->size);
        return false;
    }
    return true;
}
