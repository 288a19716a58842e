/* config-streamga.h: streamga's own settings, beside qemu-ga's ([streamga] group, long options). */
#ifndef SGA_CONFIG_STREAMGA_H
#define SGA_CONFIG_STREAMGA_H

#include <getopt.h>

#include "config.h"

/* getopt codes of the long options, above any short option letter. */
enum {
    SGA_OPT_EXEC_OUTPUT = 0x1000,
    SGA_OPT_EXEC_BUFFER_SIZE,
    SGA_OPT_EXEC_REPLY_SIZE,
    SGA_OPT_FILE_READ_COUNT,
    SGA_OPT_SYSTEM_ROOT,
    SGA_OPT_FSFREEZE_ORPHAN_TIMEOUT,
};

#define SGA_CONFIG_STREAMGA_LONG_OPTIONS \
    { "exec-output", required_argument, NULL, SGA_OPT_EXEC_OUTPUT }, \
    { "exec-buffer-size", required_argument, NULL, SGA_OPT_EXEC_BUFFER_SIZE }, \
    { "exec-reply-size", required_argument, NULL, SGA_OPT_EXEC_REPLY_SIZE }, \
    { "file-read-count", required_argument, NULL, SGA_OPT_FILE_READ_COUNT }, \
    { "system-root", required_argument, NULL, SGA_OPT_SYSTEM_ROOT }, \
    { "fsfreeze-orphan-timeout", required_argument, NULL, SGA_OPT_FSFREEZE_ORPHAN_TIMEOUT }

/* Read the [streamga] group of a config file. */
bool sga_config_streamga_load(SgaConfig *cfg, GKeyFile *kf, GError **error);
/* Take one of the long options above; false when code is not one of them. */
bool sga_config_streamga_option(SgaConfig *cfg, int code, const char *value);
/* Check values and fill cfg->exec, cfg->file and cfg->fsfreeze. */
bool sga_config_streamga_finalize(SgaConfig *cfg, GError **error);
/* Add the [streamga] group to a dump. */
void sga_config_streamga_dump(const SgaConfig *cfg, GKeyFile *kf);
void sga_config_streamga_clear(SgaConfig *cfg);

#endif
