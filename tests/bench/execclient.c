/* execclient.c: a tight guest-exec client for bench_exec.py, so the client is never the bottleneck.
 *
 *   execclient latency SOCKET RUNS
 *       RUNS times: guest-exec /bin/true with capture-output true, then
 *       guest-exec-status back to back (no sleep) until it says exited; the
 *       time from just before the guest-exec is sent to the exited reply, and
 *       to the guest-exec reply.
 *   execclient output SOCKET BYTES
 *       guest-exec `head -c BYTES /dev/zero` (capture-output true), poll its
 *       status back to back, base64-decode every out-data and check that each
 *       byte is zero; the time from just before the guest-exec to the exited reply.
 *   execclient polls SOCKET SECONDS
 *       guest-exec `sleep SECONDS` (capture-output true) and poll its status
 *       back to back until it says exited: status round trips per second
 *       while a program runs and writes nothing.
 *   execclient delay SOCKET TICKER PERIOD_MS SECONDS INTERVAL_MS
 *       guest-exec TICKER (this program: `execclient tick PERIOD_MS SECONDS`),
 *       poll its status every INTERVAL_MS (a fixed schedule, not a sleep after
 *       each reply) and, for every line received, compute the time the reply
 *       arrived minus the CLOCK_MONOTONIC time the child wrote into the line.
 *   execclient tick PERIOD_MS SECONDS
 *       The child for `delay`: every PERIOD_MS writes one line with the current
 *       CLOCK_MONOTONIC time in nanoseconds to stdout, for SECONDS.
 *
 * Prints one JSON object on stdout. An error reply, a reply that is not what
 * the protocol promises, wrong output bytes or a nonzero exit code fail the
 * run (exit 1), as does a reply that takes longer than BENCH_REPLY_TIMEOUT_MS.
 * Exit 2 is a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* A single program's run may not take longer than this many status polls. */
#define MAX_POLLS 100000000L
#define BENCH_NAME "execclient"
/* A reply slower than this means the agent hung; the benchmark must not. */
#define BENCH_REPLY_TIMEOUT_MS 30000
#include "benchio.h"

static const char *return_object(const char *line, size_t len)
{
    static const char prefix[] = "{\"return\": {";

    if (strncmp(line, prefix, sizeof(prefix) - 1) != 0) {
        fail("unexpected reply", line, len);
    }
    return line + sizeof(prefix) - 2;
}

static bool member_bool(const char *obj, const char *key, size_t len)
{
    const char *v = member(obj, key);

    if (!v) {
        return false;
    }
    if (strncmp(v, "true", 4) == 0) {
        return true;
    }
    if (strncmp(v, "false", 5) != 0) {
        fail("not a boolean", obj, len);
    }
    return false;
}

static long long member_int(const char *obj, const char *key, long long missing)
{
    const char *v = member(obj, key);

    return v ? strtoll(v, NULL, 10) : missing;
}

/* ---- base64 ------------------------------------------------------------------- */

static signed char b64_value[256];

static void b64_init(void)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    memset(b64_value, -1, sizeof(b64_value));
    for (int i = 0; i < 64; i++) {
        b64_value[(unsigned char)alphabet[i]] = (signed char)i;
    }
}

/* Decode the JSON string starting after its opening quote into out (which has
 * room for 3/4 of the text); returns the bytes decoded. JSON may escape '/'. */
static size_t b64_decode(const char *s, unsigned char *out, const char *line, size_t line_len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;

    for (;; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"') {
            break;
        }
        if (ch == '\\' && s[1] == '/') {
            ch = '/';
            s++;
        }
        if (ch == '=') {
            continue;
        }
        if (b64_value[ch] < 0) {
            fail("bad base64", line, line_len);
        }
        acc = acc << 6 | (uint32_t)b64_value[ch];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* Decode a member's base64 into a buffer that grows as needed; returns its length. */
static size_t decode_member(const char *obj, const char *key, unsigned char **buf, size_t *cap,
                            size_t line_len)
{
    const char *v = member(obj, key);
    size_t need;

    if (!v) {
        return 0;
    }
    if (*v != '"') {
        fail("not a string", obj, line_len);
    }
    need = line_len / 4 * 3 + 3;
    if (need > *cap) {
        *cap = need;
        *buf = realloc(*buf, *cap);
        if (!*buf) {
            die("realloc");
        }
    }
    return b64_decode(v + 1, *buf, obj, line_len);
}

/* ---- requests ------------------------------------------------------------------- */

static long long guest_exec(Conn *c, const char *args_json)
{
    char req[4096];
    size_t len;
    int n = snprintf(req, sizeof(req), "{\"execute\": \"guest-exec\", \"arguments\": %s}", args_json);

    if (n < 0 || (size_t)n >= sizeof(req)) {
        fprintf(stderr, "execclient: request too long\n");
        exit(2);
    }
    write_all(c->fd, req, (size_t)n);
    const char *line = read_line(c, &len);
    long long pid = member_int(return_object(line, len), "pid", -1);
    if (pid <= 0) {
        fail("no pid", line, len);
    }
    conn_drop_line(c);
    return pid;
}

static void send_status(Conn *c, long long pid)
{
    char req[128];
    int n = snprintf(req, sizeof(req), "{\"execute\": \"guest-exec-status\", \"arguments\": {\"pid\": %lld}}",
                     pid);

    write_all(c->fd, req, (size_t)n);
}

/* What one status reply said. */
typedef struct {
    bool exited;
    long long exitcode;
    bool out_truncated;
    bool err_data;
    size_t out_len;         /* decoded out-data bytes, in *out */
} Status;

static void read_status(Conn *c, Status *st, unsigned char **out, size_t *out_cap)
{
    size_t len;
    const char *line = read_line(c, &len);
    const char *obj = return_object(line, len);

    st->exited = member_bool(obj, "exited", len);
    st->exitcode = member_int(obj, "exitcode", -1);
    st->out_truncated = member_bool(obj, "out-truncated", len);
    st->err_data = member(obj, "err-data") != NULL;
    st->out_len = decode_member(obj, "out-data", out, out_cap, len);
    if (st->exited && st->exitcode != 0) {
        fail("program did not exit with 0", line, len);
    }
    conn_drop_line(c);
}

/* ---- the figures ---------------------------------------------------------------- */

static int run_latency(const char *path, long runs)
{
    Conn c = { .fd = connect_retry(path) };
    unsigned char *out = NULL;
    size_t out_cap = 0;
    long total_polls = 0;
    int64_t *exec_reply = calloc((size_t)runs, sizeof(*exec_reply));

    if (!exec_reply) {
        die("calloc");
    }
    printf("{\"latency_ns\": [");
    for (long i = 0; i < runs; i++) {
        Status st = { 0 };
        int64_t t0 = now_ns();
        long long pid = guest_exec(&c, "{\"path\": \"/bin/true\", \"capture-output\": true}");
        long polls = 0;
        exec_reply[i] = now_ns() - t0;
        while (!st.exited) {
            if (++polls > MAX_POLLS) {
                fprintf(stderr, "execclient: /bin/true did not exit\n");
                return 1;
            }
            send_status(&c, pid);
            read_status(&c, &st, &out, &out_cap);
            if (st.out_len || st.err_data) {
                fprintf(stderr, "execclient: /bin/true wrote output\n");
                return 1;
            }
        }
        printf("%s%" PRId64, i ? ", " : "", now_ns() - t0);
        total_polls += polls;
    }
    /* When the guest-exec reply came: the part before any status poll. */
    printf("], \"exec_reply_ns\": [");
    for (long i = 0; i < runs; i++) {
        printf("%s%" PRId64, i ? ", " : "", exec_reply[i]);
    }
    printf("], \"status_polls\": %ld}\n", total_polls);
    free(exec_reply);
    free(out);
    free(c.buf);
    close(c.fd);
    return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static int run_output(const char *path, long long bytes)
{
    Conn c = { .fd = connect_retry(path) };
    unsigned char *out = NULL;
    size_t out_cap = 0, max_chunk = 0;
    char args[256];
    long long received = 0;
    long polls = 0, data_replies = 0;
    bool truncated = false;
    Status st = { 0 };
    int64_t t0, t_first = 0, t_end;

    snprintf(args, sizeof(args), "{\"path\": \"head\", \"arg\": [\"-c\", \"%lld\", \"/dev/zero\"], "
             "\"capture-output\": true}", bytes);
    t0 = now_ns();
    long long pid = guest_exec(&c, args);
    while (!st.exited) {
        if (++polls > MAX_POLLS) {
            fprintf(stderr, "execclient: head did not exit\n");
            return 1;
        }
        send_status(&c, pid);
        read_status(&c, &st, &out, &out_cap);
        if (st.out_len) {
            if (!all_zero(out, st.out_len)) {
                fprintf(stderr, "execclient: output byte other than 0\n");
                return 1;
            }
            if (!t_first) {
                t_first = now_ns();
            }
            received += (long long)st.out_len;
            data_replies++;
            if (st.out_len > max_chunk) {
                max_chunk = st.out_len;
            }
        }
        truncated |= st.out_truncated;
    }
    t_end = now_ns();
    printf("{\"bytes\": %lld, \"requested\": %lld, \"elapsed_s\": %.6f, \"first_data_s\": %.6f, "
           "\"status_polls\": %ld, \"data_replies\": %ld, \"max_chunk\": %zu, "
           "\"max_reply_line\": %zu, \"truncated\": %s}\n",
           received, bytes, (double)(t_end - t0) / 1e9,
           t_first ? (double)(t_first - t0) / 1e9 : -1.0, polls, data_replies, max_chunk,
           c.max_line, truncated ? "true" : "false");
    free(out);
    free(c.buf);
    close(c.fd);
    return 0;
}

static int run_polls(const char *path, const char *seconds)
{
    Conn c = { .fd = connect_retry(path) };
    unsigned char *out = NULL;
    size_t out_cap = 0;
    char args[256];
    long polls = 0;
    Status st = { 0 };
    int64_t t0, t_end;

    snprintf(args, sizeof(args), "{\"path\": \"sleep\", \"arg\": [\"%s\"], \"capture-output\": true}",
             seconds);
    long long pid = guest_exec(&c, args);
    t0 = now_ns();
    while (!st.exited) {
        if (++polls > MAX_POLLS) {
            fprintf(stderr, "execclient: sleep did not exit\n");
            return 1;
        }
        send_status(&c, pid);
        read_status(&c, &st, &out, &out_cap);
        if (st.out_len || st.err_data) {
            fprintf(stderr, "execclient: sleep wrote output\n");
            return 1;
        }
    }
    t_end = now_ns();
    printf("{\"status_polls\": %ld, \"elapsed_s\": %.6f}\n", polls, (double)(t_end - t0) / 1e9);
    free(out);
    free(c.buf);
    close(c.fd);
    return 0;
}

static int run_delay(const char *path, const char *ticker, const char *period_ms,
                     const char *seconds, long interval_ms)
{
    Conn c = { .fd = connect_retry(path) };
    unsigned char *out = NULL;
    size_t out_cap = 0;
    char args[4096], partial[64];
    size_t partial_len = 0;
    long lines = 0, polls = 0;
    Status st = { 0 };
    int64_t next, t0;

    snprintf(args, sizeof(args), "{\"path\": \"%s\", \"arg\": [\"tick\", \"%s\", \"%s\"], "
             "\"capture-output\": true}", ticker, period_ms, seconds);
    t0 = now_ns();
    long long pid = guest_exec(&c, args);
    printf("{\"delay_ns\": [");
    next = now_ns();
    while (!st.exited) {
        if (++polls > MAX_POLLS) {
            fprintf(stderr, "execclient: the ticker did not exit\n");
            return 1;
        }
        int64_t wait = next - now_ns();
        if (wait > 0) {
            clock_nanosleep(CLOCK_MONOTONIC, 0,
                            &(struct timespec){ .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 },
                            NULL);
        }
        next += interval_ms * 1000000;
        send_status(&c, pid);
        read_status(&c, &st, &out, &out_cap);
        int64_t received = now_ns();
        for (size_t i = 0; i < st.out_len; i++) {
            if (out[i] != '\n') {
                if (partial_len + 1 >= sizeof(partial)) {
                    fprintf(stderr, "execclient: ticker line too long\n");
                    return 1;
                }
                partial[partial_len++] = (char)out[i];
                continue;
            }
            partial[partial_len] = '\0';
            char *end;
            long long written = strtoll(partial, &end, 10);
            if (*end || partial_len == 0 || written > received || written < t0) {
                fprintf(stderr, "execclient: bad ticker line '%s'\n", partial);
                return 1;
            }
            printf("%s%lld", lines ? ", " : "", (long long)received - written);
            lines++;
            partial_len = 0;
        }
    }
    if (partial_len) {
        fprintf(stderr, "execclient: ticker output ended inside a line\n");
        return 1;
    }
    printf("], \"lines\": %ld, \"status_polls\": %ld, \"runtime_s\": %.6f}\n", lines, polls,
           (double)(now_ns() - t0) / 1e9);
    free(out);
    free(c.buf);
    close(c.fd);
    return lines ? 0 : 1;
}

static int run_tick(long period_ms, double seconds)
{
    int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9);
    struct timespec next;
    char line[32];

    clock_gettime(CLOCK_MONOTONIC, &next);
    while (now_ns() < end) {
        int n = snprintf(line, sizeof(line), "%" PRId64 "\n", now_ns());
        write_all(STDOUT_FILENO, line, (size_t)n);
        next.tv_nsec += period_ms * 1000000;
        next.tv_sec += next.tv_nsec / 1000000000;
        next.tv_nsec %= 1000000000;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: execclient latency SOCKET RUNS\n"
                    "       execclient output SOCKET BYTES\n"
                    "       execclient polls SOCKET SECONDS\n"
                    "       execclient delay SOCKET TICKER PERIOD_MS SECONDS INTERVAL_MS\n"
                    "       execclient tick PERIOD_MS SECONDS\n");
    return 2;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    b64_init();
    if (argc == 4 && strcmp(argv[1], "latency") == 0 && atol(argv[3]) > 0) {
        return run_latency(argv[2], atol(argv[3]));
    }
    if (argc == 4 && strcmp(argv[1], "output") == 0 && atoll(argv[3]) > 0) {
        return run_output(argv[2], atoll(argv[3]));
    }
    if (argc == 4 && strcmp(argv[1], "polls") == 0 && atof(argv[3]) > 0) {
        return run_polls(argv[2], argv[3]);
    }
    if (argc == 7 && strcmp(argv[1], "delay") == 0 && atol(argv[4]) > 0 && atof(argv[5]) > 0 &&
        atol(argv[6]) > 0) {
        return run_delay(argv[2], argv[3], argv[4], argv[5], atol(argv[6]));
    }
    if (argc == 4 && strcmp(argv[1], "tick") == 0 && atol(argv[2]) > 0 && atof(argv[3]) > 0) {
        return run_tick(atol(argv[2]), atof(argv[3]));
    }
    return usage();
}
