/* power-mode.c: guest-shutdown's names for the power modes, for both platforms' logs. */
#include "shutdown.h"

const char *sga_power_mode_name(SgaPowerMode mode)
{
    switch (mode) {
    case SGA_POWER_HALT:
        return "halt";
    case SGA_POWER_REBOOT:
        return "reboot";
    case SGA_POWER_OFF:
        break;
    }
    return "powerdown";
}
