/* main.c: streamga-host, the host-side client: ping, info, osinfo and raw requests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "exec.h"
#include "file.h"
#include "render.h"
#include "sga-build-config.h"

#define SGA_HOST_EXIT_USAGE 2

/* libvirt gives the sync five seconds by default; commands get longer. */
#define SGA_HOST_SYNC_TIMEOUT_MS 5000
#define SGA_HOST_TIMEOUT_MS 30000

typedef struct {
    SgaClient *client;
    int timeout_ms;
    bool json;          /* machine-readable output */
    bool no_reply;      /* raw: the command sends no reply on success */
    json_object *call_args;     /* call: parsed before connecting, a usage error otherwise */
    SgaHostExec exec;           /* exec: likewise */
    SgaHostFile file;           /* push, pull: likewise */
} HostRun;

typedef int (*HostCommand)(HostRun *run, int argc, char **argv, GError **error);

static int host_ping(HostRun *run, int argc, char **argv, GError **error)
{
    gint64 start = g_get_monotonic_time();
    json_object *ret = sga_client_call(run->client, "guest-ping", NULL, run->timeout_ms, error);

    if (*error) {
        return 0;
    }
    if (run->json) {
        sga_render_json(ret);
    } else {
        printf("guest agent answered in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
    }
    json_object_put(ret);
    return 0;
}

static int host_simple(HostRun *run, const char *command, void (*render)(json_object *), GError **error)
{
    json_object *ret = sga_client_call(run->client, command, NULL, run->timeout_ms, error);

    if (*error) {
        return 0;
    }
    if (run->json) {
        sga_render_json(ret);
    } else {
        render(ret);
    }
    json_object_put(ret);
    return 0;
}

static int host_info(HostRun *run, int argc, char **argv, GError **error)
{
    return host_simple(run, "guest-info", sga_render_info, error);
}

static int host_osinfo(HostRun *run, int argc, char **argv, GError **error)
{
    return host_simple(run, "guest-get-osinfo", sga_render_osinfo, error);
}

/* One JSON object and nothing after it but white space, or NULL. */
static json_object *call_args_parse(const char *text)
{
    json_tokener *tok = json_tokener_new();
    json_object *obj = json_tokener_parse_ex(tok, text, -1);
    size_t end = json_tokener_get_parse_end(tok);
    bool ok = json_tokener_get_error(tok) == json_tokener_success &&
              json_object_is_type(obj, json_type_object) &&
              text[end + strspn(text + end, " \t\r\n")] == '\0';

    json_tokener_free(tok);
    if (!ok) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

/* call NAME [ARGUMENTS-JSON] */
static int host_call(HostRun *run, int argc, char **argv, GError **error)
{
    json_object *ret = sga_client_call(run->client, argv[0], run->call_args, run->timeout_ms, error);

    if (!*error) {
        sga_render_value(ret, run->json);
        json_object_put(ret);
    }
    return 0;
}

/* raw JSON: the whole reply is printed; an error reply sets the exit status */
static int host_raw(HostRun *run, int argc, char **argv, GError **error)
{
    json_object *reply, *err;
    int status = 0;

    if (run->no_reply) {
        sga_client_send(run->client, argv[0], error);
        return 0;
    }
    reply = sga_client_request(run->client, argv[0], run->timeout_ms, error);
    if (!reply) {
        return 0;
    }
    if (!json_object_object_get_ex(reply, "return", NULL) &&
        !json_object_object_get_ex(reply, "error", NULL)) {
        /* an object, but no reply: malformed, as for every other subcommand */
        g_set_error(error, SGA_CLIENT_ERROR, SGA_CLIENT_ERROR_PROTOCOL, "reply has neither return nor error");
        json_object_put(reply);
        return 0;
    }
    sga_render_value(reply, run->json);
    if (json_object_object_get_ex(reply, "error", &err)) {
        status = SGA_CLIENT_ERROR_AGENT;
    }
    json_object_put(reply);
    return status;
}

/* exec [OPTIONS] [--] PROG ARGS: the program's exit status becomes ours */
static int host_exec(HostRun *run, int argc, char **argv, GError **error)
{
    return sga_host_exec_run(&run->exec, run->client, run->timeout_ms, error);
}

/* push [OPTIONS] LOCAL REMOTE, pull [OPTIONS] REMOTE LOCAL */
static int host_file(HostRun *run, int argc, char **argv, GError **error)
{
    return sga_host_file_run(&run->file, run->client, run->timeout_ms, error);
}

static const struct {
    const char *name;
    int min_args, max_args;
    HostCommand run;
} host_commands[] = {
    { "ping", 0, 0, host_ping },
    { "info", 0, 0, host_info },
    { "osinfo", 0, 0, host_osinfo },
    { "call", 1, 2, host_call },
    { "raw", 1, 1, host_raw },
    { "exec", 1, G_MAXINT, host_exec },
    { "push", 2, G_MAXINT, host_file },
    { "pull", 2, G_MAXINT, host_file },
};

static void usage(FILE *out)
{
    fprintf(out,
"Usage: streamga-host [OPTIONS] SOCKET COMMAND [ARGS...]\n"
"Talk to a QEMU guest agent (streamga or qemu-ga) through the host end of its\n"
"virtio-serial channel (the unix socket of QEMU's -chardev socket).\n"
"\n"
"Commands:\n"
"  ping                    check that the agent answers\n"
"  info                    agent version and its commands\n"
"  osinfo                  the guest's operating system\n"
"  call NAME [ARGS]        run any command; ARGS is a JSON object\n"
"  exec [-e K=V] [-i FILE] [-m] [-T SECONDS] [--] PROGRAM [ARGS...]\n"
"                          run a program in the guest, its output live; exits\n"
"                          with its status (128+N for signal N, 124 timed out)\n"
"  push [-m MODE] [-c SIZE] [-p|-P] LOCAL REMOTE\n"
"                          copy a host file (- for stdin) into the guest\n"
"  pull [-c SIZE] [-p|-P] REMOTE LOCAL\n"
"                          copy a guest file to the host (- for stdout)\n"
"  raw JSON                send a request as is and print the whole reply\n"
"  JSON                    same as raw when COMMAND starts with '{'\n"
"\n"
"Options:\n"
"  -j, --json              print JSON for scripts instead of text\n"
"  -t, --timeout SECONDS   wait this long for a reply (default %d)\n"
"  -s, --sync-timeout SECONDS\n"
"                          wait this long for guest-sync (default %d)\n"
"  -n, --no-reply          raw: do not wait for a reply (guest-shutdown)\n"
"  -V, --version           print the version and exit\n"
"  -h, --help              print this help and exit\n"
"\n"
"Exit status: 0 success, 1 the agent answered with an error (push, pull: or a\n"
"local file failed), 2 usage error, 3 cannot connect or connection lost,\n"
"4 timeout, 5 malformed reply; push, pull: 128+N when signal N stopped them.\n",
            SGA_HOST_TIMEOUT_MS / 1000, SGA_HOST_SYNC_TIMEOUT_MS / 1000);
}

static bool seconds_parse(const char *text, int *ms)
{
    char *end;
    double s = g_ascii_strtod(text, &end);

    if (*end || !(s > 0) || s > 86400) {
        fprintf(stderr, "streamga-host: invalid number of seconds: %s\n", text);
        return false;
    }
    *ms = (int)(s * 1000);
    return true;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "json", no_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 't' },
        { "sync-timeout", required_argument, NULL, 's' },
        { "no-reply", no_argument, NULL, 'n' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    HostRun run = { .timeout_ms = SGA_HOST_TIMEOUT_MS };
    int sync_timeout_ms = SGA_HOST_SYNC_TIMEOUT_MS;
    g_autoptr(GError) error = NULL;
    HostCommand command = host_raw;
    const char *socket_path, *name;
    int ch, status = 0;

    /* '+': options end at SOCKET, so command arguments may start with '-' */
    while ((ch = getopt_long(argc, argv, "+jt:s:nVh", options, NULL)) != -1) {
        switch (ch) {
        case 'j': run.json = true; break;
        case 'n': run.no_reply = true; break;
        case 't':
            if (!seconds_parse(optarg, &run.timeout_ms)) {
                return SGA_HOST_EXIT_USAGE;
            }
            break;
        case 's':
            if (!seconds_parse(optarg, &sync_timeout_ms)) {
                return SGA_HOST_EXIT_USAGE;
            }
            break;
        case 'V':
            printf("streamga-host %s\n", SGA_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return SGA_HOST_EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        usage(stderr);
        return SGA_HOST_EXIT_USAGE;
    }
    socket_path = argv[optind];
    name = argv[optind + 1];
    argv += optind + 2;
    argc -= optind + 2;

    if (name[0] == '{') {
        argv--;     /* the JSON text is raw's argument */
        argc++;
        argv[0] = (char *)name;
    } else {
        size_t i;
        for (i = 0; i < G_N_ELEMENTS(host_commands); i++) {
            if (strcmp(host_commands[i].name, name) == 0) {
                break;
            }
        }
        if (i == G_N_ELEMENTS(host_commands)) {
            fprintf(stderr, "streamga-host: unknown command '%s' (try --help)\n", name);
            return SGA_HOST_EXIT_USAGE;
        }
        if (argc < host_commands[i].min_args || argc > host_commands[i].max_args) {
            fprintf(stderr, "streamga-host: wrong number of arguments for '%s' (try --help)\n", name);
            return SGA_HOST_EXIT_USAGE;
        }
        command = host_commands[i].run;
    }
    if (command == host_exec && !sga_host_exec_parse(&run.exec, argc + 1, argv - 1)) {
        sga_host_exec_clear(&run.exec);     /* else ASan's leak check turns 2 into 1 */
        return SGA_HOST_EXIT_USAGE;
    }
    if (command == host_file && !sga_host_file_parse(&run.file, argc + 1, argv - 1)) {
        return SGA_HOST_EXIT_USAGE;
    }
    if (command == host_call && argc > 1) {
        run.call_args = call_args_parse(argv[1]);
        if (!run.call_args) {
            fprintf(stderr, "streamga-host: arguments must be a JSON object: %s\n", argv[1]);
            return SGA_HOST_EXIT_USAGE;
        }
    }

    run.client = sga_client_connect(socket_path, &error);
    if (run.client && sga_client_sync(run.client, sync_timeout_ms, &error)) {
        status = command(&run, argc, argv, &error);
    }
    if (error) {
        fprintf(stderr, "streamga-host: %s\n", error->message);
        status = error->domain == SGA_CLIENT_ERROR ? error->code : SGA_CLIENT_ERROR_PROTOCOL;
    }
    sga_client_free(run.client);
    json_object_put(run.call_args);
    sga_host_exec_clear(&run.exec);
    sga_host_file_clear(&run.file);
    return status;
}
