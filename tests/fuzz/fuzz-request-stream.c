/* fuzz-request-stream.c: libFuzzer target: the host's byte stream through a whole session, split and throttled many ways. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "json-stream.h"
#include "platform.h"
#include "registry.h"
#include "session.h"
#include "sga-json-writer.h"

/*
 * Every input is played several times: once in one piece as the reference, then
 * split into other chunkings with output backpressure switched on and off. The
 * replies must be the same each time (where a message is split cannot change what
 * it means), each must be one line of ASCII JSON, and a trailing 0xFF +
 * guest-sync-delimited must always resynchronize, whatever state the input left
 * the parser in: that is the promise hosts rely on. A last play goes to an agent
 * that is frozen or has -a/-b lists.
 */

/* Appended to every input: the host's resynchronization, and its only answer. */
static const char resync_request[] =
    "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":424242}}";
static const char resync_reply[] = "\xff{\"return\": 424242}\n";
/* What the parser alone makes of it. */
static const char resync_value[] =
    "{\"execute\": \"guest-sync-delimited\", \"arguments\": {\"id\": 424242}}\n";

/* Replies echo ids up to the parser's nesting limit; json-c's own default is 32. */
#define REPLY_PARSE_DEPTH 4096
/* Inputs longer than this are split into 7-byte pieces instead of single bytes. */
#define BYTEWISE_MAX_LEN 8192
/* Every this many inputs, open descriptors are counted; more than this many new
 * ones is a leak. */
#define FD_CHECK_INTERVAL 1000
#define FD_CHECK_SLACK 16

typedef enum {
    PRESSURE_NEVER,     /* the host reads everything at once */
    PRESSURE_ALWAYS,    /* every reply fills the queue */
    PRESSURE_RANDOM,    /* some replies do */
} PressureMode;

/* The fake transport: it collects replies and plays a host that reads slowly. */
typedef struct {
    GString *transcript;        /* every reply, guest-get-time's clock masked */
    size_t replies;
    PressureMode pressure;
    uint64_t rng;
    size_t queued_report;       /* what queued() says next */
    bool last_report_over;      /* the last queued() answer was above the high water */
    bool receiving;
    bool in_drained;
} FakeHost;

/* [0]: a plain agent, which every comparison uses; [1], [2]: restricted ones. */
static const SgaRegistry *registries[3];
/* Made once: a deep tokener costs a large allocation. */
static json_tokener *reply_tokener;

static uint64_t rng_next(uint64_t *state)
{
    /* xorshift64*: a cheap deterministic stream; the state is never zero. */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t input_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ULL;     /* FNV-1a */

    for (size_t i = 0; i < size; i++) {
        h = (h ^ data[i]) * 0x100000001b3ULL;
    }
    return h ? h : 1;
}

/* Replies hold 0xFF and newlines: show them escaped, on one line. */
static void print_escaped(const char *data, size_t len, size_t max)
{
    for (size_t i = 0; i < len && i < max; i++) {
        unsigned char c = (unsigned char)data[i];
        fprintf(stderr, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    }
    fputs(len > max ? "...\n" : "\n", stderr);
}

static void G_GNUC_NORETURN G_GNUC_PRINTF(3, 4)
fail(const char *data, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nthe bytes concerned (%zu): ", len);
    print_escaped(data, len, 2000);
    abort();
}

/* One reply as the host receives it: [0xFF] one JSON object, ASCII only, "\n". */
static void reply_check(const char *data, size_t len)
{
    const char *text = data;
    size_t text_len = len;
    bool delimited = len > 0 && (unsigned char)data[0] == 0xFF;
    json_object *reply, *member, *err_class, *desc;
    int members;

    if (delimited) {
        text++;
        text_len--;
    }
    if (text_len < 2 || text[text_len - 1] != '\n') {
        fail(data, len, "reply does not end in a newline");
    }
    text_len--;
    for (size_t i = 0; i < text_len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7e) {
            fail(data, len, "reply byte %zu is 0x%02x, not printable ASCII", i, c);
        }
    }
    json_tokener_reset(reply_tokener);
    reply = json_tokener_parse_ex(reply_tokener, text, (int)text_len);
    if (!reply || json_tokener_get_error(reply_tokener) != json_tokener_success ||
        json_tokener_get_parse_end(reply_tokener) != text_len) {
        fail(data, len, "reply is not one JSON value: %s",
             json_tokener_error_desc(json_tokener_get_error(reply_tokener)));
    }
    if (!json_object_is_type(reply, json_type_object)) {
        fail(data, len, "reply is not a JSON object");
    }
    members = json_object_object_length(reply);
    members -= json_object_object_get_ex(reply, "id", NULL);
    if (json_object_object_get_ex(reply, "return", &member)) {
        members--;
    } else if (json_object_object_get_ex(reply, "error", &member)) {
        members--;
        if (delimited) {
            fail(data, len, "an error reply carries the 0xFF delimiter");
        }
        if (!json_object_is_type(member, json_type_object) || json_object_object_length(member) != 2 ||
            !json_object_object_get_ex(member, "class", &err_class) ||
            !json_object_object_get_ex(member, "desc", &desc) ||
            !json_object_is_type(err_class, json_type_string) ||
            !json_object_is_type(desc, json_type_string)) {
            fail(data, len, "error member is not {\"class\": string, \"desc\": string}");
        }
    } else {
        fail(data, len, "reply has neither \"return\" nor \"error\"");
    }
    if (members != 0) {
        fail(data, len, "reply has members besides return/error and id");
    }
    json_object_put(reply);
}

/* guest-get-time answers a bare integer that differs between plays; mask it
 * (guest-sync's echo is masked too, which costs nothing: its id is checked by
 * the resync suffix and by every id echo). */
static void transcript_append(FakeHost *h, const char *data, size_t len)
{
    static const char bare_return[] = "{\"return\": ";
    size_t prefix = sizeof(bare_return) - 1;

    if (len > prefix && memcmp(data, bare_return, prefix) == 0 &&
        (g_ascii_isdigit(data[prefix]) || data[prefix] == '-')) {
        size_t i = prefix + 1;
        while (i < len && g_ascii_isdigit(data[i])) {
            i++;
        }
        g_string_append_len(h->transcript, data, (gssize)prefix);
        g_string_append_c(h->transcript, '#');
        g_string_append_len(h->transcript, data + i, (gssize)(len - i));
    } else {
        g_string_append_len(h->transcript, data, (gssize)len);
    }
}

static void host_send(void *opaque, char *data, size_t len)
{
    FakeHost *h = opaque;

    if (!h->receiving && !h->in_drained) {
        fail(data, len, "a reply was sent while the session was paused");
    }
    reply_check(data, len);
    transcript_append(h, data, len);
    h->replies++;
    g_free(data);

    switch (h->pressure) {
    case PRESSURE_NEVER:
        h->queued_report = 0;
        break;
    case PRESSURE_ALWAYS:
        h->queued_report = SGA_SESSION_OUTPUT_HIGH_WATER + 1;
        break;
    case PRESSURE_RANDOM: {
        /* Exactly at the high water must not pause; one byte more must. */
        static const size_t reports[] = {
            0, 0, 100, SGA_SESSION_OUTPUT_HIGH_WATER, SGA_SESSION_OUTPUT_HIGH_WATER + 1, (size_t)64 << 20,
        };
        h->queued_report = reports[rng_next(&h->rng) % G_N_ELEMENTS(reports)];
        break;
    }
    }
}

static size_t host_queued(void *opaque)
{
    FakeHost *h = opaque;

    h->last_report_over = h->queued_report > SGA_SESSION_OUTPUT_HIGH_WATER;
    return h->queued_report;
}

static void host_set_receiving(void *opaque, bool receiving)
{
    FakeHost *h = opaque;

    if (!receiving && !h->last_report_over) {
        fail("", 0, "the session paused although the queue was not above the high water");
    }
    if (receiving && (!h->in_drained || h->receiving)) {
        fail("", 0, "the session resumed reading outside sga_session_drained or twice");
    }
    h->receiving = receiving;
}

/* The host takes everything queued, as often as the session pauses again. */
static void host_drain(FakeHost *h, SgaSession *session)
{
    while (!h->receiving) {
        size_t before = h->replies;
        h->queued_report = 0;
        h->in_drained = true;
        sga_session_drained(session);
        h->in_drained = false;
        /* Pausing again is only allowed after another reply, so this loop ends. */
        if (!h->receiving && h->replies == before) {
            fail("", 0, "sga_session_drained stayed paused without sending anything");
        }
    }
}

/*
 * Play the stream once: whole when one_piece, else in pieces of fixed_chunk
 * bytes, or of sizes drawn from the generator seeded with seed when fixed_chunk
 * is 0. The seed also decides when the fake host drains; while the session is
 * paused, the fake transport sometimes still hands over a piece it had already
 * read, which the session must hold.
 */
static void play(const SgaRegistry *reg, const uint8_t *stream, size_t len, uint64_t seed,
                 size_t fixed_chunk, bool one_piece, PressureMode pressure, GString *transcript)
{
    FakeHost host = {
        .transcript = transcript,
        .pressure = pressure,
        .rng = seed,
        .receiving = true,
    };
    SgaSessionOutput output = {
        .send = host_send,
        .queued = host_queued,
        .set_receiving = host_set_receiving,
        .opaque = &host,
    };
    SgaSession *session = sga_session_new(reg, &output);
    size_t pos = 0;

    sga_session_begin(session);
    while (pos < len) {
        size_t n = len - pos;
        if (!one_piece) {
            if (fixed_chunk) {
                n = MIN(n, fixed_chunk);
            } else {
                uint64_t r = rng_next(&host.rng);
                /* Mostly tiny pieces, where tokens and UTF-8 sequences get cut. */
                size_t size = (r & 3) ? 1 + ((r >> 8) % 8) : 1 + ((r >> 8) % 4096);
                n = MIN(n, size);
            }
        }
        if (!host.receiving && (rng_next(&host.rng) & 1)) {
            host_drain(&host, session);
        }
        sga_session_receive(session, (const char *)stream + pos, n);
        pos += n;
    }
    host_drain(&host, session);
    sga_session_free(session);
}

/*
 * The parser alone, with limits small enough for short inputs to break them, so
 * that skipping an oversized message without storing it gets split too. Writes
 * each value (qemu-style JSON) or error message on a line of its own.
 */
static void stream_play(const uint8_t *stream, size_t len, size_t piece, GString *out)
{
    static const SgaJsonLimits tiny = { .max_message_bytes = 200, .max_tokens = 40, .max_depth = 6 };
    SgaJsonStream *parser = sga_json_stream_new(&tiny);
    bool stalled = false;

    for (size_t pos = 0; pos < len;) {
        size_t n = MIN(len - pos, piece);
        const char *p = (const char *)stream + pos;

        pos += n;
        while (n > 0) {
            json_object *value = NULL;
            GError *error = NULL;
            size_t consumed = 0;
            SgaJsonStreamResult r = sga_json_stream_feed(parser, p, n, &consumed, &value, &error);

            if (consumed > n || (r == SGA_JSON_STREAM_NEED_MORE && consumed != n)) {
                fail(p, n, "sga_json_stream_feed used %zu of %zu bytes, result %d", consumed, n, r);
            }
            /* A token ended by the first byte fed ends a message without using
             * that byte; twice in a row would be a loop. */
            if (consumed == 0 && stalled) {
                fail(p, n, "sga_json_stream_feed made no progress twice");
            }
            stalled = consumed == 0;
            if (r == SGA_JSON_STREAM_VALUE) {
                sga_json_write(out, value);
                g_string_append_c(out, '\n');
                json_object_put(value);
            } else if (r == SGA_JSON_STREAM_ERROR) {
                g_string_append_printf(out, "error: %s\n", error->message);
                g_error_free(error);
            }
            p += consumed;
            n -= consumed;
        }
    }
    sga_json_stream_free(parser);
}

/* The appended resync must come back as the last reply, and whole. */
static void resync_check(const GString *transcript, const char *how)
{
    size_t tail = sizeof(resync_reply) - 1;
    size_t from;

    if (transcript->len >= tail && memcmp(transcript->str + transcript->len - tail, resync_reply, tail) == 0 &&
        (transcript->len == tail || transcript->str[transcript->len - tail - 1] == '\n')) {
        return;
    }
    from = transcript->len > 400 ? transcript->len - 400 : 0;
    fprintf(stderr, "0xFF + guest-sync-delimited did not resynchronize (input %s); the replies end: ", how);
    print_escaped(transcript->str + from, transcript->len - from, 400);
    abort();
}

static int open_fd_count(void)
{
    GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
    int n = 0;

    if (!dir) {
        return -1;
    }
    while (g_dir_read_name(dir)) {
        n++;
    }
    g_dir_close(dir);
    return n;
}

/* Commands read files; a descriptor leaked per request would pile up over many
 * inputs. Counting now and then keeps the check cheap; the slack is for what
 * libFuzzer itself may hold open. */
static void fd_leak_check(void)
{
    static unsigned long inputs;
    static int baseline = -1;

    if (inputs++ % FD_CHECK_INTERVAL != 0) {
        return;
    }
    if (baseline < 0) {
        baseline = open_fd_count();
    } else if (open_fd_count() > baseline + FD_CHECK_SLACK) {
        fprintf(stderr, "file descriptors leak: %d open, %d at the start\n", open_fd_count(), baseline);
        abort();
    }
}

static void transcript_compare(const GString *reference, const GString *other, const char *how)
{
    size_t i = 0;

    if (g_string_equal(reference, other)) {
        return;
    }
    while (i < reference->len && i < other->len && reference->str[i] == other->str[i]) {
        i++;
    }
    /* Start the excerpts at the reply where they part. */
    while (i > 0 && reference->str[i - 1] != '\n') {
        i--;
    }
    fprintf(stderr, "replies differ when the input is %s, from transcript byte %zu:\n  in one piece: ", how, i);
    print_escaped(reference->str + i, reference->len - i, 400);
    fprintf(stderr, "  %s: ", how);
    print_escaped(other->str + i, other->len - i, 400);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Random requests must never reach a command that changes the machine
     * (shutdown, set-time, file writes, exec), so only these read-only ones are
     * enabled; a command added to the table answers "not allowed" here until
     * someone judges it safe and lists it. guest-exec stays out: it runs
     * programs; so do guest-file-open (it creates files), the set-, freeze,
     * thaw, trim, shutdown and suspend commands and the ssh key writers. The status, kill and input commands only act on processes
     * guest-exec started, so here they always answer "Invalid parameter 'pid'"
     * (the pid is looked up before anything else is done), while their argument
     * checking is fuzzed. */
    static const char *const read_only[] = {
        "guest-sync-delimited", "guest-sync", "guest-ping", "guest-info",
        "guest-get-time", "guest-get-host-name", "guest-get-timezone", "guest-get-osinfo",
        "guest-exec-status", "__org.streamga_guest-exec-kill", "__org.streamga_guest-exec-input",
        /* Files: only handles guest-file-open made can be used, and open is not
         * listed, so these check their arguments and answer "not found". */
        "guest-file-close", "guest-file-read", "guest-file-write", "guest-file-seek",
        "guest-file-flush",
        "guest-fsfreeze-status", "guest-get-fsinfo", "guest-get-disks", "guest-get-diskstats",
        "guest-get-cpustats", "guest-get-vcpus", "guest-get-memory-blocks",
        "guest-get-memory-block-info", "guest-network-get-interfaces", "guest-network-get-route",
        "guest-get-load", "guest-get-users", "guest-ssh-get-authorized-keys", "guest-get-devices",
        NULL,
    };
    static const char *const fewer[] = {
        "guest-sync-delimited", "guest-sync", "guest-ping", "guest-get-osinfo", NULL,
    };
    static const char *const *const allow_lists[G_N_ELEMENTS(registries)] = {
        read_only, read_only, fewer,
    };
    SgaPlatform platform = sga_platform_current();

    /* Three states an agent can be in: plain; frozen, with a -b list; with a
     * shorter -a list. Each keeps guest-sync-delimited, which the resync needs. */
    for (size_t i = 0; i < G_N_ELEMENTS(registries); i++) {
        SgaRegistry *reg = sga_registry_new(sga_command_table, sga_command_table_size, platform);
        sga_registry_allow_only(reg, allow_lists[i]);
        if (i == 1) {
            sga_registry_set_frozen(reg, true);
            if (!sga_registry_block(reg, "guest-get-time") || !sga_registry_block(reg, "guest-info")) {
                fprintf(stderr, "the command table lost guest-get-time or guest-info\n");
                abort();
            }
        }
        registries[i] = reg;
    }

    reply_tokener = json_tokener_new_ex(REPLY_PARSE_DEPTH);
    json_tokener_set_flags(reply_tokener, JSON_TOKENER_STRICT);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = input_hash(data, size);
    size_t len = size + sizeof(resync_request) - 1;
    uint8_t *stream = g_malloc(len);
    GString *reference = g_string_new(NULL);
    GString *other = g_string_new(NULL);

    memcpy(stream, data, size);
    memcpy(stream + size, resync_request, sizeof(resync_request) - 1);

    play(registries[0], stream, len, seed, 0, true, PRESSURE_NEVER, reference);
    resync_check(reference, "in one piece");

    play(registries[0], stream, len, seed, size <= BYTEWISE_MAX_LEN ? 1 : 7, false, PRESSURE_ALWAYS, other);
    transcript_compare(reference, other, "sent byte by byte, paused after every reply");

    g_string_truncate(other, 0);
    play(registries[0], stream, len, seed, 0, false, PRESSURE_RANDOM, other);
    transcript_compare(reference, other, "split at random, paused now and then");

    /* Once more against a frozen agent or one with -a/-b lists: other commands
     * are refused, so only the replies' form and the resync are checked. */
    g_string_truncate(other, 0);
    play(registries[1 + seed % (G_N_ELEMENTS(registries) - 1)], stream, len, seed, 0, true,
         PRESSURE_NEVER, other);
    resync_check(other, "in one piece, to a restricted agent");

    g_string_truncate(reference, 0);
    g_string_truncate(other, 0);
    stream_play(stream, len, len, reference);
    if (!g_str_has_suffix(reference->str, resync_value)) {
        fprintf(stderr, "the parser with small limits did not resynchronize at 0xFF; its output ends: ");
        print_escaped(reference->str + MAX(reference->len, 400) - 400, MIN(reference->len, 400), 400);
        abort();
    }
    stream_play(stream, len, size <= BYTEWISE_MAX_LEN ? 1 : 7, other);
    transcript_compare(reference, other, "fed byte by byte to the parser with small limits");

    g_string_free(reference, TRUE);
    g_string_free(other, TRUE);
    g_free(stream);
    fd_leak_check();
    return 0;
}
