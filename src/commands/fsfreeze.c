/* fsfreeze.c: guest-fsfreeze-status, -freeze, -freeze-list and -thaw, with the -F hook and the orphan timeout. */
#include "fsfreeze.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fsctl.h"
#include "mounts.h"
#include "program.h"
#include "sga-error.h"

/* FITHAW undoes one freeze and fails once the filesystem is thawed; bounded
 * in case a filesystem never says so. */
#define FSFREEZE_THAW_ATTEMPTS_MAX 64

static const SgaMemberSpec freeze_list_members[] = {
    SGA_OPTIONAL(SgaFsfreezeListArgs, mountpoints, "mountpoints", sga_type_str_list),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_fsfreeze_list_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-fsfreeze-freeze-list arguments",
    .size = sizeof(SgaFsfreezeListArgs), .members = freeze_list_members,
};

static struct {
    SgaFsfreezeSettings settings;
    bool frozen;            /* as guest-fsfreeze-status reports it */
    bool host_present;
    guint orphan_timer;
} fsfreeze = {
    .settings = { .orphan_timeout = SGA_FSFREEZE_ORPHAN_TIMEOUT_DEFAULT },
};

void sga_fsfreeze_init(const SgaFsfreezeSettings *settings)
{
    fsfreeze.settings = *settings;
}

/* ---- the hook ------------------------------------------------------------------ */

/* Log what the hook printed, line by line: as warnings when it failed. */
static void hook_output_log(const char *arg, const GString *output, bool failed)
{
    g_auto(GStrv) lines = g_strsplit(output->str, "\n", -1);

    for (char **l = lines; *l; l++) {
        if (**l == '\0' && l[1] == NULL) {
            break;      /* after the last newline */
        }
        if (failed) {
            g_warning("fsfreeze hook (%s): %s", arg, *l);
        } else {
            g_message("fsfreeze hook (%s): %s", arg, *l);
        }
    }
}

/* Run the -F hook with "freeze" or "thaw" and wait for it; no hook, no error. */
static bool hook_run(const char *arg, GError **error)
{
    const char *hook = fsfreeze.settings.hook_path;
    g_autoptr(GString) output = NULL;
    SgaProgramStatus status;
    bool failed;

    if (!hook) {
        return true;
    }
    if (access(hook, X_OK) != 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "can't access fsfreeze hook '%s': %s",
                    hook, g_strerror(errno));
        return false;
    }
    g_log("syslog", G_LOG_LEVEL_INFO, "executing fsfreeze hook with arg '%s'", arg);
    output = g_string_new(NULL);
    if (!sga_program_run(hook, arg, output, &status, error)) {
        return false;
    }
    failed = !status.exited || status.code != 0;
    hook_output_log(arg, output, failed);
    if (!status.exited) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "fsfreeze hook has terminated abnormally");
        return false;
    }
    if (status.code != 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "fsfreeze hook has failed with status %d",
                    status.code);
        return false;
    }
    return true;
}

/* ---- frozen state ------------------------------------------------------------------ */

static void orphan_timer_stop(void)
{
    if (fsfreeze.orphan_timer) {
        g_source_remove(fsfreeze.orphan_timer);
        fsfreeze.orphan_timer = 0;
    }
}

static gboolean orphan_timer_expired(gpointer unused);

/* Frozen with no host to thaw: thaw on our own after the timeout. */
static void orphan_timer_start(void)
{
    if (fsfreeze.frozen && !fsfreeze.host_present && fsfreeze.settings.orphan_timeout &&
        !fsfreeze.orphan_timer) {
        fsfreeze.orphan_timer = g_timeout_add_seconds(fsfreeze.settings.orphan_timeout,
                                                      orphan_timer_expired, NULL);
    }
}

/* The agent writes nothing and runs only the frozen-safe commands from here. */
static bool frozen_enter(GError **error)
{
    const SgaCommandHooks *hooks = sga_command_hooks();

    if (!fsfreeze.frozen) {
        if (!hooks->frozen_enter(hooks->opaque, error)) {
            return false;
        }
        fsfreeze.frozen = true;
    }
    return true;
}

static void frozen_leave(void)
{
    const SgaCommandHooks *hooks = sga_command_hooks();

    orphan_timer_stop();
    if (fsfreeze.frozen) {
        fsfreeze.frozen = false;
        hooks->frozen_leave(hooks->opaque);
    }
}

/* ---- freeze and thaw ------------------------------------------------------------------ */

static bool mountpoint_listed(const SgaList *only, const char *dir)
{
    const char *const *names = only->items;

    for (size_t i = 0; i < only->count; i++) {
        if (strcmp(names[i], dir) == 0) {
            return true;
        }
    }
    return false;
}

/* Freeze the mounts (those listed in only, when given), latest mount first so
 * that a filesystem is frozen before the one it is mounted on. Filesystems
 * that cannot freeze, and a second mount of one already frozen, are skipped.
 * Returns how many were frozen, or -1 with error set. */
static int64_t mounts_freeze(const GPtrArray *mounts, const SgaList *only, GError **error)
{
    int64_t frozen = 0;

    for (guint i = mounts->len; i-- > 0;) {
        const SgaMount *m = g_ptr_array_index(mounts, i);
        g_autoptr(GError) open_error = NULL;
        int fd, err;

        if (only && !mountpoint_listed(only, m->dir)) {
            continue;
        }
        fd = sga_mount_open(m->dir, &open_error);
        if (fd < 0) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to open %s: %s", m->dir,
                        open_error->message);
            return -1;
        }
        err = sga_fs_freeze(fd);
        close(fd);
        if (err == 0) {
            frozen++;
        } else if (err != EOPNOTSUPP && err != EBUSY) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to freeze %s: %s", m->dir,
                        g_strerror(err));
            return -1;
        }
    }
    return frozen;
}

/* FITHAW every mount until it says it is not frozen; the count is of the
 * mounts at least one FITHAW thawed. -1 when the mounts cannot be listed. */
static int64_t mounts_thaw(GError **error)
{
    g_autoptr(GPtrArray) mounts = sga_mounts_read(error);
    int64_t thawed = 0;

    if (!mounts) {
        return -1;
    }
    for (guint i = 0; i < mounts->len; i++) {
        const SgaMount *m = g_ptr_array_index(mounts, i);
        int fd = sga_mount_open(m->dir, NULL);
        int attempts = 0;

        if (fd < 0) {
            continue;
        }
        while (attempts < FSFREEZE_THAW_ATTEMPTS_MAX && sga_fs_thaw(fd) == 0) {
            attempts++;
        }
        close(fd);
        if (attempts) {
            thawed++;
        }
    }
    return thawed;
}

/* guest-fsfreeze-thaw: thaw every filesystem, leave the frozen state, run the
 * hook with "thaw". Returns the count; an error (listing mounts or the hook)
 * is in error. Also thaws what was not frozen by us, as qemu-ga does. */
static int64_t fsfreeze_thaw(GError **error)
{
    int64_t thawed = mounts_thaw(error);

    if (thawed < 0) {
        return 0;
    }
    frozen_leave();
    hook_run("thaw", error);
    return thawed;
}

static json_object *fsfreeze_freeze(const SgaList *only, GError **error)
{
    g_autoptr(GPtrArray) mounts = NULL;
    int64_t frozen;

    g_log("syslog", G_LOG_LEVEL_INFO, "guest-fsfreeze called");
    if (!hook_run("freeze", error)) {
        return NULL;
    }
    mounts = sga_mounts_read(error);
    if (!mounts) {
        return NULL;
    }
    /* The agent must not block itself writing to what it froze. */
    if (!frozen_enter(error)) {
        hook_run("thaw", NULL);     /* the hook was told "freeze" */
        return NULL;
    }
    frozen = mounts_freeze(mounts, only, error);
    if (frozen < 0) {
        fsfreeze_thaw(NULL);
        return NULL;
    }
    if (frozen == 0) {
        /* Nothing frozen: no thaw to wait for (nor a "thaw" for the hook). */
        frozen_leave();
    } else {
        orphan_timer_start();
    }
    return json_object_new_int64(frozen);
}

static gboolean orphan_timer_expired(gpointer unused)
{
    g_autoptr(GError) error = NULL;
    int64_t thawed;

    fsfreeze.orphan_timer = 0;
    thawed = fsfreeze_thaw(&error);
    g_warning("filesystems were frozen with no host connected for %u s: thawed %" PRId64,
              fsfreeze.settings.orphan_timeout, thawed);
    if (error) {
        g_warning("thawing filesystems: %s", error->message);
    }
    return G_SOURCE_REMOVE;
}

/* ---- what the agent tells the family ----------------------------------------------------- */

void sga_fsfreeze_assume_frozen(void)
{
    fsfreeze.frozen = true;
    orphan_timer_start();
}

void sga_fsfreeze_host_present(bool present)
{
    fsfreeze.host_present = present;
    if (present) {
        orphan_timer_stop();
    } else {
        orphan_timer_start();
    }
}

void sga_fsfreeze_cleanup(void)
{
    g_autoptr(GError) error = NULL;

    orphan_timer_stop();
    if (fsfreeze.frozen) {
        fsfreeze_thaw(&error);
        if (error) {
            g_log("syslog", G_LOG_LEVEL_INFO, "failed to clean up frozen filesystems: %s",
                  error->message);
        }
    }
}

/* ---- the commands ------------------------------------------------------------------------ */

json_object *sga_cmd_guest_fsfreeze_status(SgaRequest *req, const void *args, GError **error)
{
    return json_object_new_string(fsfreeze.frozen ? "frozen" : "thawed");
}

json_object *sga_cmd_guest_fsfreeze_freeze(SgaRequest *req, const void *args, GError **error)
{
    return fsfreeze_freeze(NULL, error);
}

json_object *sga_cmd_guest_fsfreeze_freeze_list(SgaRequest *req, const void *args, GError **error)
{
    const SgaFsfreezeListArgs *a = args;

    return fsfreeze_freeze(a->has_mountpoints ? &a->mountpoints : NULL, error);
}

json_object *sga_cmd_guest_fsfreeze_thaw(SgaRequest *req, const void *args, GError **error)
{
    g_autoptr(GError) local = NULL;
    int64_t thawed = fsfreeze_thaw(&local);

    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    return json_object_new_int64(thawed);
}
