/* filexfer.c: a tight guest-file client for bench_file.py, so the client is never the bottleneck.
 *
 *   filexfer write SOCKET PATH TOTAL BLOCK
 *       guest-file-open PATH "wb", then guest-file-write until TOTAL bytes are
 *       written, then guest-file-close. Every request carries the contents of
 *       the file BLOCK (its size is the chunk size), encoded once before the
 *       clock starts, the last one only part of it (through "count"): the file
 *       written is BLOCK repeated, which the caller checks on disk.
 *   filexfer read SOCKET PATH CHUNK
 *       guest-file-open PATH "rb", guest-file-read with count CHUNK until eof,
 *       guest-file-close. Every reply is base64-decoded and compared with the
 *       file itself (mapped before the clock starts): all of it must arrive.
 *
 * The time runs from just before the open is sent to the close's reply. Prints
 * one JSON object on stdout. An error reply, a wrong count or wrong bytes fail
 * the run (exit 1), as does a reply slower than BENCH_REPLY_TIMEOUT_MS; exit 2 is a
 * usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "filexfer"
/* A reply slower than this means the agent hung (a 48 MiB read through qemu-ga
 * takes seconds); the benchmark must not hang. */
#define BENCH_REPLY_TIMEOUT_MS 120000
#include "benchio.h"


static long long member_int(const char *line, size_t len, const char *key)
{
    const char *v = member(line, key);

    if (!v) {
        fail("missing member", line, len);
    }
    return strtoll(v, NULL, 10);
}

/* Send a request and return its reply line, which must be a success. */
static char *call(Conn *c, const char *req, size_t req_len, size_t *len)
{
    char *line;

    write_all(c->fd, req, req_len);
    line = read_line(c, len);
    if (strncmp(line, "{\"return\": ", 11) != 0) {
        fail("error reply", line, *len);
    }
    return line;
}

static long long file_open(Conn *c, const char *path, const char *mode)
{
    char req[8192];
    size_t len;
    int n = snprintf(req, sizeof(req),
                     "{\"execute\": \"guest-file-open\", \"arguments\": {\"path\": \"%s\", "
                     "\"mode\": \"%s\"}}", path, mode);
    char *line = call(c, req, (size_t)n, &len);
    long long handle = strtoll(line + 11, NULL, 10);

    conn_drop_line(c);
    return handle;
}

static void file_close(Conn *c, long long handle)
{
    char req[256];
    size_t len;
    int n = snprintf(req, sizeof(req),
                     "{\"execute\": \"guest-file-close\", \"arguments\": {\"handle\": %lld}}", handle);

    call(c, req, (size_t)n, &len);
    conn_drop_line(c);
}

/* ---- base64 ------------------------------------------------------------------- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static int16_t b64_value[256];

static void b64_init(void)
{
    for (int i = 0; i < 256; i++) {
        b64_value[i] = -1;
    }
    for (int i = 0; i < 64; i++) {
        b64_value[(unsigned char)b64_alphabet[i]] = (int16_t)i;
    }
}

static size_t b64_encode(const unsigned char *in, size_t len, char *out)
{
    char *o = out;
    size_t i = 0;

    for (; len - i >= 3; i += 3, o += 4) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        o[0] = b64_alphabet[v >> 18];
        o[1] = b64_alphabet[(v >> 12) & 63];
        o[2] = b64_alphabet[(v >> 6) & 63];
        o[3] = b64_alphabet[v & 63];
    }
    if (len - i > 0) {
        uint32_t v = (uint32_t)in[i] << 16 | (len - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        o[0] = b64_alphabet[v >> 18];
        o[1] = b64_alphabet[(v >> 12) & 63];
        o[2] = len - i == 2 ? b64_alphabet[(v >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    return (size_t)(o - out);
}

/* Decode text (padded base64, the whole of a JSON string's contents) into out;
 * returns the byte count, or (size_t)-1 when it is not padded base64. */
static size_t b64_decode(const char *text, size_t len, unsigned char *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, pad = 0;

    if (len % 4) {
        return (size_t)-1;
    }
    if (len && s[len - 1] == '=') {
        pad = s[len - 2] == '=' ? 2 : 1;
    }
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int32_t a = b64_value[s[i]], b = b64_value[s[i + 1]];
        int32_t c = last && pad == 2 ? 0 : b64_value[s[i + 2]];
        int32_t d = last && pad ? 0 : b64_value[s[i + 3]];
        if ((a | b | c | d) < 0) {
            return (size_t)-1;
        }
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[n++] = (unsigned char)(v >> 16);
        out[n++] = (unsigned char)(v >> 8);
        out[n++] = (unsigned char)v;
    }
    return n - pad;
}

/* ---- the transfers ------------------------------------------------------------------ */

static void report(const char *mode, long long bytes, long long requests, int64_t t0, int64_t t1)
{
    printf("{\"mode\": \"%s\", \"bytes\": %lld, \"requests\": %lld, \"seconds\": %.6f}\n", mode,
           bytes, requests, (double)(t1 - t0) / 1e9);
}

/* The whole of a file, read before the clock starts. */
static unsigned char *slurp(const char *path, long long *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    unsigned char *buf;
    size_t done = 0;

    if (fd < 0 || fstat(fd, &st) != 0) {
        die(path);
    }
    buf = xmalloc((size_t)st.st_size);
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n <= 0) {
            die(path);
        }
        done += (size_t)n;
    }
    close(fd);
    *len = (long long)st.st_size;
    return buf;
}

static int run_write(const char *sock, const char *path, long long total, const char *block_path)
{
    Conn c = { .fd = connect_retry(sock) };
    long long chunk;
    unsigned char *block = slurp(block_path, &chunk);
    static const char head[] = "{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": ";
    char *req = xmalloc(sizeof(head) + 64 + ((size_t)chunk + 2) / 3 * 4 + 64);
    char *text;
    long long written = 0, requests = 0, handle;
    size_t len, head_len, text_len;
    int64_t t0, t1;

    if (chunk <= 0) {
        fprintf(stderr, "filexfer: the block is empty\n");
        return 2;
    }
    conn_reserve(&c, 1 << 20);
    t0 = now_ns();
    handle = file_open(&c, path, "wb");
    /* The request text is built once, then sent again and again: only the
     * count of the last, shorter write differs. */
    head_len = (size_t)sprintf(req, "%s%lld, \"buf-b64\": \"", head, handle);
    text = req + head_len;
    text_len = b64_encode(block, (size_t)chunk, text);
    while (written < total) {
        long long n = total - written < chunk ? total - written : chunk;
        size_t req_len = head_len + text_len;
        req_len += n == chunk ? (size_t)sprintf(req + req_len, "\"}}")
                              : (size_t)sprintf(req + req_len, "\", \"count\": %lld}}", n);
        char *line = call(&c, req, req_len, &len);
        if (member_int(line, len, "count") != n) {
            fail("short write", line, len);
        }
        conn_drop_line(&c);
        written += n;
        requests++;
    }
    file_close(&c, handle);
    t1 = now_ns();
    report("write", written, requests, t0, t1);
    free(block);
    free(req);
    free(c.buf);
    close(c.fd);
    return 0;
}

static int run_read(const char *sock, const char *path, long long chunk)
{
    Conn c = { .fd = connect_retry(sock) };
    int file_fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const unsigned char *expected;
    unsigned char *data = xmalloc((size_t)chunk + 3);
    long long got = 0, requests = 0, handle;
    char req[256];
    int64_t t0, t1;
    bool eof = false;

    if (file_fd < 0 || fstat(file_fd, &st) != 0) {
        die(path);
    }
    expected = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, file_fd, 0) : NULL;
    if (expected == MAP_FAILED) {
        die("mmap");
    }
    conn_reserve(&c, ((size_t)chunk + 2) / 3 * 4 + 65536 * 2);
    t0 = now_ns();
    handle = file_open(&c, path, "rb");
    int req_len = snprintf(req, sizeof(req),
                           "{\"execute\": \"guest-file-read\", \"arguments\": {\"handle\": %lld, "
                           "\"count\": %lld}}", handle, chunk);
    while (!eof) {
        size_t len, n;
        char *line = call(&c, req, (size_t)req_len, &len);
        const char *b64 = member(line, "buf-b64");
        const char *end;
        const char *eof_value = member(line, "eof");
        long long count = member_int(line, len, "count");
        if (!b64 || *b64 != '"' || !eof_value || !(end = strchr(b64 + 1, '"'))) {
            fail("not a guest-file-read reply", line, len);
        }
        n = b64_decode(b64 + 1, (size_t)(end - b64 - 1), data);
        if (n == (size_t)-1 || (long long)n != count || count > chunk) {
            fail("bad base64 or count", line, len);
        }
        if (got + count > st.st_size || memcmp(data, expected + got, n) != 0) {
            fail("data differs from the file", line, len);
        }
        eof = strncmp(eof_value, "true", 4) == 0;
        got += count;
        requests++;
        conn_drop_line(&c);
        if (!eof && count < chunk) {
            fail("short read without eof", line, len);
        }
    }
    file_close(&c, handle);
    t1 = now_ns();
    if (got != st.st_size) {
        fprintf(stderr, "filexfer: read %lld of %lld bytes\n", got, (long long)st.st_size);
        return 1;
    }
    report("read", got, requests, t0, t1);
    free(data);
    free(c.buf);
    close(c.fd);
    close(file_fd);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: filexfer write SOCKET PATH TOTAL BLOCK\n"
                    "       filexfer read SOCKET PATH CHUNK\n");
    return 2;
}

int main(int argc, char **argv)
{
    b64_init();
    if (argc == 6 && strcmp(argv[1], "write") == 0) {
        long long total = atoll(argv[4]);
        if (total < 0) {
            return usage();
        }
        return run_write(argv[2], argv[3], total, argv[5]);
    }
    if (argc == 5 && strcmp(argv[1], "read") == 0) {
        long long chunk = atoll(argv[4]);
        if (chunk <= 0) {
            return usage();
        }
        return run_read(argv[2], argv[3], chunk);
    }
    return usage();
}
