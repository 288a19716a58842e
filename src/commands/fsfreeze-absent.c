/* fsfreeze-absent.c: the freeze family's lifecycle where no freeze is built (Windows: no VSS yet). */
#include "fsfreeze.h"

/* Nothing can be frozen here, so there is nothing to time out, assume or thaw;
 * the guest-fsfreeze-* rows are disabled on this platform by the table. */

void sga_fsfreeze_init(const SgaFsfreezeSettings *settings)
{
}

void sga_fsfreeze_assume_frozen(void)
{
}

void sga_fsfreeze_host_present(bool present)
{
}

void sga_fsfreeze_cleanup(void)
{
}
