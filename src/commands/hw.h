/* hw.h: processors and memory blocks (guest-get/set-vcpus, -memory-blocks), guest-get-devices. */
#ifndef SGA_HW_H
#define SGA_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "argspec.h"
#include "command.h"

/* GuestLogicalProcessor as a host sends it; can-offline is ignored on input. */
typedef struct SgaLogicalProcessorArg {
    int64_t logical_id;
    bool online;
    bool has_can_offline;
    bool can_offline;
} SgaLogicalProcessorArg;

typedef struct SgaSetVcpusArgs {
    SgaList vcpus;          /* of SgaLogicalProcessorArg */
} SgaSetVcpusArgs;
extern const SgaTypeSpec sga_set_vcpus_args;

/* GuestMemoryBlock as a host sends it; can-offline is ignored on input. */
typedef struct SgaMemoryBlockArg {
    uint64_t phys_index;
    bool online;
    bool has_can_offline;
    bool can_offline;
} SgaMemoryBlockArg;

typedef struct SgaSetMemoryBlocksArgs {
    SgaList mem_blks;       /* of SgaMemoryBlockArg */
} SgaSetMemoryBlocksArgs;
extern const SgaTypeSpec sga_set_memory_blocks_args;

json_object *sga_cmd_guest_get_vcpus(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_set_vcpus(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_memory_blocks(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_set_memory_blocks(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_memory_block_info(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_get_devices(SgaRequest *req, const void *args, GError **error);

#endif
