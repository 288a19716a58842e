/* diskstats.c: /proc/diskstats parsed into counters, by the kernel's field layouts. */
#include "diskstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sga-error.h"
#include "sysroot.h"

#define DISKSTATS_PATH "/proc/diskstats"

/* Items a line yields (major, minor, name, then counters) for each layout. */
#define LAYOUT_PARTITION_OLD 7      /* 2.6 partitions: read ios/sectors, write ios/sectors */
#define LAYOUT_CLASSIC 14
#define LAYOUT_DISCARD 18
#define LAYOUT_FLUSH 20

static void stats_free(gpointer data)
{
    SgaDiskStats *s = data;

    g_free(s->name);
    g_free(s);
}

static void stat_set(SgaDiskStats *s, SgaDiskStat which, uint64_t value)
{
    s->value[which] = value;
    s->present[which] = true;
}

/* One line, or NULL. The kernel prints some counters as unsigned int (the
 * tick counts and the I/Os in flight): they are read as 32 bits, wrapping as
 * the kernel's own do. */
static SgaDiskStats *diskstats_line_parse(const char *line)
{
    unsigned major, minor, in_flight, io_ticks, weight_ticks, write_ticks, discard_ticks, flush_ticks;
    unsigned long v[9];     /* the 64-bit counters, in line order, the old layout aliasing them */
    unsigned long discard_ios, discard_merges, discard_sectors, flush_ios;
    char *name = NULL;
    SgaDiskStats *s;
    int items;

    items = sscanf(line, "%u %u %ms %lu %lu %lu %lu %lu %lu %lu %u %u %u %u %lu %lu %lu %u %lu %u",
                   &major, &minor, &name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &write_ticks, &in_flight, &io_ticks, &weight_ticks,
                   &discard_ios, &discard_merges, &discard_sectors, &discard_ticks,
                   &flush_ios, &flush_ticks);
    if (items < LAYOUT_PARTITION_OLD) {
        free(name);
        return NULL;
    }
    s = g_new0(SgaDiskStats, 1);
    s->name = g_strdup(name);
    free(name);
    s->major = major;
    s->minor = minor;
    if (items == LAYOUT_PARTITION_OLD) {
        stat_set(s, SGA_DISKSTAT_READ_IOS, v[0]);
        stat_set(s, SGA_DISKSTAT_READ_SECTORS, v[1]);
        stat_set(s, SGA_DISKSTAT_WRITE_IOS, v[2]);
        stat_set(s, SGA_DISKSTAT_WRITE_SECTORS, v[3]);
    }
    /* Between the two layouts (8 to 13 items) nothing is known for sure. */
    if (items >= LAYOUT_CLASSIC) {
        stat_set(s, SGA_DISKSTAT_READ_IOS, v[0]);
        stat_set(s, SGA_DISKSTAT_READ_MERGES, v[1]);
        stat_set(s, SGA_DISKSTAT_READ_SECTORS, v[2]);
        stat_set(s, SGA_DISKSTAT_READ_TICKS, v[3]);
        stat_set(s, SGA_DISKSTAT_WRITE_IOS, v[4]);
        stat_set(s, SGA_DISKSTAT_WRITE_MERGES, v[5]);
        stat_set(s, SGA_DISKSTAT_WRITE_SECTORS, v[6]);
        stat_set(s, SGA_DISKSTAT_WRITE_TICKS, write_ticks);
        stat_set(s, SGA_DISKSTAT_IOS_PGR, in_flight);
        stat_set(s, SGA_DISKSTAT_TOTAL_TICKS, io_ticks);
        stat_set(s, SGA_DISKSTAT_WEIGHT_TICKS, weight_ticks);
    }
    if (items >= LAYOUT_DISCARD) {
        stat_set(s, SGA_DISKSTAT_DISCARD_IOS, discard_ios);
        stat_set(s, SGA_DISKSTAT_DISCARD_MERGES, discard_merges);
        stat_set(s, SGA_DISKSTAT_DISCARD_SECTORS, discard_sectors);
        stat_set(s, SGA_DISKSTAT_DISCARD_TICKS, discard_ticks);
    }
    if (items >= LAYOUT_FLUSH) {
        stat_set(s, SGA_DISKSTAT_FLUSH_IOS, flush_ios);
        stat_set(s, SGA_DISKSTAT_FLUSH_TICKS, flush_ticks);
    }
    return s;
}

GPtrArray *sga_diskstats_read(GError **error)
{
    g_autofree char *path = sga_sysroot_path(DISKSTATS_PATH);
    GPtrArray *all;
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t size = 0;

    if (!f) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s\"): %s", DISKSTATS_PATH,
                    g_strerror(errno));
        return NULL;
    }
    all = g_ptr_array_new_with_free_func(stats_free);
    while (getline(&line, &size, f) != -1) {
        SgaDiskStats *s = diskstats_line_parse(line);
        if (s) {
            g_ptr_array_add(all, s);
        }
    }
    free(line);
    fclose(f);
    return all;
}
