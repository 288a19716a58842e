/* test-dispatch.c: unit tests of request dispatch and the command registry (src/protocol/dispatch.c, registry.c). */
#include <string.h>

#include "dispatch.h"
#include "registry.h"
#include "sga-error.h"
#include "sga-json-writer.h"

/* ---- a fake command table ------------------------------------------------------- */

/* What the last handler saw. */
static struct {
    int calls;
    const void *args;
    const SgaRegistry *registry;
} seen;

typedef struct {
    const char *value;
    bool has_times;
    int64_t times;
} EchoArgs;
static const SgaMemberSpec echo_members[] = {
    SGA_MEMBER(EchoArgs, value, "value", sga_type_str),
    SGA_OPTIONAL(EchoArgs, times, "times", sga_type_int),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec echo_args = {
    .kind = SGA_TYPE_STRUCT, .name = "echo arguments", .size = sizeof(EchoArgs), .members = echo_members,
};

static void handler_saw(SgaRequest *req, const void *args)
{
    seen.calls++;
    seen.args = args;
    seen.registry = sga_request_registry(req);
}

/* Returns its "value" argument repeated "times" times. */
static json_object *cmd_echo(SgaRequest *req, const void *args, GError **error)
{
    const EchoArgs *a = args;
    GString *s = g_string_new(NULL);

    handler_saw(req, args);
    for (int64_t i = 0; i < (a->has_times ? a->times : 1); i++) {
        g_string_append(s, a->value);
    }
    json_object *ret = json_object_new_string(s->str);
    g_string_free(s, TRUE);
    return ret;
}

/* Takes no arguments and returns nothing: the reply is {"return": {}}. */
static json_object *cmd_nothing(SgaRequest *req, const void *args, GError **error)
{
    handler_saw(req, args);
    return NULL;
}

typedef struct {
    bool has_fail;
    bool fail;
} QuietArgs;
static const SgaMemberSpec quiet_members[] = {
    SGA_OPTIONAL(QuietArgs, fail, "fail", sga_type_bool),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec quiet_args = {
    .kind = SGA_TYPE_STRUCT, .name = "quiet arguments", .size = sizeof(QuietArgs), .members = quiet_members,
};

/* Like guest-shutdown: no reply when it works, an error reply when it does not. */
static json_object *cmd_quiet(SgaRequest *req, const void *args, GError **error)
{
    const QuietArgs *a = args;

    handler_saw(req, args);
    if (a->has_fail && a->fail) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "quiet failed");
        return NULL;
    }
    return json_object_new_object();   /* dropped: the schema sends no reply */
}

static json_object *cmd_fails(SgaRequest *req, const void *args, GError **error)
{
    handler_saw(req, args);
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Guest agent command failed, error was '%s'", "boom");
    return NULL;
}

/* An error from another domain (a GIO-style error) reaches the host as GenericError. */
static json_object *cmd_fails_foreign(SgaRequest *req, const void *args, GError **error)
{
    handler_saw(req, args);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no such file");
    return NULL;
}

static json_object *cmd_fails_not_found(SgaRequest *req, const void *args, GError **error)
{
    handler_saw(req, args);
    g_set_error(error, SGA_ERROR, SGA_ERROR_COMMAND_NOT_FOUND, "not here");
    return NULL;
}

/* Like guest-sync-delimited. */
static json_object *cmd_delimited(SgaRequest *req, const void *args, GError **error)
{
    handler_saw(req, args);
    sga_request_delimit_reply(req);
    return json_object_new_int(42);
}

enum {
    CMD_ECHO, CMD_NOTHING, CMD_QUIET, CMD_WIN_ONLY, CMD_FAILS, CMD_FAILS_FOREIGN,
    CMD_FAILS_NOT_FOUND, CMD_DELIMITED, CMD_LINUX_ONLY, CMD_COUNT,
};

static const SgaCommand fake_table[] = {
    [CMD_ECHO] = { "echo", cmd_echo, &echo_args, 0, SGA_PLATFORM_ALL },
    [CMD_NOTHING] = { "nothing", cmd_nothing, NULL, SGA_COMMAND_ALLOWED_WHILE_FROZEN, SGA_PLATFORM_ALL },
    [CMD_QUIET] = { "quiet", cmd_quiet, &quiet_args, SGA_COMMAND_NO_SUCCESS_RESPONSE, SGA_PLATFORM_ALL },
    [CMD_WIN_ONLY] = { "win-only", cmd_nothing, NULL, 0, SGA_PLATFORM_WIN32 },
    [CMD_FAILS] = { "fails", cmd_fails, NULL, 0, SGA_PLATFORM_ALL },
    [CMD_FAILS_FOREIGN] = { "fails-foreign", cmd_fails_foreign, NULL, 0, SGA_PLATFORM_ALL },
    [CMD_FAILS_NOT_FOUND] = { "fails-not-found", cmd_fails_not_found, NULL, 0, SGA_PLATFORM_ALL },
    [CMD_DELIMITED] = { "delimited", cmd_delimited, NULL, SGA_COMMAND_ALLOWED_WHILE_FROZEN,
                        SGA_PLATFORM_ALL },
    [CMD_LINUX_ONLY] = { "linux-only", cmd_nothing, NULL, 0, SGA_PLATFORM_LINUX },
};

static SgaRegistry *registry_new(SgaPlatform platform)
{
    return sga_registry_new(fake_table, CMD_COUNT, platform);
}

/* ---- helpers ------------------------------------------------------------------- */

/* Dispatch request_text; returns the reply as the agent writes it ("(none)" for no
 * reply) and sets *delimit. */
static char *dispatch_text(const SgaRegistry *reg, const char *request_text, bool *delimit)
{
    json_object *request = json_tokener_parse(request_text);
    json_object *reply;
    GString *out = g_string_new(NULL);

    /* A JSON null parses to NULL, which is also a request the stream can deliver. */
    g_assert_true(request != NULL || strcmp(request_text, "null") == 0);
    *delimit = true;    /* must be reset by sga_dispatch */
    reply = sga_dispatch(reg, request, delimit);
    if (reply) {
        sga_json_write(out, reply);
        json_object_put(reply);
    } else {
        g_string_append(out, "(none)");
    }
    json_object_put(request);
    return g_string_free(out, FALSE);
}

static void assert_dispatch(const SgaRegistry *reg, const char *request_text, const char *expected)
{
    bool delimit;
    g_autofree char *reply = dispatch_text(reg, request_text, &delimit);

    g_assert_cmpstr(reply, ==, expected);
    g_assert_false(delimit);
}

#define GENERIC(desc) "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}}"
#define NOT_FOUND(desc) "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"" desc "\"}}"

/* ---- dispatch ----------------------------------------------------------------- */

static void test_success(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    memset(&seen, 0, sizeof(seen));
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {\"value\": \"ab\", \"times\": 3}}",
                    "{\"return\": \"ababab\"}");
    g_assert_cmpint(seen.calls, ==, 1);
    g_assert_nonnull(seen.args);
    g_assert_true(seen.registry == reg);

    /* A command without arguments gets NULL, and a NULL result is an empty object. */
    assert_dispatch(reg, "{\"execute\": \"nothing\"}", "{\"return\": {}}");
    g_assert_cmpint(seen.calls, ==, 2);
    g_assert_null(seen.args);
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"arguments\": {}}", "{\"return\": {}}");
    g_assert_cmpint(seen.calls, ==, 3);
    sga_registry_free(reg);
}

static void test_argument_errors(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    memset(&seen, 0, sizeof(seen));
    /* No "arguments" is the same as empty ones. */
    assert_dispatch(reg, "{\"execute\": \"echo\"}", GENERIC("Parameter 'value' is missing"));
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {}}", GENERIC("Parameter 'value' is missing"));
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {\"value\": 1}}",
                    GENERIC("Invalid parameter type for 'value', expected: string"));
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {\"value\": \"x\", \"other\": 1}}",
                    GENERIC("Parameter 'other' is unexpected"));
    /* Commands without arguments refuse any. */
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"arguments\": {\"x\": 1}}",
                    GENERIC("Parameter 'x' is unexpected"));
    /* The handler never ran. */
    g_assert_cmpint(seen.calls, ==, 0);
    sga_registry_free(reg);
}

static void test_envelope_errors(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    memset(&seen, 0, sizeof(seen));
    /* qmp_dispatch_check_obj's rules and words. */
    assert_dispatch(reg, "[]", GENERIC("QMP input must be a JSON object"));
    assert_dispatch(reg, "[{\"execute\": \"nothing\"}]", GENERIC("QMP input must be a JSON object"));
    assert_dispatch(reg, "\"nothing\"", GENERIC("QMP input must be a JSON object"));
    assert_dispatch(reg, "3", GENERIC("QMP input must be a JSON object"));
    assert_dispatch(reg, "null", GENERIC("QMP input must be a JSON object"));
    assert_dispatch(reg, "{}", GENERIC("QMP input lacks member 'execute'"));
    assert_dispatch(reg, "{\"arguments\": {}}", GENERIC("QMP input lacks member 'execute'"));
    assert_dispatch(reg, "{\"execute\": 1}", GENERIC("QMP input member 'execute' must be a string"));
    assert_dispatch(reg, "{\"execute\": null}", GENERIC("QMP input member 'execute' must be a string"));
    assert_dispatch(reg, "{\"execute\": [\"nothing\"]}", GENERIC("QMP input member 'execute' must be a string"));
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"arguments\": []}",
                    GENERIC("QMP input member 'arguments' must be an object"));
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"arguments\": null}",
                    GENERIC("QMP input member 'arguments' must be an object"));
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"extra\": 1}",
                    GENERIC("QMP input member 'extra' is unexpected"));
    /* Out-of-band execution is not for qemu-ga. */
    assert_dispatch(reg, "{\"exec-oob\": \"nothing\"}", GENERIC("QMP input member 'exec-oob' is unexpected"));
    /* The envelope is checked before the command is looked up. */
    assert_dispatch(reg, "{\"execute\": \"no-such-command\", \"arguments\": 1}",
                    GENERIC("QMP input member 'arguments' must be an object"));
    g_assert_cmpint(seen.calls, ==, 0);
    sga_registry_free(reg);
}

static void test_command_not_found(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    assert_dispatch(reg, "{\"execute\": \"no-such-command\"}",
                    NOT_FOUND("The command no-such-command has not been found"));
    assert_dispatch(reg, "{\"execute\": \"\"}", NOT_FOUND("The command  has not been found"));
    /* Names are exact. */
    assert_dispatch(reg, "{\"execute\": \"Echo\"}", NOT_FOUND("The command Echo has not been found"));
    /* Arguments are not looked at for an unknown command. */
    assert_dispatch(reg, "{\"execute\": \"nope\", \"arguments\": {\"x\": 1}}",
                    NOT_FOUND("The command nope has not been found"));
    sga_registry_free(reg);
}

static void test_disabled(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);
    static const char *const allowed[] = { "echo", "win-only", "delimited", NULL };

    memset(&seen, 0, sizeof(seen));
    /* Not for this platform, and blocked: no reason given, as in qemu-ga 7.2. */
    assert_dispatch(reg, "{\"execute\": \"win-only\"}", NOT_FOUND("Command win-only has been disabled"));
    g_assert_true(sga_registry_block(reg, "fails"));
    assert_dispatch(reg, "{\"execute\": \"fails\"}", NOT_FOUND("Command fails has been disabled"));
    /* The disabled check comes before the argument check. */
    assert_dispatch(reg, "{\"execute\": \"win-only\", \"arguments\": {\"x\": 1}}",
                    NOT_FOUND("Command win-only has been disabled"));

    /* An allow list disables the rest, with a reason. */
    sga_registry_allow_only(reg, allowed);
    assert_dispatch(reg, "{\"execute\": \"nothing\"}",
                    NOT_FOUND("Command nothing has been disabled: the command is not allowed"));
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {\"value\": \"v\"}}", "{\"return\": \"v\"}");
    /* Allowing does not undo the platform or the block list. */
    assert_dispatch(reg, "{\"execute\": \"win-only\"}", NOT_FOUND("Command win-only has been disabled"));
    assert_dispatch(reg, "{\"execute\": \"fails\"}", NOT_FOUND("Command fails has been disabled"));

    /* Frozen: only the commands flagged for it still run. */
    sga_registry_set_frozen(reg, true);
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {\"value\": \"v\"}}",
                    NOT_FOUND("Command echo has been disabled: the agent is in frozen state"));
    /* Left out of the allow list wins over frozen. */
    assert_dispatch(reg, "{\"execute\": \"nothing\"}",
                    NOT_FOUND("Command nothing has been disabled: the command is not allowed"));
    bool delimit;
    g_autofree char *reply = dispatch_text(reg, "{\"execute\": \"delimited\"}", &delimit);
    g_assert_cmpstr(reply, ==, "{\"return\": 42}");
    g_assert_true(delimit);

    sga_registry_set_frozen(reg, false);
    assert_dispatch(reg, "{\"execute\": \"echo\", \"arguments\": {\"value\": \"w\"}}", "{\"return\": \"w\"}");
    /* Only allowed commands ran. */
    g_assert_cmpint(seen.calls, ==, 3);
    sga_registry_free(reg);
}

static void test_id_echo(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    /* Any JSON value is echoed as it came, after the result or the error. */
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"id\": 7}", "{\"return\": {}, \"id\": 7}");
    assert_dispatch(reg, "{\"id\": \"abc\", \"execute\": \"nothing\"}", "{\"return\": {}, \"id\": \"abc\"}");
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"id\": {\"a\": [1, 2.5]}}",
                    "{\"return\": {}, \"id\": {\"a\": [1, 2.5]}}");
    assert_dispatch(reg, "{\"execute\": \"nothing\", \"id\": null}", "{\"return\": {}, \"id\": null}");
    assert_dispatch(reg, "{\"execute\": \"fails\", \"id\": 1}",
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                    "\"Guest agent command failed, error was 'boom'\"}, \"id\": 1}");
    assert_dispatch(reg, "{\"execute\": \"nope\", \"id\": 2}",
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"The command nope has not been found\"}, \"id\": 2}");
    assert_dispatch(reg, "{\"execute\": \"win-only\", \"id\": 3}",
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"Command win-only has been disabled\"}, \"id\": 3}");
    /* Envelope errors echo the id too, once the request is an object. */
    assert_dispatch(reg, "{\"id\": 5}",
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                    "\"QMP input lacks member 'execute'\"}, \"id\": 5}");
    assert_dispatch(reg, "{\"id\": null, \"execute\": 1}",
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                    "\"QMP input member 'execute' must be a string\"}, \"id\": null}");
    assert_dispatch(reg, "{\"execute\": \"echo\", \"id\": [1]}",
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                    "\"Parameter 'value' is missing\"}, \"id\": [1]}");
    sga_registry_free(reg);
}

static void test_no_success_response(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    memset(&seen, 0, sizeof(seen));
    /* Success: no reply at all, id or not. */
    assert_dispatch(reg, "{\"execute\": \"quiet\"}", "(none)");
    assert_dispatch(reg, "{\"execute\": \"quiet\", \"arguments\": {\"fail\": false}, \"id\": 9}", "(none)");
    g_assert_cmpint(seen.calls, ==, 2);
    /* Failure of the handler or of the arguments: an error reply. */
    assert_dispatch(reg, "{\"execute\": \"quiet\", \"arguments\": {\"fail\": true}, \"id\": 9}",
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"quiet failed\"}, \"id\": 9}");
    assert_dispatch(reg, "{\"execute\": \"quiet\", \"arguments\": {\"fail\": 1}}",
                    GENERIC("Invalid parameter type for 'fail', expected: boolean"));
    g_assert_true(sga_registry_block(reg, "quiet"));
    assert_dispatch(reg, "{\"execute\": \"quiet\"}", NOT_FOUND("Command quiet has been disabled"));
    sga_registry_free(reg);
}

static void test_handler_errors(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);

    assert_dispatch(reg, "{\"execute\": \"fails\"}", GENERIC("Guest agent command failed, error was 'boom'"));
    assert_dispatch(reg, "{\"execute\": \"fails-foreign\"}", GENERIC("no such file"));
    /* A handler may choose the class. */
    assert_dispatch(reg, "{\"execute\": \"fails-not-found\"}", NOT_FOUND("not here"));
    sga_registry_free(reg);
}

static void test_delimit(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);
    bool delimit;

    g_autofree char *r1 = dispatch_text(reg, "{\"execute\": \"delimited\", \"id\": 1}", &delimit);
    g_assert_cmpstr(r1, ==, "{\"return\": 42, \"id\": 1}");
    g_assert_true(delimit);
    /* The flag belongs to one request: the next reply is not delimited. */
    g_autofree char *r2 = dispatch_text(reg, "{\"execute\": \"nothing\"}", &delimit);
    g_assert_cmpstr(r2, ==, "{\"return\": {}}");
    g_assert_false(delimit);
    /* A request that fails before the handler runs is not delimited. */
    g_autofree char *r3 = dispatch_text(reg, "{\"execute\": \"delimited\", \"arguments\": {\"x\": 1}}", &delimit);
    g_assert_cmpstr(r3, ==, GENERIC("Parameter 'x' is unexpected"));
    g_assert_false(delimit);
    sga_registry_free(reg);
}

static void test_error_reply(void)
{
    GError *e1 = g_error_new(SGA_ERROR, SGA_ERROR_GENERIC, "JSON parse error, stray '%s'", "@");
    GError *e2 = g_error_new(SGA_ERROR, SGA_ERROR_COMMAND_NOT_FOUND, "gone");
    GError *e3 = g_error_new(G_FILE_ERROR, G_FILE_ERROR_ACCES, "no \"access\"");
    json_object *r;
    GString *out = g_string_new(NULL);

    r = sga_dispatch_error_reply(e1);
    sga_json_write(out, r);
    json_object_put(r);
    g_string_append_c(out, '\n');
    r = sga_dispatch_error_reply(e2);
    sga_json_write(out, r);
    json_object_put(r);
    g_string_append_c(out, '\n');
    r = sga_dispatch_error_reply(e3);
    sga_json_write(out, r);
    json_object_put(r);
    g_assert_cmpstr(out->str, ==,
                    GENERIC("JSON parse error, stray '@'") "\n" NOT_FOUND("gone") "\n"
                    GENERIC("no \\\"access\\\""));
    g_string_free(out, TRUE);
    g_error_free(e1);
    g_error_free(e2);
    g_error_free(e3);
}

/* ---- registry ---------------------------------------------------------------- */

static void visit_record(const SgaCommand *cmd, bool enabled, void *opaque)
{
    GString *out = opaque;

    g_string_append_printf(out, "%s%s=%d", out->len ? " " : "", cmd->name, enabled);
}

static char *registry_listing(const SgaRegistry *reg)
{
    GString *out = g_string_new(NULL);

    sga_registry_foreach(reg, visit_record, out);
    return g_string_free(out, FALSE);
}

static void assert_listing(const SgaRegistry *reg, const char *expected)
{
    g_autofree char *listing = registry_listing(reg);

    g_assert_cmpstr(listing, ==, expected);
}

static void test_registry(void)
{
    SgaRegistry *reg = registry_new(SGA_PLATFORM_LINUX);
    static const char *const allowed[] = { "echo", "quiet", "nothing", NULL };
    const char *reason = "unset";

    /* Lookup finds table rows by exact name. */
    g_assert_true(sga_registry_lookup(reg, "echo") == &fake_table[CMD_ECHO]);
    g_assert_true(sga_registry_lookup(reg, "linux-only") == &fake_table[CMD_LINUX_ONLY]);
    g_assert_null(sga_registry_lookup(reg, "ech"));
    g_assert_null(sga_registry_lookup(reg, ""));

    /* foreach visits in table order, with the enabled state. */
    assert_listing(reg, "echo=1 nothing=1 quiet=1 win-only=0 fails=1 fails-foreign=1 "
                        "fails-not-found=1 delimited=1 linux-only=1");

    g_assert_true(sga_registry_is_enabled(reg, &fake_table[CMD_ECHO], &reason));
    g_assert_null(reason);
    reason = "unset";
    g_assert_false(sga_registry_is_enabled(reg, &fake_table[CMD_WIN_ONLY], &reason));
    g_assert_null(reason);
    g_assert_false(sga_registry_is_enabled(reg, &fake_table[CMD_WIN_ONLY], NULL));

    /* Blocking: unknown names are refused, and blocking twice is fine. */
    g_assert_false(sga_registry_block(reg, "no-such-command"));
    g_assert_true(sga_registry_block(reg, "fails"));
    g_assert_true(sga_registry_block(reg, "fails"));
    g_assert_true(sga_registry_block(reg, "echo"));
    assert_listing(reg, "echo=0 nothing=1 quiet=1 win-only=0 fails=0 fails-foreign=1 "
                        "fails-not-found=1 delimited=1 linux-only=1");

    /* The allow list: blocked commands stay disabled even when allowed, and a
     * blocked command gives no reason even when also not allowed. */
    sga_registry_allow_only(reg, allowed);
    assert_listing(reg, "echo=0 nothing=1 quiet=1 win-only=0 fails=0 fails-foreign=0 "
                        "fails-not-found=0 delimited=0 linux-only=0");
    g_assert_false(sga_registry_is_enabled(reg, &fake_table[CMD_FAILS], &reason));
    g_assert_null(reason);
    g_assert_false(sga_registry_is_enabled(reg, &fake_table[CMD_DELIMITED], &reason));
    g_assert_cmpstr(reason, ==, "the command is not allowed");

    /* Frozen: the flagged command that is allowed keeps running. */
    sga_registry_set_frozen(reg, true);
    assert_listing(reg, "echo=0 nothing=1 quiet=0 win-only=0 fails=0 fails-foreign=0 "
                        "fails-not-found=0 delimited=0 linux-only=0");
    g_assert_false(sga_registry_is_enabled(reg, &fake_table[CMD_QUIET], &reason));
    g_assert_cmpstr(reason, ==, "the agent is in frozen state");
    g_assert_false(sga_registry_is_enabled(reg, &fake_table[CMD_DELIMITED], &reason));
    g_assert_cmpstr(reason, ==, "the command is not allowed");

    sga_registry_set_frozen(reg, false);
    g_assert_true(sga_registry_is_enabled(reg, &fake_table[CMD_QUIET], &reason));
    g_assert_null(reason);

    /* A new allow list replaces the old one. */
    static const char *const none[] = { NULL };
    sga_registry_allow_only(reg, none);
    assert_listing(reg, "echo=0 nothing=0 quiet=0 win-only=0 fails=0 fails-foreign=0 "
                        "fails-not-found=0 delimited=0 linux-only=0");
    sga_registry_free(reg);
    sga_registry_free(NULL);
}

static void test_registry_platforms(void)
{
    SgaRegistry *reg;

    reg = registry_new(SGA_PLATFORM_WIN32);
    assert_listing(reg, "echo=1 nothing=1 quiet=1 win-only=1 fails=1 fails-foreign=1 "
                        "fails-not-found=1 delimited=1 linux-only=0");
    /* Unsupported commands still exist: they are found, and refused as disabled. */
    assert_dispatch(reg, "{\"execute\": \"linux-only\"}", NOT_FOUND("Command linux-only has been disabled"));
    sga_registry_free(reg);

    reg = registry_new(SGA_PLATFORM_OTHER_POSIX);
    assert_listing(reg, "echo=1 nothing=1 quiet=1 win-only=0 fails=1 fails-foreign=1 "
                        "fails-not-found=1 delimited=1 linux-only=0");
    sga_registry_free(reg);

    /* An empty table. */
    reg = sga_registry_new(fake_table, 0, SGA_PLATFORM_LINUX);
    assert_listing(reg, "");
    g_assert_null(sga_registry_lookup(reg, "echo"));
    assert_dispatch(reg, "{\"execute\": \"echo\"}", NOT_FOUND("The command echo has not been found"));
    sga_registry_free(reg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dispatch/success", test_success);
    g_test_add_func("/dispatch/argument-errors", test_argument_errors);
    g_test_add_func("/dispatch/envelope-errors", test_envelope_errors);
    g_test_add_func("/dispatch/command-not-found", test_command_not_found);
    g_test_add_func("/dispatch/disabled", test_disabled);
    g_test_add_func("/dispatch/id-echo", test_id_echo);
    g_test_add_func("/dispatch/no-success-response", test_no_success_response);
    g_test_add_func("/dispatch/handler-errors", test_handler_errors);
    g_test_add_func("/dispatch/delimit", test_delimit);
    g_test_add_func("/dispatch/error-reply", test_error_reply);
    g_test_add_func("/dispatch/registry", test_registry);
    g_test_add_func("/dispatch/registry-platforms", test_registry_platforms);
    return g_test_run();
}
