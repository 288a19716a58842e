/* benchio.h: what the benchmark's C clients share: clock, errors, connecting, and newline-framed replies. */
/*
 * Include after defining BENCH_NAME (the program's name, for messages) and
 * BENCH_REPLY_TIMEOUT_MS (how long a reply may take before the agent is
 * called hung). Everything is static inline: each client uses a part.
 */
#ifndef BENCHIO_H
#define BENCHIO_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* qemu-ga refuses connections for a moment after a client leaves. */
#define CONNECT_TIMEOUT_MS 10000

static inline int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void die(const char *what)
{
    fprintf(stderr, BENCH_NAME ": %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Fail the run, quoting (the start of) the reply that was wrong. */
static inline void fail(const char *what, const char *reply, size_t len)
{
    fprintf(stderr, BENCH_NAME ": %s: %.*s\n", what, (int)(len > 300 ? 300 : len), reply);
    exit(1);
}

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        die("malloc");
    }
    return p;
}

static inline int connect_retry(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int64_t deadline = now_ns() + (int64_t)CONNECT_TIMEOUT_MS * 1000000;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        fprintf(stderr, BENCH_NAME ": socket path too long\n");
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
        if (now_ns() > deadline) {
            fprintf(stderr, BENCH_NAME ": could not connect to %s\n", path);
            exit(1);
        }
        nanosleep(&(struct timespec){ .tv_nsec = 1000000L }, NULL);
    }
}

static inline void write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("write");
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* ---- replies: newline-framed, read into one buffer that only grows ---------------- */

typedef struct {
    int fd;
    char *buf;
    size_t cap, len;        /* bytes in buf */
    size_t line_len;        /* the current line, once complete: buf[0..line_len) */
    size_t scanned;         /* bytes of buf already searched for '\n' */
    size_t max_line;        /* the longest reply so far */
} Conn;

static inline void conn_reserve(Conn *c, size_t cap)
{
    if (cap > c->cap) {
        c->buf = realloc(c->buf, cap);
        if (!c->buf) {
            die("realloc");
        }
        c->cap = cap;
    }
}

/* The next reply line, NUL-terminated in place; drop it with conn_drop_line. */
static inline char *read_line(Conn *c, size_t *len)
{
    for (;;) {
        char *nl = c->len > c->scanned ? memchr(c->buf + c->scanned, '\n', c->len - c->scanned) : NULL;
        if (nl) {
            c->line_len = (size_t)(nl - c->buf);
            *nl = '\0';
            *len = c->line_len;
            if (c->line_len > c->max_line) {
                c->max_line = c->line_len;
            }
            return c->buf;
        }
        c->scanned = c->len;
        if (c->cap - c->len < 65536) {
            conn_reserve(c, c->cap ? c->cap * 2 : 1 << 20);
        }
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int rc = poll(&p, 1, BENCH_REPLY_TIMEOUT_MS);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc < 0) {
            die("poll");
        }
        if (rc == 0) {
            fprintf(stderr, BENCH_NAME ": no reply within %d ms\n", BENCH_REPLY_TIMEOUT_MS);
            exit(1);
        }
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            die("read");
        }
        if (n == 0) {
            fprintf(stderr, BENCH_NAME ": the agent closed the connection\n");
            exit(1);
        }
        c->len += (size_t)n;
    }
}

static inline void conn_drop_line(Conn *c)
{
    size_t used = c->line_len + 1;

    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
    c->scanned = 0;
    c->line_len = 0;
}

/* The value after "KEY": in a reply line, or NULL. Base64 and numbers never
 * hold a quote, so a key cannot be matched inside another member's value. */
static inline const char *member(const char *line, const char *key)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    p = strstr(line, pat);
    return p ? p + strlen(pat) : NULL;
}

#endif
