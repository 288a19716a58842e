/* system-info.c: host name, OS identification and clock on POSIX systems. */
#include "platform.h"

#include <errno.h>
#include <limits.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "os-release.h"
#include "sga-error.h"

SgaPlatform sga_platform_current(void)
{
#ifdef __linux__
    return SGA_PLATFORM_LINUX;
#else
    return SGA_PLATFORM_OTHER_POSIX;
#endif
}

char *sga_platform_host_name(GError **error)
{
    long max = sysconf(_SC_HOST_NAME_MAX);
    char *name;

    if (max < 0) {
        max = 255;
    }
    /* gethostname() need not NUL-terminate a truncated name: one byte spare. */
    name = g_malloc0((gsize)max + 2);
    if (gethostname(name, (size_t)max + 1) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot get hostname: %s", g_strerror(errno));
        g_free(name);
        return NULL;
    }
    return name;
}

static GHashTable *os_release_load(void)
{
    const char *override = g_getenv("QGA_OS_RELEASE");
    const char *const candidates[] = { "/etc/os-release", "/usr/lib/os-release", NULL };
    const char *const only_override[] = { override, NULL };

    /* QGA_OS_RELEASE names the file to read instead, as in qemu-ga. */
    for (const char *const *path = override ? only_override : candidates; *path; path++) {
        g_autofree char *text = NULL;
        gsize len;
        if (g_file_get_contents(*path, &text, &len, NULL)) {
            return sga_os_release_parse(text, len);
        }
    }
    return NULL;
}

static char *os_release_take(GHashTable *fields, const char *key)
{
    char *stolen_key = NULL, *value = NULL;

    if (fields && g_hash_table_steal_extended(fields, key, (gpointer *)&stolen_key, (gpointer *)&value)) {
        g_free(stolen_key);
    }
    return value;
}

void sga_platform_os_info(SgaOsInfo *info)
{
    struct utsname u;
    g_autoptr(GHashTable) fields = os_release_load();

    if (uname(&u) == 0) {
        info->kernel_release = g_strdup(u.release);
        info->kernel_version = g_strdup(u.version);
        info->machine = g_strdup(u.machine);
    }
    info->id = os_release_take(fields, "ID");
    info->name = os_release_take(fields, "NAME");
    info->pretty_name = os_release_take(fields, "PRETTY_NAME");
    info->version = os_release_take(fields, "VERSION");
    info->version_id = os_release_take(fields, "VERSION_ID");
    info->variant = os_release_take(fields, "VARIANT");
    info->variant_id = os_release_take(fields, "VARIANT_ID");
}

int64_t sga_platform_time_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
