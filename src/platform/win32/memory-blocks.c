/* memory-blocks.c: Windows has no memory-block hotplug interface; the commands are disabled, as qemu-ga blocks them. */
#include "memory-blocks.h"

#include "sga-error.h"

/* qemu's QERR_UNSUPPORTED, what qemu-ga's Windows memory-block commands answer. */
#define UNSUPPORTED_TEXT "this feature or command is not currently supported"

/* The table leaves guest-get/set-memory-blocks and guest-get-memory-block-info
 * out on Windows: these are never reached, kept so the shared command code links. */

GArray *sga_memory_blocks_list(GError **error)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, UNSUPPORTED_TEXT);
    return NULL;
}

SgaMemoryBlockResult sga_memory_block_set_online(uint64_t phys_index, bool online)
{
    SgaMemoryBlockResult result = { .response = SGA_MEMORY_BLOCK_NOT_SUPPORTED };

    return result;
}

bool sga_memory_block_size(uint64_t *size, GError **error)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, UNSUPPORTED_TEXT);
    return false;
}
