/* file.c: guest-file-open, -close, -read, -write, -seek and -flush over a table of open handles. */
#include "file.h"

#include "commands.h"

static SgaFileSettings file_settings = { .read_count_default = SGA_FILE_READ_COUNT_DEFAULT };

void sga_file_init(const SgaFileSettings *settings)
{
    file_settings = *settings;
}

void sga_file_cleanup(void)
{
}
