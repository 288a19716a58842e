/* registry.c: enabled state of each command: platform, block/allow lists, freeze. */
#include "registry.h"

#include <string.h>

typedef struct {
    const SgaCommand *cmd;
    bool supported;     /* the table says it works on this platform */
    bool blocked;       /* -b */
    bool not_allowed;   /* left out of -a */
} RegistryEntry;

struct SgaRegistry {
    RegistryEntry *entries;
    size_t count;
    GHashTable *by_name;    /* name -> RegistryEntry * */
    bool frozen;
};

SgaRegistry *sga_registry_new(const SgaCommand *table, size_t count, SgaPlatform platform)
{
    SgaRegistry *reg = g_new0(SgaRegistry, 1);

    reg->entries = g_new0(RegistryEntry, count);
    reg->count = count;
    reg->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < count; i++) {
        reg->entries[i].cmd = &table[i];
        /* no handler: the command's family is not built on this platform */
        reg->entries[i].supported = (table[i].platforms & platform) != 0 && table[i].handler;
        g_hash_table_insert(reg->by_name, (gpointer)table[i].name, &reg->entries[i]);
    }
    return reg;
}

void sga_registry_free(SgaRegistry *reg)
{
    if (!reg) {
        return;
    }
    g_hash_table_unref(reg->by_name);
    g_free(reg->entries);
    g_free(reg);
}

static RegistryEntry *registry_entry(const SgaRegistry *reg, const char *name)
{
    return g_hash_table_lookup(reg->by_name, name);
}

const SgaCommand *sga_registry_lookup(const SgaRegistry *reg, const char *name)
{
    RegistryEntry *e = registry_entry(reg, name);

    return e ? e->cmd : NULL;
}

bool sga_registry_is_enabled(const SgaRegistry *reg, const SgaCommand *cmd, const char **reason)
{
    const RegistryEntry *e = &reg->entries[cmd - reg->entries[0].cmd];
    const char *why = NULL;
    bool enabled = false;

    g_assert(e->cmd == cmd);
    if (!e->supported || e->blocked) {
        why = NULL;     /* qemu-ga 7.2 gives no reason for these */
    } else if (e->not_allowed) {
        why = "the command is not allowed";
    } else if (reg->frozen && !(cmd->flags & SGA_COMMAND_ALLOWED_WHILE_FROZEN)) {
        why = "the agent is in frozen state";
    } else {
        enabled = true;
    }
    if (reason) {
        *reason = why;
    }
    return enabled;
}

bool sga_registry_block(SgaRegistry *reg, const char *name)
{
    RegistryEntry *e = registry_entry(reg, name);

    if (!e) {
        return false;
    }
    e->blocked = true;
    return true;
}

void sga_registry_allow_only(SgaRegistry *reg, const char *const *names)
{
    for (size_t i = 0; i < reg->count; i++) {
        reg->entries[i].not_allowed = !g_strv_contains(names, reg->entries[i].cmd->name);
    }
}

void sga_registry_set_frozen(SgaRegistry *reg, bool frozen)
{
    reg->frozen = frozen;
}

void sga_registry_foreach(const SgaRegistry *reg, SgaRegistryVisit visit, void *opaque)
{
    for (size_t i = 0; i < reg->count; i++) {
        visit(reg->entries[i].cmd, sga_registry_is_enabled(reg, reg->entries[i].cmd, NULL), opaque);
    }
}
