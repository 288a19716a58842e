/* utmp.c: who is logged in, from the utmp file under the system root. */
#include "accounts.h"

#include <string.h>
#include <utmpx.h>

#include "sysroot.h"

/* glibc's utmp (utmpx is the same file on Linux). */
#define UTMP_FILE_PATH "/var/run/utmp"

#define USEC_PER_SEC 1000000

static void login_clear(gpointer data)
{
    SgaLogin *login = data;

    g_free(login->user);
}

/* Seconds and microseconds as one double, computed as qemu-ga computes it. */
static double login_time(const struct utmpx *entry)
{
    double seconds = (double)entry->ut_tv.tv_sec;
    double microseconds = (double)entry->ut_tv.tv_usec;

    microseconds /= USEC_PER_SEC;
    return seconds + microseconds;
}

GArray *sga_logins_read(void)
{
    g_autofree char *path = sga_sysroot_path(UTMP_FILE_PATH);
    GArray *logins = g_array_new(FALSE, TRUE, sizeof(SgaLogin));
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    struct utmpx *entry;

    g_array_set_clear_func(logins, login_clear);
    if (utmpxname(path) < 0) {
        return logins;
    }
    setutxent();
    while ((entry = getutxent()) != NULL) {
        /* ut_user is not NUL-terminated when the name fills it */
        g_autofree char *user = g_strndup(entry->ut_user, sizeof(entry->ut_user));
        double when = login_time(entry);
        gpointer index;

        if (entry->ut_type != USER_PROCESS) {
            continue;
        }
        if (g_hash_table_lookup_extended(seen, user, NULL, &index)) {
            SgaLogin *known = &g_array_index(logins, SgaLogin, GPOINTER_TO_UINT(index));
            if (when < known->login_time) {
                known->login_time = when;   /* the earliest login counts */
            }
            continue;
        }
        g_hash_table_insert(seen, g_strdup(user), GUINT_TO_POINTER(logins->len));
        g_array_append_val(logins, ((SgaLogin){ .user = g_steal_pointer(&user), .login_time = when }));
    }
    endutxent();
    return logins;
}
