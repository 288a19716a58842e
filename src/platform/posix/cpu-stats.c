/* cpu-stats.c: processor times from Linux's /proc/stat, load from /proc/loadavg. */
#include "cpu-stats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

#define PROC_STAT "/proc/stat"
#define PROC_LOADAVG "/proc/loadavg"
/* Counters read per processor line: user nice system idle iowait irq softirq
 * steal guest guest_nice. */
#define CPU_COUNTERS 10
/* The fewest counters a processor line must have (user to idle). */
#define CPU_COUNTERS_MIN 4
/* Bytes of a loadavg file read: the three averages come first ("0.55 1.07
 * 1.96 3/102 13473"). */
#define LOADAVG_READ_MAX 64

static uint64_t ticks_to_ms(unsigned long ticks, long ticks_per_second)
{
    /* qemu-ga's arithmetic, unsigned long overflow included. */
    return ticks * 1000 / (unsigned long)ticks_per_second;
}

/* Fill stat from one line; false when it is not a processor's line ("cpu"
 * alone is the total over all of them). *short_line is set for a processor
 * line with fewer counters than user..idle. */
static bool cpu_line_parse(const char *line, long tck, SgaCpuStat *stat, bool *short_line)
{
    char name[64];
    unsigned long v[CPU_COUNTERS] = { 0 };
    uint64_t *ms[CPU_COUNTERS] = {
        &stat->user_ms, &stat->nice_ms, &stat->system_ms, &stat->idle_ms, &stat->iowait_ms,
        &stat->irq_ms, &stat->softirq_ms, &stat->steal_ms, &stat->guest_ms, &stat->guestnice_ms,
    };
    int n = sscanf(line, "%63s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", name, &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);

    *short_line = false;
    if (n < 1 || strncmp(name, "cpu", 3) != 0 || name[3] == '\0') {
        return false;
    }
    if (n - 1 < CPU_COUNTERS_MIN) {
        *short_line = true;
        return false;
    }
    stat->cpu = atoi(name + 3);
    stat->columns = n - 1;
    for (int i = 0; i < CPU_COUNTERS; i++) {
        *ms[i] = ticks_to_ms(v[i], tck);
    }
    return true;
}

GArray *sga_cpu_stats_read(GError **error)
{
    g_autofree char *real = sga_sysroot_path(PROC_STAT);
    long tck = sysconf(_SC_CLK_TCK);
    char *line = NULL;
    size_t cap = 0;
    GArray *stats;
    FILE *f = fopen(real, "re");

    if (!f) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s\"): %s", PROC_STAT, g_strerror(err));
        return NULL;
    }
    if (tck <= 0) {
        tck = 100;  /* USER_HZ on every Linux architecture */
    }
    stats = g_array_new(FALSE, TRUE, sizeof(SgaCpuStat));
    while (getline(&line, &cap, f) != -1) {
        SgaCpuStat stat = { 0 };
        bool short_line;
        if (cpu_line_parse(line, tck, &stat, &short_line)) {
            g_array_append_val(stats, stat);
        } else if (short_line) {
            g_log("syslog", G_LOG_LEVEL_INFO, "Parsing cpu stat from %s failed, see \"man proc\"",
                  PROC_STAT);
            break;
        }
    }
    free(line);
    fclose(f);
    return stats;
}

/* The three averages at the start of a loadavg file; errno-style code on failure. */
static int loadavg_file_read(const char *path, double load[3])
{
    char text[LOADAVG_READ_MAX + 1];
    double values[3];
    const char *p = text;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return errno;
    }
    n = read(fd, text, LOADAVG_READ_MAX);
    if (n < 0) {
        int err = errno;
        close(fd);
        return err;
    }
    close(fd);
    text[n] = '\0';
    for (int i = 0; i < 3; i++) {
        char *end;
        values[i] = g_ascii_strtod(p, &end);
        if (end == p || !isfinite(values[i])) {
            return EINVAL;      /* not three numbers */
        }
        p = end;
    }
    memcpy(load, values, sizeof(values));
    return 0;
}

/* Upstream asks getloadavg(), which glibc answers from sysinfo(): the
 * kernel's fixed-point averages exactly, where /proc/loadavg rounds them to
 * two decimals. The real system is asked the same way, so both agents give
 * the same numbers; under another system root its proc/loadavg is read. */
gboolean sga_load_average(double load[3], GError **error)
{
    int err;

    if (sga_sysroot_is_real()) {
        err = getloadavg(load, 3) == 3 ? 0 : (errno ? errno : EINVAL);
    } else {
        g_autofree char *real = sga_sysroot_path(PROC_LOADAVG);
        err = loadavg_file_read(real, load);
    }
    if (err) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot query load average: %s",
                    g_strerror(err));
        return FALSE;
    }
    return TRUE;
}
