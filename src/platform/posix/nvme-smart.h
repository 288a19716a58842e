/* nvme-smart.h: an NVMe disk's SMART / health log, read with an admin command. */
#ifndef SGA_NVME_SMART_H
#define SGA_NVME_SMART_H

#include "blockdev.h"

/* The health log of the NVMe device node (a system path), or NULL when it
 * cannot be read (not NVMe, no permission): newly allocated. */
SgaNvmeSmart *sga_nvme_smart_read(const char *device_node);

#endif
