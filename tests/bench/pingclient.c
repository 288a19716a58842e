/* pingclient.c: a tight guest-ping client for bench.py, so the client is never the bottleneck.
 *
 *   pingclient rate SOCKET DEPTH SECONDS MAX_REPLIES
 *       Connect (retrying while the agent refuses), keep DEPTH guest-ping requests
 *       in flight, and stop after SECONDS or MAX_REPLIES replies, whichever comes
 *       first. DEPTH 1 is a strict round trip: request, wait for the reply, next.
 *   pingclient start SOCKET -- AGENT ARGS...
 *       Spawn the agent, connect as soon as it accepts, send one guest-ping and
 *       time everything from just before the spawn to the reply's newline.
 *
 * Prints one JSON object on stdout. Every reply must be exactly {"return": {}};
 * anything else counts as bad and fails the run (exit 1), as does a reply that
 * takes longer than BENCH_REPLY_TIMEOUT_MS. Exit 2 is a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BENCH_NAME "pingclient"
/* A reply slower than this means the agent hung; the benchmark must not. */
#define BENCH_REPLY_TIMEOUT_MS 10000
#include "benchio.h"

/* Poll interval while the agent is not accepting yet: short, because the
 * start-up figure includes it. */
#define CONNECT_RETRY_NS 100000L
#define MAX_DEPTH 4096

static const char request[] = "{\"execute\": \"guest-ping\"}";
static const char expected_reply[] = "{\"return\": {}}";

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Connect, retrying while the socket is missing or refused; -1 after the
 * timeout or when the agent (child, if > 0) exits first: the start-up figure
 * needs that and a finer retry than benchio.h's connect_retry. */
static int connect_watching_child(const char *path, pid_t child)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    double deadline = now_s() + CONNECT_TIMEOUT_MS / 1000.0;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "pingclient: socket path too long\n");
        exit(2);
    }
    strcpy(addr.sun_path, path);
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            die("socket");
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            return fd;
        }
        close(fd);
        if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) {
            die("connect");
        }
        if (child > 0 && waitpid(child, NULL, WNOHANG) == child) {
            fprintf(stderr, "pingclient: the agent exited before accepting\n");
            return -1;
        }
        if (now_s() > deadline) {
            fprintf(stderr, "pingclient: could not connect to %s\n", path);
            return -1;
        }
        nanosleep(&(struct timespec){ .tv_nsec = CONNECT_RETRY_NS }, NULL);
    }
}

/* Splits the reply stream into lines and checks each one. */
typedef struct {
    char line[256];
    size_t line_len;
    long replies;
    long bad;
} ReplyReader;

static void reply_line_end(ReplyReader *r)
{
    if (r->line_len != sizeof(expected_reply) - 1 ||
        memcmp(r->line, expected_reply, r->line_len) != 0) {
        if (r->bad == 0) {
            fprintf(stderr, "pingclient: unexpected reply: %.*s\n", (int)r->line_len, r->line);
        }
        r->bad++;
    }
    r->replies++;
    r->line_len = 0;
}

/* Read what is there (waiting up to the reply timeout); returns new replies. */
static long read_replies(int fd, ReplyReader *r)
{
    char buf[65536];
    struct pollfd p = { .fd = fd, .events = POLLIN };
    long before = r->replies;
    ssize_t n;

    for (;;) {
        int rc = poll(&p, 1, BENCH_REPLY_TIMEOUT_MS);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc < 0) {
            die("poll");
        }
        if (rc == 0) {
            fprintf(stderr, "pingclient: no reply within %d ms\n", BENCH_REPLY_TIMEOUT_MS);
            exit(1);
        }
        break;
    }
    n = read(fd, buf, sizeof(buf));
    if (n < 0) {
        die("read");
    }
    if (n == 0) {
        fprintf(stderr, "pingclient: the agent closed the connection\n");
        exit(1);
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            reply_line_end(r);
        } else if (r->line_len < sizeof(r->line)) {
            r->line[r->line_len++] = buf[i];
        }
    }
    return r->replies - before;
}

static int run_rate(const char *path, int depth, double seconds, long max_replies)
{
    static char batch[MAX_DEPTH * (sizeof(request) - 1)];
    ReplyReader r = { .line_len = 0 };
    long sent = 0;
    int fd = connect_watching_child(path, 0);
    double start, deadline, elapsed;

    if (fd < 0) {
        return 1;
    }
    start = now_s();
    deadline = start + seconds;
    /* Fill the pipeline, then send one new request per reply until time is up. */
    for (int i = 0; i < depth && sent < max_replies; i++, sent++) {
        memcpy(batch + (size_t)i * (sizeof(request) - 1), request, sizeof(request) - 1);
    }
    write_all(fd, batch, (size_t)sent * (sizeof(request) - 1));
    while (r.replies < sent) {
        long got = read_replies(fd, &r);
        long more = 0;
        if (now_s() < deadline) {
            more = got;
            if (sent + more > max_replies) {
                more = max_replies - sent;
            }
        }
        for (long i = 0; i < more; i++) {
            memcpy(batch + (size_t)i * (sizeof(request) - 1), request, sizeof(request) - 1);
        }
        if (more > 0) {
            write_all(fd, batch, (size_t)more * (sizeof(request) - 1));
            sent += more;
        }
    }
    elapsed = now_s() - start;
    close(fd);
    printf("{\"replies\": %ld, \"bad\": %ld, \"elapsed\": %.6f, \"depth\": %d}\n",
           r.replies, r.bad, elapsed, depth);
    return r.bad ? 1 : 0;
}

/* SIGTERM the agent and reap it; SIGKILL if it does not go within 10 s. */
static int stop_child(pid_t child)
{
    int status = 0;
    double deadline = now_s() + 10.0;

    kill(child, SIGTERM);
    while (waitpid(child, &status, WNOHANG) == 0) {
        if (now_s() > deadline) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            return -1;
        }
        nanosleep(&(struct timespec){ .tv_nsec = 1000000L }, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_start(const char *path, char **agent_argv)
{
    posix_spawn_file_actions_t actions;
    ReplyReader r = { .line_len = 0 };
    pid_t child;
    double t0, t_connected, t_reply;
    int fd, rc;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    t0 = now_s();
    rc = posix_spawn(&child, agent_argv[0], &actions, NULL, agent_argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        errno = rc;
        die("posix_spawn");
    }
    fd = connect_watching_child(path, child);
    if (fd < 0) {
        stop_child(child);
        return 1;
    }
    t_connected = now_s();
    write_all(fd, request, sizeof(request) - 1);
    while (r.replies == 0) {
        read_replies(fd, &r);
    }
    t_reply = now_s();
    close(fd);
    rc = stop_child(child);
    printf("{\"connect_s\": %.6f, \"first_reply_s\": %.6f, \"bad\": %ld, \"exit\": %d}\n",
           t_connected - t0, t_reply - t0, r.bad, rc);
    return r.bad || rc != 0 ? 1 : 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: pingclient rate SOCKET DEPTH SECONDS MAX_REPLIES\n"
                    "       pingclient start SOCKET -- AGENT [ARGS...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 6 && strcmp(argv[1], "rate") == 0) {
        int depth = atoi(argv[3]);
        double seconds = atof(argv[4]);
        long max_replies = atol(argv[5]);
        if (depth < 1 || depth > MAX_DEPTH || seconds <= 0 || max_replies < 1) {
            return usage();
        }
        return run_rate(argv[2], depth, seconds, max_replies);
    }
    if (argc >= 5 && strcmp(argv[1], "start") == 0 && strcmp(argv[3], "--") == 0) {
        return run_start(argv[2], argv + 4);
    }
    return usage();
}
