/* hw.c: guest-get/set-vcpus, guest-get/set-memory-blocks, guest-get-memory-block-info, guest-get-devices. */
#include "hw.h"

#include "commands.h"
#include "cpu-online.h"
#include "devices.h"
#include "memory-blocks.h"
#include "sga-error.h"

/* qemu's QERR_UNSUPPORTED. */
#define UNSUPPORTED_TEXT "this feature or command is not currently supported"

static const char *const memory_block_response_names[] = {
    [SGA_MEMORY_BLOCK_SUCCESS] = "success",
    [SGA_MEMORY_BLOCK_NOT_FOUND] = "not-found",
    [SGA_MEMORY_BLOCK_NOT_SUPPORTED] = "operation-not-supported",
    [SGA_MEMORY_BLOCK_FAILED] = "operation-failed",
};

/* ---- argument specs ------------------------------------------------------------ */

static const SgaMemberSpec logical_processor_members[] = {
    SGA_MEMBER(SgaLogicalProcessorArg, logical_id, "logical-id", sga_type_int),
    SGA_MEMBER(SgaLogicalProcessorArg, online, "online", sga_type_bool),
    SGA_OPTIONAL(SgaLogicalProcessorArg, can_offline, "can-offline", sga_type_bool),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec logical_processor_type = {
    .kind = SGA_TYPE_STRUCT, .name = "GuestLogicalProcessor", .size = sizeof(SgaLogicalProcessorArg),
    .members = logical_processor_members,
};
static const SgaTypeSpec logical_processor_list_type = {
    .kind = SGA_TYPE_LIST, .name = "array", .element = &logical_processor_type,
    .element_size = sizeof(SgaLogicalProcessorArg),
};
static const SgaMemberSpec set_vcpus_members[] = {
    SGA_MEMBER(SgaSetVcpusArgs, vcpus, "vcpus", logical_processor_list_type),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_set_vcpus_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-set-vcpus arguments", .size = sizeof(SgaSetVcpusArgs),
    .members = set_vcpus_members,
};

static const SgaMemberSpec memory_block_members[] = {
    SGA_MEMBER(SgaMemoryBlockArg, phys_index, "phys-index", sga_type_uint64),
    SGA_MEMBER(SgaMemoryBlockArg, online, "online", sga_type_bool),
    SGA_OPTIONAL(SgaMemoryBlockArg, can_offline, "can-offline", sga_type_bool),
    SGA_MEMBERS_END,
};
static const SgaTypeSpec memory_block_type = {
    .kind = SGA_TYPE_STRUCT, .name = "GuestMemoryBlock", .size = sizeof(SgaMemoryBlockArg),
    .members = memory_block_members,
};
static const SgaTypeSpec memory_block_list_type = {
    .kind = SGA_TYPE_LIST, .name = "array", .element = &memory_block_type,
    .element_size = sizeof(SgaMemoryBlockArg),
};
static const SgaMemberSpec set_memory_blocks_members[] = {
    SGA_MEMBER(SgaSetMemoryBlocksArgs, mem_blks, "mem-blks", memory_block_list_type),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_set_memory_blocks_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-set-memory-blocks arguments",
    .size = sizeof(SgaSetMemoryBlocksArgs), .members = set_memory_blocks_members,
};

/* ---- processors ---------------------------------------------------------------- */

json_object *sga_cmd_guest_get_vcpus(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GArray) cpus = sga_cpus_list(error);
    json_object *list;

    if (!cpus) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < cpus->len; i++) {
        const SgaCpu *cpu = &g_array_index(cpus, SgaCpu, i);
        json_object *vcpu = json_object_new_object();
        json_object_object_add(vcpu, "logical-id", json_object_new_int64(cpu->id));
        json_object_object_add(vcpu, "online", json_object_new_boolean(cpu->online));
        json_object_object_add(vcpu, "can-offline", json_object_new_boolean(cpu->can_offline));
        json_object_array_add(list, vcpu);
    }
    return list;
}

/* qemu-ga's contract: processed in order until one fails; that failure is the
 * command's error only when it was the first, else the count done so far is
 * the answer (the host compares it with what it asked for). */
json_object *sga_cmd_guest_set_vcpus(SgaRequest *req, const void *args, GError **error)
{
    const SgaSetVcpusArgs *a = args;
    const SgaLogicalProcessorArg *vcpus = a->vcpus.items;
    int64_t processed = 0;

    for (size_t i = 0; i < a->vcpus.count; i++) {
        g_autoptr(GError) local = NULL;
        if (!sga_cpu_set_online(vcpus[i].logical_id, vcpus[i].online, &local)) {
            if (processed == 0) {
                g_propagate_error(error, g_steal_pointer(&local));
                return NULL;
            }
            break;
        }
        processed++;
    }
    return json_object_new_int64(processed);
}

/* ---- memory blocks ------------------------------------------------------------- */

json_object *sga_cmd_guest_get_memory_blocks(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GArray) blocks = sga_memory_blocks_list(error);
    json_object *list;

    if (!blocks) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < blocks->len; i++) {
        const SgaMemoryBlock *b = &g_array_index(blocks, SgaMemoryBlock, i);
        json_object *block = json_object_new_object();
        json_object_object_add(block, "phys-index", json_object_new_uint64(b->phys_index));
        json_object_object_add(block, "online", json_object_new_boolean(b->online));
        json_object_object_add(block, "can-offline", json_object_new_boolean(b->can_offline));
        json_object_array_add(list, block);
    }
    return list;
}

/* Every block gets a response of its own; the command itself never fails. */
json_object *sga_cmd_guest_set_memory_blocks(SgaRequest *req, const void *args, GError **error)
{
    const SgaSetMemoryBlocksArgs *a = args;
    const SgaMemoryBlockArg *blocks = a->mem_blks.items;
    json_object *list = json_object_new_array();

    for (size_t i = 0; i < a->mem_blks.count; i++) {
        SgaMemoryBlockResult result = sga_memory_block_set_online(blocks[i].phys_index,
                                                                  blocks[i].online);
        json_object *response = json_object_new_object();
        json_object_object_add(response, "phys-index", json_object_new_uint64(blocks[i].phys_index));
        json_object_object_add(response, "response",
                               json_object_new_string(memory_block_response_names[result.response]));
        if (result.has_error_code) {
            json_object_object_add(response, "error-code", json_object_new_int(result.error_code));
        }
        json_object_array_add(list, response);
    }
    return list;
}

json_object *sga_cmd_guest_get_memory_block_info(SgaRequest *req, const void *args, GError **error)
{
    uint64_t size;
    json_object *info;

    if (!sga_memory_block_size(&size, error)) {
        return NULL;
    }
    info = json_object_new_object();
    json_object_object_add(info, "size", json_object_new_uint64(size));
    return info;
}

/* ---- devices ------------------------------------------------------------------- */

#ifdef G_OS_WIN32
/* GuestDeviceInfo, members in the schema's order; the id is the union
 * GuestDeviceId, its "type" first. */
static json_object *device_json(const SgaDevice *d)
{
    json_object *obj = json_object_new_object();
    json_object *id = json_object_new_object();

    json_object_object_add(obj, "driver-name", json_object_new_string(d->driver_name));
    json_object_object_add(obj, "driver-date", json_object_new_int64(d->driver_date));
    json_object_object_add(obj, "driver-version", json_object_new_string(d->driver_version));
    json_object_object_add(id, "type", json_object_new_string("pci"));
    json_object_object_add(id, "vendor-id", json_object_new_int(d->pci_vendor_id));
    json_object_object_add(id, "device-id", json_object_new_int(d->pci_device_id));
    json_object_object_add(obj, "id", id);
    return obj;
}

json_object *sga_cmd_guest_get_devices(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GPtrArray) devices = sga_devices_list(error);
    json_object *list;

    if (!devices) {
        return NULL;
    }
    list = json_object_new_array();
    for (guint i = 0; i < devices->len; i++) {
        json_object_array_add(list, device_json(g_ptr_array_index(devices, i)));
    }
    return list;
}
#else
/* Windows drivers only: the table enables it on no other platform, so on
 * Linux it answers "has been disabled" before this runs, as qemu-ga does. */
json_object *sga_cmd_guest_get_devices(SgaRequest *req, const void *args, GError **error)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, UNSUPPORTED_TEXT);
    return NULL;
}
#endif
