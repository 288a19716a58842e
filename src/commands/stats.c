/* stats.c: guest-get-cpustats (processor times) and guest-get-load (QEMU 10.0's load average). */
#include "stats.h"

#include "commands.h"
#include "cpu-stats.h"

/* GuestLinuxCpuStats' optional members, each present when the processor's
 * line had that many counters: the kernel appended them over the years. */
typedef struct OptionalCounter {
    const char *name;
    int columns;                /* counters the line needs for the member */
    size_t offset;              /* of its value in SgaCpuStat */
} OptionalCounter;

static const OptionalCounter optional_counters[] = {
    { "iowait", 5, offsetof(SgaCpuStat, iowait_ms) },
    /* irq and softirq came together: qemu-ga shows both once irq is there */
    { "irq", 6, offsetof(SgaCpuStat, irq_ms) },
    { "softirq", 6, offsetof(SgaCpuStat, softirq_ms) },
    { "steal", 8, offsetof(SgaCpuStat, steal_ms) },
    { "guest", 9, offsetof(SgaCpuStat, guest_ms) },
    { "guestnice", 10, offsetof(SgaCpuStat, guestnice_ms) },
};

static void counter_add(json_object *obj, const char *name, uint64_t value)
{
    json_object_object_add(obj, name, json_object_new_uint64(value));
}

json_object *sga_cmd_guest_get_cpustats(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GArray) stats = sga_cpu_stats_read(error);
    json_object *list;

    if (!stats) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < stats->len; i++) {
        const SgaCpuStat *s = &g_array_index(stats, SgaCpuStat, i);
        json_object *cpu = json_object_new_object();
        /* The union GuestCpuStats: its discriminator, then the linux branch. */
        json_object_object_add(cpu, "type", json_object_new_string("linux"));
        json_object_object_add(cpu, "cpu", json_object_new_int(s->cpu));
        counter_add(cpu, "user", s->user_ms);
        counter_add(cpu, "nice", s->nice_ms);
        counter_add(cpu, "system", s->system_ms);
        counter_add(cpu, "idle", s->idle_ms);
        for (size_t k = 0; k < G_N_ELEMENTS(optional_counters); k++) {
            const OptionalCounter *c = &optional_counters[k];
            if (s->columns >= c->columns) {
                counter_add(cpu, c->name, G_STRUCT_MEMBER(uint64_t, s, c->offset));
            }
        }
        json_object_array_add(list, cpu);
    }
    return list;
}

json_object *sga_cmd_guest_get_load(SgaRequest *req, const void *args, GError **error)
{
    double load[3];
    json_object *ret;

    if (!sga_load_average(load, error)) {
        return NULL;
    }
    ret = json_object_new_object();
    json_object_object_add(ret, "load1m", json_object_new_double(load[0]));
    json_object_object_add(ret, "load5m", json_object_new_double(load[1]));
    json_object_object_add(ret, "load15m", json_object_new_double(load[2]));
    return ret;
}
