/* log.c: the agent's log handler: timestamped lines like qemu-ga's, plus syslog. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "log-audit.h"
#include "sga-error.h"
#include "sga-log.h"

/* Programs the agent starts must not inherit the log file. */
#ifdef O_CLOEXEC
#define SGA_LOG_O_NOINHERIT O_CLOEXEC
#else
#define SGA_LOG_O_NOINHERIT O_NOINHERIT
#endif

static struct {
    GLogLevelFlags shown;
    FILE *file;             /* NULL: stderr */
    char *path;
    bool enabled;
} agent_log;

static const char *log_level_name(GLogLevelFlags level)
{
    switch (level & G_LOG_LEVEL_MASK) {
    case G_LOG_LEVEL_ERROR: return "error";
    case G_LOG_LEVEL_CRITICAL: return "critical";
    case G_LOG_LEVEL_WARNING: return "warning";
    case G_LOG_LEVEL_MESSAGE: return "message";
    case G_LOG_LEVEL_INFO: return "info";
    case G_LOG_LEVEL_DEBUG: return "debug";
    default: return "user";
    }
}

static void log_handler(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
    FILE *out = agent_log.file ? agent_log.file : stderr;
    gint64 now;

    if (!agent_log.enabled) {
        return;
    }
    if (g_strcmp0(domain, "syslog") == 0 && sga_log_audit(log_level_name(level), message)) {
        return;
    }
    if (!(level & agent_log.shown)) {
        return;
    }
    now = g_get_real_time();
    fprintf(out, "%" G_GINT64_FORMAT ".%06d: %s: %s\n", now / G_USEC_PER_SEC,
            (int)(now % G_USEC_PER_SEC), log_level_name(level), message);
    fflush(out);
}

void sga_log_init(bool verbose)
{
    agent_log.shown = verbose ? G_LOG_LEVEL_MASK
                              : G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING;
    agent_log.enabled = true;
    sga_log_debug = verbose;
    g_log_set_default_handler(log_handler, NULL);
    /* Only g_error() aborts; criticals are reported and handled. */
    g_log_set_always_fatal(G_LOG_LEVEL_ERROR);
}

static FILE *log_file_open(const char *path, GError **error)
{
    int fd = g_open(path, O_WRONLY | O_APPEND | O_CREAT | SGA_LOG_O_NOINHERIT, 0640);
    FILE *f;

    if (fd < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "unable to open specified log file %s: %s",
                    path, g_strerror(errno));
        return NULL;
    }
    f = fdopen(fd, "a");
    if (!f) {
        g_close(fd, NULL);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "unable to open log file %s", path);
    }
    return f;
}

bool sga_log_open_file(const char *path, GError **error)
{
    FILE *f = log_file_open(path, error);

    if (!f) {
        return false;
    }
    sga_log_close();
    agent_log.file = f;
    agent_log.path = g_strdup(path);
    return true;
}

void sga_log_reopen(void)
{
    g_autoptr(GError) error = NULL;
    FILE *f;

    if (!agent_log.path) {
        return;
    }
    f = log_file_open(agent_log.path, &error);
    if (!f) {
        g_warning("%s", error->message);
        return;
    }
    fclose(agent_log.file);
    agent_log.file = f;
}

void sga_log_set_enabled(bool enabled)
{
    agent_log.enabled = enabled;
}

void sga_log_close(void)
{
    if (agent_log.file) {
        fclose(agent_log.file);
        agent_log.file = NULL;
    }
    g_clear_pointer(&agent_log.path, g_free);
}
