/* registry.h: the agent's commands at run time: which exist and which are enabled. */
#ifndef SGA_REGISTRY_H
#define SGA_REGISTRY_H

#include <stdbool.h>

#include "command.h"

typedef struct SgaRegistry SgaRegistry;

/* Build from a command table; commands whose platforms exclude platform are
 * disabled, as qemu-ga disables what its OS cannot do. */
SgaRegistry *sga_registry_new(const SgaCommand *table, size_t count, SgaPlatform platform);
void sga_registry_free(SgaRegistry *reg);

/* NULL when no such command exists at all. */
const SgaCommand *sga_registry_lookup(const SgaRegistry *reg, const char *name);

/* Whether a command may run now; when not, *reason (may be NULL) says why in
 * qemu-ga's words, or is NULL when qemu-ga gives no reason. */
bool sga_registry_is_enabled(const SgaRegistry *reg, const SgaCommand *cmd, const char **reason);

/* -b/--block-rpcs: returns false when no command has that name. */
bool sga_registry_block(SgaRegistry *reg, const char *name);
/* -a/--allow-rpcs: only the named commands stay enabled (NULL-terminated list). */
void sga_registry_allow_only(SgaRegistry *reg, const char *const *names);
/* While filesystems are frozen, only commands flagged ALLOWED_WHILE_FROZEN run. */
void sga_registry_set_frozen(SgaRegistry *reg, bool frozen);

typedef void (*SgaRegistryVisit)(const SgaCommand *cmd, bool enabled, void *opaque);
/* Visit every command in table order. */
void sga_registry_foreach(const SgaRegistry *reg, SgaRegistryVisit visit, void *opaque);

#endif
