/* paths.c: default locations on Windows: beside streamga.exe and under %ProgramData%. */
#include "paths.h"

#include <glib.h>
#include <windows.h>
#include <shlobj.h>

/* Computed once and kept for the process's life (they are used as constants). */
static char *exe_dir;
static char *config_file;
static char *fsfreeze_hook;
static char *state_dir;
static char *pidfile;

static const char *paths_exe_dir(void)
{
    if (!exe_dir) {
        wchar_t buf[MAX_PATH];
        DWORD n = GetModuleFileNameW(NULL, buf, G_N_ELEMENTS(buf));
        char *exe = (n > 0 && n < G_N_ELEMENTS(buf)) ? g_utf16_to_utf8(buf, n, NULL, NULL, NULL) : NULL;

        exe_dir = exe ? g_path_get_dirname(exe) : g_strdup(".");
        g_free(exe);
    }
    return exe_dir;
}

const char *sga_paths_config_file(void)
{
    if (!config_file) {
        config_file = g_build_filename(paths_exe_dir(), "qemu-ga.conf", NULL);
    }
    return config_file;
}

const char *sga_paths_fsfreeze_hook(void)
{
    if (!fsfreeze_hook) {
        fsfreeze_hook = g_build_filename(paths_exe_dir(), "fsfreeze-hook", NULL);
    }
    return fsfreeze_hook;
}

const char *sga_paths_state_dir(void)
{
    if (!state_dir) {
        /* Asked of the shell, not %ProgramData%: a service's environment
         * need not have it (wine gives services another one). */
        wchar_t buf[MAX_PATH];
        char *common_app_data = NULL;

        if (SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA, NULL, SHGFP_TYPE_CURRENT, buf) == S_OK) {
            common_app_data = g_utf16_to_utf8(buf, -1, NULL, NULL, NULL);
        }
        state_dir = g_build_filename(common_app_data ? common_app_data : "C:\\ProgramData", "streamga",
                                     NULL);
        g_free(common_app_data);
    }
    return state_dir;
}

const char *sga_paths_pidfile(void)
{
    if (!pidfile) {
        pidfile = g_build_filename(sga_paths_state_dir(), "streamga.pid", NULL);
    }
    return pidfile;
}
