/* shutdown.h: bringing the whole system down: power off, halt or reboot. */
#ifndef SGA_SHUTDOWN_H
#define SGA_SHUTDOWN_H

#include <glib.h>
#include <stdbool.h>

typedef enum {
    SGA_POWER_OFF,
    SGA_POWER_HALT,
    SGA_POWER_REBOOT,
} SgaPowerMode;

/* How the system will be brought down, worked out before the host's request
 * is answered, so that what can be known to fail is reported. */
/* The mode as guest-shutdown names it: "powerdown", "halt", "reboot". */
const char *sga_power_mode_name(SgaPowerMode mode);

typedef struct SgaPowerPlan SgaPowerPlan;

/* Choose the way to carry mode out. Fails when no way is open to the agent
 * (not privileged to ask init nor to call reboot(2)). */
SgaPowerPlan *sga_power_plan_new(SgaPowerMode mode, GError **error);

/* Carry the plan out and free it. A step that fails falls through to the next,
 * the last being sync() + reboot(2); nothing is reported back (the host gets
 * no reply to a shutdown), failures go to the log. */
void sga_power_plan_run(SgaPowerPlan *plan);

void sga_power_plan_free(SgaPowerPlan *plan);

#endif
