/* platform.h: what commands need from the OS, implemented per platform (posix/, win32/). */
#ifndef SGA_PLATFORM_H
#define SGA_PLATFORM_H

#include <glib.h>
#include <stdint.h>

#include "command.h"

/* The platform this build runs on, for the command table's support mask. */
SgaPlatform sga_platform_current(void);

/* The host name as it is now (never cached, so renames show up). */
char *sga_platform_host_name(GError **error);

/* What guest-get-osinfo reports; NULL members are unknown and left out. */
typedef struct SgaOsInfo {
    char *kernel_release;
    char *kernel_version;
    char *machine;
    char *id;
    char *name;
    char *pretty_name;
    char *version;
    char *version_id;
    char *variant;
    char *variant_id;
} SgaOsInfo;

/* Fill info with what the system tells; nothing fails, unknowns stay NULL. */
void sga_platform_os_info(SgaOsInfo *info);
void sga_os_info_clear(SgaOsInfo *info);

/* Wall-clock time in nanoseconds since the Unix epoch. */
int64_t sga_platform_time_ns(void);

#endif
