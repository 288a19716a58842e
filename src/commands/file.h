/* file.h: the guest-file family: settings, limits, and its argument structs. */
#ifndef SGA_FILE_H
#define SGA_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "argspec.h"

/* guest-file-read without a count reads this much, as qemu-ga does
 * (QGA_READ_COUNT_DEFAULT); --file-read-count raises it for clients that never
 * pass a count (FIREWHEEL's driver). */
#define SGA_FILE_READ_COUNT_DEFAULT ((size_t)4 << 10)
/* The largest count guest-file-read accepts: qemu-ga's limit (48 MiB), so a
 * reply stays within what clients expect to buffer. */
#define SGA_FILE_READ_COUNT_MAX ((size_t)48 << 20)

typedef struct SgaFileSettings {
    size_t read_count_default;
} SgaFileSettings;

/* Set up the family (done once by the agent before serving). */
void sga_file_init(const SgaFileSettings *settings);
/* Close every open handle. */
void sga_file_cleanup(void);

#endif
