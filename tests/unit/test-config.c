/* test-config.c: unit tests of qemu-ga's options, config file keys and --dump-conf (src/agent/config.c). */
#include <glib/gstdio.h>
#include <string.h>

#include "config.h"
#include "sga-error.h"

/* Each test gets its own directory, and QGA_CONF points into it at a file that
 * does not exist, so the machine's own /etc/qemu/qemu-ga.conf is never read. */
typedef struct {
    char *dir;
    char *absent_conf;
    SgaConfig *cfg;
} Fixture;

static void fixture_setup(Fixture *fx, gconstpointer data)
{
    GError *error = NULL;

    fx->dir = g_dir_make_tmp("test-config-XXXXXX", &error);
    g_assert_no_error(error);
    fx->absent_conf = g_build_filename(fx->dir, "absent.conf", NULL);
    g_setenv("QGA_CONF", fx->absent_conf, TRUE);
    fx->cfg = sga_config_new();
}

static void fixture_teardown(Fixture *fx, gconstpointer data)
{
    GDir *d = g_dir_open(fx->dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(fx->dir, name, NULL);
        g_unlink(path);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(fx->dir);
    g_unsetenv("QGA_CONF");
    sga_config_free(fx->cfg);
    g_free(fx->absent_conf);
    g_free(fx->dir);
}

/* Write a config file in the test's directory; returns its path. */
static char *conf_write(Fixture *fx, const char *name, const char *text)
{
    char *path = g_build_filename(fx->dir, name, NULL);
    GError *error = NULL;

    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_no_error(error);
    return path;
}

/* Parse the NULL-terminated options (argv[0] is added) into fx->cfg. */
static SgaConfigAction parse_argv(Fixture *fx, const char *const *args, GError **error)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    SgaConfigAction action;

    g_ptr_array_add(argv, g_strdup("streamga"));
    for (const char *const *a = args; *a; a++) {
        g_ptr_array_add(argv, g_strdup(*a));
    }
    g_ptr_array_add(argv, NULL);
    /* getopt may reorder argv, so it gets a writable copy. */
    action = sga_config_parse(fx->cfg, (int)argv->len - 1, (char **)argv->pdata, error);
    g_ptr_array_unref(argv);
    return action;
}

#define PARSE(fx, error, ...) parse_argv((fx), (const char *const[]){ __VA_ARGS__, NULL }, (error))

/* Parse options that must be accepted. */
#define PARSE_OK(fx, ...) \
    do { \
        GError *error_ = NULL; \
        g_assert_cmpint(PARSE((fx), &error_, __VA_ARGS__), ==, SGA_CONFIG_RUN); \
        g_assert_no_error(error_); \
    } while (0)

/* The list as "a|b|c". */
static char *rpc_list(const GPtrArray *list)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < list->len; i++) {
        g_string_append_printf(s, "%s%s", i ? "|" : "", (const char *)g_ptr_array_index(list, i));
    }
    return g_string_free(s, FALSE);
}

#define ASSERT_LIST(list, expected) \
    do { \
        g_autofree char *joined_ = rpc_list(list); \
        g_assert_cmpstr(joined_, ==, (expected)); \
    } while (0)

/* ---- command line ---------------------------------------------------------------- */

static void test_defaults(Fixture *fx, gconstpointer data)
{
    GError *error = NULL;
    SgaConfig *cfg = fx->cfg;

    /* Nothing given, and no config file: nothing set. */
    g_assert_cmpint(parse_argv(fx, (const char *const[]){ NULL }, &error), ==, SGA_CONFIG_RUN);
    g_assert_no_error(error);
    g_assert_null(cfg->method);
    g_assert_null(cfg->channel_path);
    g_assert_null(cfg->log_filepath);
    g_assert_null(cfg->pid_filepath);
    g_assert_false(cfg->pidfile_given);
    g_assert_null(cfg->fsfreeze_hook);
    g_assert_null(cfg->state_dir);
    g_assert_cmpuint(cfg->block_rpcs->len, ==, 0);
    g_assert_null(cfg->allow_rpcs);
    g_assert_false(cfg->daemonize);
    g_assert_false(cfg->verbose);
    g_assert_false(cfg->retry_path);
    g_assert_false(cfg->dump_conf);

    /* finalize fills in qemu-ga's defaults as Debian builds it. */
    g_assert_true(sga_config_finalize(cfg, false, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(cfg->method, ==, "virtio-serial");
    g_assert_cmpstr(cfg->channel_path, ==, "/dev/virtio-ports/org.qemu.guest_agent.0");
    g_assert_cmpstr(cfg->state_dir, ==, SGA_STATEDIR_DEFAULT);
    g_assert_cmpstr(cfg->pid_filepath, ==, SGA_PIDFILE_DEFAULT);
    g_assert_cmpstr(cfg->pid_filepath, ==, SGA_STATEDIR_DEFAULT "/qemu-ga.pid");
    g_assert_false(cfg->pidfile_given);
    g_assert_null(cfg->log_filepath);
    g_assert_null(cfg->fsfreeze_hook);
}

static void test_short_options(Fixture *fx, gconstpointer data)
{
    SgaConfig *cfg = fx->cfg;

    PARSE_OK(fx, "-m", "unix-listen", "-p", "/run/a.sock", "-l", "/var/log/qga.log", "-f", "/run/q.pid",
             "-F/etc/hook", "-t", "/var/lib/state", "-v", "-d", "-D", "-r", "-b", "guest-ping,guest-info",
             "-a", "guest-sync");
    g_assert_cmpstr(cfg->method, ==, "unix-listen");
    g_assert_cmpstr(cfg->channel_path, ==, "/run/a.sock");
    g_assert_cmpstr(cfg->log_filepath, ==, "/var/log/qga.log");
    g_assert_cmpstr(cfg->pid_filepath, ==, "/run/q.pid");
    g_assert_true(cfg->pidfile_given);
    g_assert_cmpstr(cfg->fsfreeze_hook, ==, "/etc/hook");
    g_assert_cmpstr(cfg->state_dir, ==, "/var/lib/state");
    g_assert_true(cfg->verbose);
    g_assert_true(cfg->daemonize);
    g_assert_true(cfg->dump_conf);
    g_assert_true(cfg->retry_path);
    ASSERT_LIST(cfg->block_rpcs, "guest-ping|guest-info");
    g_assert_nonnull(cfg->allow_rpcs);
    ASSERT_LIST(cfg->allow_rpcs, "guest-sync");
}

static void test_long_options(Fixture *fx, gconstpointer data)
{
    SgaConfig *cfg = fx->cfg;

    PARSE_OK(fx, "--method=isa-serial", "--path", "/dev/ttyS1", "--logfile=/l", "--pidfile", "/p",
             "--fsfreeze-hook=/h", "--statedir=/s", "--verbose", "--daemonize", "--dump-conf",
             "--retry-path", "--block-rpcs=a", "--blacklist", "b", "--allow-rpcs=c,d");
    g_assert_cmpstr(cfg->method, ==, "isa-serial");
    g_assert_cmpstr(cfg->channel_path, ==, "/dev/ttyS1");
    g_assert_cmpstr(cfg->log_filepath, ==, "/l");
    g_assert_cmpstr(cfg->pid_filepath, ==, "/p");
    g_assert_true(cfg->pidfile_given);
    g_assert_cmpstr(cfg->fsfreeze_hook, ==, "/h");
    g_assert_cmpstr(cfg->state_dir, ==, "/s");
    g_assert_true(cfg->verbose);
    g_assert_true(cfg->daemonize);
    g_assert_true(cfg->dump_conf);
    g_assert_true(cfg->retry_path);
    /* --blacklist is the old name of --block-rpcs. */
    ASSERT_LIST(cfg->block_rpcs, "a|b");
    ASSERT_LIST(cfg->allow_rpcs, "c|d");
}

static void test_later_options_win(Fixture *fx, gconstpointer data)
{
    PARSE_OK(fx, "-m", "isa-serial", "-m", "unix-listen", "-p", "/a", "--path=/b", "-F", "-F/x");
    g_assert_cmpstr(fx->cfg->method, ==, "unix-listen");
    g_assert_cmpstr(fx->cfg->channel_path, ==, "/b");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, "/x");
}

static void test_fsfreeze_hook_forms(Fixture *fx, gconstpointer data)
{
    /* The argument is optional and must be attached. */
    PARSE_OK(fx, "-F");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, SGA_FSFREEZE_HOOK_DEFAULT);
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, SGA_CONFDIR "/fsfreeze-hook");
    PARSE_OK(fx, "-F/usr/local/hook");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, "/usr/local/hook");
    PARSE_OK(fx, "--fsfreeze-hook");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, SGA_FSFREEZE_HOOK_DEFAULT);
    PARSE_OK(fx, "--fsfreeze-hook=/opt/hook");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, "/opt/hook");
    /* Combined with other short options. */
    PARSE_OK(fx, "-vF/h2");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, "/h2");
    g_assert_true(fx->cfg->verbose);

    /* A separate word is not -F's argument: -F takes the default and the word is
     * left over; qemu-ga ignores it, so streamga keeps it only for a warning. */
    PARSE_OK(fx, "-F", "/separate/hook");
    g_assert_cmpstr(fx->cfg->fsfreeze_hook, ==, SGA_FSFREEZE_HOOK_DEFAULT);
    g_assert_cmpuint(fx->cfg->ignored_args->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(fx->cfg->ignored_args, 0), ==, "/separate/hook");
}

static void test_rpc_lists(Fixture *fx, gconstpointer data)
{
    SgaConfig *cfg = fx->cfg;

    /* Empty items are skipped; repeated options add up. */
    PARSE_OK(fx, "-b", "a,,b", "-b", "", "-b", ",", "-b", ",c,", "--block-rpcs", "d");
    ASSERT_LIST(cfg->block_rpcs, "a|b|c|d");
    g_assert_null(cfg->allow_rpcs);

    /* An empty allow list is still an allow list: it allows nothing. */
    PARSE_OK(fx, "-a", "");
    g_assert_nonnull(cfg->allow_rpcs);
    g_assert_cmpuint(cfg->allow_rpcs->len, ==, 0);
    PARSE_OK(fx, "-a", "x,,y", "-a", "z");
    ASSERT_LIST(cfg->allow_rpcs, "x|y|z");
    /* Names are kept as given (checked against the table later). */
    PARSE_OK(fx, "-b", "no-such-command");
    ASSERT_LIST(cfg->block_rpcs, "a|b|c|d|no-such-command");
}

static void test_actions(Fixture *fx, gconstpointer data)
{
    GError *error = NULL;

    g_assert_cmpint(PARSE(fx, &error, "-h"), ==, SGA_CONFIG_SHOW_HELP);
    g_assert_cmpint(PARSE(fx, &error, "--help"), ==, SGA_CONFIG_SHOW_HELP);
    g_assert_cmpint(PARSE(fx, &error, "-V"), ==, SGA_CONFIG_SHOW_VERSION);
    g_assert_cmpint(PARSE(fx, &error, "--version"), ==, SGA_CONFIG_SHOW_VERSION);
    /* "help" or "?" as the list lists the commands. */
    g_assert_cmpint(PARSE(fx, &error, "-b", "help"), ==, SGA_CONFIG_LIST_COMMANDS);
    g_assert_cmpint(PARSE(fx, &error, "-b", "?"), ==, SGA_CONFIG_LIST_COMMANDS);
    g_assert_cmpint(PARSE(fx, &error, "--allow-rpcs=help"), ==, SGA_CONFIG_LIST_COMMANDS);
    g_assert_cmpint(PARSE(fx, &error, "-a", "?"), ==, SGA_CONFIG_LIST_COMMANDS);
    /* The first action seen wins. */
    g_assert_cmpint(PARSE(fx, &error, "-V", "-h"), ==, SGA_CONFIG_SHOW_VERSION);
    g_assert_cmpint(PARSE(fx, &error, "-h", "-x"), ==, SGA_CONFIG_SHOW_HELP);
    g_assert_no_error(error);
    /* "help" inside a longer list is just a name. */
    PARSE_OK(fx, "-b", "help,guest-ping");
    ASSERT_LIST(fx->cfg->block_rpcs, "help|guest-ping");
}

static void test_unknown_options(Fixture *fx, gconstpointer data)
{
    static const char *const bad[][3] = {
        { "-x", NULL },
        { "--bogus", NULL },
        { "-s", "install" },        /* the Windows service option */
        { "-m", NULL },             /* a missing required argument */
        { "--path", NULL },
        { "--verbose=yes", NULL },  /* an argument where none is taken */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *error = NULL;
        g_assert_cmpint(parse_argv(fx, bad[i], &error), ==, SGA_CONFIG_FAILED);
        g_assert_error(error, SGA_ERROR, SGA_ERROR_GENERIC);
        g_assert_cmpstr(error->message, ==, "Unknown option, try 'streamga --help' for more information.");
        g_error_free(error);
    }
}

/* ---- config files ----------------------------------------------------------------- */

static void test_config_file_keys(Fixture *fx, gconstpointer data)
{
    SgaConfig *cfg = fx->cfg;
    g_autofree char *path = conf_write(fx, "all.conf",
        "# every key qemu-ga reads\n"
        "[general]\n"
        "daemon=true\n"
        "method=unix-listen\n"
        "path=/run/from-file.sock\n"
        "logfile=/var/log/file.log\n"
        "pidfile=/run/file.pid\n"
        "fsfreeze-hook=/etc/file-hook\n"
        "statedir=/var/file-state\n"
        "verbose=true\n"
        "retry-path=true\n"
        "block-rpcs=new1,,new2\n"
        "allow-rpcs=ok1,ok2\n"
        "[other]\n"
        "method=ignored\n");

    PARSE_OK(fx, "-c", path);
    g_assert_true(cfg->daemonize);
    g_assert_cmpstr(cfg->method, ==, "unix-listen");
    g_assert_cmpstr(cfg->channel_path, ==, "/run/from-file.sock");
    g_assert_cmpstr(cfg->log_filepath, ==, "/var/log/file.log");
    g_assert_cmpstr(cfg->pid_filepath, ==, "/run/file.pid");
    g_assert_true(cfg->pidfile_given);
    g_assert_cmpstr(cfg->fsfreeze_hook, ==, "/etc/file-hook");
    g_assert_cmpstr(cfg->state_dir, ==, "/var/file-state");
    g_assert_true(cfg->verbose);
    g_assert_true(cfg->retry_path);
    ASSERT_LIST(cfg->block_rpcs, "new1|new2");
    ASSERT_LIST(cfg->allow_rpcs, "ok1|ok2");
}

static void test_config_file_blacklist(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = conf_write(fx, "old.conf",
        "[general]\nblock-rpcs=new1,new2\nblacklist=old1,,old2\n");

    /* As in qemu-ga: the deprecated key, with a warning, and then it replaces block-rpcs. */
    g_test_expect_message(NULL, G_LOG_LEVEL_WARNING,
                          "config using deprecated 'blacklist' key, should be replaced with the 'block-rpcs' key.");
    PARSE_OK(fx, "-c", path, "-b", "cli");
    g_test_assert_expected_messages();
    ASSERT_LIST(fx->cfg->block_rpcs, "old1|old2|cli");
}

static void test_command_line_wins(Fixture *fx, gconstpointer data)
{
    SgaConfig *cfg = fx->cfg;
    g_autofree char *path = conf_write(fx, "base.conf",
        "[general]\nmethod=isa-serial\npath=/dev/ttyS3\ndaemon=true\nverbose=false\nblock-rpcs=f1\n");

    /* The file is read first, whatever the position of -c. */
    PARSE_OK(fx, "-m", "unix-listen", "-v", "-c", path, "-b", "c1");
    g_assert_cmpstr(cfg->method, ==, "unix-listen");
    g_assert_cmpstr(cfg->channel_path, ==, "/dev/ttyS3");
    g_assert_true(cfg->daemonize);
    g_assert_true(cfg->verbose);
    /* Block lists add up: the file's, then the command line's. */
    ASSERT_LIST(cfg->block_rpcs, "f1|c1");
    g_assert_false(cfg->pidfile_given);
}

static void test_qga_conf(Fixture *fx, gconstpointer data)
{
    g_autofree char *env_path = conf_write(fx, "env.conf", "[general]\nmethod=isa-serial\nstatedir=/env\n");
    g_autofree char *c_path = conf_write(fx, "c.conf", "[general]\nmethod=unix-listen\n");

    /* $QGA_CONF names the file when -c does not. */
    g_setenv("QGA_CONF", env_path, TRUE);
    PARSE_OK(fx, "-v");
    g_assert_cmpstr(fx->cfg->method, ==, "isa-serial");
    g_assert_cmpstr(fx->cfg->state_dir, ==, "/env");

    /* -c wins over $QGA_CONF, which is then not read at all. */
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-c", c_path);
    g_assert_cmpstr(fx->cfg->method, ==, "unix-listen");
    g_assert_null(fx->cfg->state_dir);

    /* A missing $QGA_CONF file is not an error (the default file is optional too). */
    g_setenv("QGA_CONF", fx->absent_conf, TRUE);
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-d");
    g_assert_null(fx->cfg->method);
}

static void test_config_file_errors(Fixture *fx, gconstpointer data)
{
    GError *error = NULL;
    g_autofree char *missing = g_build_filename(fx->dir, "missing.conf", NULL);
    g_autofree char *prefix = NULL;

    /* -c names a file that must exist. */
    g_assert_cmpint(PARSE(fx, &error, "-c", missing), ==, SGA_CONFIG_FAILED);
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    prefix = g_strdup_printf("error loading configuration from path: %s, ", missing);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_clear_error(&error);

    /* Booleans are glib's: true/false (or 1/0), nothing else. */
    g_autofree char *bad_bool = conf_write(fx, "bool.conf", "[general]\ndaemon=maybe\n");
    g_assert_cmpint(PARSE(fx, &error, "-c", bad_bool), ==, SGA_CONFIG_FAILED);
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
    g_free(prefix);
    prefix = g_strdup_printf("error loading configuration from path: %s, ", bad_bool);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_clear_error(&error);

    g_autofree char *bad_verbose = conf_write(fx, "verbose.conf", "[general]\nverbose=yes\n");
    g_setenv("QGA_CONF", bad_verbose, TRUE);
    g_assert_cmpint(PARSE(fx, &error, "-v"), ==, SGA_CONFIG_FAILED);
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
    g_clear_error(&error);

    g_autofree char *good_bools = conf_write(fx, "bools.conf", "[general]\ndaemon=1\nverbose=0\nretry-path=true\n");
    g_setenv("QGA_CONF", good_bools, TRUE);
    PARSE_OK(fx, "-r");
    g_assert_true(fx->cfg->daemonize);
    g_assert_false(fx->cfg->verbose);

    /* A file that is not a key file at all. */
    g_autofree char *garbage = conf_write(fx, "garbage.conf", "this is not\na key file\n");
    g_assert_cmpint(PARSE(fx, &error, "-c", garbage), ==, SGA_CONFIG_FAILED);
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
    g_free(prefix);
    prefix = g_strdup_printf("error loading configuration from path: %s, ", garbage);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_clear_error(&error);
}

/* ---- finalize ----------------------------------------------------------------------- */

static void assert_finalize_error(Fixture *fx, bool activated, const char *message)
{
    GError *error = NULL;

    g_assert_false(sga_config_finalize(fx->cfg, activated, &error));
    g_assert_error(error, SGA_ERROR, SGA_ERROR_GENERIC);
    g_assert_cmpstr(error->message, ==, message);
    g_error_free(error);
}

static void test_finalize(Fixture *fx, gconstpointer data)
{
    GError *error = NULL;

    /* An unknown method. */
    PARSE_OK(fx, "-m", "tcp");
    assert_finalize_error(fx, false, "unsupported channel method/type: tcp (use unix-listen, virtio-serial, "
                                     "isa-serial or vsock-listen)");
    /* Even with socket activation. */
    assert_finalize_error(fx, true, "unsupported channel method/type: tcp (use unix-listen, virtio-serial, "
                                    "isa-serial or vsock-listen)");

    /* The listen methods have no default path. */
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-m", "unix-listen");
    assert_finalize_error(fx, false, "must specify a path for this channel (-p)");
    /* With socket activation the socket is given: no path needed. */
    g_assert_true(sga_config_finalize(fx->cfg, true, &error));
    g_assert_no_error(error);
    g_assert_null(fx->cfg->channel_path);

    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-m", "vsock-listen");
    assert_finalize_error(fx, false, "must specify a path for this channel (-p)");

    /* isa-serial has a default device. */
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-m", "isa-serial");
    g_assert_true(sga_config_finalize(fx->cfg, false, &error));
    g_assert_cmpstr(fx->cfg->channel_path, ==, "/dev/ttyS0");

    /* Given values are kept. */
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-m", "unix-listen", "-p", "/x.sock", "-t", "/st", "-f", "/pf");
    g_assert_true(sga_config_finalize(fx->cfg, false, &error));
    g_assert_cmpstr(fx->cfg->channel_path, ==, "/x.sock");
    g_assert_cmpstr(fx->cfg->state_dir, ==, "/st");
    g_assert_cmpstr(fx->cfg->pid_filepath, ==, "/pf");
}

static void test_finalize_vsock(Fixture *fx, gconstpointer data)
{
    static const char *const good[] = { "3:1234", "4294967295:4294967295", "0:0", "2:00001" };
    static const char *const bad[] = { "3", "3:", ":3", "a:1", "1:b", "3:1234:5", "", "4294967296:1", "1:4294967296",
                                       " 3:1", "-1:1", "+3:1" };
    GError *error = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        sga_config_free(fx->cfg);
        fx->cfg = sga_config_new();
        PARSE_OK(fx, "-m", "vsock-listen", "-p", good[i]);
        g_assert_true(sga_config_finalize(fx->cfg, false, &error));
        g_assert_no_error(error);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *message = g_strdup_printf("error parsing vsock address '%s': expected <cid>:<port>", bad[i]);
        sga_config_free(fx->cfg);
        fx->cfg = sga_config_new();
        PARSE_OK(fx, "-m", "vsock-listen", "-p", bad[i]);
        g_test_message("vsock address '%s'", bad[i]);
        assert_finalize_error(fx, false, message);
    }
}

/* ---- dump ------------------------------------------------------------------------- */

static char *dump_of(Fixture *fx)
{
    GError *error = NULL;

    g_assert_true(sga_config_finalize(fx->cfg, false, &error));
    g_assert_no_error(error);
    return sga_config_dump(fx->cfg);
}

static void test_dump_defaults(Fixture *fx, gconstpointer data)
{
    g_autofree char *dump = NULL;

    /* The same text as qemu-ga -D: keys in qemu-ga's order, defaults filled in. */
    PARSE_OK(fx, "-D");
    dump = dump_of(fx);
    g_assert_cmpstr(dump, ==,
                    "[general]\n"
                    "daemon=false\n"
                    "method=virtio-serial\n"
                    "path=/dev/virtio-ports/org.qemu.guest_agent.0\n"
                    "pidfile=" SGA_STATEDIR_DEFAULT "/qemu-ga.pid\n"
                    "statedir=" SGA_STATEDIR_DEFAULT "\n"
                    "verbose=false\n"
                    "retry-path=false\n"
                    "block-rpcs=\n"
                    "\n"
                    "[streamga]\n"
                    "exec-output=stream\n"
                    "exec-buffer-size=4194304\n"
                    "exec-reply-size=1048576\n"
                    "file-read-count=4096\n"
                    "fsfreeze-orphan-timeout=60\n");
}

static void test_dump_everything(Fixture *fx, gconstpointer data)
{
    g_autofree char *dump = NULL;

    PARSE_OK(fx, "-D", "-m", "unix-listen", "-p", "/tmp/x", "-l", "/l", "-f", "/p", "-F", "-t", "/st",
             "-v", "-d", "-r", "-b", "guest-ping,,guest-info", "-a", "guest-sync,guest-ping",
             "--exec-output=at-exit", "--exec-buffer-size=64K", "--exec-reply-size", "2M",
             "--file-read-count=1M", "--system-root=/guest", "--fsfreeze-orphan-timeout=0");
    dump = dump_of(fx);
    g_assert_cmpstr(dump, ==,
                    "[general]\n"
                    "daemon=true\n"
                    "method=unix-listen\n"
                    "path=/tmp/x\n"
                    "logfile=/l\n"
                    "pidfile=/p\n"
                    "fsfreeze-hook=" SGA_CONFDIR "/fsfreeze-hook\n"
                    "statedir=/st\n"
                    "verbose=true\n"
                    "retry-path=true\n"
                    "block-rpcs=guest-ping,guest-info\n"
                    "allow-rpcs=guest-sync,guest-ping\n"
                    "\n"
                    "[streamga]\n"
                    "exec-output=at-exit\n"
                    "exec-buffer-size=65536\n"
                    "exec-reply-size=2097152\n"
                    "file-read-count=1048576\n"
                    "system-root=/guest\n"
                    "fsfreeze-orphan-timeout=0\n");
}

static void test_dump_round_trip(Fixture *fx, gconstpointer data)
{
    g_autofree char *dump = NULL, *again = NULL, *path = NULL;

    /* Values that need key-file escaping survive being dumped and read back. */
    PARSE_OK(fx, "-m", "unix-listen", "-p", " /lead/space", "-l", "/back\\slash", "-t", "/new\nline",
             "-b", "a,b", "-a", "");
    dump = dump_of(fx);
    g_assert_nonnull(strstr(dump, "path=\\s/lead/space\n"));
    g_assert_nonnull(strstr(dump, "logfile=/back\\\\slash\n"));
    g_assert_nonnull(strstr(dump, "statedir=/new\\nline\n"));
    g_assert_nonnull(strstr(dump, "block-rpcs=a,b\nallow-rpcs=\n"));

    path = conf_write(fx, "dumped.conf", dump);
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
    PARSE_OK(fx, "-c", path);
    g_assert_cmpstr(fx->cfg->channel_path, ==, " /lead/space");
    g_assert_cmpstr(fx->cfg->log_filepath, ==, "/back\\slash");
    g_assert_cmpstr(fx->cfg->state_dir, ==, "/new\nline");
    g_assert_nonnull(fx->cfg->allow_rpcs);
    g_assert_cmpuint(fx->cfg->allow_rpcs->len, ==, 0);
    again = dump_of(fx);
    g_assert_cmpstr(again, ==, dump);
}

static void test_usage(Fixture *fx, gconstpointer data)
{
    g_autofree char *usage = sga_config_usage("/sbin/streamga");

    g_assert_true(g_str_has_prefix(usage, "Usage: /sbin/streamga [-m <method> -p <path>] [<options>]\n"
                                          "streamga " SGA_VERSION ", a QEMU Guest Agent (compatible with qemu-ga "
                                          SGA_QGA_COMPAT_VERSION ")"));
    /* The defaults it names are the real ones. */
    g_assert_nonnull(strstr(usage, "/dev/virtio-ports/org.qemu.guest_agent.0,\n"));
    g_assert_nonnull(strstr(usage, "(default is " SGA_PIDFILE_DEFAULT ")"));
    g_assert_nonnull(strstr(usage, "(default is " SGA_FSFREEZE_HOOK_DEFAULT ")"));
    g_assert_nonnull(strstr(usage, "(default " SGA_CONFIG_FILE_DEFAULT "; also $QGA_CONF)"));
    /* Every option is described. */
    static const char *const options[] = {
        "-m, --method", "-p, --path", "-c, --config", "-l, --logfile", "-f, --pidfile", "-F, --fsfreeze-hook",
        "-t, --statedir", "-v, --verbose", "-V, --version", "-d, --daemonize", "-b, --block-rpcs",
        "-a, --allow-rpcs", "-D, --dump-conf", "-r, --retry-path", "-h, --help",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        g_assert_nonnull(strstr(usage, options[i]));
    }
}

/* ---- streamga's exec settings ([streamga], --exec-*) --------------------------------- */

/* Finalize must succeed; then the exec settings are as given. */
static void assert_exec_settings(Fixture *fx, bool stream_output, size_t buffer_size, size_t reply_size)
{
    GError *error = NULL;

    g_assert_true(sga_config_finalize(fx->cfg, false, &error));
    g_assert_no_error(error);
    g_assert_cmpint(fx->cfg->exec.stream_output, ==, stream_output);
    g_assert_cmpuint(fx->cfg->exec.buffer_size, ==, buffer_size);
    g_assert_cmpuint(fx->cfg->exec.reply_size, ==, reply_size);
}

static void config_reset(Fixture *fx)
{
    sga_config_free(fx->cfg);
    fx->cfg = sga_config_new();
}

static void test_exec_defaults(Fixture *fx, gconstpointer data)
{
    PARSE_OK(fx, "-v");
    g_assert_null(fx->cfg->exec_output);
    g_assert_null(fx->cfg->exec_buffer_size);
    g_assert_null(fx->cfg->exec_reply_size);
    /* Streaming, 4 MiB buffers, 1 MiB replies (docs/exec.md). */
    assert_exec_settings(fx, true, (size_t)4 << 20, (size_t)1 << 20);
    g_assert_cmpuint(fx->cfg->exec.buffer_size, ==, SGA_EXEC_BUFFER_DEFAULT);
    g_assert_cmpuint(fx->cfg->exec.reply_size, ==, SGA_EXEC_REPLY_DEFAULT);
}

static void test_exec_options(Fixture *fx, gconstpointer data)
{
    PARSE_OK(fx, "--exec-output=at-exit", "--exec-buffer-size=64K", "--exec-reply-size", "2M");
    g_assert_cmpstr(fx->cfg->exec_output, ==, "at-exit");
    g_assert_cmpstr(fx->cfg->exec_buffer_size, ==, "64K");
    g_assert_cmpstr(fx->cfg->exec_reply_size, ==, "2M");
    assert_exec_settings(fx, false, (size_t)64 << 10, (size_t)2 << 20);

    config_reset(fx);
    PARSE_OK(fx, "--exec-output", "stream", "--exec-buffer-size", "4194304", "--exec-reply-size=1024");
    assert_exec_settings(fx, true, (size_t)4 << 20, 1024);

    /* The last one given wins; they mix with qemu-ga's options in any order. */
    config_reset(fx);
    PARSE_OK(fx, "--exec-output=at-exit", "-v", "--exec-output=stream", "--exec-reply-size=8K",
             "-m", "unix-listen", "--exec-reply-size=16K");
    g_assert_true(fx->cfg->verbose);
    g_assert_cmpstr(fx->cfg->method, ==, "unix-listen");
    g_assert_cmpstr(fx->cfg->exec_output, ==, "stream");
    g_assert_cmpstr(fx->cfg->exec_reply_size, ==, "16K");

    /* A missing argument is a usage error, like any option's. */
    static const char *const missing[][2] = {
        { "--exec-output", NULL }, { "--exec-buffer-size", NULL }, { "--exec-reply-size", NULL },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(missing); i++) {
        GError *error = NULL;
        config_reset(fx);
        g_assert_cmpint(parse_argv(fx, missing[i], &error), ==, SGA_CONFIG_FAILED);
        g_assert_error(error, SGA_ERROR, SGA_ERROR_GENERIC);
        g_assert_cmpstr(error->message, ==, "Unknown option, try 'streamga --help' for more information.");
        g_error_free(error);
    }
}

static void test_exec_output_values(Fixture *fx, gconstpointer data)
{
    static const char *const bad[] = { "", "AT-EXIT", "Stream", "at_exit", "atexit", "stream ", "none", "1" };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *option = g_strdup_printf("--exec-output=%s", bad[i]);
        g_autofree char *message = g_strdup_printf("invalid exec-output '%s': expected stream or at-exit",
                                                   bad[i]);
        config_reset(fx);
        /* Parsing keeps the text; finalize judges it. */
        PARSE_OK(fx, option);
        assert_finalize_error(fx, false, message);
    }
}

static void assert_size(Fixture *fx, const char *option, const char *text, size_t expected)
{
    g_autofree char *arg = g_strdup_printf("--%s=%s", option, text);

    config_reset(fx);
    PARSE_OK(fx, arg);
    g_test_message("%s", arg);
    assert_exec_settings(fx, true,
                         strcmp(option, "exec-buffer-size") == 0 ? expected : SGA_EXEC_BUFFER_DEFAULT,
                         strcmp(option, "exec-reply-size") == 0 ? expected : SGA_EXEC_REPLY_DEFAULT);
}

static void assert_size_refused(Fixture *fx, const char *option, const char *text, const char *range)
{
    g_autofree char *arg = g_strdup_printf("--%s=%s", option, text);
    g_autofree char *message = g_strdup_printf("invalid %s '%s': expected a size from %s bytes "
                                               "(K, M, G suffixes allowed)", option, text, range);

    config_reset(fx);
    PARSE_OK(fx, arg);
    g_test_message("%s", arg);
    assert_finalize_error(fx, false, message);
}

static void test_exec_sizes(Fixture *fx, gconstpointer data)
{
    static const char buffer_range[] = "4096 to 268435456";
    static const char reply_range[] = "1024 to 16777216";
    static const char *const malformed[] = {
        "", "K", "-1", "+4M", " 4M", "4M ", "4MB", "4 M", "4.5M", "0x1000", "4T", "4KK", "1e6",
        "99999999999999999999", "18446744073709551616K",
    };

    /* Plain bytes and binary K, M, G multiples, either case, at both bounds. */
    assert_size(fx, "exec-buffer-size", "4096", 4096);
    assert_size(fx, "exec-buffer-size", "4K", 4096);
    assert_size(fx, "exec-buffer-size", "4k", 4096);
    assert_size(fx, "exec-buffer-size", "1000000", 1000000);
    assert_size(fx, "exec-buffer-size", "3M", (size_t)3 << 20);
    assert_size(fx, "exec-buffer-size", "256m", (size_t)256 << 20);
    assert_size(fx, "exec-buffer-size", "262144K", (size_t)256 << 20);
    assert_size(fx, "exec-buffer-size", "268435456", (size_t)256 << 20);
    assert_size(fx, "exec-buffer-size", "0004K", 4096);
    assert_size(fx, "exec-reply-size", "1024", 1024);
    assert_size(fx, "exec-reply-size", "1K", 1024);
    assert_size(fx, "exec-reply-size", "16M", (size_t)16 << 20);
    assert_size(fx, "exec-reply-size", "16384k", (size_t)16 << 20);
    assert_size(fx, "exec-reply-size", "65537", 65537);

    /* Out of bounds, by one byte or by a suffix. */
    assert_size_refused(fx, "exec-buffer-size", "4095", buffer_range);
    assert_size_refused(fx, "exec-buffer-size", "3K", buffer_range);
    assert_size_refused(fx, "exec-buffer-size", "0", buffer_range);
    assert_size_refused(fx, "exec-buffer-size", "268435457", buffer_range);
    assert_size_refused(fx, "exec-buffer-size", "257M", buffer_range);
    assert_size_refused(fx, "exec-buffer-size", "1G", buffer_range);
    assert_size_refused(fx, "exec-buffer-size", "0G", buffer_range);
    assert_size_refused(fx, "exec-reply-size", "1023", reply_range);
    assert_size_refused(fx, "exec-reply-size", "0K", reply_range);
    assert_size_refused(fx, "exec-reply-size", "16777217", reply_range);
    assert_size_refused(fx, "exec-reply-size", "17M", reply_range);
    assert_size_refused(fx, "exec-reply-size", "1g", reply_range);
    /* Not sizes at all, including values that overflow on the way. */
    for (size_t i = 0; i < G_N_ELEMENTS(malformed); i++) {
        assert_size_refused(fx, "exec-buffer-size", malformed[i], buffer_range);
        assert_size_refused(fx, "exec-reply-size", malformed[i], reply_range);
    }
}

static void test_exec_config_file(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = conf_write(fx, "streamga.conf",
        "[general]\n"
        "method=isa-serial\n"
        "[streamga]\n"
        "exec-output=at-exit\n"
        "exec-buffer-size=128K\n"
        "exec-reply-size=3M\n"
        "future-key=ignored\n");

    PARSE_OK(fx, "-c", path);
    g_assert_cmpstr(fx->cfg->method, ==, "isa-serial");
    g_assert_cmpstr(fx->cfg->exec_output, ==, "at-exit");
    assert_exec_settings(fx, false, (size_t)128 << 10, (size_t)3 << 20);

    /* The command line wins over the file, key by key. */
    config_reset(fx);
    PARSE_OK(fx, "--exec-output=stream", "-c", path, "--exec-reply-size=2K");
    assert_exec_settings(fx, true, (size_t)128 << 10, 2048);

    /* Through $QGA_CONF as well. */
    config_reset(fx);
    g_setenv("QGA_CONF", path, TRUE);
    PARSE_OK(fx, "-v");
    assert_exec_settings(fx, false, (size_t)128 << 10, (size_t)3 << 20);
    g_setenv("QGA_CONF", fx->absent_conf, TRUE);
}

static void test_exec_config_file_groups(Fixture *fx, gconstpointer data)
{
    /* The keys belong to [streamga]: in qemu-ga's [general] group, or another
     * group, they are not read. */
    g_autofree char *general = conf_write(fx, "general.conf",
        "[general]\nexec-output=at-exit\nexec-buffer-size=8K\n[other]\nexec-reply-size=2K\n");
    g_autofree char *empty_group = conf_write(fx, "empty.conf", "[streamga]\n");

    PARSE_OK(fx, "-c", general);
    g_assert_null(fx->cfg->exec_output);
    assert_exec_settings(fx, true, SGA_EXEC_BUFFER_DEFAULT, SGA_EXEC_REPLY_DEFAULT);

    config_reset(fx);
    PARSE_OK(fx, "-c", empty_group);
    assert_exec_settings(fx, true, SGA_EXEC_BUFFER_DEFAULT, SGA_EXEC_REPLY_DEFAULT);
}

static void test_exec_config_file_errors(Fixture *fx, gconstpointer data)
{
    GError *error = NULL;
    g_autofree char *bad_mode = conf_write(fx, "mode.conf", "[streamga]\nexec-output=later\n");
    g_autofree char *bad_size = conf_write(fx, "size.conf", "[streamga]\nexec-buffer-size=1K\n");
    g_autofree char *bad_escape = conf_write(fx, "escape.conf", "[streamga]\nexec-reply-size=1\\q\n");
    g_autofree char *prefix = g_strdup_printf("error loading configuration from path: %s, ", bad_escape);

    /* Values are checked by finalize, with the command line's messages. */
    PARSE_OK(fx, "-c", bad_mode);
    assert_finalize_error(fx, false, "invalid exec-output 'later': expected stream or at-exit");
    config_reset(fx);
    PARSE_OK(fx, "-c", bad_size);
    assert_finalize_error(fx, false, "invalid exec-buffer-size '1K': expected a size from 4096 to 268435456 "
                                     "bytes (K, M, G suffixes allowed)");
    /* A good command-line value replaces the file's bad one. */
    config_reset(fx);
    PARSE_OK(fx, "-c", bad_size, "--exec-buffer-size=8K");
    assert_exec_settings(fx, true, 8192, SGA_EXEC_REPLY_DEFAULT);

    /* A value the key file cannot read (glib hands back the raw text and an
     * error) fails the file, as in qemu-ga, in [streamga] and in [general]. */
    config_reset(fx);
    g_assert_cmpint(PARSE(fx, &error, "-c", bad_escape), ==, SGA_CONFIG_FAILED);
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_clear_error(&error);

    g_autofree char *general_escape = conf_write(fx, "general-escape.conf", "[general]\nstatedir=/a\\q\n");
    g_free(prefix);
    prefix = g_strdup_printf("error loading configuration from path: %s, ", general_escape);
    config_reset(fx);
    g_assert_cmpint(PARSE(fx, &error, "-c", general_escape), ==, SGA_CONFIG_FAILED);
    g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_clear_error(&error);
}

static void test_exec_dump(Fixture *fx, gconstpointer data)
{
    g_autofree char *dump = NULL, *again = NULL, *path = NULL;
    const char *streamga_part;

    /* The dump shows the values in effect, in bytes, whatever form they were
     * given in, and reads back to the same dump. */
    PARSE_OK(fx, "-D", "--exec-output=at-exit", "--exec-buffer-size=256m", "--exec-reply-size=1k",
             "--file-read-count=64k", "--system-root=/r", "--fsfreeze-orphan-timeout=120");
    dump = dump_of(fx);
    streamga_part = strstr(dump, "\n[streamga]\n");
    g_assert_nonnull(streamga_part);
    g_assert_cmpstr(streamga_part, ==,
                    "\n[streamga]\n"
                    "exec-output=at-exit\n"
                    "exec-buffer-size=268435456\n"
                    "exec-reply-size=1024\n"
                    "file-read-count=65536\n"
                    "system-root=/r\n"
                    "fsfreeze-orphan-timeout=120\n");

    path = conf_write(fx, "dumped.conf", dump);
    config_reset(fx);
    PARSE_OK(fx, "-c", path);
    again = dump_of(fx);
    g_assert_cmpstr(again, ==, dump);
    g_assert_false(fx->cfg->exec.stream_output);

    /* From a file too. */
    g_free(path);
    g_free(dump);
    path = conf_write(fx, "given.conf", "[streamga]\nexec-reply-size=64K\n");
    config_reset(fx);
    PARSE_OK(fx, "-c", path);
    dump = dump_of(fx);
    g_assert_nonnull(strstr(dump, "\n[streamga]\nexec-output=stream\nexec-buffer-size=4194304\n"
                                  "exec-reply-size=65536\n"));
}

static void test_exec_usage(Fixture *fx, gconstpointer data)
{
    g_autofree char *usage = sga_config_usage("streamga");

    g_assert_nonnull(strstr(usage, "--exec-output=stream|at-exit"));
    g_assert_nonnull(strstr(usage, "--exec-buffer-size=SIZE"));
    g_assert_nonnull(strstr(usage, "--exec-reply-size=SIZE"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/config/defaults", test_defaults);
    ADD("/config/short-options", test_short_options);
    ADD("/config/long-options", test_long_options);
    ADD("/config/later-options-win", test_later_options_win);
    ADD("/config/fsfreeze-hook-forms", test_fsfreeze_hook_forms);
    ADD("/config/rpc-lists", test_rpc_lists);
    ADD("/config/actions", test_actions);
    ADD("/config/unknown-options", test_unknown_options);
    ADD("/config/config-file-keys", test_config_file_keys);
    ADD("/config/config-file-blacklist", test_config_file_blacklist);
    ADD("/config/command-line-wins", test_command_line_wins);
    ADD("/config/qga-conf", test_qga_conf);
    ADD("/config/config-file-errors", test_config_file_errors);
    ADD("/config/finalize", test_finalize);
    ADD("/config/finalize-vsock", test_finalize_vsock);
    ADD("/config/dump-defaults", test_dump_defaults);
    ADD("/config/dump-everything", test_dump_everything);
    ADD("/config/dump-round-trip", test_dump_round_trip);
    ADD("/config/usage", test_usage);
    ADD("/config/exec/defaults", test_exec_defaults);
    ADD("/config/exec/options", test_exec_options);
    ADD("/config/exec/output-values", test_exec_output_values);
    ADD("/config/exec/sizes", test_exec_sizes);
    ADD("/config/exec/config-file", test_exec_config_file);
    ADD("/config/exec/config-file-groups", test_exec_config_file_groups);
    ADD("/config/exec/config-file-errors", test_exec_config_file_errors);
    ADD("/config/exec/dump", test_exec_dump);
    ADD("/config/exec/usage", test_exec_usage);
#undef ADD
    return g_test_run();
}
