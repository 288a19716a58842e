/* system-sleep.h: putting the system to sleep: suspend to RAM, to disk, or both (hybrid). */
#ifndef SGA_SYSTEM_SLEEP_H
#define SGA_SYSTEM_SLEEP_H

#include <glib.h>
#include <stdbool.h>

typedef enum {
    SGA_SUSPEND_DISK,       /* hibernate: the image goes to swap, power off */
    SGA_SUSPEND_RAM,        /* suspend to RAM */
    SGA_SUSPEND_HYBRID,     /* the image goes to swap, then suspend to RAM */
} SgaSuspendMode;

/* Whether the kernel offers this sleep mode. */
bool sga_suspend_supported(SgaSuspendMode mode);

/* Make ready for sga_suspend_enter: choose how a hibernation image ends
 * (power off, or suspend for hybrid). Done before the reply, so its failure
 * can still be reported. */
bool sga_suspend_prepare(SgaSuspendMode mode, GError **error);

/* Go to sleep; returns once the system has woken up again (or failed to sleep). */
bool sga_suspend_enter(SgaSuspendMode mode, GError **error);

#endif
