/* test-argspec.c: unit tests of argument checking and conversion to C structs (src/protocol/argspec.c). */
#include <string.h>

#include "argspec.h"
#include "sga-error.h"

/* ---- a spec using every kind ------------------------------------------------------ */

enum { COLOR_RED, COLOR_GREEN, COLOR_BLUE };
static const char *const color_values[] = { "red", "green", "blue", NULL };
static const SgaTypeSpec color_type = {
    .kind = SGA_TYPE_ENUM, .name = "TestColor", .enum_values = color_values,
};
static const SgaTypeSpec color_list_type = {
    .kind = SGA_TYPE_LIST, .name = "array", .element = &color_type, .element_size = sizeof(int),
};

/* A struct inside a list. */
typedef struct {
    const char *path;
    bool has_mode;
    int64_t mode;
} TestFile;
static const SgaMemberSpec file_members[] = {
    SGA_MEMBER(TestFile, path, "path", sga_type_str),
    SGA_OPTIONAL(TestFile, mode, "mode", sga_type_int),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec file_type = {
    .kind = SGA_TYPE_STRUCT, .name = "TestFile", .size = sizeof(TestFile), .members = file_members,
};
static const SgaTypeSpec file_list_type = {
    .kind = SGA_TYPE_LIST, .name = "array", .element = &file_type, .element_size = sizeof(TestFile),
};

/* A struct member holding a struct, with a list inside it. */
typedef struct {
    int64_t x;
    bool has_words;
    SgaList words;
    bool has_shade;
    int shade;
} TestInner;
static const SgaMemberSpec inner_members[] = {
    SGA_MEMBER(TestInner, x, "x", sga_type_int),
    SGA_OPTIONAL(TestInner, words, "words", sga_type_str_list),
    SGA_OPTIONAL(TestInner, shade, "shade", color_type),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec inner_type = {
    .kind = SGA_TYPE_STRUCT, .name = "TestInner", .size = sizeof(TestInner), .members = inner_members,
};

/* An alternate of an integer and an enum, like GuestFileWhence. */
static const SgaTypeSpec *const limit_branches[] = { &sga_type_int, &color_type, NULL };
static const SgaTypeSpec limit_type = {
    .kind = SGA_TYPE_ALTERNATE, .name = "TestLimit", .branches = limit_branches,
};

typedef struct {
    int64_t count;
    double ratio;
    bool verbose;
    const char *name;
    int color;
    bool has_tags;
    SgaList tags;
    bool has_files;
    SgaList files;
    bool has_limit;
    SgaAlternate limit;
    bool has_extra;
    json_object *extra;
    bool has_label;
    const char *label;
    bool has_colors;
    SgaList colors;
    bool has_inner;
    TestInner inner;
} TestArgs;

static const SgaMemberSpec test_members[] = {
    SGA_MEMBER(TestArgs, count, "count", sga_type_int),
    SGA_MEMBER(TestArgs, ratio, "ratio", sga_type_number),
    SGA_MEMBER(TestArgs, verbose, "verbose", sga_type_bool),
    SGA_MEMBER(TestArgs, name, "name", sga_type_str),
    SGA_MEMBER(TestArgs, color, "color", color_type),
    SGA_OPTIONAL(TestArgs, tags, "tags", sga_type_str_list),
    SGA_OPTIONAL(TestArgs, files, "files", file_list_type),
    SGA_OPTIONAL(TestArgs, limit, "limit", limit_type),
    SGA_OPTIONAL(TestArgs, extra, "extra", sga_type_any),
    SGA_OPTIONAL(TestArgs, label, "label", sga_type_str),
    SGA_OPTIONAL(TestArgs, colors, "colors", color_list_type),
    SGA_OPTIONAL(TestArgs, inner, "inner", inner_type),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec test_args_type = {
    .kind = SGA_TYPE_STRUCT, .name = "TestArgs", .size = sizeof(TestArgs), .members = test_members,
};

/* The required members, to which a case adds its own (JSON object text without the braces). */
#define REQUIRED "\"count\": 3, \"ratio\": 0.5, \"verbose\": true, \"name\": \"n\", \"color\": \"green\""

static json_object *json_parse(const char *text)
{
    json_object *obj = json_tokener_parse(text);

    g_assert_nonnull(obj);
    return obj;
}

/* Unmarshal text and expect success; the caller clears args and puts the returned object. */
static json_object *unmarshal_ok(const char *text, TestArgs *args)
{
    json_object *obj = json_parse(text);
    GError *error = NULL;

    memset(args, 0, sizeof(*args));
    g_assert_true(sga_args_unmarshal(&test_args_type, obj, args, &error));
    g_assert_no_error(error);
    return obj;
}

/* Unmarshal text and expect the given error; out must be left all zero. */
static void assert_unmarshal_error(const char *text, const char *message)
{
    json_object *obj = json_parse(text);
    GError *error = NULL;
    TestArgs args, zero;

    memset(&args, 0, sizeof(args));
    memset(&zero, 0, sizeof(zero));
    g_assert_false(sga_args_unmarshal(&test_args_type, obj, &args, &error));
    g_assert_error(error, SGA_ERROR, SGA_ERROR_GENERIC);
    g_assert_cmpstr(error->message, ==, message);
    /* Lists allocated before the failure are freed (ASan's leak check) and out is zeroed. */
    g_assert_cmpmem(&args, sizeof(args), &zero, sizeof(zero));
    g_error_free(error);
    json_object_put(obj);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_required_only(void)
{
    TestArgs a;
    json_object *obj = unmarshal_ok("{" REQUIRED "}", &a);

    g_assert_cmpint(a.count, ==, 3);
    g_assert_cmpfloat(a.ratio, ==, 0.5);
    g_assert_true(a.verbose);
    g_assert_cmpstr(a.name, ==, "n");
    g_assert_cmpint(a.color, ==, COLOR_GREEN);
    /* Absent optional members: has_ false, value untouched (zero). */
    g_assert_false(a.has_tags);
    g_assert_cmpuint(a.tags.count, ==, 0);
    g_assert_null(a.tags.items);
    g_assert_false(a.has_files);
    g_assert_false(a.has_limit);
    g_assert_null(a.limit.branch);
    g_assert_false(a.has_extra);
    g_assert_null(a.extra);
    g_assert_false(a.has_label);
    g_assert_null(a.label);
    g_assert_false(a.has_colors);
    g_assert_false(a.has_inner);

    /* Strings are borrowed from the request. */
    json_object *name;
    g_assert_true(json_object_object_get_ex(obj, "name", &name));
    g_assert_true(a.name == json_object_get_string(name));

    sga_args_clear(&test_args_type, &a);
    json_object_put(obj);
}

static void test_all_members(void)
{
    TestArgs a;
    json_object *obj = unmarshal_ok(
        "{" REQUIRED ", \"tags\": [\"a\", \"b\", \"c\"],"
        " \"files\": [{\"path\": \"/x\"}, {\"path\": \"/y\", \"mode\": 420}],"
        " \"limit\": 10, \"extra\": {\"anything\": [1]}, \"label\": \"L\","
        " \"colors\": [\"blue\", \"red\"],"
        " \"inner\": {\"x\": -4, \"words\": [], \"shade\": \"red\"}}", &a);

    /* A list of strings is also a NULL-terminated array. */
    g_assert_true(a.has_tags);
    g_assert_cmpuint(a.tags.count, ==, 3);
    const char *const *tags = a.tags.items;
    g_assert_cmpstr(tags[0], ==, "a");
    g_assert_cmpstr(tags[1], ==, "b");
    g_assert_cmpstr(tags[2], ==, "c");
    g_assert_null(tags[3]);

    /* A list of structs, with a zeroed element after the last. */
    g_assert_true(a.has_files);
    g_assert_cmpuint(a.files.count, ==, 2);
    const TestFile *files = a.files.items;
    g_assert_cmpstr(files[0].path, ==, "/x");
    g_assert_false(files[0].has_mode);
    g_assert_cmpint(files[0].mode, ==, 0);
    g_assert_cmpstr(files[1].path, ==, "/y");
    g_assert_true(files[1].has_mode);
    g_assert_cmpint(files[1].mode, ==, 420);
    g_assert_null(files[2].path);
    g_assert_false(files[2].has_mode);

    /* The alternate took its integer branch. */
    g_assert_true(a.has_limit);
    g_assert_true(a.limit.branch == &sga_type_int);
    g_assert_cmpint(a.limit.u.i, ==, 10);

    /* "any" is the request's own object. */
    json_object *extra;
    g_assert_true(json_object_object_get_ex(obj, "extra", &extra));
    g_assert_true(a.has_extra);
    g_assert_true(a.extra == extra);

    g_assert_true(a.has_label);
    g_assert_cmpstr(a.label, ==, "L");

    g_assert_true(a.has_colors);
    g_assert_cmpuint(a.colors.count, ==, 2);
    g_assert_cmpint(((int *)a.colors.items)[0], ==, COLOR_BLUE);
    g_assert_cmpint(((int *)a.colors.items)[1], ==, COLOR_RED);
    g_assert_cmpint(((int *)a.colors.items)[2], ==, 0);

    /* A nested struct is filled in place; an empty list still has its terminator. */
    g_assert_true(a.has_inner);
    g_assert_cmpint(a.inner.x, ==, -4);
    g_assert_true(a.inner.has_words);
    g_assert_cmpuint(a.inner.words.count, ==, 0);
    g_assert_nonnull(a.inner.words.items);
    g_assert_null(((const char **)a.inner.words.items)[0]);
    g_assert_true(a.inner.has_shade);
    g_assert_cmpint(a.inner.shade, ==, COLOR_RED);

    /* Clearing frees the lists (nested ones too: ASan's leak check) and empties them. */
    sga_args_clear(&test_args_type, &a);
    g_assert_null(a.tags.items);
    g_assert_cmpuint(a.tags.count, ==, 0);
    g_assert_null(a.files.items);
    g_assert_null(a.colors.items);
    g_assert_null(a.inner.words.items);
    json_object_put(obj);
}

static void test_scalar_conversions(void)
{
    TestArgs a;
    json_object *obj;

    /* A number accepts an integer; integers take the whole int64 range. */
    obj = unmarshal_ok("{\"count\": -9223372036854775808, \"ratio\": 2, \"verbose\": false,"
                       " \"name\": \"\", \"color\": \"red\"}", &a);
    g_assert_cmpint(a.count, ==, INT64_MIN);
    g_assert_cmpfloat(a.ratio, ==, 2.0);
    g_assert_false(a.verbose);
    g_assert_cmpstr(a.name, ==, "");
    g_assert_cmpint(a.color, ==, COLOR_RED);
    sga_args_clear(&test_args_type, &a);
    json_object_put(obj);

    obj = unmarshal_ok("{\"count\": 9223372036854775807, \"ratio\": -1e300, \"verbose\": true,"
                       " \"name\": \"x\", \"color\": \"blue\", \"limit\": \"red\"}", &a);
    g_assert_cmpint(a.count, ==, INT64_MAX);
    g_assert_cmpfloat(a.ratio, ==, -1e300);
    g_assert_cmpint(a.color, ==, COLOR_BLUE);
    /* The alternate took its enum branch for a string. */
    g_assert_true(a.limit.branch == &color_type);
    g_assert_cmpint(a.limit.u.e, ==, COLOR_RED);
    sga_args_clear(&test_args_type, &a);
    json_object_put(obj);

    /* "any" takes a JSON null too. */
    obj = unmarshal_ok("{" REQUIRED ", \"extra\": null}", &a);
    g_assert_true(a.has_extra);
    g_assert_null(a.extra);
    sga_args_clear(&test_args_type, &a);
    json_object_put(obj);
}

static void test_missing(void)
{
    assert_unmarshal_error("{}", "Parameter 'count' is missing");
    /* Members are checked in the spec's order. */
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": true, \"color\": \"red\"}",
                           "Parameter 'name' is missing");
    /* Inside structs, paths name the way there. */
    assert_unmarshal_error("{" REQUIRED ", \"inner\": {}}", "Parameter 'inner.x' is missing");
    assert_unmarshal_error("{" REQUIRED ", \"files\": [{\"path\": \"/a\"}, {\"mode\": 1}]}",
                           "Parameter 'files[1].path' is missing");
    /* A missing member is found before an unexpected one. */
    assert_unmarshal_error("{\"bogus\": 1}", "Parameter 'count' is missing");
}

static void test_unexpected(void)
{
    assert_unmarshal_error("{" REQUIRED ", \"bogus\": 1}", "Parameter 'bogus' is unexpected");
    assert_unmarshal_error("{" REQUIRED ", \"inner\": {\"x\": 1, \"y\": 2}}",
                           "Parameter 'inner.y' is unexpected");
    assert_unmarshal_error("{" REQUIRED ", \"files\": [{\"path\": \"/a\"}, {\"path\": \"/b\", \"member\": 0}]}",
                           "Parameter 'files[1].member' is unexpected");
    /* Only after every declared member was checked. */
    assert_unmarshal_error("{\"zzz\": 1, \"count\": \"3\"}",
                           "Invalid parameter type for 'count', expected: integer");
}

static void test_wrong_types(void)
{
    /* Each kind names the JSON type it wanted, at the member's full path. */
    assert_unmarshal_error("{\"count\": \"3\"}", "Invalid parameter type for 'count', expected: integer");
    assert_unmarshal_error("{\"count\": 1.0}", "Invalid parameter type for 'count', expected: integer");
    assert_unmarshal_error("{\"count\": true}", "Invalid parameter type for 'count', expected: integer");
    assert_unmarshal_error("{\"count\": null}", "Invalid parameter type for 'count', expected: integer");
    /* Integers beyond int64 do not fit. */
    assert_unmarshal_error("{\"count\": 9223372036854775808}",
                           "Invalid parameter type for 'count', expected: integer");
    assert_unmarshal_error("{\"count\": 1, \"ratio\": \"0.5\"}",
                           "Invalid parameter type for 'ratio', expected: number");
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": 1}",
                           "Invalid parameter type for 'verbose', expected: boolean");
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": \"true\"}",
                           "Invalid parameter type for 'verbose', expected: boolean");
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": true, \"name\": 5}",
                           "Invalid parameter type for 'name', expected: string");
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": true, \"name\": [\"x\"]}",
                           "Invalid parameter type for 'name', expected: string");
    /* An enum is a string on the wire. */
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": true, \"name\": \"n\", \"color\": 1}",
                           "Invalid parameter type for 'color', expected: string");
    assert_unmarshal_error("{" REQUIRED ", \"tags\": \"a,b\"}", "Invalid parameter type for 'tags', expected: array");
    assert_unmarshal_error("{" REQUIRED ", \"tags\": {}}", "Invalid parameter type for 'tags', expected: array");
    assert_unmarshal_error("{" REQUIRED ", \"tags\": [\"a\", 2]}",
                           "Invalid parameter type for 'tags[1]', expected: string");
    assert_unmarshal_error("{" REQUIRED ", \"files\": [[]]}",
                           "Invalid parameter type for 'files[0]', expected: object");
    assert_unmarshal_error("{" REQUIRED ", \"files\": [{\"path\": \"/a\", \"mode\": \"rw\"}]}",
                           "Invalid parameter type for 'files[0].mode', expected: integer");
    assert_unmarshal_error("{" REQUIRED ", \"inner\": 1}", "Invalid parameter type for 'inner', expected: object");
    assert_unmarshal_error("{" REQUIRED ", \"inner\": {\"x\": 1, \"words\": [\"a\", null]}}",
                           "Invalid parameter type for 'inner.words[1]', expected: string");
    /* An optional member given as null is a wrong type, not an absent member. */
    assert_unmarshal_error("{" REQUIRED ", \"label\": null}", "Invalid parameter type for 'label', expected: string");
}

static void test_enum_values(void)
{
    /* Enum value errors name the member only, as qemu's visitors do, and "null"
     * for a list element. */
    assert_unmarshal_error("{\"count\": 1, \"ratio\": 1, \"verbose\": true, \"name\": \"n\", \"color\": \"purple\"}",
                           "Parameter 'color' does not accept value 'purple'");
    assert_unmarshal_error("{" REQUIRED ", \"colors\": [\"red\", \"Red\"]}",
                           "Parameter 'null' does not accept value 'Red'");
    assert_unmarshal_error("{" REQUIRED ", \"inner\": {\"x\": 1, \"shade\": \"\"}}",
                           "Parameter 'shade' does not accept value ''");
}

static void test_alternate(void)
{
    /* No branch for the JSON type: the alternate's type name, at the member's name. */
    assert_unmarshal_error("{" REQUIRED ", \"limit\": true}", "Invalid parameter type for 'limit', expected: TestLimit");
    assert_unmarshal_error("{" REQUIRED ", \"limit\": null}", "Invalid parameter type for 'limit', expected: TestLimit");
    assert_unmarshal_error("{" REQUIRED ", \"limit\": [1]}", "Invalid parameter type for 'limit', expected: TestLimit");
    assert_unmarshal_error("{" REQUIRED ", \"limit\": {}}", "Invalid parameter type for 'limit', expected: TestLimit");
    /* A branch was chosen, and that branch's own check fails. */
    assert_unmarshal_error("{" REQUIRED ", \"limit\": 1.5}", "Invalid parameter type for 'limit', expected: integer");
    assert_unmarshal_error("{" REQUIRED ", \"limit\": \"purple\"}", "Parameter 'limit' does not accept value 'purple'");
}

static void test_failure_frees_lists(void)
{
    /* Lists filled before a later member fails are freed and out is zeroed again
     * (assert_unmarshal_error checks the zeroing, ASan the freeing). */
    assert_unmarshal_error("{" REQUIRED ", \"tags\": [\"a\", \"b\"], \"files\": [{\"path\": \"/a\"}],"
                           " \"colors\": [\"red\"], \"inner\": {\"x\": 1, \"words\": [\"w\"]}, \"zzz\": 0}",
                           "Parameter 'zzz' is unexpected");
    /* And a list that fails half way. */
    assert_unmarshal_error("{" REQUIRED ", \"files\": [{\"path\": \"/a\"}, {\"path\": \"/b\"}, {}]}",
                           "Parameter 'files[2].path' is missing");
}

static void test_clear_is_idempotent(void)
{
    TestArgs a;
    json_object *obj = unmarshal_ok("{" REQUIRED ", \"tags\": [\"a\"]}", &a);

    sga_args_clear(&test_args_type, &a);
    sga_args_clear(&test_args_type, &a);
    g_assert_null(a.tags.items);
    json_object_put(obj);

    /* Clearing a zeroed struct is harmless. */
    memset(&a, 0, sizeof(a));
    sga_args_clear(&test_args_type, &a);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/argspec/required-only", test_required_only);
    g_test_add_func("/argspec/all-members", test_all_members);
    g_test_add_func("/argspec/scalar-conversions", test_scalar_conversions);
    g_test_add_func("/argspec/missing", test_missing);
    g_test_add_func("/argspec/unexpected", test_unexpected);
    g_test_add_func("/argspec/wrong-types", test_wrong_types);
    g_test_add_func("/argspec/enum-values", test_enum_values);
    g_test_add_func("/argspec/alternate", test_alternate);
    g_test_add_func("/argspec/failure-frees-lists", test_failure_frees_lists);
    g_test_add_func("/argspec/clear-is-idempotent", test_clear_is_idempotent);
    return g_test_run();
}
