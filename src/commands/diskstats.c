/* diskstats.c: guest-get-diskstats, the kernel's per-device I/O counters. */
#include "fs.h"

#include "commands.h"
#include "diskstats.h"

/* GuestDiskStats member names, by SgaDiskStat. */
static const char *const diskstat_names[SGA_DISKSTAT_COUNT] = {
    [SGA_DISKSTAT_READ_IOS] = "read-ios",
    [SGA_DISKSTAT_READ_MERGES] = "read-merges",
    [SGA_DISKSTAT_READ_SECTORS] = "read-sectors",
    [SGA_DISKSTAT_READ_TICKS] = "read-ticks",
    [SGA_DISKSTAT_WRITE_IOS] = "write-ios",
    [SGA_DISKSTAT_WRITE_MERGES] = "write-merges",
    [SGA_DISKSTAT_WRITE_SECTORS] = "write-sectors",
    [SGA_DISKSTAT_WRITE_TICKS] = "write-ticks",
    [SGA_DISKSTAT_IOS_PGR] = "ios-pgr",
    [SGA_DISKSTAT_TOTAL_TICKS] = "total-ticks",
    [SGA_DISKSTAT_WEIGHT_TICKS] = "weight-ticks",
    [SGA_DISKSTAT_DISCARD_IOS] = "discard-ios",
    [SGA_DISKSTAT_DISCARD_MERGES] = "discard-merges",
    [SGA_DISKSTAT_DISCARD_SECTORS] = "discard-sectors",
    [SGA_DISKSTAT_DISCARD_TICKS] = "discard-ticks",
    [SGA_DISKSTAT_FLUSH_IOS] = "flush-ios",
    [SGA_DISKSTAT_FLUSH_TICKS] = "flush-ticks",
};

json_object *sga_cmd_guest_get_diskstats(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) all = sga_diskstats_read(error);
    json_object *list;

    if (!all) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < all->len; i++) {
        const SgaDiskStats *s = g_ptr_array_index(all, i);
        json_object *info = json_object_new_object();
        json_object *stats = json_object_new_object();

        json_object_object_add(info, "name", json_object_new_string(s->name));
        json_object_object_add(info, "major", json_object_new_uint64(s->major));
        json_object_object_add(info, "minor", json_object_new_uint64(s->minor));
        for (int k = 0; k < SGA_DISKSTAT_COUNT; k++) {
            if (s->present[k]) {
                json_object_object_add(stats, diskstat_names[k], json_object_new_uint64(s->value[k]));
            }
        }
        json_object_object_add(info, "stats", stats);
        json_object_array_add(list, info);
    }
    return list;
}
