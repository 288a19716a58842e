/* test-exec-output.c: unit tests of guest-exec output buffering (src/commands/exec-output.c) against a fake child. */
#include <string.h>

#include <glib.h>

#include "exec-output.h"
#include "sga-utf8.h"

/*
 * exec-output.c reaches the child only through sga_child_read and
 * sga_child_watch_stream, so this file defines those two over an in-memory pipe
 * and the linker never pulls in the real child.c. That keeps every case exact
 * (how much each read returns, when the writer closes) without processes, a
 * main loop or timing, and lets the random test compare against a model.
 */
struct SgaChild {
    GByteArray *pipe[2];    /* written by the "program": data[pos..len) not read yet */
    size_t pos[2];
    bool closed[2];         /* the writer closed its end */
    size_t max_read;        /* at most this much per read, as a pipe's capacity */
    bool watched[2];
    unsigned watch_calls[2];
    unsigned reads_after_end[2];
};

/* Bytes written and not read yet. */
static size_t fake_unread(const SgaChild *c)
{
    return c->pipe[SGA_CHILD_STDOUT]->len - c->pos[SGA_CHILD_STDOUT];
}

gssize sga_child_read(SgaChild *child, SgaChildStream stream, void *buf, size_t len)
{
    GByteArray *p = child->pipe[stream];
    size_t n = MIN(MIN(len, p->len - child->pos[stream]), child->max_read);

    if (n == 0) {
        if (child->closed[stream]) {
            child->reads_after_end[stream]++;
            return 0;
        }
        return -1;      /* nothing there yet */
    }
    memcpy(buf, p->data + child->pos[stream], n);
    child->pos[stream] += n;
    return (gssize)n;
}

void sga_child_watch_stream(SgaChild *child, SgaChildStream stream, bool watch)
{
    child->watched[stream] = watch;
    child->watch_calls[stream]++;
}

static SgaChild *fake_new(size_t max_read)
{
    SgaChild *c = g_new0(SgaChild, 1);

    c->pipe[0] = g_byte_array_new();
    c->pipe[1] = g_byte_array_new();
    c->max_read = max_read;
    c->watched[0] = c->watched[1] = true;   /* watched at spawn */
    return c;
}

static void fake_free(SgaChild *c)
{
    g_byte_array_unref(c->pipe[0]);
    g_byte_array_unref(c->pipe[1]);
    g_free(c);
}

static void fake_write(SgaChild *c, const void *data, size_t len)
{
    g_assert_false(c->closed[SGA_CHILD_STDOUT]);
    g_byte_array_append(c->pipe[SGA_CHILD_STDOUT], data, (guint)len);
}

#define WRITE(c, literal) fake_write((c), (literal), sizeof(literal) - 1)

/* Fill with a budget that is never the limit. */
static void fill(SgaExecOutput *o, SgaChild *c)
{
    sga_exec_output_fill(o, c, SGA_CHILD_STDOUT, G_MAXSIZE);
}

/* take(), decoded; NULL stays NULL. */
static GBytes *take(SgaExecOutput *o, size_t max)
{
    g_autofree char *text = sga_exec_output_take(o, max);
    guchar *data;
    gsize len;

    if (!text) {
        return NULL;
    }
    data = g_base64_decode(text, &len);
    g_assert_cmpuint(len, >, 0);    /* an empty chunk is NULL, never "" */
    return g_bytes_new_take(data, len);
}

static GBytes *take_all(SgaExecOutput *o)
{
    g_autofree char *text = sga_exec_output_take_all(o);
    guchar *data;
    gsize len;

    if (!text) {
        return NULL;
    }
    data = g_base64_decode(text, &len);
    g_assert_cmpuint(len, >, 0);
    return g_bytes_new_take(data, len);
}

static void assert_bytes(GBytes *got, const void *expected, size_t expected_len)
{
    gsize len;
    const void *data;

    g_assert_nonnull(got);
    data = g_bytes_get_data(got, &len);
    g_assert_cmpmem(data, len, expected, expected_len);
    g_bytes_unref(got);
}

#define ASSERT_TAKES(o, max, literal) assert_bytes(take((o), (max)), (literal), sizeof(literal) - 1)

/* ---- cases ---------------------------------------------------------------------- */

static void test_nothing_to_take(void)
{
    SgaChild *c = fake_new(64);
    SgaExecOutput o;

    sga_exec_output_init(&o, 1024, false);
    g_assert_null(take(&o, 1024));
    fill(&o, c);                    /* nothing written: nothing read, still open */
    g_assert_false(o.eof);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 0);
    g_assert_null(take(&o, 1024));
    g_assert_null(take_all(&o));
    g_assert_true(c->watched[SGA_CHILD_STDOUT]);

    c->closed[SGA_CHILD_STDOUT] = true;
    fill(&o, c);
    g_assert_true(o.eof);
    g_assert_null(take(&o, 1024));
    g_assert_null(take_all(&o));
    /* Once at its end, the stream is not read again. */
    fill(&o, c);
    g_assert_cmpuint(c->reads_after_end[SGA_CHILD_STDOUT], ==, 1);
    sga_exec_output_clear(&o);
    fake_free(c);
}

/* Text of 1- to 4-byte characters and the offsets where each starts. */
static const char sample_text[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z\xf4\x8f\xbf\xbd\xdf\xbf";

static void test_utf8_cut_while_open(void)
{
    size_t len = sizeof(sample_text) - 1;

    /* Every split of the text into what was written before the status and what
     * came after: the first chunk ends on a character boundary, the rest
     * follows, nothing is lost or repeated. */
    for (size_t split = 0; split <= len; split++) {
        SgaChild *c = fake_new(3);  /* tiny reads: cuts fall inside characters */
        SgaExecOutput o;
        GString *got = g_string_new(NULL);
        GBytes *chunk;
        size_t boundary = sga_utf8_whole_prefix((const unsigned char *)sample_text, split);

        sga_exec_output_init(&o, 1024, false);
        fake_write(c, sample_text, split);
        fill(&o, c);
        g_assert_cmpuint(sga_exec_output_pending(&o), ==, split);
        chunk = take(&o, 1024);
        if (boundary == 0) {
            g_assert_null(chunk);
        } else {
            gsize n;
            const char *data = g_bytes_get_data(chunk, &n);
            g_assert_cmpmem(data, n, sample_text, boundary);
            g_assert_true(g_utf8_validate(data, (gssize)n, NULL));
            g_string_append_len(got, data, (gssize)n);
            g_bytes_unref(chunk);
        }
        /* What was held back is still pending, and stays so until more comes. */
        g_assert_cmpuint(sga_exec_output_pending(&o), ==, split - boundary);
        g_assert_null(take(&o, 1024));

        fake_write(c, sample_text + split, len - split);
        fill(&o, c);
        chunk = take(&o, 1024);
        if (chunk) {
            gsize n;
            const char *data = g_bytes_get_data(chunk, &n);
            g_assert_true(g_utf8_validate(data, (gssize)n, NULL));
            g_string_append_len(got, data, (gssize)n);
            g_bytes_unref(chunk);
        }
        g_assert_cmpmem(got->str, got->len, sample_text, len);
        g_assert_cmpuint(sga_exec_output_pending(&o), ==, 0);
        g_string_free(got, TRUE);
        sga_exec_output_clear(&o);
        fake_free(c);
    }
}

static void test_everything_at_eof(void)
{
    SgaChild *c = fake_new(64);
    SgaExecOutput o;

    /* A character cut short is held while the pipe is open ... */
    sga_exec_output_init(&o, 1024, false);
    WRITE(c, "ab\xe2\x82");
    fill(&o, c);
    ASSERT_TAKES(&o, 1024, "ab");
    /* ... even once the writer closed, until the agent has seen the end ... */
    c->closed[SGA_CHILD_STDOUT] = true;
    g_assert_null(take(&o, 1024));
    /* ... and then it goes out as it is: nothing more can complete it. */
    fill(&o, c);
    g_assert_true(o.eof);
    ASSERT_TAKES(&o, 1024, "\xe2\x82");
    g_assert_null(take(&o, 1024));
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 0);
    sga_exec_output_clear(&o);
    fake_free(c);

    /* At the end but more than one reply's worth: only the last reply may end
     * inside a character. */
    c = fake_new(64);
    sga_exec_output_init(&o, 1024, false);
    WRITE(c, "\xe2\x82\xac\xe2\x82\xac\xe2\x82");
    c->closed[SGA_CHILD_STDOUT] = true;
    fill(&o, c);
    g_assert_true(o.eof);
    ASSERT_TAKES(&o, 5, "\xe2\x82\xac");
    ASSERT_TAKES(&o, 5, "\xe2\x82\xac\xe2\x82");
    g_assert_null(take(&o, 5));
    sga_exec_output_clear(&o);
    fake_free(c);
}

static void test_bytes_that_are_never_utf8_pass(void)
{
    SgaChild *c = fake_new(64);
    SgaExecOutput o;

    /* Binary output is not held back: only a possible character's start is. */
    sga_exec_output_init(&o, 1024, false);
    WRITE(c, "\xff\xfe\x80\xc0");
    fill(&o, c);
    ASSERT_TAKES(&o, 1024, "\xff\xfe\x80\xc0");
    WRITE(c, "\x00\x01\xf5");
    fill(&o, c);
    ASSERT_TAKES(&o, 1024, "\x00\x01\xf5");
    sga_exec_output_clear(&o);
    fake_free(c);
}

static void test_reply_size_respected(void)
{
    SgaChild *c = fake_new(1 << 16);
    SgaExecOutput o;
    GString *text = g_string_new(NULL);
    GString *got = g_string_new(NULL);
    GBytes *chunk;

    /* 3-byte characters against a maximum of 1000: cuts at 999, never above. */
    while (text->len < 10000) {
        g_string_append(text, "x\xe2\x82\xac\xf0\x9f\x98\x80");
    }
    sga_exec_output_init(&o, 1 << 20, false);
    fake_write(c, text->str, text->len);
    fill(&o, c);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, text->len);
    while ((chunk = take(&o, 1000))) {
        gsize n;
        const char *data = g_bytes_get_data(chunk, &n);
        g_assert_cmpuint(n, <=, 1000);
        if (sga_exec_output_pending(&o) > 0) {
            g_assert_cmpuint(n, >=, 1000 - 3);  /* at most a character short */
        }
        g_assert_true(g_utf8_validate(data, (gssize)n, NULL));
        g_string_append_len(got, data, (gssize)n);
        g_bytes_unref(chunk);
    }
    /* The text ends with a whole character: all of it went out. */
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 0);
    g_assert_cmpmem(got->str, got->len, text->str, text->len);
    g_string_free(text, TRUE);
    g_string_free(got, TRUE);
    sga_exec_output_clear(&o);
    fake_free(c);
}

static void test_backpressure(void)
{
    SgaChild *c = fake_new(10);
    SgaExecOutput o;
    char data[200];

    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (char)('a' + i % 26);
    }
    /* Streaming stops reading at the limit and stops watching the pipe. */
    sga_exec_output_init(&o, 64, false);
    fake_write(c, data, sizeof(data));
    fill(&o, c);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 64);
    g_assert_false(c->watched[SGA_CHILD_STDOUT]);
    g_assert_cmpuint(fake_unread(c), ==, sizeof(data) - 64);
    /* Full: another fill reads nothing. */
    fill(&o, c);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 64);

    /* A take makes room; a fill with no budget (as after a status) only
     * watches the pipe again; the next one reads. */
    assert_bytes(take(&o, 16), data, 16);
    sga_exec_output_fill(&o, c, SGA_CHILD_STDOUT, 0);
    g_assert_true(c->watched[SGA_CHILD_STDOUT]);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 48);
    fill(&o, c);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, 64);
    g_assert_false(c->watched[SGA_CHILD_STDOUT]);
    assert_bytes(take(&o, 1000), data + 16, 64);
    fill(&o, c);
    assert_bytes(take(&o, 1000), data + 80, 64);
    fill(&o, c);
    assert_bytes(take(&o, 1000), data + 144, 56);
    g_assert_true(c->watched[SGA_CHILD_STDOUT]);
    g_assert_false(o.truncated);
    sga_exec_output_clear(&o);
    fake_free(c);
}

static void test_read_budget(void)
{
    SgaChild *c = fake_new(100);
    SgaExecOutput o;
    char data[1000];

    memset(data, 'x', sizeof(data));
    sga_exec_output_init(&o, 1 << 20, false);
    fake_write(c, data, sizeof(data));
    /* Reads stop once the budget is used: the last read may pass it, by less
     * than one read. */
    sga_exec_output_fill(&o, c, SGA_CHILD_STDOUT, 250);
    g_assert_cmpuint(sga_exec_output_pending(&o), >=, 250);
    g_assert_cmpuint(sga_exec_output_pending(&o), <, 250 + 100);
    g_assert_true(c->watched[SGA_CHILD_STDOUT]);    /* more to read: keep watching */
    fill(&o, c);
    g_assert_cmpuint(sga_exec_output_pending(&o), ==, sizeof(data));
    sga_exec_output_clear(&o);
    fake_free(c);
}

/* At exit with a cap of cap bytes, a program writing len bytes. */
static void assert_at_exit(size_t cap, size_t len, size_t max_read, size_t budget)
{
    SgaChild *c = fake_new(max_read);
    SgaExecOutput o;
    guint8 *data = g_malloc(len + 1);
    GBytes *all;

    for (size_t i = 0; i < len; i++) {
        data[i] = (guint8)(i * 7 + i / 251);
    }
    sga_exec_output_init(&o, cap, true);
    fake_write(c, data, len);
    c->closed[SGA_CHILD_STDOUT] = true;
    /* Read to the end, budget by budget, as the main loop would; the pipe is
     * never paused, so the program is never blocked. */
    for (unsigned rounds = 0; !o.eof; rounds++) {
        g_assert_cmpuint(rounds, <, len / MAX(MIN(budget, max_read), 1) + 3);
        sga_exec_output_fill(&o, c, SGA_CHILD_STDOUT, budget);
        g_assert_true(c->watched[SGA_CHILD_STDOUT]);
        g_assert_cmpuint(sga_exec_output_pending(&o), <=, cap);
    }
    g_assert_cmpuint(fake_unread(c), ==, 0);
    g_assert_cmpint(o.truncated, ==, len > cap);
    all = take_all(&o);
    if (len == 0) {
        g_assert_null(all);
    } else {
        assert_bytes(all, data, MIN(len, cap));
    }
    g_assert_null(take_all(&o));
    sga_exec_output_clear(&o);
    fake_free(c);
    g_free(data);
}

static void test_at_exit_cap(void)
{
    /* Under, at, and past the cap, read in pieces of several sizes. */
    static const size_t lens[] = { 0, 1, 99, 100, 101, 250, 10000 };
    static const size_t max_reads[] = { 1, 7, 100, 4096 };
    static const size_t budgets[] = { 1, 50, G_MAXSIZE };

    for (size_t l = 0; l < G_N_ELEMENTS(lens); l++) {
        for (size_t m = 0; m < G_N_ELEMENTS(max_reads); m++) {
            for (size_t b = 0; b < G_N_ELEMENTS(budgets); b++) {
                assert_at_exit(100, lens[l], max_reads[m], budgets[b]);
            }
        }
    }
    /* qemu-ga's own cap, past it by a byte and by much more. */
    assert_at_exit((size_t)16 << 20, ((size_t)16 << 20) + 1, 65536, (size_t)1 << 20);
    assert_at_exit((size_t)16 << 20, (size_t)16 << 20, 65536, (size_t)1 << 20);
    assert_at_exit((size_t)16 << 20, (size_t)20 << 20, 65536, (size_t)1 << 20);
}

static void test_at_exit_ignores_utf8(void)
{
    SgaChild *c = fake_new(64);
    SgaExecOutput o;

    /* The cap cuts where it falls, inside a character too, as qemu-ga's does. */
    sga_exec_output_init(&o, 4, true);
    WRITE(c, "ab\xe2\x82\xac");
    c->closed[SGA_CHILD_STDOUT] = true;
    fill(&o, c);
    g_assert_true(o.truncated);
    assert_bytes(take_all(&o), "ab\xe2\x82", 4);
    sga_exec_output_clear(&o);
    fake_free(c);
}

/*
 * Random writes, fills and takes compared with a model: the concatenated chunks
 * are always a prefix of what was written and finally all of it; what is pending
 * is what was read and not handed out; the buffer stays within twice the limit
 * (compaction); chunks of UTF-8 text are UTF-8.
 */
/* How often the random runs reached the states worth reaching. */
static struct {
    unsigned full;          /* the buffer at its limit: backpressure */
    unsigned compacted;     /* handed-out bytes dropped from the buffer */
} random_seen;

static void random_run(guint32 seed, bool text_only)
{
    GRand *rand = g_rand_new_with_seed(seed);
    size_t limit = (size_t)g_rand_int_range(rand, 16, 5000);
    SgaChild *c = fake_new((size_t)g_rand_int_range(rand, 1, 3000));
    SgaExecOutput o;
    GByteArray *written = g_byte_array_new();
    GByteArray *handed = g_byte_array_new();
    size_t target = (size_t)g_rand_int_range(rand, 0, 200000);

    sga_exec_output_init(&o, limit, false);
    for (unsigned step = 0;; step++) {
        int op = g_rand_int_range(rand, 0, 10);
        size_t start_before = o.start;

        g_assert_cmpuint(step, <, 1000000);
        if (written->len >= target && !c->closed[SGA_CHILD_STDOUT]) {
            c->closed[SGA_CHILD_STDOUT] = true;
        }
        if (op < 3 && !c->closed[SGA_CHILD_STDOUT]) {
            /* The program writes some characters, or any bytes. */
            int n = g_rand_int_range(rand, 1, 40);
            for (int i = 0; i < n; i++) {
                char enc[6];
                int k;
                if (text_only) {
                    static const gunichar lo[] = { 0x20, 0x80, 0x800, 0x10000 };
                    static const gunichar hi[] = { 0x7F, 0x7FF, 0xD7FF, 0x10FFFF };
                    int r = g_rand_int_range(rand, 0, 4);
                    k = g_unichar_to_utf8((gunichar)g_rand_int_range(rand, (gint32)lo[r], (gint32)hi[r] + 1), enc);
                } else {
                    enc[0] = (char)g_rand_int_range(rand, 0, 256);
                    k = 1;
                }
                fake_write(c, enc, (size_t)k);
                g_byte_array_append(written, (guint8 *)enc, (guint)k);
            }
        } else if (op < 6) {
            size_t budget = g_rand_boolean(rand) ? G_MAXSIZE : (size_t)g_rand_int_range(rand, 0, 3000);
            sga_exec_output_fill(&o, c, SGA_CHILD_STDOUT, budget);
        } else {
            size_t max = (size_t)g_rand_int_range(rand, 4, 4000);
            GBytes *chunk = take(&o, max);
            if (chunk) {
                gsize n;
                const guint8 *data = g_bytes_get_data(chunk, &n);
                bool last = o.eof && sga_exec_output_pending(&o) == 0;
                g_assert_cmpuint(n, <=, max);
                if (text_only && !last) {
                    g_assert_true(g_utf8_validate((const char *)data, (gssize)n, NULL));
                }
                /* The chunk continues exactly where the last one ended. */
                g_assert_cmpuint(handed->len + n, <=, written->len);
                g_assert_cmpmem(data, n, written->data + handed->len, n);
                g_byte_array_append(handed, data, (guint)n);
                g_bytes_unref(chunk);
            }
        }
        /* The model. */
        g_assert_cmpuint(handed->len + sga_exec_output_pending(&o) + fake_unread(c), ==,
                         written->len);
        g_assert_cmpuint(sga_exec_output_pending(&o), <=, limit);
        g_assert_cmpuint(o.buf->len, <=, 2 * limit);
        g_assert_false(o.truncated);
        random_seen.full += sga_exec_output_pending(&o) == limit;
        random_seen.compacted += o.start < start_before;
        if (o.eof && sga_exec_output_pending(&o) == 0) {
            break;
        }
    }
    g_assert_cmpuint(handed->len, ==, written->len);
    g_assert_cmpmem(handed->data, handed->len, written->data, written->len);
    g_byte_array_unref(written);
    g_byte_array_unref(handed);
    sga_exec_output_clear(&o);
    fake_free(c);
    g_rand_free(rand);
}

static void test_random_against_model(void)
{
    for (guint32 seed = 1; seed <= 150; seed++) {
        random_run(seed, seed % 2 == 0);
    }
    /* The runs did exercise what the model is there to check. */
    g_assert_cmpuint(random_seen.full, >, 100);
    g_assert_cmpuint(random_seen.compacted, >, 100);
}

static void test_clear(void)
{
    SgaChild *c = fake_new(64);
    SgaExecOutput o;

    sga_exec_output_init(&o, 1024, false);
    WRITE(c, "unread");
    fill(&o, c);
    sga_exec_output_clear(&o);
    g_assert_null(o.buf);
    g_assert_cmpuint(o.start, ==, 0);
    /* Clearing twice is harmless. */
    sga_exec_output_clear(&o);
    fake_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/exec-output/nothing-to-take", test_nothing_to_take);
    g_test_add_func("/exec-output/utf8-cut-while-open", test_utf8_cut_while_open);
    g_test_add_func("/exec-output/everything-at-eof", test_everything_at_eof);
    g_test_add_func("/exec-output/bytes-that-are-never-utf8-pass", test_bytes_that_are_never_utf8_pass);
    g_test_add_func("/exec-output/reply-size-respected", test_reply_size_respected);
    g_test_add_func("/exec-output/backpressure", test_backpressure);
    g_test_add_func("/exec-output/read-budget", test_read_budget);
    g_test_add_func("/exec-output/at-exit-cap", test_at_exit_cap);
    g_test_add_func("/exec-output/at-exit-ignores-utf8", test_at_exit_ignores_utf8);
    g_test_add_func("/exec-output/random-against-model", test_random_against_model);
    g_test_add_func("/exec-output/clear", test_clear);
    return g_test_run();
}
