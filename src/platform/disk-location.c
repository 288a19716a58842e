/* disk-location.c: freeing a disk address, whichever platform filled it. */
#include "disk-location.h"

void sga_disk_address_free(SgaDiskAddress *address)
{
    if (!address) {
        return;
    }
    g_free(address->serial);
    g_free(address->dev);
    g_free(address);
}
