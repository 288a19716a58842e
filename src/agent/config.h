/* config.h: the agent's settings from qemu-ga.conf and the command line, as qemu-ga reads them. */
#ifndef SGA_CONFIG_H
#define SGA_CONFIG_H

#include <glib.h>
#include <stdbool.h>

#include "exec.h"
#include "file.h"
#include "fsfreeze.h"
#include "sga-build-config.h"

typedef struct SgaConfig {
    char *method;               /* -m, "method" */
    char *channel_path;         /* -p, "path" */
    char *log_filepath;         /* -l, "logfile" */
    char *pid_filepath;         /* -f, "pidfile" */
    bool pidfile_given;         /* set by -f or the config: write it even without -d */
    char *fsfreeze_hook;        /* -F, "fsfreeze-hook" */
    char *state_dir;            /* -t, "statedir" */
    GPtrArray *block_rpcs;      /* -b, "block-rpcs" (or the old "blacklist") */
    GPtrArray *allow_rpcs;      /* -a, "allow-rpcs"; NULL when not given */
    bool daemonize;             /* -d, "daemon" */
    bool verbose;               /* -v, "verbose" */
    bool retry_path;            /* -r, "retry-path" */
    bool dump_conf;             /* -D */
    char *service;              /* -s (Windows): install | uninstall */
    GPtrArray *ignored_args;    /* words that are not options, ignored as qemu-ga does */

    /* streamga's own settings: [streamga] in the config file, long options
     * only, so they can never meet a future qemu-ga option or key. */
    char *exec_output;          /* --exec-output: stream | at-exit */
    char *exec_buffer_size;     /* --exec-buffer-size: bytes, K/M/G suffixes */
    char *exec_reply_size;      /* --exec-reply-size */
    char *file_read_count;      /* --file-read-count: guest-file-read's default count */
    char *system_root;          /* --system-root: where /proc, /sys, /etc... are */
    char *fsfreeze_orphan_timeout; /* --fsfreeze-orphan-timeout: seconds, 0 = never */
    /* the above, checked, after sga_config_finalize */
    SgaExecSettings exec;
    SgaFileSettings file;
    SgaFsfreezeSettings fsfreeze;
} SgaConfig;

/* What main should do after parsing. */
typedef enum {
    SGA_CONFIG_RUN,             /* run the agent (or dump the config, with -D) */
    SGA_CONFIG_SHOW_VERSION,    /* -V */
    SGA_CONFIG_SHOW_HELP,       /* -h */
    SGA_CONFIG_LIST_COMMANDS,   /* -b help, -a help */
    SGA_CONFIG_SERVICE,         /* -s install|uninstall (Windows) */
    SGA_CONFIG_FAILED,          /* error is set */
} SgaConfigAction;

SgaConfig *sga_config_new(void);
void sga_config_free(SgaConfig *cfg);

/*
 * Read the config file and then the command line, which wins. The file is
 * -c/--config if given (then it must exist), else $QGA_CONF, else
 * <confdir>/qemu-ga.conf; a missing default file is not an error.
 */
SgaConfigAction sga_config_parse(SgaConfig *cfg, int argc, char **argv, GError **error);

/* Fill in defaults and check values. With socket activation (method already
 * set from the socket), no path is needed. */
bool sga_config_finalize(SgaConfig *cfg, bool activated, GError **error);

/* The configuration as a qemu-ga.conf file (-D/--dump-conf). */
char *sga_config_dump(const SgaConfig *cfg);

/* The -h text. */
char *sga_config_usage(const char *argv0);

#ifdef G_OS_WIN32
/* Windows: found at run time, beside the .exe and under %ProgramData%. */
#include "paths.h"
#define SGA_CONFIG_FILE_DEFAULT sga_paths_config_file()
#define SGA_FSFREEZE_HOOK_DEFAULT sga_paths_fsfreeze_hook()
#define SGA_STATE_DIR_DEFAULT sga_paths_state_dir()
#define SGA_PIDFILE_DEFAULT sga_paths_pidfile()
#else
/* Default paths, as Debian builds qemu-ga. */
#define SGA_CONFIG_FILE_DEFAULT SGA_CONFDIR "/qemu-ga.conf"
#define SGA_FSFREEZE_HOOK_DEFAULT SGA_CONFDIR "/fsfreeze-hook"
#define SGA_STATE_DIR_DEFAULT SGA_STATEDIR_DEFAULT
#define SGA_PIDFILE_DEFAULT SGA_STATEDIR_DEFAULT "/qemu-ga.pid"
#endif

#endif
