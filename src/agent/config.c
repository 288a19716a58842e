/* config.c: qemu-ga's [general] keys and command-line options, and --dump-conf. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config-streamga.h"
#include "sga-error.h"
#include "transport.h"

#define SGA_CONFIG_GROUP "general"

/* qemu-ga's options; -s (the Windows service) only where qemu-ga has it. */
#ifdef G_OS_WIN32
static const char short_options[] = "hVvdc:m:p:l:f:F::b:a:t:Drs:";
#else
static const char short_options[] = "hVvdc:m:p:l:f:F::b:a:t:Dr";
#endif
static const struct option long_options[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "dump-conf", no_argument, NULL, 'D' },
    { "config", required_argument, NULL, 'c' },
    { "logfile", required_argument, NULL, 'l' },
    { "pidfile", required_argument, NULL, 'f' },
    { "fsfreeze-hook", optional_argument, NULL, 'F' },
    { "verbose", no_argument, NULL, 'v' },
    { "method", required_argument, NULL, 'm' },
    { "path", required_argument, NULL, 'p' },
    { "daemonize", no_argument, NULL, 'd' },
    { "block-rpcs", required_argument, NULL, 'b' },
    { "blacklist", required_argument, NULL, 'b' },  /* qemu-ga's deprecated alias */
    { "allow-rpcs", required_argument, NULL, 'a' },
    { "statedir", required_argument, NULL, 't' },
    { "retry-path", no_argument, NULL, 'r' },
#ifdef G_OS_WIN32
    { "service", required_argument, NULL, 's' },
#endif
    SGA_CONFIG_STREAMGA_LONG_OPTIONS,
    { NULL, 0, NULL, 0 },
};

SgaConfig *sga_config_new(void)
{
    SgaConfig *cfg = g_new0(SgaConfig, 1);

    cfg->block_rpcs = g_ptr_array_new_with_free_func(g_free);
    cfg->ignored_args = g_ptr_array_new_with_free_func(g_free);
    return cfg;
}

void sga_config_free(SgaConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_free(cfg->method);
    g_free(cfg->channel_path);
    g_free(cfg->log_filepath);
    g_free(cfg->pid_filepath);
    g_free(cfg->fsfreeze_hook);
    g_free(cfg->state_dir);
    g_free(cfg->service);
    g_ptr_array_unref(cfg->block_rpcs);
    g_ptr_array_unref(cfg->ignored_args);
    sga_config_streamga_clear(cfg);
    if (cfg->allow_rpcs) {
        g_ptr_array_unref(cfg->allow_rpcs);
    }
    g_free(cfg);
}

static void string_set(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

/* "a,b,c" appended to list; empty names (",," or "") are skipped. */
static void rpc_list_add(GPtrArray *list, const char *names)
{
    g_auto(GStrv) parts = g_strsplit(names, ",", -1);

    for (char **p = parts; *p; p++) {
        if (**p) {
            g_ptr_array_add(list, g_strdup(*p));
        }
    }
}

static GPtrArray *allow_list(SgaConfig *cfg)
{
    if (!cfg->allow_rpcs) {
        cfg->allow_rpcs = g_ptr_array_new_with_free_func(g_free);
    }
    return cfg->allow_rpcs;
}

static bool keyfile_string(GKeyFile *kf, const char *key, char **field, GError **error)
{
    GError *local = NULL;
    char *value;

    if (!g_key_file_has_key(kf, SGA_CONFIG_GROUP, key, NULL)) {
        return true;
    }
    /* A bad escape gives an error and the raw text both: qemu-ga refuses it. */
    value = g_key_file_get_string(kf, SGA_CONFIG_GROUP, key, &local);
    if (local) {
        g_free(value);
        g_propagate_error(error, local);
        return false;
    }
    g_free(*field);
    *field = value;
    return true;
}

static bool keyfile_bool(GKeyFile *kf, const char *key, bool *field, GError **error)
{
    GError *local = NULL;
    gboolean value;

    if (!g_key_file_has_key(kf, SGA_CONFIG_GROUP, key, NULL)) {
        return true;
    }
    value = g_key_file_get_boolean(kf, SGA_CONFIG_GROUP, key, &local);
    if (local) {
        g_propagate_error(error, local);
        return false;
    }
    *field = value;
    return true;
}

static bool keyfile_rpcs(GKeyFile *kf, const char *key, GPtrArray *list, GError **error)
{
    g_autofree char *value = NULL;

    if (!keyfile_string(kf, key, &value, error)) {
        return false;
    }
    if (value) {
        rpc_list_add(list, value);
    }
    return true;
}

static bool config_load(SgaConfig *cfg, const char *path, bool required, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    GError *local = NULL;
    const char *block_key = "block-rpcs";
    bool ok;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        if (!required && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_error_free(local);
            return true;
        }
        g_propagate_prefixed_error(error, local, "error loading configuration from path: %s, ", path);
        return false;
    }
    /* As qemu-ga: the deprecated key, when present, replaces block-rpcs. */
    if (g_key_file_has_key(kf, SGA_CONFIG_GROUP, "blacklist", NULL)) {
        g_warning("config using deprecated 'blacklist' key, should be replaced"
                  " with the 'block-rpcs' key.");
        block_key = "blacklist";
    }
    ok = keyfile_bool(kf, "daemon", &cfg->daemonize, &local) &&
         keyfile_string(kf, "method", &cfg->method, &local) &&
         keyfile_string(kf, "path", &cfg->channel_path, &local) &&
         keyfile_string(kf, "logfile", &cfg->log_filepath, &local) &&
         keyfile_string(kf, "pidfile", &cfg->pid_filepath, &local) &&
         keyfile_string(kf, "fsfreeze-hook", &cfg->fsfreeze_hook, &local) &&
         keyfile_string(kf, "statedir", &cfg->state_dir, &local) &&
         keyfile_bool(kf, "verbose", &cfg->verbose, &local) &&
         keyfile_bool(kf, "retry-path", &cfg->retry_path, &local) &&
         keyfile_rpcs(kf, block_key, cfg->block_rpcs, &local);
    if (ok && g_key_file_has_key(kf, SGA_CONFIG_GROUP, "allow-rpcs", NULL)) {
        ok = keyfile_rpcs(kf, "allow-rpcs", allow_list(cfg), &local);
    }
    ok = ok && sga_config_streamga_load(cfg, kf, &local);
    if (!ok) {
        g_propagate_prefixed_error(error, local, "error loading configuration from path: %s, ", path);
        return false;
    }
    cfg->pidfile_given = cfg->pid_filepath != NULL;
    return true;
}

/* The config file must be read before the options that override it, but -c
 * names it: find -c first, quietly, in a separate getopt pass. */
static const char *config_path_option(int argc, char **argv)
{
    const char *path = NULL;
    int ch;

    opterr = 0;
    optind = 0;     /* 0, not 1: glibc then also resets its internal state */
    while ((ch = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
        if (ch == 'c') {
            path = optarg;
        }
    }
    opterr = 1;
    optind = 0;
    return path;
}

static SgaConfigAction config_usage_error(GError **error, const char *argv0)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                "Unknown option, try '%s --help' for more information.", argv0);
    return SGA_CONFIG_FAILED;
}

SgaConfigAction sga_config_parse(SgaConfig *cfg, int argc, char **argv, GError **error)
{
    const char *config_path = config_path_option(argc, argv);
    const char *env_path = g_getenv("QGA_CONF");
    int ch;

    if (!config_load(cfg, config_path ? config_path : env_path ? env_path : SGA_CONFIG_FILE_DEFAULT,
                     config_path != NULL, error)) {
        return SGA_CONFIG_FAILED;
    }

    while ((ch = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
        switch (ch) {
        case 'c':
            break;      /* read above */
        case 'm': string_set(&cfg->method, optarg); break;
        case 'p': string_set(&cfg->channel_path, optarg); break;
        case 'l': string_set(&cfg->log_filepath, optarg); break;
        case 'f':
            string_set(&cfg->pid_filepath, optarg);
            cfg->pidfile_given = true;
            break;
        case 'F': string_set(&cfg->fsfreeze_hook, optarg ? optarg : SGA_FSFREEZE_HOOK_DEFAULT); break;
        case 't': string_set(&cfg->state_dir, optarg); break;
        case 'v': cfg->verbose = true; break;
        case 'd': cfg->daemonize = true; break;
        case 'D': cfg->dump_conf = true; break;
        case 'r': cfg->retry_path = true; break;
        case 's': string_set(&cfg->service, optarg); break;
        case 'b':
        case 'a':
            if (strcmp(optarg, "help") == 0 || strcmp(optarg, "?") == 0) {
                return SGA_CONFIG_LIST_COMMANDS;
            }
            rpc_list_add(ch == 'b' ? cfg->block_rpcs : allow_list(cfg), optarg);
            break;
        case 'V':
            return SGA_CONFIG_SHOW_VERSION;
        case 'h':
            return SGA_CONFIG_SHOW_HELP;
        default:
            if (!sga_config_streamga_option(cfg, ch, optarg)) {
                return config_usage_error(error, argv[0]);
            }
            break;
        }
    }
    /* qemu-ga ignores words that are not options, and an image may have been
     * built around that ("-F /path" leaves /path over): keep them for a warning
     * rather than refusing to start a guest's agent over them. */
    for (int i = optind; i < argc; i++) {
        g_ptr_array_add(cfg->ignored_args, g_strdup(argv[i]));
    }
    return cfg->service ? SGA_CONFIG_SERVICE : SGA_CONFIG_RUN;
}

bool sga_config_finalize(SgaConfig *cfg, bool activated, GError **error)
{
    SgaTransportMethod method;

    if (!sga_config_streamga_finalize(cfg, error)) {
        return false;
    }
    if (!cfg->method) {
        cfg->method = g_strdup("virtio-serial");
    }
    if (!cfg->state_dir) {
        cfg->state_dir = g_strdup(SGA_STATE_DIR_DEFAULT);
    }
    if (!cfg->pid_filepath) {
        cfg->pid_filepath = g_strdup(SGA_PIDFILE_DEFAULT);
    }
    if (!sga_transport_method_from_name(cfg->method, &method)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "unsupported channel method/type: %s (use %s)", cfg->method,
                    sga_transport_methods_hint());
        return false;
    }
    if (activated) {
        return true;
    }
    if (!cfg->channel_path) {
        const char *dflt = sga_transport_default_path(method);
        if (!dflt) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "must specify a path for this channel (-p)");
            return false;
        }
        cfg->channel_path = g_strdup(dflt);
    }
    return sga_transport_check_path(method, cfg->channel_path, error);
}

static char *rpc_list_join(const GPtrArray *list)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < list->len; i++) {
        if (i) {
            g_string_append_c(s, ',');
        }
        g_string_append(s, g_ptr_array_index(list, i));
    }
    return g_string_free(s, FALSE);
}

char *sga_config_dump(const SgaConfig *cfg)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *blocked = rpc_list_join(cfg->block_rpcs);

    /* The keys and their order are qemu-ga's, so the output is a valid qemu-ga.conf. */
    g_key_file_set_boolean(kf, SGA_CONFIG_GROUP, "daemon", cfg->daemonize);
    g_key_file_set_string(kf, SGA_CONFIG_GROUP, "method", cfg->method);
    if (cfg->channel_path) {
        g_key_file_set_string(kf, SGA_CONFIG_GROUP, "path", cfg->channel_path);
    }
    if (cfg->log_filepath) {
        g_key_file_set_string(kf, SGA_CONFIG_GROUP, "logfile", cfg->log_filepath);
    }
    g_key_file_set_string(kf, SGA_CONFIG_GROUP, "pidfile", cfg->pid_filepath);
    if (cfg->fsfreeze_hook) {
        g_key_file_set_string(kf, SGA_CONFIG_GROUP, "fsfreeze-hook", cfg->fsfreeze_hook);
    }
    g_key_file_set_string(kf, SGA_CONFIG_GROUP, "statedir", cfg->state_dir);
    g_key_file_set_boolean(kf, SGA_CONFIG_GROUP, "verbose", cfg->verbose);
    g_key_file_set_boolean(kf, SGA_CONFIG_GROUP, "retry-path", cfg->retry_path);
    g_key_file_set_string(kf, SGA_CONFIG_GROUP, "block-rpcs", blocked);
    if (cfg->allow_rpcs) {
        /* qemu-ga 8.1 and later know this key; 7.2 has no allow list */
        g_autofree char *allowed = rpc_list_join(cfg->allow_rpcs);
        g_key_file_set_string(kf, SGA_CONFIG_GROUP, "allow-rpcs", allowed);
    }
    /* A group of our own after qemu-ga's: qemu-ga ignores it. */
    sga_config_streamga_dump(cfg, kf);
    return g_key_file_to_data(kf, NULL, NULL);
}

char *sga_config_usage(const char *argv0)
{
    return g_strdup_printf(
"Usage: %s [-m <method> -p <path>] [<options>]\n"
"streamga %s, a QEMU Guest Agent (compatible with qemu-ga %s) with streaming guest-exec\n"
"\n"
"  -m, --method      transport method: one of %s\n"
"                    (virtio-serial is the default)\n"
"  -p, --path        device/socket path (the default for virtio-serial is:\n"
"                    %s,\n"
"                    the default for isa-serial is:\n"
"                    %s).\n"
#ifndef G_OS_WIN32
"                    Socket addresses for vsock-listen are written as\n"
"                    <cid>:<port>.\n"
#endif
"                    tcp-listen (a streamga extension, no authentication:\n"
"                    loopback or trusted networks only) takes <host>:<port>.\n"
"  -c, --config      configuration file (default %s; also $QGA_CONF)\n"
"  -l, --logfile     set logfile path, logs to stderr by default\n"
"  -f, --pidfile     specify pidfile (default is %s)\n"
"  -F, --fsfreeze-hook\n"
"                    enable fsfreeze hook. Accepts an optional argument that\n"
"                    specifies script to run on freeze/thaw. Script will be\n"
"                    called with 'freeze'/'thaw' arguments accordingly.\n"
"                    (default is %s)\n"
"                    If using -F with an argument, do not follow -F with a\n"
"                    space.\n"
"                    (for example: -F/var/run/fsfreezehook.sh)\n"
"  -t, --statedir    specify dir to store state information (absolute paths\n"
"                    only, default is %s)\n"
"  -v, --verbose     log extra debugging information\n"
"  -V, --version     print version information and exit\n"
#ifdef G_OS_WIN32
"  -d, --daemonize   run as the Windows service (how the service manager\n"
"                    starts it)\n"
"  -s, --service     service commands: install, uninstall\n"
#else
"  -d, --daemonize   become a daemon\n"
#endif
"  -b, --block-rpcs  comma-separated list of RPCs to disable (no spaces,\n"
"                    use \"help\" to list available RPCs)\n"
"  -a, --allow-rpcs  comma-separated list of RPCs to enable (no spaces,\n"
"                    use \"help\" to list available RPCs)\n"
"  -D, --dump-conf   dump a qemu-ga config file based on current config\n"
"                    options / command-line parameters to stdout\n"
"  -r, --retry-path  attempt re-opening path if it's unavailable or closed\n"
"                    due to an error which may be recoverable in the future\n"
"                    (virtio-serial driver re-install, serial device hot\n"
"                    plug/unplug, etc.)\n"
"  -h, --help        display this help and exit\n"
"\n"
"streamga's options (also in the [streamga] group of the config file):\n"
"  --exec-output=stream|at-exit\n"
"                    guest-exec-status hands out output as it comes (stream,\n"
"                    the default) or all at exit, as qemu-ga 7.2 (at-exit)\n"
"  --exec-buffer-size=SIZE\n"
"                    output held per stream before the child must wait for\n"
"                    the host to collect (default 4M)\n"
"  --exec-reply-size=SIZE\n"
"                    most output per stream in one status reply (default 1M)\n"
"  --file-read-count=SIZE\n"
"                    bytes guest-file-read reads when the host gives no count\n"
"                    (default 4K, as qemu-ga; at most 48M)\n"
"  --fsfreeze-orphan-timeout=SECONDS\n"
"                    thaw frozen filesystems after this long with no host\n"
"                    connected (default 60; 0 = never)\n"
"  --system-root=DIR\n"
"                    find the system's files (/proc, /sys, /etc, /dev, /run)\n"
"                    under DIR instead of / (tests, agents in containers)\n",
        argv0, SGA_VERSION, SGA_QGA_COMPAT_VERSION, sga_transport_methods_hint(),
        sga_transport_default_path(SGA_TRANSPORT_VIRTIO_SERIAL),
        sga_transport_default_path(SGA_TRANSPORT_ISA_SERIAL),
        SGA_CONFIG_FILE_DEFAULT, SGA_PIDFILE_DEFAULT, SGA_FSFREEZE_HOOK_DEFAULT,
        SGA_STATE_DIR_DEFAULT);
}
