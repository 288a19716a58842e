/* cpu-stats.h: time each processor spent per state, and the load average. */
#ifndef SGA_CPU_STATS_H
#define SGA_CPU_STATS_H

#include <glib.h>
#include <stdint.h>

/* The counters after idle, in the order the kernel added them to /proc/stat;
 * a processor's line has some prefix of them (counted in columns). */
typedef struct SgaCpuStat {
    int cpu;
    int columns;            /* counters the line had: 4 (user..idle) to 10 */
    uint64_t user_ms, nice_ms, system_ms, idle_ms;
    uint64_t iowait_ms, irq_ms, softirq_ms, steal_ms, guest_ms, guestnice_ms;
} SgaCpuStat;

/*
 * Each processor's times in milliseconds, in the system's order: a GArray of
 * SgaCpuStat. A line too short to read ends the list there (logged), as in
 * qemu-ga. NULL with error when the statistics cannot be opened.
 */
GArray *sga_cpu_stats_read(GError **error);

/* The 1, 5 and 15 minute load averages: getloadavg()'s on the real system
 * root, the ones proc/loadavg holds under another. */
gboolean sga_load_average(double load[3], GError **error);

#endif
