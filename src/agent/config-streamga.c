/* config-streamga.c: streamga's own settings, from [streamga] and its long options. */
#include "config-streamga.h"

#include <string.h>

#include "sga-error.h"

#define SGA_CONFIG_STREAMGA_GROUP "streamga"

/* Sizes outside these are mistakes: a buffer under one pipe's worth stalls the
 * child needlessly; a reply over 16 MiB defeats the point of bounding it. */
#define SGA_EXEC_BUFFER_MIN ((guint64)4 << 10)
#define SGA_EXEC_BUFFER_MAX ((guint64)256 << 20)
#define SGA_EXEC_REPLY_MIN ((guint64)1 << 10)
#define SGA_EXEC_REPLY_MAX ((guint64)16 << 20)
/* A default read count is at least one byte and at most what a read may ask. */
#define SGA_FILE_READ_COUNT_MIN ((guint64)1)
/* A day: longer than any snapshot, short of forever. */
#define SGA_FSFREEZE_ORPHAN_TIMEOUT_MAX ((guint64)86400)

static const struct {
    const char *key;
    size_t offset;
} streamga_keys[] = {
    { "exec-output", offsetof(SgaConfig, exec_output) },
    { "exec-buffer-size", offsetof(SgaConfig, exec_buffer_size) },
    { "exec-reply-size", offsetof(SgaConfig, exec_reply_size) },
    { "file-read-count", offsetof(SgaConfig, file_read_count) },
    { "system-root", offsetof(SgaConfig, system_root) },
    { "fsfreeze-orphan-timeout", offsetof(SgaConfig, fsfreeze_orphan_timeout) },
};

static char **streamga_field(SgaConfig *cfg, size_t i)
{
    return (char **)((char *)cfg + streamga_keys[i].offset);
}

bool sga_config_streamga_load(SgaConfig *cfg, GKeyFile *kf, GError **error)
{
    for (size_t i = 0; i < G_N_ELEMENTS(streamga_keys); i++) {
        GError *local = NULL;
        char *value;
        if (!g_key_file_has_key(kf, SGA_CONFIG_STREAMGA_GROUP, streamga_keys[i].key, NULL)) {
            continue;
        }
        /* A bad escape gives an error and the raw text both: an error. */
        value = g_key_file_get_string(kf, SGA_CONFIG_STREAMGA_GROUP, streamga_keys[i].key, &local);
        if (local) {
            g_free(value);
            g_propagate_error(error, local);
            return false;
        }
        g_free(*streamga_field(cfg, i));
        *streamga_field(cfg, i) = value;
    }
    return true;
}

bool sga_config_streamga_option(SgaConfig *cfg, int code, const char *value)
{
    size_t i = (size_t)(code - SGA_OPT_EXEC_OUTPUT);

    if (code < SGA_OPT_EXEC_OUTPUT || i >= G_N_ELEMENTS(streamga_keys)) {
        return false;
    }
    g_free(*streamga_field(cfg, i));
    *streamga_field(cfg, i) = g_strdup(value);
    return true;
}

/* "4194304", "4096K", "4M", "1G" (binary multiples). */
static bool size_parse(const char *key, const char *text, guint64 min, guint64 max, size_t *out,
                       GError **error)
{
    char *end;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    guint64 unit = 1;

    switch (g_ascii_toupper(*end)) {
    case 'K': unit = 1 << 10; end++; break;
    case 'M': unit = 1 << 20; end++; break;
    case 'G': unit = 1 << 30; end++; break;
    default: break;
    }
    if (end == text || *end || !g_ascii_isdigit(text[0]) || v > max / unit || v * unit < min) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "invalid %s '%s': expected a size from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                    " bytes (K, M, G suffixes allowed)", key, text, min, max);
        return false;
    }
    *out = (size_t)(v * unit);
    return true;
}

static bool exec_settings_finalize(SgaConfig *cfg, GError **error)
{
    SgaExecSettings *exec = &cfg->exec;

    exec->stream_output = true;
    exec->buffer_size = SGA_EXEC_BUFFER_DEFAULT;
    exec->reply_size = SGA_EXEC_REPLY_DEFAULT;
    if (cfg->exec_output) {
        if (strcmp(cfg->exec_output, "stream") != 0 && strcmp(cfg->exec_output, "at-exit") != 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "invalid exec-output '%s': expected stream or at-exit", cfg->exec_output);
            return false;
        }
        exec->stream_output = strcmp(cfg->exec_output, "stream") == 0;
    }
    return (!cfg->exec_buffer_size ||
            size_parse("exec-buffer-size", cfg->exec_buffer_size, SGA_EXEC_BUFFER_MIN,
                       SGA_EXEC_BUFFER_MAX, &exec->buffer_size, error)) &&
           (!cfg->exec_reply_size ||
            size_parse("exec-reply-size", cfg->exec_reply_size, SGA_EXEC_REPLY_MIN,
                       SGA_EXEC_REPLY_MAX, &exec->reply_size, error));
}

/* A whole number of seconds within [0, max]. */
static bool seconds_parse(const char *key, const char *text, guint64 max, unsigned *out,
                          GError **error)
{
    char *end;
    guint64 v = g_ascii_strtoull(text, &end, 10);

    if (!g_ascii_isdigit(text[0]) || *end || v > max) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "invalid %s '%s': expected seconds from 0 to %" G_GUINT64_FORMAT,
                    key, text, max);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

bool sga_config_streamga_finalize(SgaConfig *cfg, GError **error)
{
    cfg->file.read_count_default = SGA_FILE_READ_COUNT_DEFAULT;
    cfg->fsfreeze.hook_path = cfg->fsfreeze_hook;
    cfg->fsfreeze.orphan_timeout = SGA_FSFREEZE_ORPHAN_TIMEOUT_DEFAULT;
    if (cfg->system_root && !g_path_is_absolute(cfg->system_root)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "invalid system-root '%s': expected an absolute path", cfg->system_root);
        return false;
    }
    return exec_settings_finalize(cfg, error) &&
           (!cfg->file_read_count ||
            size_parse("file-read-count", cfg->file_read_count, SGA_FILE_READ_COUNT_MIN,
                       SGA_FILE_READ_COUNT_MAX, &cfg->file.read_count_default, error)) &&
           (!cfg->fsfreeze_orphan_timeout ||
            seconds_parse("fsfreeze-orphan-timeout", cfg->fsfreeze_orphan_timeout,
                          SGA_FSFREEZE_ORPHAN_TIMEOUT_MAX, &cfg->fsfreeze.orphan_timeout, error));
}

void sga_config_streamga_dump(const SgaConfig *cfg, GKeyFile *kf)
{
    g_key_file_set_string(kf, SGA_CONFIG_STREAMGA_GROUP, "exec-output",
                          cfg->exec.stream_output ? "stream" : "at-exit");
    g_key_file_set_uint64(kf, SGA_CONFIG_STREAMGA_GROUP, "exec-buffer-size", cfg->exec.buffer_size);
    g_key_file_set_uint64(kf, SGA_CONFIG_STREAMGA_GROUP, "exec-reply-size", cfg->exec.reply_size);
    g_key_file_set_uint64(kf, SGA_CONFIG_STREAMGA_GROUP, "file-read-count",
                          cfg->file.read_count_default);
    if (cfg->system_root) {
        g_key_file_set_string(kf, SGA_CONFIG_STREAMGA_GROUP, "system-root", cfg->system_root);
    }
    g_key_file_set_uint64(kf, SGA_CONFIG_STREAMGA_GROUP, "fsfreeze-orphan-timeout",
                          cfg->fsfreeze.orphan_timeout);
}

void sga_config_streamga_clear(SgaConfig *cfg)
{
    for (size_t i = 0; i < G_N_ELEMENTS(streamga_keys); i++) {
        g_clear_pointer(streamga_field(cfg, i), g_free);
    }
}
