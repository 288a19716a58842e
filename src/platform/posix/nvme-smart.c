/* nvme-smart.c: the NVMe SMART / health information log page (Get Log Page 02h) of a disk. */
#include "nvme-smart.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sysroot.h"

/* From the NVMe base specification. */
#define NVME_ADMIN_GET_LOG_PAGE 0x02
#define NVME_LOG_SMART 0x02
#define NVME_NSID_ALL 0xFFFFFFFFu
/* Get Log Page's "retain asynchronous event" bit: reading the log must not
 * clear an event the driver has yet to see. */
#define NVME_LOG_RAE (1u << 15)
#define NVME_SMART_LOG_SIZE 512

/* Byte offsets in the log page. */
#define SMART_CRITICAL_WARNING 0
#define SMART_TEMPERATURE 1                 /* 16 bits, kelvin */
#define SMART_AVAILABLE_SPARE 3
#define SMART_AVAILABLE_SPARE_THRESHOLD 4
#define SMART_PERCENTAGE_USED 5
#define SMART_COUNTERS 32                   /* ten 128-bit counters from here */

static uint64_t le_read(const uint8_t *p, size_t bytes)
{
    uint64_t v = 0;

    for (size_t i = bytes; i-- > 0;) {
        v = (v << 8) | p[i];
    }
    return v;
}

SgaNvmeSmart *sga_nvme_smart_read(const char *device_node)
{
    g_autofree char *path = sga_sysroot_path(device_node);
    uint8_t log[NVME_SMART_LOG_SIZE] = { 0 };
    struct nvme_admin_cmd cmd = {
        .opcode = NVME_ADMIN_GET_LOG_PAGE,
        .nsid = NVME_NSID_ALL,
        .addr = (uint64_t)(uintptr_t)log,
        .data_len = sizeof(log),
        /* The log page, RAE, and the length in dwords minus one. */
        .cdw10 = NVME_LOG_SMART | NVME_LOG_RAE | ((sizeof(log) / 4 - 1) << 16),
    };
    SgaNvmeSmart *smart;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        g_debug("Failed to open device: %s: %s", device_node, g_strerror(errno));
        return NULL;
    }
    if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) != 0) {
        g_debug("Failed to get smart: %s: %s", device_node, g_strerror(errno));
        close(fd);
        return NULL;
    }
    close(fd);
    smart = g_new0(SgaNvmeSmart, 1);
    smart->critical_warning = log[SMART_CRITICAL_WARNING];
    smart->temperature = (int64_t)le_read(log + SMART_TEMPERATURE, 2);
    smart->available_spare = log[SMART_AVAILABLE_SPARE];
    smart->available_spare_threshold = log[SMART_AVAILABLE_SPARE_THRESHOLD];
    smart->percentage_used = log[SMART_PERCENTAGE_USED];
    for (size_t i = 0; i < G_N_ELEMENTS(smart->counters); i++) {
        smart->counters[i][0] = le_read(log + SMART_COUNTERS + 16 * i, 8);
        smart->counters[i][1] = le_read(log + SMART_COUNTERS + 16 * i + 8, 8);
    }
    return smart;
}
