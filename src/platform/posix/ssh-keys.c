/* ssh-keys.c: authorized_keys files with the ownership, modes and error words of qemu-ga. */
#include "ssh-keys.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

#define SSH_DIR_MODE 0700
#define AUTHORIZED_KEYS_MODE 0600

static char *ssh_dir_path(const SgaAccount *account)
{
    g_autofree char *home = sga_sysroot_path(account->home);

    return g_build_filename(home, ".ssh", NULL);
}

char *sga_authorized_keys_path(const SgaAccount *account)
{
    g_autofree char *dir = ssh_dir_path(account);

    return g_build_filename(dir, "authorized_keys", NULL);
}

char **sga_authorized_keys_read(const SgaAccount *account, GError **error)
{
    g_autofree char *path = sga_authorized_keys_path(account);
    g_autofree char *contents = NULL;
    g_autoptr(GError) read_error = NULL;

    if (!g_file_get_contents(path, &contents, NULL, &read_error)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to read '%s': %s", path,
                    read_error->message);
        return NULL;
    }
    return g_strsplit(contents, "\n", -1);
}

bool sga_ssh_dir_ensure(const SgaAccount *account, GError **error)
{
    g_autofree char *path = ssh_dir_path(account);

    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        return true;
    }
    if (g_mkdir(path, SSH_DIR_MODE) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to create directory '%s': %s", path,
                    g_strerror(errno));
        return false;
    }
    if (chown(path, account->uid, account->gid) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "failed to set ownership of directory '%s': %s", path, g_strerror(errno));
        return false;
    }
    /* mkdir's mode went through the umask */
    if (chmod(path, SSH_DIR_MODE) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "failed to set permissions of directory '%s': %s", path, g_strerror(errno));
        return false;
    }
    return true;
}

bool sga_authorized_keys_write(const SgaAccount *account, char *const *lines, GError **error)
{
    g_autofree char *path = sga_authorized_keys_path(account);
    g_autofree char *contents = g_strjoinv("\n", (char **)lines);
    g_autoptr(GError) write_error = NULL;

    /* glib writes a temporary file and renames it over the old one */
    if (!g_file_set_contents(path, contents, -1, &write_error)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to write to '%s': %s", path,
                    write_error->message);
        return false;
    }
    if (chown(path, account->uid, account->gid) < 0) {
        /* sic: qemu-ga calls the file a directory here */
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "failed to set ownership of directory '%s': %s", path, g_strerror(errno));
        return false;
    }
    if (chmod(path, AUTHORIZED_KEYS_MODE) < 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to set permissions of '%s': %s",
                    path, g_strerror(errno));
        return false;
    }
    return true;
}
