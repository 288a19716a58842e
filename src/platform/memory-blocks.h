/* memory-blocks.h: the system's hotpluggable memory blocks and their online state. */
#ifndef SGA_MEMORY_BLOCKS_H
#define SGA_MEMORY_BLOCKS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct SgaMemoryBlock {
    uint64_t phys_index;    /* the block's number (memoryN) */
    bool online;
    bool can_offline;       /* the kernel says the block may be removed */
} SgaMemoryBlock;

/* What became of one block's change, as GuestMemoryBlockResponseType names it
 * (in its order). */
typedef enum {
    SGA_MEMORY_BLOCK_SUCCESS,
    SGA_MEMORY_BLOCK_NOT_FOUND,
    SGA_MEMORY_BLOCK_NOT_SUPPORTED,
    SGA_MEMORY_BLOCK_FAILED,
} SgaMemoryBlockResponse;

typedef struct SgaMemoryBlockResult {
    SgaMemoryBlockResponse response;
    bool has_error_code;
    int error_code;         /* the errno qemu-ga reports beside the response */
} SgaMemoryBlockResult;

/*
 * Every memory block, in the order the system lists them: a GArray of
 * SgaMemoryBlock. A system without memory blocks in sysfs gives an empty
 * array; NULL with error when they cannot be read (or the directory lists none).
 */
GArray *sga_memory_blocks_list(GError **error);

/* Bring block phys_index online or take it offline (nothing written when it
 * already is); the outcome is reported, never an error, as qemu-ga does. */
SgaMemoryBlockResult sga_memory_block_set_online(uint64_t phys_index, bool online);

/* The size of one memory block in bytes. */
bool sga_memory_block_size(uint64_t *size, GError **error);

#endif
