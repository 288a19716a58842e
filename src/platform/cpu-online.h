/* cpu-online.h: the system's logical processors and whether each is online (CPU hotplug). */
#ifndef SGA_CPU_ONLINE_H
#define SGA_CPU_ONLINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct SgaCpu {
    int64_t id;             /* the kernel's logical processor number */
    bool online;
    bool can_offline;       /* false: the kernel offers no way to take it offline */
} SgaCpu;

/*
 * Every logical processor the system lists, in the order the system lists
 * them (qemu-ga does not sort either): a GArray of SgaCpu, possibly empty.
 * NULL with error when the list or one processor's state cannot be read.
 */
GArray *sga_cpus_list(GError **error);

/*
 * Bring processor id online or take it offline. Nothing is written when it is
 * already in that state; a processor that cannot be taken offline (no control
 * file) counts as online. Errors carry qemu-ga's wording.
 */
bool sga_cpu_set_online(int64_t id, bool online, GError **error);

#endif
