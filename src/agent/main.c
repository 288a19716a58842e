/* main.c: streamga's entry point: parse the configuration, then run the agent. */
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "agent.h"
#include "commands.h"
#include "config.h"
#include "transport.h"
#ifdef G_OS_WIN32
#include "service.h"
#include "sga-error.h"
#endif

static int config_failed(const char *argv0, const GError *error)
{
    fprintf(stderr, "%s: %s\n", argv0, error->message);
    return 1;
}

/* Streaming guest-exec output allocates and frees a few buffers of 1-2 MB per
 * status reply (base64 text, its JSON string, the reply). With glibc's
 * defaults the heap grows for each reply and is trimmed right after, so every
 * reply faults its pages in afresh: that was half of the agent's CPU time per
 * GiB of output. Keep allocations up to 4 MiB in the heap and up to 8 MiB of
 * free heap before trimming (measured: about 1 MiB more RSS after a big
 * transfer, peak RSS unchanged within 1 MiB). */
static void malloc_tune(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}

/* -s install|uninstall (Windows only: POSIX builds do not accept -s). */
static int service_command(const char *argv0, const SgaConfig *cfg)
{
#ifdef G_OS_WIN32
    g_autoptr(GError) error = NULL;
    bool ok;

    if (g_strcmp0(cfg->service, "install") == 0) {
        ok = sga_service_install(cfg, &error);
    } else if (g_strcmp0(cfg->service, "uninstall") == 0) {
        ok = sga_service_uninstall(&error);
    } else {
        g_set_error(&error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "unknown service command '%s' (use install or uninstall)", cfg->service);
        ok = false;
    }
    return ok ? 0 : config_failed(argv0, error);
#else
    return 1;
#endif
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    SgaConfig *cfg = sga_config_new();
    SgaTransportMethod method;
    int activation_fd;
    int status = 0;
#ifdef G_OS_WIN32
    /* The CRT's argv is in the ANSI code page; take the command line as UTF-8. */
    g_auto(GStrv) argv_utf8 = g_win32_get_command_line();

    argc = (int)g_strv_length(argv_utf8);
    argv = argv_utf8;
#endif

    switch (sga_config_parse(cfg, argc, argv, &error)) {
    case SGA_CONFIG_FAILED:
        status = config_failed(argv[0], error);
        goto out;
    case SGA_CONFIG_SHOW_VERSION:
        /* The first words are qemu-ga's, for scripts that parse them. */
        printf("QEMU Guest Agent %s (streamga %s)\n", SGA_QGA_COMPAT_VERSION, SGA_VERSION);
        goto out;
    case SGA_CONFIG_SHOW_HELP: {
        g_autofree char *usage = sga_config_usage(argv[0]);
        fputs(usage, stdout);
        goto out;
    }
    case SGA_CONFIG_LIST_COMMANDS:
        for (size_t i = 0; i < sga_command_table_size; i++) {
            printf("%s\n", sga_command_table[i].name);
        }
        goto out;
    case SGA_CONFIG_SERVICE:
        status = service_command(argv[0], cfg);
        goto out;
    case SGA_CONFIG_RUN:
        break;
    }
    malloc_tune();
    for (guint i = 0; i < cfg->ignored_args->len; i++) {
        fprintf(stderr, "%s: ignoring argument '%s' (to give -F a script, write -F/path/to/hook)\n",
                argv[0], (const char *)g_ptr_array_index(cfg->ignored_args, i));
    }

    activation_fd = sga_transport_activation_fd(&method, &error);
    if (error) {
        status = config_failed(argv[0], error);
        goto out;
    }
    if (activation_fd >= 0) {
        /* systemd's socket decides the method and path, as in qemu-ga */
        g_free(cfg->method);
        cfg->method = g_strdup(method == SGA_TRANSPORT_UNIX_LISTEN ? "unix-listen" : "vsock-listen");
        g_clear_pointer(&cfg->channel_path, g_free);
    }
    if (!sga_config_finalize(cfg, activation_fd >= 0, &error)) {
        status = config_failed(argv[0], error);
        goto out;
    }
    if (cfg->dump_conf) {
        g_autofree char *dump = sga_config_dump(cfg);
        fputs(dump, stdout);
        goto out;
    }
    status = sga_agent_run(cfg, activation_fd);
out:
    sga_config_free(cfg);
    return status;
}
