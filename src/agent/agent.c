/* agent.c: wires configuration, transport, session and commands together and runs them. */
#include "agent.h"

#include <errno.h>
#include <stdio.h>

#include "agent-hooks.h"
#include "child.h"
#include "commands.h"
#include "daemon.h"
#include "log.h"
#include "pidfile.h"
#include "platform.h"
#include "registry.h"
#include "session.h"
#include "signals.h"
#include "state.h"
#include "sysroot.h"
#include "transport.h"

/* How long to wait before reopening a channel that is missing or broke, with
 * -r/--retry-path: qemu-ga's interval. */
#define SGA_RETRY_SECONDS 5

typedef struct SgaAgent {
    SgaConfig *cfg;
    SgaTransportMethod method;
    int activation_fd;
    GMainLoop *loop;
    SgaRegistry *registry;
    SgaSession *session;
    SgaTransport *transport;
    SgaState state;
    int pidfile_fd;
    guint retry_timer;
    bool files_deferred;        /* log file and pidfile wait for a thaw */
    int exit_status;
} SgaAgent;

/* ---- transport events -------------------------------------------------------- */

static void agent_session_started(void *opaque)
{
    SgaAgent *a = opaque;

    g_debug("host connected");
    sga_fsfreeze_host_present(true);
    sga_session_begin(a->session);
}

static void agent_received(const char *buf, size_t len, void *opaque)
{
    SgaAgent *a = opaque;

    sga_session_receive(a->session, buf, len);
}

static void agent_drained(void *opaque)
{
    SgaAgent *a = opaque;

    sga_session_drained(a->session);
}

static void agent_session_ended(void *opaque)
{
    g_debug("host disconnected");
    sga_fsfreeze_host_present(false);
}

static gboolean agent_channel_retry(gpointer data);
static void agent_channel_failed(const GError *error, void *opaque);

static const SgaTransportEvents agent_transport_events = {
    .session_started = agent_session_started,
    .received = agent_received,
    .drained = agent_drained,
    .session_ended = agent_session_ended,
    .failed = agent_channel_failed,
};

/* ---- session output, provided by the transport ------------------------------- */

static void agent_output_send(void *opaque, char *data, size_t len)
{
    SgaAgent *a = opaque;

    sga_transport_send(a->transport, data, len);
}

static size_t agent_output_queued(void *opaque)
{
    SgaAgent *a = opaque;

    return sga_transport_queued(a->transport);
}

static void agent_output_set_receiving(void *opaque, bool receiving)
{
    SgaAgent *a = opaque;

    sga_transport_set_receiving(a->transport, receiving);
}

/* ---- the channel ---------------------------------------------------------------- */

static bool agent_channel_open(SgaAgent *a, GError **error)
{
    a->transport = sga_transport_open(a->method, a->cfg->channel_path, a->activation_fd,
                                      &agent_transport_events, a, error);
    return a->transport != NULL;
}

static void agent_channel_retry_later(SgaAgent *a)
{
    g_warning("waiting for channel path %s...", a->cfg->channel_path);
    a->retry_timer = g_timeout_add_seconds(SGA_RETRY_SECONDS, agent_channel_retry, a);
}

static gboolean agent_channel_retry(gpointer data)
{
    SgaAgent *a = data;
    g_autoptr(GError) error = NULL;

    a->retry_timer = 0;
    if (!agent_channel_open(a, &error)) {
        g_debug("%s", error->message);
        agent_channel_retry_later(a);
    }
    return G_SOURCE_REMOVE;
}

static gboolean agent_channel_close(gpointer data)
{
    SgaAgent *a = data;

    g_clear_pointer(&a->transport, sga_transport_free);
    if (a->cfg->retry_path) {
        agent_channel_retry_later(a);
    } else {
        a->exit_status = 1;
        g_main_loop_quit(a->loop);
    }
    return G_SOURCE_REMOVE;
}

static void agent_channel_failed(const GError *error, void *opaque)
{
    SgaAgent *a = opaque;

    g_critical("%s", error->message);
    /* The transport is still on the call stack: free it from the main loop. */
    g_idle_add(agent_channel_close, a);
}

/* ---- signals ------------------------------------------------------------------ */

static gboolean agent_quit_signal(gpointer data)
{
    SgaAgent *a = data;

    g_debug("received a termination signal, quitting");
    g_main_loop_quit(a->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean agent_hangup_signal(gpointer data)
{
    sga_log_reopen();
    return G_SOURCE_CONTINUE;
}

/* ---- start-up and shutdown ------------------------------------------------------ */

static void agent_registry_filter(SgaAgent *a)
{
    for (guint i = 0; i < a->cfg->block_rpcs->len; i++) {
        const char *name = g_ptr_array_index(a->cfg->block_rpcs, i);
        if (!sga_registry_block(a->registry, name)) {
            g_warning("cannot block unknown command '%s'", name);
        }
    }
    if (a->cfg->allow_rpcs) {
        g_ptr_array_add(a->cfg->allow_rpcs, NULL);
        sga_registry_allow_only(a->registry, (const char *const *)a->cfg->allow_rpcs->pdata);
        g_ptr_array_remove_index(a->cfg->allow_rpcs, a->cfg->allow_rpcs->len - 1);
    }
}

/* The log file and pidfile, which a frozen filesystem would block: at start,
 * or once thawed when a previous agent left filesystems frozen. */
static bool agent_files_open(SgaAgent *a, GError **error)
{
    if (a->cfg->log_filepath && !sga_log_open_file(a->cfg->log_filepath, error)) {
        return false;
    }
    if (a->cfg->daemonize || a->cfg->pidfile_given) {
        a->pidfile_fd = sga_pidfile_create(a->cfg->pid_filepath, error);
        if (a->pidfile_fd < 0) {
            return false;
        }
    }
    return true;
}

static void agent_thawed(void *opaque)
{
    SgaAgent *a = opaque;
    g_autoptr(GError) error = NULL;

    if (a->files_deferred) {
        a->files_deferred = false;
        if (!agent_files_open(a, &error)) {
            g_warning("%s", error->message);
        }
    }
}

#ifdef G_OS_WIN32
/* As qemu-ga on Windows: the state directory (%ProgramData%\streamga or -t's)
 * is the agent's own and nothing else creates it (the MSI does not); nor the
 * default pidfile's, %ProgramData%\streamga, when -t puts the state elsewhere. */
static bool agent_dir_create(const char *what, const char *dir, GError **error)
{
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int saved_errno = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno),
                    "unable to create (an ancestor of) the %s '%s': %s",
                    what, dir, g_strerror(saved_errno));
        return false;
    }
    return true;
}
#endif

/* Everything that can fail at start-up, in the order that lets an init system
 * see the failure: the parent of -d waits until this has succeeded. */
static bool agent_start(SgaAgent *a, GError **error)
{
    SgaSessionOutput output = {
        .send = agent_output_send,
        .queued = agent_output_queued,
        .set_receiving = agent_output_set_receiving,
        .opaque = a,
    };
    GError *local = NULL;
    bool start_frozen;

#ifdef G_OS_WIN32
    if (!agent_dir_create("state directory", a->cfg->state_dir, error)) {
        return false;
    }
    if (a->cfg->daemonize && !a->cfg->pidfile_given) {
        g_autofree char *pidfile_dir = g_path_get_dirname(a->cfg->pid_filepath);

        if (!agent_dir_create("pidfile's directory", pidfile_dir, error)) {
            return false;
        }
    }
#endif
    start_frozen = sga_agent_hooks_marker_present(a->cfg->state_dir, &local);
    if (local) {
        g_propagate_error(error, local);
        return false;
    }
    a->files_deferred = start_frozen;
    if (!start_frozen && !agent_files_open(a, error)) {
        return false;
    }
    if (!sga_state_load(&a->state, a->cfg->state_dir, error)) {
        return false;
    }

    sga_sysroot_set(a->cfg->system_root);
    sga_child_save_fd_limit();
    sga_exec_init(&a->cfg->exec);
    sga_file_init(&a->cfg->file);
    sga_fsfreeze_init(&a->cfg->fsfreeze);
    a->registry = sga_registry_new(sga_command_table, sga_command_table_size, sga_platform_current());
    agent_registry_filter(a);
    sga_agent_hooks_install(a->registry, &a->state, a->cfg->state_dir, agent_thawed, a);
    if (start_frozen) {
        sga_agent_hooks_start_frozen();
        sga_fsfreeze_assume_frozen();
    }
    a->session = sga_session_new(a->registry, &output);
    a->loop = g_main_loop_new(NULL, FALSE);
    sga_signals_install(agent_quit_signal, agent_hangup_signal, a);

    if (!agent_channel_open(a, error)) {
        if (!a->cfg->retry_path) {
            return false;
        }
        g_warning("%s", (*error)->message);
        g_clear_error(error);
        agent_channel_retry_later(a);
    }
    return true;
}

static void agent_stop(SgaAgent *a)
{
    if (a->retry_timer) {
        g_source_remove(a->retry_timer);
    }
    g_clear_pointer(&a->transport, sga_transport_free);
    /* Thaw first: nothing below may wait on a frozen filesystem. */
    sga_fsfreeze_cleanup();
    sga_file_cleanup();
    sga_exec_cleanup();
    g_clear_pointer(&a->session, sga_session_free);
    g_clear_pointer(&a->registry, sga_registry_free);
    g_clear_pointer(&a->loop, g_main_loop_unref);
    sga_agent_hooks_clear();
    sga_state_clear(&a->state);
    sga_pidfile_remove(a->cfg->pid_filepath, a->pidfile_fd);
    sga_log_close();
}

/* -d changes directory to /: resolve relative paths against where we started. */
static void path_make_absolute(char **path)
{
    if (*path && !g_path_is_absolute(*path)) {
        char *abs = g_canonicalize_filename(*path, NULL);
        g_free(*path);
        *path = abs;
    }
}

int sga_agent_run(SgaConfig *cfg, int activation_fd)
{
    SgaAgent agent = { .cfg = cfg, .activation_fd = activation_fd, .pidfile_fd = -1 };
    g_autoptr(GError) error = NULL;
    int parent_status;

    sga_transport_method_from_name(cfg->method, &agent.method);
    path_make_absolute(&cfg->state_dir);
    path_make_absolute(&cfg->pid_filepath);
    path_make_absolute(&cfg->log_filepath);
    path_make_absolute(&cfg->fsfreeze_hook);
#ifndef G_OS_WIN32
    /* (Windows channel paths are device names, COM1 or \\.\Global\..., not files.) */
    if (agent.method != SGA_TRANSPORT_VSOCK_LISTEN && agent.method != SGA_TRANSPORT_TCP_LISTEN) {
        path_make_absolute(&cfg->channel_path);
    }
#endif
    sga_log_init(cfg->verbose);

    if (cfg->daemonize && !sga_daemon_start(&parent_status, &error)) {
        if (error) {
            g_critical("%s", error->message);
        }
        return parent_status;
    }
    if (!agent_start(&agent, &error)) {
        g_critical("%s", error->message);
        agent_stop(&agent);
        if (cfg->daemonize) {
            sga_daemon_exit(1);
        }
        return 1;
    }
    g_debug("streamga %s started (method %s, path %s)", SGA_VERSION, cfg->method,
            cfg->channel_path ? cfg->channel_path : "from socket activation");
    sga_daemon_ready();

    g_main_loop_run(agent.loop);

    agent_stop(&agent);
    if (cfg->daemonize) {
        sga_daemon_exit(agent.exit_status);
    }
    return agent.exit_status;
}
