/* diskstats.h: per-device I/O counters from /proc/diskstats. */
#ifndef SGA_DISKSTATS_H
#define SGA_DISKSTATS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The counters, in the QAPI GuestDiskStats' terms. */
typedef enum {
    SGA_DISKSTAT_READ_IOS,
    SGA_DISKSTAT_READ_MERGES,
    SGA_DISKSTAT_READ_SECTORS,
    SGA_DISKSTAT_READ_TICKS,
    SGA_DISKSTAT_WRITE_IOS,
    SGA_DISKSTAT_WRITE_MERGES,
    SGA_DISKSTAT_WRITE_SECTORS,
    SGA_DISKSTAT_WRITE_TICKS,
    SGA_DISKSTAT_IOS_PGR,
    SGA_DISKSTAT_TOTAL_TICKS,
    SGA_DISKSTAT_WEIGHT_TICKS,
    SGA_DISKSTAT_DISCARD_IOS,
    SGA_DISKSTAT_DISCARD_MERGES,
    SGA_DISKSTAT_DISCARD_SECTORS,
    SGA_DISKSTAT_DISCARD_TICKS,
    SGA_DISKSTAT_FLUSH_IOS,
    SGA_DISKSTAT_FLUSH_TICKS,
    SGA_DISKSTAT_COUNT
} SgaDiskStat;

/* One line of /proc/diskstats. Which counters are present depends on the
 * kernel: 4 for partitions of 2.6 kernels, 11 up to 4.17, 15 with discards,
 * 17 with flushes (5.5 and later). */
typedef struct SgaDiskStats {
    char *name;
    unsigned major;
    unsigned minor;
    uint64_t value[SGA_DISKSTAT_COUNT];
    bool present[SGA_DISKSTAT_COUNT];
} SgaDiskStats;

/* Every device in <root>/proc/diskstats, in file order: a GPtrArray of
 * SgaDiskStats * that frees them. Lines that do not parse are skipped. */
GPtrArray *sga_diskstats_read(GError **error);

#endif
