/* os-info.c: freeing SgaOsInfo, the same on every platform. */
#include "platform.h"

#include <string.h>

void sga_os_info_clear(SgaOsInfo *info)
{
    g_free(info->kernel_release);
    g_free(info->kernel_version);
    g_free(info->machine);
    g_free(info->id);
    g_free(info->name);
    g_free(info->pretty_name);
    g_free(info->version);
    g_free(info->version_id);
    g_free(info->variant);
    g_free(info->variant_id);
    memset(info, 0, sizeof(*info));
}
