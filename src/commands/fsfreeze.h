/* fsfreeze.h: the guest-fsfreeze family: settings, what the agent tells it, and its commands. */
#ifndef SGA_FSFREEZE_H
#define SGA_FSFREEZE_H

#include <stdbool.h>

#include "argspec.h"
#include "command.h"

/* How long filesystems may stay frozen with no host connected before the
 * agent thaws them on its own (0: never). A host that froze the guest and then
 * died would otherwise leave every writer in the guest blocked for good. */
#define SGA_FSFREEZE_ORPHAN_TIMEOUT_DEFAULT 60

typedef struct SgaFsfreezeSettings {
    const char *hook_path;      /* -F: run with "freeze"/"thaw"; NULL: no hook */
    unsigned orphan_timeout;    /* seconds, see above */
} SgaFsfreezeSettings;

/* Set up the family (done once by the agent before serving). The strings
 * must outlive the family. */
void sga_fsfreeze_init(const SgaFsfreezeSettings *settings);
/* The agent started with qemu-ga's frozen marker present: filesystems may
 * still be frozen from before a restart. */
void sga_fsfreeze_assume_frozen(void);
/* A host connected or went away (for the orphan timeout). */
void sga_fsfreeze_host_present(bool present);
/* Thaw whatever is still frozen (the agent is quitting). */
void sga_fsfreeze_cleanup(void);

/* guest-fsfreeze-freeze-list */
typedef struct SgaFsfreezeListArgs {
    bool has_mountpoints;
    SgaList mountpoints;        /* of const char * */
} SgaFsfreezeListArgs;
extern const SgaTypeSpec sga_fsfreeze_list_args;

json_object *sga_cmd_guest_fsfreeze_status(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_fsfreeze_freeze(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_fsfreeze_freeze_list(SgaRequest *req, const void *args, GError **error);
json_object *sga_cmd_guest_fsfreeze_thaw(SgaRequest *req, const void *args, GError **error);

#endif
