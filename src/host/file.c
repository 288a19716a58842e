/* file.c: streamga-host push and pull: guest-file-open, chunked guest-file-write/-read, guest-file-close. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sga-base64.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
/* qemu-ga's largest guest-file-read count. */
#define SGA_HOST_PULL_CHUNK_MAX (48 * MIB)
/* A write's base64 text must fit qemu-ga's 64 MiB request limit: 47 MiB of
 * data is 62.7 MiB of text (48 MiB would be 64 MiB, over it). */
#define SGA_HOST_PUSH_CHUNK_MAX (47 * MIB)
/* Measured with this client (figures in docs/host-client.md): streamga is
 * fastest at 256 KiB both ways, and qemu-ga pushes as fast at 256 KiB as at
 * 1 MiB; only its pulls prefer 64 KiB. */
#define SGA_HOST_PUSH_CHUNK_DEFAULT (256 * KIB)
#define SGA_HOST_PULL_CHUNK_DEFAULT (256 * KIB)
/* Progress is redrawn at most this often. */
#define SGA_HOST_PROGRESS_INTERVAL_US 100000
/* Local I/O errors share exit status 1 with the agent's error replies. */
#define SGA_HOST_FILE_LOCAL_ERROR SGA_CLIENT_ERROR_AGENT

/* Guest-file-seek's protocol codes for whence. */
#define WHENCE_SET 0
#define WHENCE_END 2

static volatile sig_atomic_t interrupted_by;

/* The first Ctrl-C ends the transfer cleanly between chunks; a second one at once. */
static void on_interrupt(int sig)
{
    if (interrupted_by) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    interrupted_by = sig;
}

static void file_usage(FILE *out)
{
    fputs("Usage: streamga-host [OPTIONS] SOCKET push [FILE-OPTIONS] LOCAL REMOTE\n"
          "       streamga-host [OPTIONS] SOCKET pull [FILE-OPTIONS] REMOTE LOCAL\n"
          "  -m, --mode MODE         push: guest-file-open mode (default wb; ab appends)\n"
          "  -c, --chunk SIZE        bytes per request, K/M suffixes (default 256K;\n"
          "                          push at most 47M, pull at most 48M)\n"
          "  -p, --progress          progress on stderr even when it is not a terminal\n"
          "  -P, --no-progress       no progress even on a terminal\n"
          "LOCAL - is stdin for push, stdout for pull.\n", out);
}

/* "1048576", "256K", "4M": 1 to max bytes. */
static bool chunk_parse(const char *text, size_t max, size_t *out)
{
    char *end;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    guint64 unit = 1;

    switch (g_ascii_toupper(*end)) {
    case 'K': unit = KIB; end++; break;
    case 'M': unit = MIB; end++; break;
    case 'G': unit = 1024 * MIB; end++; break;
    default: break;
    }
    if (!g_ascii_isdigit(text[0]) || *end || v == 0 || v > max / unit) {
        fprintf(stderr, "streamga-host: invalid --chunk '%s': expected 1 to %zu bytes "
                "(K, M suffixes allowed)\n", text, max);
        return false;
    }
    *out = (size_t)(v * unit);
    return true;
}

static bool file_parse(SgaHostFile *file, int argc, char **argv)
{
    static const struct option options[] = {
        { "mode", required_argument, NULL, 'm' },
        { "chunk", required_argument, NULL, 'c' },
        { "progress", no_argument, NULL, 'p' },
        { "no-progress", no_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *chunk_text = NULL;
    int ch;

    memset(file, 0, sizeof(*file));
    file->push = strcmp(argv[0], "push") == 0;
    file->progress = -1;
    optind = 0;     /* restart getopt on the subcommand's arguments */
    while ((ch = getopt_long(argc, argv, "+m:c:pPh", options, NULL)) != -1) {
        switch (ch) {
        case 'm':
            if (!file->push || !*optarg) {
                fprintf(stderr, "streamga-host: %s\n",
                        file->push ? "--mode needs a mode" : "--mode is for push only");
                return false;
            }
            g_free(file->mode);
            file->mode = g_strdup(optarg);
            break;
        case 'c':
            chunk_text = optarg;
            break;
        case 'p':
            file->progress = 1;
            break;
        case 'P':
            file->progress = 0;
            break;
        default:
            file_usage(stderr);
            return false;
        }
    }
    if (argc - optind != 2) {
        file_usage(stderr);
        return false;
    }
    if (chunk_text) {
        if (!chunk_parse(chunk_text, file->push ? SGA_HOST_PUSH_CHUNK_MAX : SGA_HOST_PULL_CHUNK_MAX,
                         &file->chunk)) {
            return false;
        }
    } else {
        file->chunk = file->push ? SGA_HOST_PUSH_CHUNK_DEFAULT : SGA_HOST_PULL_CHUNK_DEFAULT;
    }
    file->local = g_strdup(argv[optind + (file->push ? 0 : 1)]);
    file->remote = g_strdup(argv[optind + (file->push ? 1 : 0)]);
    if (!file->mode) {
        file->mode = g_strdup(file->push ? "wb" : "rb");
    }
    return true;
}

void sga_host_file_clear(SgaHostFile *file)
{
    g_free(file->local);
    g_free(file->remote);
    g_free(file->mode);
    memset(file, 0, sizeof(*file));
}

bool sga_host_file_parse(SgaHostFile *file, int argc, char **argv)
{
    if (!file_parse(file, argc, argv)) {
        sga_host_file_clear(file);      /* main returns at once: nothing may leak */
        return false;
    }
    return true;
}

/* ---- progress: "1.5 MiB / 4.0 MiB (37%)  120.3 MB/s", redrawn over itself ---- */

typedef struct {
    bool on;
    gint64 total;           /* bytes, or -1 when unknown */
    guint64 done;
    gint64 start_us, drawn_us;
    size_t drawn_width;     /* of the line on screen, so that a shorter one blanks it */
    bool drawn;
} Progress;

static void progress_start(Progress *p, int setting, gint64 total)
{
    memset(p, 0, sizeof(*p));
    p->on = setting > 0 || (setting < 0 && isatty(STDERR_FILENO));
    p->total = total;
    p->start_us = p->drawn_us = g_get_monotonic_time();
}

/* "512 B", "1.5 KiB", "256.0 MiB": g_format_size() would put a UTF-8
 * no-break space in the middle, whatever the terminal's encoding. */
static void size_append(GString *out, guint64 n)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double v = (double)n;
    size_t i = 0;

    if (n < 1024) {
        g_string_append_printf(out, "%" G_GUINT64_FORMAT " B", n);
        return;
    }
    for (v /= 1024; v >= 1024 && i + 1 < G_N_ELEMENTS(units); i++) {
        v /= 1024;
    }
    g_string_append_printf(out, "%.1f %s", v, units[i]);
}

/* Redraw if the interval has passed; final draws in any case and ends the line. */
static void progress_draw(Progress *p, bool final)
{
    gint64 now = g_get_monotonic_time();
    double seconds = (double)MAX(now - p->start_us, 1) / 1e6;
    g_autoptr(GString) line = NULL;
    size_t width;

    if (!p->on || (!final && now - p->drawn_us < SGA_HOST_PROGRESS_INTERVAL_US)) {
        return;
    }
    line = g_string_new("\r");
    size_append(line, p->done);
    /* A file that grew while it was read (or /dev/zero, "size" 0) has no known total. */
    if (p->total >= 0 && p->done <= (guint64)p->total) {
        g_string_append(line, " / ");
        size_append(line, (guint64)p->total);
        g_string_append_printf(line, " (%d%%)",
                               p->total ? (int)(p->done * 100 / (guint64)p->total) : 100);
    }
    g_string_append_printf(line, "  %.1f MB/s", (double)p->done / seconds / 1e6);
    width = line->len - 1;
    for (size_t i = width; i < p->drawn_width; i++) {
        g_string_append_c(line, ' ');
    }
    if (final) {
        g_string_append_c(line, '\n');
    }
    fputs(line->str, stderr);
    p->drawn_width = width;
    p->drawn = !final;
    p->drawn_us = now;
}

static void progress_add(Progress *p, size_t n)
{
    p->done += n;
    progress_draw(p, false);
}

/* After a failure: end a drawn line, so that the error message starts its own. */
static void progress_abandon(Progress *p)
{
    if (p->drawn) {
        fputc('\n', stderr);
        p->drawn = false;
    }
}

/* ---- the guest side ---- */

static gint64 guest_open(SgaClient *client, const char *path, const char *mode, int timeout_ms,
                         GError **error)
{
    json_object *args = json_object_new_object(), *ret;
    gint64 handle = -1;

    json_object_object_add(args, "path", json_object_new_string(path));
    json_object_object_add(args, "mode", json_object_new_string(mode));
    ret = sga_client_call(client, "guest-file-open", args, timeout_ms, error);
    json_object_put(args);
    if (*error) {
        return -1;
    }
    if (json_object_is_type(ret, json_type_int) && json_object_get_int64(ret) >= 0) {
        handle = json_object_get_int64(ret);
    } else {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL,
                    "guest-file-open returned no handle");
    }
    json_object_put(ret);
    return handle;
}

static json_object *handle_args(gint64 handle)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "handle", json_object_new_int64(handle));
    return args;
}

static bool guest_close(SgaClient *client, gint64 handle, int timeout_ms, GError **error)
{
    json_object *args = handle_args(handle);
    json_object *ret = sga_client_call(client, "guest-file-close", args, timeout_ms, error);

    json_object_put(args);
    json_object_put(ret);
    return !*error;
}

/* After a failure the handle is still open in the agent, where it counts
 * against the agent's limit: close it if the connection still works. After a
 * timeout or a malformed reply, replies may be out of step with requests, so
 * the connection is synced first (that waits for the late reply too). */
static void guest_close_after(SgaClient *client, gint64 handle, int timeout_ms, const GError *cause)
{
    GError *local = NULL;

    if (handle < 0 || g_error_matches(cause, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_CONNECT)) {
        return;
    }
    if ((g_error_matches(cause, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_TIMEOUT) ||
         g_error_matches(cause, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL)) &&
        !sga_client_sync(client, timeout_ms, NULL)) {
        return;
    }
    if (!guest_close(client, handle, timeout_ms, &local)) {
        fprintf(stderr, "streamga-host: could not close the guest file: %s\n", local->message);
        g_error_free(local);
    }
}

/* Seek and return the new position, or -1 with error set. */
static gint64 guest_seek(SgaClient *client, gint64 handle, int whence, int timeout_ms, GError **error)
{
    json_object *args = handle_args(handle), *ret, *pos;
    gint64 position = -1;

    json_object_object_add(args, "offset", json_object_new_int(0));
    json_object_object_add(args, "whence", json_object_new_int(whence));
    ret = sga_client_call(client, "guest-file-seek", args, timeout_ms, error);
    json_object_put(args);
    if (*error) {
        return -1;
    }
    if (json_object_object_get_ex(ret, "position", &pos) && json_object_is_type(pos, json_type_int) &&
        json_object_get_int64(pos) >= 0) {
        position = json_object_get_int64(pos);
    } else {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL,
                    "guest-file-seek returned no position");
    }
    json_object_put(ret);
    return position;
}

/* The guest file's size for the progress total: qemu-ga has no stat, so seek
 * to the end and back. *size is -1 when the file cannot seek (a pipe); false
 * only when the way back failed, which would leave the reads misplaced. */
static bool guest_size(SgaClient *client, gint64 handle, int timeout_ms, gint64 *size, GError **error)
{
    GError *local = NULL;
    gint64 end = guest_seek(client, handle, WHENCE_END, timeout_ms, &local);

    *size = -1;
    if (local) {
        if (local->code == SGA_CLIENT_ERROR_AGENT) {
            g_error_free(local);
            return true;
        }
        g_propagate_error(error, local);
        return false;
    }
    if (guest_seek(client, handle, WHENCE_SET, timeout_ms, error) != 0) {
        if (!*error) {
            g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL,
                        "guest-file-seek to 0 returned another position");
        }
        return false;
    }
    *size = end;
    return true;
}

/* One guest-file-write of n bytes; the request is built in req, after its
 * prefix (which names the handle), with no other copy of the base64 text. */
static bool guest_write(SgaClient *client, char *req, size_t prefix_len, const guint8 *data, size_t n,
                        int timeout_ms, GError **error)
{
    char *end = req + prefix_len + sga_base64_encode_into(req + prefix_len, data, n);
    json_object *ret, *count;
    gint64 written;

    memcpy(end, "\"}}", 4);
    ret = sga_client_call_text(client, req, timeout_ms, error);
    if (*error) {
        return false;
    }
    if (!json_object_object_get_ex(ret, "count", &count) || !json_object_is_type(count, json_type_int)) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL, "guest-file-write returned no count");
        json_object_put(ret);
        return false;
    }
    written = json_object_get_int64(count);
    json_object_put(ret);
    if (written >= 0 && (guint64)written < n) {
        /* A pipe or a full device in the guest took only part: that is an error here. */
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_AGENT,
                    "short write: the guest took %" G_GINT64_FORMAT " of %zu bytes", written, n);
        return false;
    }
    if ((guint64)written != n) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL,
                    "guest-file-write returned count %" G_GINT64_FORMAT " for %zu bytes", written, n);
        return false;
    }
    return true;
}

/* One guest-file-read of up to chunk bytes: the decoded bytes (g_free) and
 * their number in *n, with *eof; NULL with error set. */
static guint8 *guest_read(SgaClient *client, gint64 handle, size_t chunk, int timeout_ms, gsize *n,
                          bool *eof, GError **error)
{
    json_object *args = handle_args(handle), *ret, *count, *b64, *at_end;
    guint8 *data = NULL;

    json_object_object_add(args, "count", json_object_new_int64((gint64)chunk));
    ret = sga_client_call(client, "guest-file-read", args, timeout_ms, error);
    json_object_put(args);
    if (*error) {
        return NULL;
    }
    if (json_object_object_get_ex(ret, "count", &count) && json_object_is_type(count, json_type_int) &&
        json_object_object_get_ex(ret, "buf-b64", &b64) && json_object_is_type(b64, json_type_string) &&
        json_object_object_get_ex(ret, "eof", &at_end) && json_object_is_type(at_end, json_type_boolean)) {
        data = sga_base64_decode(json_object_get_string(b64), n, NULL);
        *eof = json_object_get_boolean(at_end);
    }
    /* Nothing and no end of file would make the loop spin: never from a real agent. */
    if (!data || *n > chunk || (gint64)*n != json_object_get_int64(count) || (*n == 0 && !*eof)) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL,
                    "guest-file-read returned a malformed chunk");
        g_clear_pointer(&data, g_free);
    }
    json_object_put(ret);
    return data;
}

/* ---- the host side ---- */

/* "cannot read stdin: ...", "cannot write /x/y: ...": exit status 1. */
static void local_error(GError **error, const char *what, const char *name, int err)
{
    g_set_error(error, SGA_CLIENT_ERROR, SGA_HOST_FILE_LOCAL_ERROR, "%s %s: %s", what, name,
                g_strerror(err));
}

/* Read until len bytes or the end of the input; -1 with errno on an error
 * (EINTR when a signal asks us to stop). */
static gssize read_full(int fd, guint8 *buf, size_t len, bool *eof)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR && !interrupted_by) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            *eof = true;
            break;
        }
        got += (size_t)n;
    }
    return (gssize)got;
}

static bool write_full(int fd, const guint8 *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Pull's destination: LOCAL is written as a temporary file beside it and
 * renamed over it only when everything arrived, so it is never half-written. */
typedef struct {
    int fd;
    char *temp;         /* NULL for stdout */
    mode_t mode;        /* the permissions LOCAL gets */
} PullTarget;

static bool pull_target_open(PullTarget *t, const char *local, GError **error)
{
    struct stat st;
    mode_t mask;
    bool exists;

    memset(t, 0, sizeof(*t));
    if (strcmp(local, "-") == 0) {
        t->fd = STDOUT_FILENO;
        return true;
    }
    exists = stat(local, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        local_error(error, "cannot write", local, EISDIR);
        return false;
    }
    if (exists && S_ISREG(st.st_mode)) {
        t->mode = st.st_mode & 07777;   /* a replaced file keeps its permissions */
    } else {
        mask = umask(0);
        umask(mask);
        t->mode = 0666 & ~mask;         /* as a file created by open(2) */
    }
    g_autofree char *dir = g_path_get_dirname(local);
    g_autofree char *base = g_path_get_basename(local);
    g_autofree char *name = g_strdup_printf(".%s.XXXXXX", base);
    t->temp = g_build_filename(dir, name, NULL);
    t->fd = g_mkstemp_full(t->temp, O_RDWR | O_CLOEXEC, 0600);
    if (t->fd < 0) {
        int err = errno;
        g_set_error(error, SGA_CLIENT_ERROR, SGA_HOST_FILE_LOCAL_ERROR,
                    "cannot create a temporary file in %s for %s: %s", dir, local, g_strerror(err));
        g_clear_pointer(&t->temp, g_free);
        return false;
    }
    return true;
}

/* Make the temporary file LOCAL: durable first, so a crash leaves the old file or the new one. */
static bool pull_target_commit(PullTarget *t, const char *local, GError **error)
{
    int fd = t->fd;

    if (!t->temp) {
        return true;
    }
    t->fd = -1;
    if (fchmod(fd, t->mode) < 0 || fsync(fd) < 0) {
        local_error(error, "cannot write", local, errno);
        close(fd);
        return false;
    }
    if (close(fd) < 0) {
        local_error(error, "cannot write", local, errno);
        return false;
    }
    if (rename(t->temp, local) < 0) {
        local_error(error, "cannot replace", local, errno);
        return false;
    }
    g_clear_pointer(&t->temp, g_free);
    return true;
}

/* Remove what is left of a temporary file that did not become LOCAL. */
static void pull_target_clear(PullTarget *t)
{
    if (t->temp) {
        if (t->fd >= 0) {
            close(t->fd);
        }
        unlink(t->temp);
        g_free(t->temp);
    }
    memset(t, 0, sizeof(*t));
}

static void file_push(const SgaHostFile *f, SgaClient *client, int timeout_ms, GError **error)
{
    bool from_stdin = strcmp(f->local, "-") == 0;
    const char *name = from_stdin ? "stdin" : f->local;
    int fd = from_stdin ? STDIN_FILENO : open(f->local, O_RDONLY | O_CLOEXEC);
    g_autofree guint8 *data = NULL;
    g_autofree char *req = NULL;
    g_autofree char *prefix = NULL;
    gint64 handle = -1;
    bool eof = false;
    struct stat st;
    Progress progress;
    gssize n;

    if (fd < 0 || fstat(fd, &st) < 0) {
        local_error(error, "cannot read", name, errno);
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        local_error(error, "cannot read", name, EISDIR);
        goto out;
    }
    /* The first chunk is read before the guest file is opened: a local
     * failure then leaves the remote file as it was (not truncated). */
    data = g_malloc(f->chunk);
    n = read_full(fd, data, f->chunk, &eof);
    if (n < 0) {
        if (!interrupted_by) {
            local_error(error, "cannot read", name, errno);
        }
        goto out;
    }
    handle = guest_open(client, f->remote, f->mode, timeout_ms, error);
    if (handle < 0) {
        goto out;
    }
    prefix = g_strdup_printf("{\"execute\": \"guest-file-write\", \"arguments\": {\"handle\": %"
                             G_GINT64_FORMAT ", \"buf-b64\": \"", handle);
    req = g_malloc(strlen(prefix) + SGA_BASE64_ENCODED_LEN(f->chunk) + sizeof("\"}}"));
    strcpy(req, prefix);
    progress_start(&progress, f->progress, S_ISREG(st.st_mode) ? st.st_size : -1);
    while (n > 0) {
        if (!guest_write(client, req, strlen(prefix), data, (size_t)n, timeout_ms, error)) {
            break;
        }
        progress_add(&progress, (size_t)n);
        if (eof || interrupted_by) {
            break;
        }
        n = read_full(fd, data, f->chunk, &eof);
        if (n < 0 && !interrupted_by) {
            local_error(error, "cannot read", name, errno);
        }
    }
    if (*error || interrupted_by) {
        progress_abandon(&progress);
        guest_close_after(client, handle, timeout_ms, *error);
    } else if (guest_close(client, handle, timeout_ms, error)) {
        /* qemu-ga buffers writes: its close is where a full disk shows. */
        progress_draw(&progress, true);
    } else {
        progress_abandon(&progress);
    }
out:
    if (fd >= 0 && !from_stdin) {
        close(fd);
    }
}

static void file_pull(const SgaHostFile *f, SgaClient *client, int timeout_ms, GError **error)
{
    PullTarget target;
    Progress progress;
    gint64 handle, size = -1;
    bool eof = false;

    if (!pull_target_open(&target, f->local, error)) {
        return;
    }
    handle = guest_open(client, f->remote, f->mode, timeout_ms, error);
    if (handle < 0) {
        pull_target_clear(&target);
        return;
    }
    progress_start(&progress, f->progress, -1);
    if (progress.on && guest_size(client, handle, timeout_ms, &size, error)) {
        progress_start(&progress, f->progress, size);
    }
    while (!*error && !eof && !interrupted_by) {
        gsize n;
        g_autofree guint8 *data = guest_read(client, handle, f->chunk, timeout_ms, &n, &eof, error);
        if (!data) {
            break;
        }
        if (!write_full(target.fd, data, n)) {
            local_error(error, "cannot write", target.temp ? f->local : "stdout", errno);
            break;
        }
        progress_add(&progress, n);
    }
    if (*error || interrupted_by) {
        progress_abandon(&progress);
        guest_close_after(client, handle, timeout_ms, *error);
    } else if (guest_close(client, handle, timeout_ms, error) &&
               pull_target_commit(&target, f->local, error)) {
        progress_draw(&progress, true);
    } else {
        progress_abandon(&progress);
    }
    pull_target_clear(&target);
}

int sga_host_file_run(const SgaHostFile *file, SgaClient *client, int timeout_ms, GError **error)
{
    struct sigaction stop = { .sa_handler = on_interrupt }, ignore = { .sa_handler = SIG_IGN };
    struct sigaction old_int, old_term, old_pipe;
    int status = 0;

#ifdef __GLIBC__
    /* Every chunk allocates and frees a few buffers of its size (the reply,
     * its text, the decoded bytes): keep them on the heap, or glibc maps and
     * unmaps them each time and every page faults in again (sys time 10x).
     * 32 MiB is the largest threshold glibc accepts on 64-bit systems. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
    /* Ctrl-C ends the transfer between chunks, so the guest handle can still be
     * closed; a closed stdout is an error to report (EPIPE), not a silent death. */
    sigemptyset(&stop.sa_mask);
    sigemptyset(&ignore.sa_mask);
    interrupted_by = 0;
    sigaction(SIGINT, &stop, &old_int);
    sigaction(SIGTERM, &stop, &old_term);
    sigaction(SIGPIPE, &ignore, &old_pipe);
    if (file->push) {
        file_push(file, client, timeout_ms, error);
    } else {
        file_pull(file, client, timeout_ms, error);
    }
    if (interrupted_by && !*error) {
        fprintf(stderr, "streamga-host: interrupted\n");
        status = 128 + interrupted_by;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return status;
}
