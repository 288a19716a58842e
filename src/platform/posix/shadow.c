/* shadow.c: setting a password in /etc/shadow (or /etc/passwd) as chpasswd does, natively. */
#include "accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "password-hash.h"
#include "sga-error.h"
#include "sysroot.h"

#define PASSWD_FILE "/etc/passwd"
#define SHADOW_FILE "/etc/shadow"
/* The lock every passwd tool takes (glibc's lckpwdf, shadow-utils). */
#define PASSWD_LOCK_FILE "/etc/.pwd.lock"
/* The tools hold it for milliseconds; one held longer is stuck, and the
 * agent, single-threaded, must go back to its other requests. */
#define PASSWD_LOCK_TIMEOUT_US (5 * G_USEC_PER_SEC)
#define PASSWD_LOCK_RETRY_US (20 * 1000)
/* The password field of a passwd line whose password lives in shadow. */
#define SHADOW_PASSWD_MARK "x"
#define PASSWD_FIELDS 7
#define SHADOW_FIELDS 9
#define SECONDS_PER_DAY 86400
/* Kept on the replaced file, or SELinux would deny the login programs. */
#define SELINUX_XATTR "security.selinux"
#define XATTR_VALUE_MAX 4096

/* A text file as lines (without their newlines), read whole and written anew. */
typedef struct DbFile {
    char *path;
    GPtrArray *lines;
    struct stat st;
    bool changed;
} DbFile;

static void db_file_clear(DbFile *db)
{
    g_clear_pointer(&db->path, g_free);
    g_clear_pointer(&db->lines, g_ptr_array_unref);
}

static bool db_file_read(DbFile *db, const char *system_path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len;
    GError *read_error = NULL;
    char **lines;

    db->path = sga_sysroot_path(system_path);
    db->lines = g_ptr_array_new_with_free_func(g_free);
    if (stat(db->path, &db->st) < 0 || !g_file_get_contents(db->path, &text, &len, &read_error)) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot read %s: %s", db->path,
                    read_error ? read_error->message : g_strerror(err));
        g_clear_error(&read_error);
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_ptr_array_add(db->lines, *l);
    }
    g_free(lines);  /* the strings now belong to the array */
    /* The newline that ends the last line makes no line of its own. */
    if (db->lines->len > 0 && !*(char *)g_ptr_array_index(db->lines, db->lines->len - 1)) {
        g_ptr_array_remove_index(db->lines, db->lines->len - 1);
    }
    return true;
}

/* Whether s is empty or a decimal integer, as the shadow parsers accept. */
static bool field_is_number_or_empty(const char *s)
{
    if (*s == '-') {
        s++;
    }
    for (; *s; s++) {
        if (!g_ascii_isdigit(*s)) {
            return false;
        }
    }
    return true;
}

/* The line of user in a passwd (7 fields, numeric ids) or shadow (9 fields,
 * numeric or empty ages) file, split into its fields; lines the tools could
 * not parse are skipped, as they skip them. */
static char **db_find_user(DbFile *db, const char *user, guint nfields, guint *index)
{
    for (guint i = 0; i < db->lines->len; i++) {
        const char *line = g_ptr_array_index(db->lines, i);
        g_auto(GStrv) fields = NULL;
        bool valid = true;

        if (!g_str_has_prefix(line, user) || line[strlen(user)] != ':') {
            continue;
        }
        fields = g_strsplit(line, ":", -1);
        if (g_strv_length(fields) != nfields) {
            continue;
        }
        for (guint f = 2; f < nfields; f++) {
            bool numeric = nfields == SHADOW_FIELDS || f == 2 || f == 3;
            if (numeric && !field_is_number_or_empty(fields[f])) {
                valid = false;
            }
        }
        if (nfields == PASSWD_FIELDS && (!*fields[2] || !*fields[3])) {
            valid = false;
        }
        if (valid) {
            *index = i;
            return g_steal_pointer(&fields);
        }
    }
    return NULL;
}

static void db_set_line(DbFile *db, guint index, char **fields)
{
    char *line = g_strjoinv(":", fields);

    if (index < db->lines->len) {
        g_free(g_ptr_array_index(db->lines, index));
        db->lines->pdata[index] = line;
    } else {
        g_ptr_array_add(db->lines, line);
    }
    db->changed = true;
}

static void xattr_copy(const char *from, int to_fd)
{
    char value[XATTR_VALUE_MAX];
    ssize_t len = lgetxattr(from, SELINUX_XATTR, value, sizeof(value));

    if (len > 0 && fsetxattr(to_fd, SELINUX_XATTR, value, (size_t)len, 0) < 0 && errno != ENOTSUP) {
        g_warning("cannot keep the SELinux label of %s: %s", from, g_strerror(errno));
    }
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Replace the file atomically: a new file beside it ("<file>+", the name
 * shadow-utils uses) with the old owner, mode and SELinux label, synced,
 * renamed over the old one, and the directory synced. */
static bool db_file_write(DbFile *db, GError **error)
{
    g_autofree char *tmp = g_strconcat(db->path, "+", NULL);
    g_autofree char *dir = g_path_get_dirname(db->path);
    g_autoptr(GString) text = g_string_new(NULL);
    int fd, dir_fd, err;

    for (guint i = 0; i < db->lines->len; i++) {
        g_string_append(text, g_ptr_array_index(db->lines, i));
        g_string_append_c(text, '\n');
    }
    if (unlink(tmp) < 0 && errno != ENOENT) {
        err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot remove %s: %s", tmp, g_strerror(err));
        return false;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot create %s: %s", tmp, g_strerror(err));
        return false;
    }
    if (fchown(fd, db->st.st_uid, db->st.st_gid) < 0 || fchmod(fd, db->st.st_mode & 07777) < 0 ||
        !write_all(fd, text->str, text->len) || fsync(fd) < 0) {
        err = errno;
        close(fd);
        unlink(tmp);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot write %s: %s", tmp, g_strerror(err));
        return false;
    }
    xattr_copy(db->path, fd);
    close(fd);
    if (rename(tmp, db->path) < 0) {
        err = errno;
        unlink(tmp);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot replace %s: %s", db->path,
                    g_strerror(err));
        return false;
    }
    dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        fsync(dir_fd);
        close(dir_fd);
    }
    return true;
}

/* Take the passwd tools' lock; returns its descriptor (closing it unlocks). */
static int passwd_lock(GError **error)
{
    g_autofree char *path = sga_sysroot_path(PASSWD_LOCK_FILE);
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    gint64 deadline = g_get_monotonic_time() + PASSWD_LOCK_TIMEOUT_US;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot open %s: %s", path, g_strerror(err));
        return -1;
    }
    while (fcntl(fd, F_SETLK, &lock) < 0) {
        int err = errno;
        if ((err != EAGAIN && err != EACCES && err != EINTR) || g_get_monotonic_time() > deadline) {
            close(fd);
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot lock %s: %s", path,
                        g_strerror(err));
            return -1;
        }
        g_usleep(PASSWD_LOCK_RETRY_US);
    }
    return fd;
}

/* chpasswd's rules (shadow-utils 4.13): with a shadow file, an entry there
 * gets the hash and today as the last change; a user marked "x" without one
 * gets a new entry; passwd's own field gets the hash when there is no shadow
 * file, or when it is not "x". Everything else stays byte for byte. */
static bool password_store(const char *user, const char *hash, GError **error)
{
    DbFile passwd = { 0 }, shadow = { 0 };
    g_autofree char *shadow_path = sga_sysroot_path(SHADOW_FILE);
    g_autofree char *today = g_strdup_printf("%" G_GINT64_FORMAT,
                                             (gint64)(time(NULL) / SECONDS_PER_DAY));
    g_auto(GStrv) pw = NULL, sp = NULL;
    bool shadow_present = access(shadow_path, F_OK) == 0;
    bool ok = false;
    guint pw_index, sp_index;

    if (!db_file_read(&passwd, PASSWD_FILE, error)) {
        goto out;
    }
    pw = db_find_user(&passwd, user, PASSWD_FIELDS, &pw_index);
    if (!pw) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "user '%s' does not exist in %s", user,
                    passwd.path);
        goto out;
    }
    if (shadow_present) {
        if (!db_file_read(&shadow, SHADOW_FILE, error)) {
            goto out;
        }
        sp = db_find_user(&shadow, user, SHADOW_FIELDS, &sp_index);
        if (sp) {
            g_free(sp[1]);
            sp[1] = g_strdup(hash);
            g_free(sp[2]);
            sp[2] = g_strdup(today);
            db_set_line(&shadow, sp_index, sp);
        } else if (strcmp(pw[1], SHADOW_PASSWD_MARK) == 0) {
            char *entry[] = { (char *)user, (char *)hash, today, "", "", "", "", "", "", NULL };
            db_set_line(&shadow, shadow.lines->len, entry);
        }
    }
    if (!shadow_present || strcmp(pw[1], SHADOW_PASSWD_MARK) != 0) {
        g_free(pw[1]);
        pw[1] = g_strdup(hash);
        db_set_line(&passwd, pw_index, pw);
    }
    ok = (!shadow.changed || db_file_write(&shadow, error)) &&
         (!passwd.changed || db_file_write(&passwd, error));
out:
    db_file_clear(&passwd);
    db_file_clear(&shadow);
    return ok;
}

bool sga_password_set(const char *user, const char *password, bool crypted, GError **error)
{
    g_autofree char *hash = crypted ? g_strdup(password) : sga_password_hash(password, error);
    bool ok;
    int lock_fd;

    if (!hash) {
        return false;
    }
    /* Either would split or end the line it goes into. */
    if (strpbrk(hash, ":\n")) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "the hash contains ':' or a newline");
        return false;
    }
    lock_fd = passwd_lock(error);
    if (lock_fd < 0) {
        return false;
    }
    ok = password_store(user, hash, error);
    close(lock_fd);
    return ok;
}
