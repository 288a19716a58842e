/* exec.c: streamga-host exec: guest-exec, then guest-exec-status polls printed as they come. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Polling: quick while output flows, doubling up to the maximum while idle. */
#define SGA_HOST_POLL_MIN_US 1000
#define SGA_HOST_POLL_MAX_US 200000
/* Stdin is sent in pieces of this size with the input extension. */
#define SGA_HOST_STDIN_CHUNK ((size_t)1 << 20)
/* Without the extension stdin travels as input-data in one request, which
 * qemu-ga's 64 MiB message limit caps at 48 MiB once in base64. */
#define SGA_HOST_STDIN_MAX ((size_t)48 << 20)
/* Exit status when the time limit ended the program, as timeout(1) uses. */
#define SGA_HOST_EXIT_TIMED_OUT 124

#define EXT_KILL "__org.streamga_guest-exec-kill"
#define EXT_INPUT "__org.streamga_guest-exec-input"

static volatile sig_atomic_t interrupts;

static void on_interrupt(int sig)
{
    interrupts++;
}

static void exec_usage(FILE *out)
{
    fputs("Usage: streamga-host [OPTIONS] SOCKET exec [EXEC-OPTIONS] [--] PROGRAM [ARGS...]\n"
          "  -e, --env K=V           environment of the program (repeatable; replaces the default)\n"
          "  -i, --stdin FILE        feed FILE (- for this program's stdin) to its stdin\n"
          "  -m, --merge             capture stderr into stdout, in the order written\n"
          "  -T, --time-limit SECONDS\n"
          "                          kill it after this long (exit status 124)\n", out);
}

bool sga_host_exec_parse(SgaHostExec *exec, int argc, char **argv)
{
    static const struct option options[] = {
        { "env", required_argument, NULL, 'e' },
        { "stdin", required_argument, NULL, 'i' },
        { "merge", no_argument, NULL, 'm' },
        { "time-limit", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    memset(exec, 0, sizeof(*exec));
    exec->env = g_ptr_array_new_with_free_func(g_free);
    optind = 0;     /* restart getopt on the subcommand's arguments */
    while ((ch = getopt_long(argc, argv, "+e:i:mT:h", options, NULL)) != -1) {
        switch (ch) {
        case 'e':
            if (!strchr(optarg, '=')) {
                fprintf(stderr, "streamga-host: --env expects K=V, not '%s'\n", optarg);
                return false;
            }
            g_ptr_array_add(exec->env, g_strdup(optarg));
            break;
        case 'i':
            g_free(exec->stdin_path);
            exec->stdin_path = g_strdup(optarg);
            break;
        case 'm':
            exec->merge = true;
            break;
        case 'T': {
            char *end;
            exec->time_limit = g_ascii_strtod(optarg, &end);
            if (*end || !(exec->time_limit > 0)) {
                fprintf(stderr, "streamga-host: invalid --time-limit '%s'\n", optarg);
                return false;
            }
            break;
        }
        default:
            exec_usage(stderr);
            return false;
        }
    }
    if (optind >= argc) {
        exec_usage(stderr);
        return false;
    }
    exec->argv = g_strdupv(argv + optind);
    return true;
}

void sga_host_exec_clear(SgaHostExec *exec)
{
    g_strfreev(exec->argv);
    if (exec->env) {
        g_ptr_array_unref(exec->env);
    }
    g_free(exec->stdin_path);
    memset(exec, 0, sizeof(*exec));
}

/* What the agent can do beyond qemu-ga 7.2: streamga's extensions (commands in
 * guest-info; their guest-exec arguments come with them), and the capture
 * modes of qemu-ga 8.1 and later. */
typedef struct {
    bool kill;
    bool input;
    bool capture_modes;
} ExecAgentCaps;

static bool command_enabled(json_object *cmd, const char *wanted)
{
    json_object *name, *enabled;

    return json_object_object_get_ex(cmd, "name", &name) &&
           json_object_object_get_ex(cmd, "enabled", &enabled) && json_object_get_boolean(enabled) &&
           strcmp(json_object_get_string(name), wanted) == 0;
}

static void exec_agent_caps(SgaClient *client, int timeout_ms, ExecAgentCaps *caps, GError **error)
{
    json_object *info = sga_client_call(client, "guest-info", NULL, timeout_ms, error);
    json_object *cmds, *version;
    unsigned major = 0, minor = 0;

    memset(caps, 0, sizeof(*caps));
    if (!info) {
        return;
    }
    if (json_object_object_get_ex(info, "supported_commands", &cmds) &&
        json_object_is_type(cmds, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(cmds); i++) {
            json_object *c = json_object_array_get_idx(cmds, i);
            caps->kill |= command_enabled(c, EXT_KILL);
            caps->input |= command_enabled(c, EXT_INPUT);
        }
    }
    if (json_object_object_get_ex(info, "version", &version)) {
        sscanf(json_object_get_string(version), "%u.%u", &major, &minor);
    }
    caps->capture_modes = caps->kill || major > 8 || (major == 8 && minor >= 1);
    json_object_put(info);
}

/* Options the agent cannot honour are refused before anything runs. */
static bool exec_check_caps(const SgaHostExec *exec, const ExecAgentCaps *caps, GError **error)
{
    if (exec->time_limit > 0 && !caps->kill) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_AGENT,
                    "-T needs an agent with streamga's exec extensions (%s)", EXT_KILL);
        return false;
    }
    if (exec->merge && !caps->capture_modes) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_AGENT,
                    "-m needs streamga or qemu-ga 8.1 or later (merged capture)");
        return false;
    }
    return true;
}

static json_object *string_array(char *const *items, guint n)
{
    json_object *a = json_object_new_array();

    for (guint i = 0; i < n; i++) {
        json_object_array_add(a, json_object_new_string(items[i]));
    }
    return a;
}

static bool write_all(int fd, const guint8 *buf, gsize len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        buf += n;
        len -= (gsize)n;
    }
    return true;
}

/* Print a chunk of out-data or err-data; true when there was one. */
static bool exec_print(json_object *status, const char *member, int fd)
{
    json_object *data;
    gsize len;

    if (!json_object_object_get_ex(status, member, &data)) {
        return false;
    }
    g_autofree guint8 *bytes = g_base64_decode(json_object_get_string(data), &len);
    write_all(fd, bytes, len);
    return len > 0;
}

/* The program's stdin, fed as it becomes readable (never blocks polling). */
typedef struct {
    int fd;             /* -1 when not used or closed */
    bool streaming;     /* with the input extension; else all at once as input-data */
    bool eof;           /* our input ended; the program's stdin is still to close */
    GByteArray *held;   /* read but not yet accepted by the agent */
} ExecStdin;

static bool stdin_open(ExecStdin *in, const char *path)
{
    in->fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        fprintf(stderr, "streamga-host: cannot open %s: %s\n", path, g_strerror(errno));
        return false;
    }
    return true;
}

static void stdin_clear(ExecStdin *in)
{
    if (in->fd >= 0) {
        close(in->fd);
        in->fd = -1;
    }
    g_clear_pointer(&in->held, g_byte_array_unref);
}

/* Append up to max bytes of stdin to buf; sets in->eof at its end. Without
 * wait, only what can be read now. */
static void stdin_read(ExecStdin *in, GByteArray *buf, size_t max, bool wait)
{
    guint8 chunk[65536];

    while (!in->eof && buf->len < max) {
        struct pollfd p = { .fd = in->fd, .events = POLLIN };
        if (!wait && poll(&p, 1, 0) <= 0) {
            break;
        }
        ssize_t n = read(in->fd, chunk, MIN(sizeof(chunk), max - buf->len));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            in->eof = true;
            break;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
}

/* With the input extension: send what stdin has now, and close the program's
 * stdin after our end of file. An agent whose stdin buffer is full refuses:
 * the bytes are kept and offered again after the next poll. True when the
 * agent took bytes (input is flowing: keep polling quickly). */
static bool stdin_pump(ExecStdin *in, SgaClient *client, gint64 pid, int timeout_ms, GError **error)
{
    json_object *args, *ret;
    GError *local = NULL;
    bool sent;

    if (in->fd < 0) {
        return false;
    }
    if (!in->held) {
        in->held = g_byte_array_new();
        stdin_read(in, in->held, SGA_HOST_STDIN_CHUNK, false);
    }
    if (in->held->len == 0 && !in->eof) {
        g_clear_pointer(&in->held, g_byte_array_unref);
        return false;
    }
    args = json_object_new_object();
    json_object_object_add(args, "pid", json_object_new_int64(pid));
    if (in->held->len) {
        g_autofree char *b64 = g_base64_encode(in->held->data, in->held->len);
        json_object_object_add(args, "input-data", json_object_new_string(b64));
    }
    if (in->eof) {
        json_object_object_add(args, "close", json_object_new_boolean(1));
    }
    ret = sga_client_call(client, EXT_INPUT, args, timeout_ms, &local);
    json_object_put(args);
    json_object_put(ret);
    if (local && local->code == SGA_CLIENT_ERROR_AGENT && strstr(local->message, "is full")) {
        g_error_free(local);
        return false;
    }
    sent = !local && in->held->len > 0;
    g_clear_pointer(&in->held, g_byte_array_unref);
    if (local) {
        g_propagate_error(error, local);
    } else if (in->eof) {
        stdin_clear(in);
    }
    return sent;
}

static gint64 exec_start(const SgaHostExec *exec, SgaClient *client, int timeout_ms, ExecStdin *in,
                         bool have_input, GError **error)
{
    json_object *args = json_object_new_object();
    json_object *ret, *pid;
    gint64 result = -1;

    json_object_object_add(args, "path", json_object_new_string(exec->argv[0]));
    json_object_object_add(args, "arg", string_array(exec->argv + 1, g_strv_length(exec->argv + 1)));
    if (exec->env->len) {
        json_object_object_add(args, "env", string_array((char **)exec->env->pdata, exec->env->len));
    }
    json_object_object_add(args, "capture-output",
                           exec->merge ? json_object_new_string("merged") : json_object_new_boolean(1));
    if (exec->time_limit > 0) {
        json_object_object_add(args, "__org.streamga_timeout", json_object_new_double(exec->time_limit));
    }
    if (in->fd >= 0 && have_input) {
        in->streaming = true;
        json_object_object_add(args, "__org.streamga_keep-stdin", json_object_new_boolean(1));
    } else if (in->fd >= 0) {
        g_autoptr(GByteArray) all = g_byte_array_new();
        stdin_read(in, all, SGA_HOST_STDIN_MAX + 1, true);
        if (all->len > SGA_HOST_STDIN_MAX) {
            g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_AGENT,
                        "stdin over %zu bytes needs an agent with the %s extension",
                        SGA_HOST_STDIN_MAX, EXT_INPUT);
            json_object_put(args);
            return -1;
        }
        g_autofree char *b64 = g_base64_encode(all->data, all->len);
        json_object_object_add(args, "input-data", json_object_new_string(b64));
        stdin_clear(in);
    }
    ret = sga_client_call(client, "guest-exec", args, timeout_ms, error);
    json_object_put(args);
    if (ret && json_object_object_get_ex(ret, "pid", &pid) && json_object_is_type(pid, json_type_int)) {
        result = json_object_get_int64(pid);
    } else if (ret) {
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL, "guest-exec returned no pid");
    }
    json_object_put(ret);
    return result;
}

static void exec_interrupt(SgaClient *client, gint64 pid, bool have_kill, int timeout_ms, int *sent)
{
    json_object *args, *ret;
    int signo = interrupts > 1 ? SIGKILL : SIGINT;

    if (*sent == signo) {
        return;
    }
    *sent = signo;
    if (!have_kill) {
        fprintf(stderr, "streamga-host: the agent cannot stop the program (no %s); it runs on\n",
                EXT_KILL);
        return;
    }
    args = json_object_new_object();
    json_object_object_add(args, "pid", json_object_new_int64(pid));
    json_object_object_add(args, "signal", json_object_new_int(signo));
    ret = sga_client_call(client, EXT_KILL, args, timeout_ms, NULL);
    json_object_put(args);
    json_object_put(ret);
}

int sga_host_exec_run(const SgaHostExec *exec, SgaClient *client, int timeout_ms, GError **error)
{
    struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
    ExecStdin in = { .fd = -1 };
    ExecAgentCaps caps;
    int status = 0, sent = 0;
    gint64 pid, delay = SGA_HOST_POLL_MIN_US;

    exec_agent_caps(client, timeout_ms, &caps, error);
    if (*error || !exec_check_caps(exec, &caps, error)) {
        return 0;
    }
    if (exec->stdin_path && !stdin_open(&in, exec->stdin_path)) {
        return 2;
    }
    pid = exec_start(exec, client, timeout_ms, &in, caps.input, error);
    if (pid < 0) {
        stdin_clear(&in);
        return 0;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    for (;;) {
        json_object *args, *st, *v;
        bool got = false;

        if (interrupts) {
            exec_interrupt(client, pid, caps.kill, timeout_ms, &sent);
            if (!caps.kill) {
                status = 128 + SIGINT;
                break;
            }
        }
        if (in.streaming) {
            got = stdin_pump(&in, client, pid, timeout_ms, error);
            if (*error) {
                break;
            }
        }
        args = json_object_new_object();
        json_object_object_add(args, "pid", json_object_new_int64(pid));
        st = sga_client_call(client, "guest-exec-status", args, timeout_ms, error);
        json_object_put(args);
        if (!st) {
            break;
        }
        got |= exec_print(st, "out-data", STDOUT_FILENO);
        got |= exec_print(st, "err-data", STDERR_FILENO);
        if (json_object_object_get_ex(st, "exited", &v) && json_object_get_boolean(v)) {
            if (json_object_object_get_ex(st, "__org.streamga_timed-out", &v) && json_object_get_boolean(v)) {
                status = SGA_HOST_EXIT_TIMED_OUT;
            } else if (json_object_object_get_ex(st, "exitcode", &v)) {
                status = json_object_get_int(v);
            } else if (json_object_object_get_ex(st, "signal", &v)) {
                status = 128 + json_object_get_int(v);
            }
            json_object_put(st);
            break;
        }
        json_object_put(st);
        delay = got ? SGA_HOST_POLL_MIN_US : MIN(delay * 2, SGA_HOST_POLL_MAX_US);
        if (!interrupts) {
            g_usleep((gulong)delay);
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    stdin_clear(&in);
    return status;
}
