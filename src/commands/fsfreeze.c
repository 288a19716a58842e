/* fsfreeze.c: guest-fsfreeze-status, -freeze, -freeze-list and -thaw, with the -F hook. */
#include "fsfreeze.h"

#include "commands.h"

static SgaFsfreezeSettings fsfreeze_settings = {
    .orphan_timeout = SGA_FSFREEZE_ORPHAN_TIMEOUT_DEFAULT,
};

void sga_fsfreeze_init(const SgaFsfreezeSettings *settings)
{
    fsfreeze_settings = *settings;
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
