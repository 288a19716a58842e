/* sysroot.c: the system root that every system path is resolved under. */
#include "sysroot.h"

#include <glib.h>

static char *sysroot_dir;   /* NULL: the real root */

void sga_sysroot_set(const char *dir)
{
    g_clear_pointer(&sysroot_dir, g_free);
    if (dir && *dir && g_strcmp0(dir, "/") != 0) {
        sysroot_dir = g_strdup(dir);
    }
}

const char *sga_sysroot(void)
{
    return sysroot_dir ? sysroot_dir : "/";
}

bool sga_sysroot_is_real(void)
{
    return sysroot_dir == NULL;
}

char *sga_sysroot_path(const char *path)
{
    if (!sysroot_dir) {
        return g_strdup(path);
    }
    return g_build_filename(sysroot_dir, path, NULL);
}
