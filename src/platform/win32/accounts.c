/* accounts.c: Windows accounts: the users of the WTS sessions; passwords by NetUserSetInfo. */
#include "accounts.h"

#include <windows.h>
#include <lm.h>
#include <wtsapi32.h>

#include "action-record.h"
#include "sga-error.h"
#include "sysroot.h"

/* 100-nanosecond FILETIME ticks from 1601-01-01 to the Unix epoch. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL
#define TICKS_PER_SEC 10000000.0

static void login_clear(gpointer data)
{
    SgaLogin *login = data;

    g_free(login->user);
    g_free(login->domain);
}

/* The sessions' users as qemu-ga lists them: every session with a user name,
 * each user once (keyed by name alone, with the domain of its first session),
 * with the earliest logon time. */
GArray *sga_logins_read(void)
{
    GArray *logins = g_array_new(FALSE, TRUE, sizeof(SgaLogin));
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    WTS_SESSION_INFOW *sessions = NULL;
    DWORD count = 0;

    g_array_set_clear_func(logins, login_clear);
    if (!WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &sessions, &count)) {
        g_autofree char *msg = g_win32_error_message((gint)GetLastError());
        g_message("guest-get-users: WTSEnumerateSessionsW failed: %s", msg);
        return logins;
    }
    for (DWORD i = 0; i < count; i++) {
        WTSINFOW *info = NULL;
        DWORD size = 0;
        g_autofree char *user = NULL;
        double when;
        gpointer index;

        if (!WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, sessions[i].SessionId,
                                         WTSSessionInfo, (LPWSTR *)&info, &size)) {
            continue;
        }
        if (info->UserName[0] == L'\0') {
            WTSFreeMemory(info);
            continue;
        }
        user = g_utf16_to_utf8((const gunichar2 *)info->UserName, -1, NULL, NULL, NULL);
        when = (double)(info->LogonTime.QuadPart - FILETIME_UNIX_EPOCH) / TICKS_PER_SEC;
        if (!user) {
            WTSFreeMemory(info);
            continue;
        }
        if (g_hash_table_lookup_extended(seen, user, NULL, &index)) {
            SgaLogin *known = &g_array_index(logins, SgaLogin, GPOINTER_TO_UINT(index));
            if (when < known->login_time) {
                known->login_time = when;   /* the earliest login counts */
            }
        } else {
            SgaLogin login = {
                .user = g_strdup(user),
                .domain = g_utf16_to_utf8((const gunichar2 *)info->Domain, -1, NULL, NULL, NULL),
                .login_time = when,
            };
            g_hash_table_insert(seen, g_strdup(user), GUINT_TO_POINTER(logins->len));
            if (!login.domain) {
                login.domain = g_strdup("");    /* qemu-ga always has one */
            }
            g_array_append_val(logins, login);
        }
        WTSFreeMemory(info);
    }
    WTSFreeMemory(sessions);
    return logins;
}

/* A NET_API_STATUS in words: netmsg.dll knows the NERR_ range, the system the rest. */
static char *net_error_message(NET_API_STATUS status)
{
    DWORD flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS |
                  FORMAT_MESSAGE_FROM_SYSTEM;
    HMODULE module = NULL;
    wchar_t *text = NULL;
    char *message = NULL;

    if (status >= NERR_BASE && status <= MAX_NERR) {
        module = LoadLibraryExW(L"netmsg.dll", NULL, LOAD_LIBRARY_AS_DATAFILE);
        if (module) {
            flags |= FORMAT_MESSAGE_FROM_HMODULE;
        }
    }
    if (FormatMessageW(flags, module, status, 0, (wchar_t *)&text, 0, NULL) && text) {
        size_t len = wcslen(text);
        /* without the line end that ends every system message */
        while (len > 0 && (text[len - 1] == L'\n' || text[len - 1] == L'\r')) {
            text[--len] = L'\0';
        }
        message = g_utf16_to_utf8((const gunichar2 *)text, -1, NULL, NULL, NULL);
        LocalFree(text);
    }
    if (module) {
        FreeLibrary(module);
    }
    /* qemu-ga prints "(null)" where no message is found; the number says more */
    return message ? message : g_strdup_printf("error %lu", (unsigned long)status);
}

/* qemu-ga's guest-set-user-password on Windows: the plain password through
 * NetUserSetInfo level 1003, on the local machine. Its messages are replied
 * as they are. */
bool sga_password_set(const char *user, const char *password, bool crypted, GError **error)
{
    g_autoptr(GError) conversion_error = NULL;
    g_autofree gunichar2 *user_w = NULL;
    gunichar2 *password_w = NULL;
    USER_INFO_1003 info = { 0 };
    NET_API_STATUS status;
    glong password_len = 0;

    if (crypted) {
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC,
                            "this feature or command is not currently supported");
        return false;
    }
    user_w = g_utf8_to_utf16(user, -1, NULL, NULL, &conversion_error);
    if (user_w) {
        password_w = g_utf8_to_utf16(password, -1, NULL, &password_len, &conversion_error);
    }
    if (!password_w) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Guest agent command failed, error was '%s'",
                    conversion_error->message);
        return false;
    }
    if (!sga_sysroot_is_real()) {
        /* the user only (escaped: one line): a password has no place in a record */
        g_autofree char *escaped = g_strescape(user, NULL);
        SecureZeroMemory(password_w, (size_t)password_len * sizeof(gunichar2));
        g_free(password_w);
        return sga_action_record(error, "NetUserSetInfo %s 1003", escaped);
    }
    info.usri1003_password = (wchar_t *)password_w;
    status = NetUserSetInfo(NULL, (const wchar_t *)user_w, 1003, (BYTE *)&info, NULL);
    SecureZeroMemory(password_w, (size_t)password_len * sizeof(gunichar2));
    g_free(password_w);
    if (status != NERR_Success) {
        g_autofree char *msg = net_error_message(status);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to set password: %s", msg);
        return false;
    }
    return true;
}
