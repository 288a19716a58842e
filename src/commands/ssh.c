/* ssh.c: the guest-ssh-*-authorized-keys commands, with qemu-ga's semantics to the letter. */
#include "ssh.h"

#include <string.h>

#include "accounts.h"
#include "commands.h"
#include "sga-error.h"
#include "ssh-keys.h"

static const SgaMemberSpec ssh_get_members[] = {
    SGA_MEMBER(SgaSshUserArgs, username, "username", sga_type_str),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_ssh_get_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-ssh-get-authorized-keys arguments",
    .size = sizeof(SgaSshUserArgs), .members = ssh_get_members,
};

static const SgaMemberSpec ssh_add_members[] = {
    SGA_MEMBER(SgaSshKeysArgs, username, "username", sga_type_str),
    SGA_MEMBER(SgaSshKeysArgs, keys, "keys", sga_type_str_list),
    SGA_OPTIONAL(SgaSshKeysArgs, reset, "reset", sga_type_bool),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_ssh_add_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-ssh-add-authorized-keys arguments",
    .size = sizeof(SgaSshKeysArgs), .members = ssh_add_members,
};

static const SgaMemberSpec ssh_remove_members[] = {
    SGA_MEMBER(SgaSshKeysArgs, username, "username", sga_type_str),
    SGA_MEMBER(SgaSshKeysArgs, keys, "keys", sga_type_str_list),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_ssh_remove_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-ssh-remove-authorized-keys arguments",
    .size = sizeof(SgaSshKeysArgs), .members = ssh_remove_members,
};

static const char *const *keys_of(const SgaSshKeysArgs *a)
{
    return (const char *const *)a->keys.items;
}

/* qemu-ga's only check: no comment line, no line break. An empty key passes. */
static bool keys_check(const SgaSshKeysArgs *a, GError **error)
{
    for (const char *const *k = keys_of(a); *k; k++) {
        if ((*k)[0] == '#' || strchr(*k, '\n')) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "invalid OpenSSH public key: '%s'", *k);
            return false;
        }
    }
    return true;
}

static bool account_get(const char *username, SgaAccount *account, GError **error)
{
    g_autoptr(GError) lookup_error = NULL;

    if (!sga_account_lookup(username, account, &lookup_error)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to lookup user '%s': %s", username,
                    lookup_error->message);
        return false;
    }
    return true;
}

json_object *sga_cmd_guest_ssh_get_authorized_keys(SgaRequest *req, const void *args, GError **error)
{
    const SgaSshUserArgs *a = args;
    SgaAccount account = { 0 };
    g_auto(GStrv) lines = NULL;
    json_object *keys, *ret;

    if (!account_get(a->username, &account, error)) {
        return NULL;
    }
    lines = sga_authorized_keys_read(&account, error);
    sga_account_clear(&account);
    if (!lines) {
        return NULL;
    }
    /* qemu-ga 7.2 builds its list by prepending: the last key comes first. */
    keys = json_object_new_array();
    for (guint n = g_strv_length(lines); n > 0; n--) {
        char *key = g_strstrip(lines[n - 1]);
        if (key[0] && key[0] != '#') {
            json_object_array_add(keys, json_object_new_string(key));
        }
    }
    ret = json_object_new_object();
    json_object_object_add(ret, "keys", keys);
    return ret;
}

json_object *sga_cmd_guest_ssh_add_authorized_keys(SgaRequest *req, const void *args, GError **error)
{
    const SgaSshKeysArgs *a = args;
    SgaAccount account = { 0 };
    g_auto(GStrv) existing = NULL;
    g_autoptr(GPtrArray) lines = g_ptr_array_new();

    if (!keys_check(a, error) || !account_get(a->username, &account, error)) {
        return NULL;
    }
    if (!(a->has_reset && a->reset)) {
        existing = sga_authorized_keys_read(&account, NULL);     /* unreadable: start afresh */
    }
    if (!existing && !sga_ssh_dir_ensure(&account, error)) {
        sga_account_clear(&account);
        return NULL;
    }
    for (char **line = existing; line && *line; line++) {
        g_ptr_array_add(lines, *line);
    }
    g_ptr_array_add(lines, NULL);
    for (const char *const *k = keys_of(a); *k; k++) {
        /* a key already there, or given twice, is written once */
        if (!g_strv_contains((const char *const *)lines->pdata, *k)) {
            lines->pdata[lines->len - 1] = (gpointer)*k;
            g_ptr_array_add(lines, NULL);
        }
    }
    sga_authorized_keys_write(&account, (char *const *)lines->pdata, error);
    sga_account_clear(&account);
    return NULL;
}

json_object *sga_cmd_guest_ssh_remove_authorized_keys(SgaRequest *req, const void *args,
                                                      GError **error)
{
    const SgaSshKeysArgs *a = args;
    SgaAccount account = { 0 };
    g_autofree char *path = NULL;
    g_auto(GStrv) existing = NULL;
    g_autoptr(GPtrArray) kept = g_ptr_array_new();

    if (!keys_check(a, error) || !account_get(a->username, &account, error)) {
        return NULL;
    }
    path = sga_authorized_keys_path(&account);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        sga_account_clear(&account);
        return NULL;    /* nothing to remove from */
    }
    existing = sga_authorized_keys_read(&account, error);
    if (existing) {
        for (char **line = existing; *line; line++) {
            if (!g_strv_contains(keys_of(a), *line)) {
                g_ptr_array_add(kept, *line);
            }
        }
        g_ptr_array_add(kept, NULL);
        sga_authorized_keys_write(&account, (char *const *)kept->pdata, error);
    }
    sga_account_clear(&account);
    return NULL;
}
