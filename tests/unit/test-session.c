/* test-session.c: unit tests of one host conversation: framing, replies, backpressure (src/protocol/session.c). */
#include <string.h>

#include "commands.h"
#include "registry.h"
#include "session.h"
#include "sga-build-config.h"

/* ---- a fake transport ---------------------------------------------------------- */

typedef struct {
    GByteArray *sent;           /* every byte the session queued, in order */
    guint sends;                /* calls to send */
    size_t queued;              /* what queued() reports */
    bool receiving;             /* the last set_receiving state */
    guint receiving_on;         /* calls with true */
    guint receiving_off;        /* calls with false */
} FakeOutput;

static void fake_send(void *opaque, char *data, size_t len)
{
    FakeOutput *f = opaque;

    g_byte_array_append(f->sent, (const guint8 *)data, (guint)len);
    f->sends++;
    g_free(data);
}

static size_t fake_queued(void *opaque)
{
    FakeOutput *f = opaque;

    return f->queued;
}

static void fake_set_receiving(void *opaque, bool receiving)
{
    FakeOutput *f = opaque;

    f->receiving = receiving;
    if (receiving) {
        f->receiving_on++;
    } else {
        f->receiving_off++;
    }
}

typedef struct {
    FakeOutput out;
    SgaRegistry *reg;
    SgaSession *session;
} Fixture;

static void fixture_setup(Fixture *fx, gconstpointer data)
{
    SgaSessionOutput output = {
        .send = fake_send, .queued = fake_queued, .set_receiving = fake_set_receiving, .opaque = &fx->out,
    };

    memset(&fx->out, 0, sizeof(fx->out));
    fx->out.sent = g_byte_array_new();
    fx->out.receiving = true;
    /* The agent's real command table. */
    fx->reg = sga_registry_new(sga_command_table, sga_command_table_size, SGA_PLATFORM_LINUX);
    fx->session = sga_session_new(fx->reg, &output);
    sga_session_begin(fx->session);
}

static void fixture_teardown(Fixture *fx, gconstpointer data)
{
    sga_session_free(fx->session);
    sga_registry_free(fx->reg);
    g_byte_array_unref(fx->out.sent);
}

static void receive(Fixture *fx, const char *text)
{
    sga_session_receive(fx->session, text, strlen(text));
}

/* What was sent since the last call, as a string (replies hold no NUL bytes). */
static char *sent_take(Fixture *fx)
{
    char *s = g_strndup((const char *)fx->out.sent->data, fx->out.sent->len);

    g_assert_cmpuint(strlen(s), ==, fx->out.sent->len);
    g_byte_array_set_size(fx->out.sent, 0);
    return s;
}

#define ASSERT_SENT(fx, expected) \
    do { \
        g_autofree char *sent_ = sent_take(fx); \
        g_assert_cmpstr(sent_, ==, (expected)); \
    } while (0)

#define PING "{\"execute\": \"guest-ping\"}"
#define PONG "{\"return\": {}}\n"

/* ---- replies ---------------------------------------------------------------------- */

static void test_replies(Fixture *fx, gconstpointer data)
{
    /* One newline-terminated reply per request, each its own send. */
    receive(fx, PING);
    ASSERT_SENT(fx, PONG);
    g_assert_cmpuint(fx->out.sends, ==, 1);
    receive(fx, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 5}, \"id\": \"x\"}"
                "{\"execute\": \"guest-ping\"}\n{\"execute\": \"nope\"}");
    ASSERT_SENT(fx, "{\"return\": 5, \"id\": \"x\"}\n" PONG
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}}\n");
    g_assert_cmpuint(fx->out.sends, ==, 4);
    /* Stream errors get a reply too; then the stream goes on. */
    receive(fx, "@ " PING);
    ASSERT_SENT(fx, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '@'\"}}\n" PONG);
    receive(fx, "null ");
    ASSERT_SENT(fx, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\n");
    /* Nothing is sent for a half request or for blanks. */
    receive(fx, " \n {\"execute\": ");
    ASSERT_SENT(fx, "");
    receive(fx, "\"guest-ping\"}");
    ASSERT_SENT(fx, PONG);
    g_assert_cmpuint(fx->out.receiving_off, ==, 0);
}

static void test_sync_delimited(Fixture *fx, gconstpointer data)
{
    /* guest-sync-delimited's reply starts with the 0xFF sentinel; others do not. */
    receive(fx, "{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": 123}}");
    ASSERT_SENT(fx, "\xff{\"return\": 123}\n");
    receive(fx, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 124}}");
    ASSERT_SENT(fx, "{\"return\": 124}\n");
    /* A failed guest-sync-delimited is not delimited. */
    receive(fx, "{\"execute\": \"guest-sync-delimited\"}");
    ASSERT_SENT(fx, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'id' is missing\"}}\n");

    /* The host's resynchronization: 0xFF drops a half request silently, and the
     * sync that follows is answered alone. */
    receive(fx, "{\"execute\": \"guest-pi");
    receive(fx, "\xff{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": 77}}");
    ASSERT_SENT(fx, "\xff{\"return\": 77}\n");
}

static void test_byte_by_byte(Fixture *fx, gconstpointer data)
{
    static const char input[] =
        "{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": -1}}" PING "[1]\n";

    /* However the transport cuts the input, the replies are the same. */
    for (size_t i = 0; i < sizeof(input) - 1; i++) {
        sga_session_receive(fx->session, input + i, 1);
    }
    ASSERT_SENT(fx, "\xff{\"return\": -1}\n" PONG
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\n");
    g_assert_cmpuint(fx->out.sends, ==, 3);
}

static void test_guest_info(Fixture *fx, gconstpointer data)
{
    g_autofree char *sent = NULL;

    /* The session answers with the real table through the registry it was given. */
    sga_registry_block(fx->reg, "guest-get-time");
    receive(fx, "{\"execute\": \"guest-info\"}");
    sent = sent_take(fx);
    g_assert_true(g_str_has_prefix(sent, "{\"return\": {\"version\": \"" SGA_QGA_COMPAT_VERSION "\", "
                                         "\"supported_commands\": [{\"name\": "));
    g_assert_nonnull(strstr(sent, "{\"name\": \"guest-sync-delimited\", \"enabled\": true, \"success-response\": true}"));
    g_assert_nonnull(strstr(sent, "{\"name\": \"guest-get-time\", \"enabled\": false, \"success-response\": true}"));
    g_assert_true(g_str_has_suffix(sent, "]}}\n"));
}

/* ---- backpressure ------------------------------------------------------------------ */

static void test_backpressure(Fixture *fx, gconstpointer data)
{
    /* The host reads nothing: the transport reports more queued than the high water. */
    fx->out.queued = SGA_SESSION_OUTPUT_HIGH_WATER + 1;
    receive(fx, PING PING "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 3}}");
    /* One request was answered; then receiving was switched off. */
    ASSERT_SENT(fx, PONG);
    g_assert_false(fx->out.receiving);
    g_assert_cmpuint(fx->out.receiving_off, ==, 1);

    /* What the transport still hands over is held, not processed. */
    receive(fx, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 4}}{\"execute\": \"guest-sync\", ");
    ASSERT_SENT(fx, "");

    /* The queue drained: everything held is processed in order, receiving resumes. */
    fx->out.queued = 0;
    sga_session_drained(fx->session);
    ASSERT_SENT(fx, PONG "{\"return\": 3}\n{\"return\": 4}\n");
    g_assert_true(fx->out.receiving);
    g_assert_cmpuint(fx->out.receiving_on, ==, 1);

    /* The half request held at the end is completed by the next bytes. */
    receive(fx, "\"arguments\": {\"id\": 5}}");
    ASSERT_SENT(fx, "{\"return\": 5}\n");

    /* Drained while not paused changes nothing. */
    sga_session_drained(fx->session);
    ASSERT_SENT(fx, "");
    g_assert_cmpuint(fx->out.receiving_on, ==, 1);
    g_assert_cmpuint(fx->out.receiving_off, ==, 1);
}

static void test_backpressure_threshold(Fixture *fx, gconstpointer data)
{
    /* Exactly at the high water mark is still fine. */
    fx->out.queued = SGA_SESSION_OUTPUT_HIGH_WATER;
    receive(fx, PING PING PING);
    ASSERT_SENT(fx, PONG PONG PONG);
    g_assert_cmpuint(fx->out.receiving_off, ==, 0);
    g_assert_true(fx->out.receiving);
}

static void test_backpressure_repeated(Fixture *fx, gconstpointer data)
{
    fx->out.queued = SGA_SESSION_OUTPUT_HIGH_WATER + 1;
    receive(fx, PING PING PING);
    ASSERT_SENT(fx, PONG);
    g_assert_false(fx->out.receiving);

    /* Drained, but the queue fills again with the next reply: one more request is
     * answered and receiving stays off. */
    sga_session_drained(fx->session);
    ASSERT_SENT(fx, PONG);
    g_assert_false(fx->out.receiving);
    g_assert_cmpuint(fx->out.receiving_on, ==, 0);

    fx->out.queued = 0;
    sga_session_drained(fx->session);
    ASSERT_SENT(fx, PONG);
    g_assert_true(fx->out.receiving);
    g_assert_cmpuint(fx->out.receiving_on, ==, 1);

    /* Requests that bring no reply (blanks, a 0xFF) do not pause anything. */
    fx->out.queued = SGA_SESSION_OUTPUT_HIGH_WATER + 1;
    receive(fx, "  \xff  ");
    ASSERT_SENT(fx, "");
    g_assert_true(fx->out.receiving);
}

/* ---- a new session ---------------------------------------------------------------- */

static void test_begin_resets(Fixture *fx, gconstpointer data)
{
    /* Without a new session, a half request swallows the start of the next one:
     * the string goes on to the next quote, and "guest-ping" is then read bare. */
    receive(fx, "{\"execute\": \"guest-pi");
    receive(fx, PING);
    ASSERT_SENT(fx, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '-p'\"}}\n");

    /* A new host session starts from a clean parser. */
    receive(fx, "{\"execute\": \"guest-pi");
    sga_session_begin(fx->session);
    receive(fx, PING);
    ASSERT_SENT(fx, PONG);

    /* It also forgets input held for a host that is gone, and the pause. */
    fx->out.queued = SGA_SESSION_OUTPUT_HIGH_WATER + 1;
    receive(fx, PING PING);
    ASSERT_SENT(fx, PONG);
    g_assert_false(fx->out.receiving);
    fx->out.queued = 0;
    sga_session_begin(fx->session);
    receive(fx, "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 9}}");
    ASSERT_SENT(fx, "{\"return\": 9}\n");
    sga_session_drained(fx->session);
    ASSERT_SENT(fx, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/session/replies", test_replies);
    ADD("/session/sync-delimited", test_sync_delimited);
    ADD("/session/byte-by-byte", test_byte_by_byte);
    ADD("/session/guest-info", test_guest_info);
    ADD("/session/backpressure", test_backpressure);
    ADD("/session/backpressure-threshold", test_backpressure_threshold);
    ADD("/session/backpressure-repeated", test_backpressure_repeated);
    ADD("/session/begin-resets", test_begin_resets);
#undef ADD
    return g_test_run();
}
