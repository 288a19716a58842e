/* mountinfo.c: the mount list from /proc/self/mountinfo or /proc/self/mounts, under the system root. */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

#define MOUNTINFO_PATH "/proc/self/mountinfo"
#define MOUNTS_PATH "/proc/self/mounts"

/* The separator between mountinfo's optional fields and the filesystem type. */
#define MOUNTINFO_SEPARATOR "-"

/* Leading mountinfo fields: id, parent id, major:minor, root, mount point. */
#define MOUNTINFO_FIELD_DEVICE 2
#define MOUNTINFO_FIELD_DIR 4

static void mount_free(gpointer data)
{
    SgaMount *m = data;

    g_free(m->dir);
    g_free(m->type);
    g_free(m);
}

static void mounts_add(GPtrArray *mounts, const char *dir, const char *type, unsigned major,
                       unsigned minor)
{
    SgaMount *m = g_new0(SgaMount, 1);

    m->dir = g_strdup(dir);
    m->type = g_strdup(type);
    m->major = major;
    m->minor = minor;
    g_ptr_array_add(mounts, m);
}

/* The kernel writes blanks and backslashes in names as \ooo octal escapes
 * (and \\); undo them in place. */
static void mount_name_unescape(char *name)
{
    char *out = name;
    const char *in = name;

    while (*in) {
        if (in[0] == '\\' && in[1] == '\\') {
            *out++ = '\\';
            in += 2;
        } else if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
                   in[3] >= '0' && in[3] <= '7') {
            *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 4;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
}

typedef enum {
    SOURCE_BLOCK_DEVICE,
    SOURCE_DIRECTORY,       /* a bind mount's source */
    SOURCE_OTHER,           /* missing, or neither */
} SourceKind;

/* What a mount's source names, and its device numbers when it is a block device. */
static SourceKind mount_source_kind(const char *source, unsigned *major, unsigned *minor)
{
    g_autofree char *path = sga_sysroot_path(source);
    struct stat st;

    *major = 0;
    *minor = 0;
    if (stat(path, &st) != 0) {
        g_debug("failed to stat device file '%s': %s", path, g_strerror(errno));
        return SOURCE_OTHER;
    }
    if (S_ISDIR(st.st_mode)) {
        return SOURCE_DIRECTORY;
    }
    if (S_ISBLK(st.st_mode)) {
        *major = major(st.st_rdev);
        *minor = minor(st.st_rdev);
        return SOURCE_BLOCK_DEVICE;
    }
    return SOURCE_OTHER;
}

/* One mountinfo line: "id parent major:minor root dir options [optional...] - type source
 * superoptions". Filesystems without a device (major 0) are left out, except
 * btrfs, which reports 0 although it lies on a block device. */
static void mountinfo_line_add(GPtrArray *mounts, char *line)
{
    g_autoptr(GPtrArray) fields = g_ptr_array_new();
    unsigned major, minor;
    guint n, sep;
    char *type, *source, *dir, *save = NULL;

    /* Fields are separated by blanks (names have theirs escaped). */
    for (char *f = strtok_r(line, " \t\n", &save); f; f = strtok_r(NULL, " \t\n", &save)) {
        g_ptr_array_add(fields, f);
    }
    n = fields->len;
    /* The mount point must be followed by something: its options. */
    if (n <= MOUNTINFO_FIELD_DIR + 1 ||
        sscanf(g_ptr_array_index(fields, MOUNTINFO_FIELD_DEVICE), "%u:%u", &major, &minor) != 2) {
        return;
    }
    for (sep = MOUNTINFO_FIELD_DIR + 1; sep < n; sep++) {
        if (strcmp(g_ptr_array_index(fields, sep), MOUNTINFO_SEPARATOR) == 0) {
            break;
        }
    }
    if (sep + 2 >= n) {
        return;
    }
    dir = g_ptr_array_index(fields, MOUNTINFO_FIELD_DIR);
    type = g_ptr_array_index(fields, sep + 1);
    source = g_ptr_array_index(fields, sep + 2);
    mount_name_unescape(dir);
    mount_name_unescape(source);
    if (major == 0 && (strcmp(type, "btrfs") != 0 ||
                       mount_source_kind(source, &major, &minor) != SOURCE_BLOCK_DEVICE)) {
        return;
    }
    mounts_add(mounts, dir, type, major, minor);
}

/* Without mountinfo: /proc/self/mounts, keeping what coreutils' df calls local
 * (a source that is a path; not smbfs or cifs), bind mounts left out. */
static bool mounts_read_mtab(GPtrArray *mounts, GError **error)
{
    g_autofree char *path = sga_sysroot_path(MOUNTS_PATH);
    FILE *f = setmntent(path, "r");
    struct mntent entry;
    char buf[8192];     /* one line; getmntent's own buffer is as big */

    if (!f) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to open mtab file: '%s'",
                    MOUNTS_PATH);
        return false;
    }
    while (getmntent_r(f, &entry, buf, sizeof(buf))) {
        unsigned major, minor;

        if (entry.mnt_fsname[0] != '/' || strcmp(entry.mnt_type, "smbfs") == 0 ||
            strcmp(entry.mnt_type, "cifs") == 0) {
            continue;
        }
        if (mount_source_kind(entry.mnt_fsname, &major, &minor) == SOURCE_DIRECTORY) {
            continue;
        }
        mounts_add(mounts, entry.mnt_dir, entry.mnt_type, major, minor);
    }
    endmntent(f);
    return true;
}

GPtrArray *sga_mounts_read(GError **error)
{
    g_autoptr(GPtrArray) mounts = g_ptr_array_new_with_free_func(mount_free);
    g_autofree char *path = sga_sysroot_path(MOUNTINFO_PATH);
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t size = 0;

    if (!f) {
        return mounts_read_mtab(mounts, error) ? g_steal_pointer(&mounts) : NULL;
    }
    while (getline(&line, &size, f) != -1) {
        mountinfo_line_add(mounts, line);
    }
    free(line);
    fclose(f);
    return g_steal_pointer(&mounts);
}

/* Whether fd is the root directory of a mount. */
static bool fd_is_mount_root(int fd)
{
    struct statx stx;
    struct stat self, parent;
    int parent_fd;
    bool root;

    if (statx(fd, "", AT_EMPTY_PATH, 0, &stx) == 0 &&
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
        return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    }
    /* Kernels before 5.8: a different device than the parent directory's. */
    parent_fd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent_fd < 0) {
        return false;
    }
    root = fstat(fd, &self) == 0 && fstat(parent_fd, &parent) == 0 &&
           (self.st_dev != parent.st_dev || self.st_ino == parent.st_ino);
    close(parent_fd);
    return root;
}

int sga_mount_open(const char *dir, GError **error)
{
    g_autofree char *path = sga_sysroot_path(dir);
    /* O_NONBLOCK: a mount point may be a bind-mounted FIFO, whose open would
     * otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, g_strerror(errno));
        return -1;
    }
    if (!sga_sysroot_is_real() && !fd_is_mount_root(fd)) {
        close(fd);
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "not a mount point under the system root");
        return -1;
    }
    return fd;
}
