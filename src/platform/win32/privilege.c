/* privilege.c: enabling a privilege in the agent's own token, with qemu-ga's failure words. */
#include "privilege.h"

#include <windows.h>

#include "sga-error.h"

/* qemu-ga's QERR_QGA_COMMAND_FAILED around each of acquire_privilege's reasons. */
#define COMMAND_FAILED_FORMAT "Guest agent command failed, error was '%s'"

bool sga_privilege_enable(const wchar_t *name, bool *held, GError **error)
{
    TOKEN_PRIVILEGES privileges = { .PrivilegeCount = 1 };
    HANDLE token = NULL;
    const char *failure = NULL;
    DWORD adjusted;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) {
        failure = "failed to open privilege token";
    } else if (!LookupPrivilegeValueW(NULL, name, &privileges.Privileges[0].Luid)) {
        failure = "no luid for requested privilege";
    } else {
        privileges.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
        if (!AdjustTokenPrivileges(token, FALSE, &privileges, 0, NULL, NULL)) {
            failure = "unable to acquire requested privilege";
        }
    }
    /* Read before CloseHandle: AdjustTokenPrivileges reports a privilege the
     * token does not have only through the last error. */
    adjusted = GetLastError();
    if (token) {
        CloseHandle(token);
    }
    if (failure) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, COMMAND_FAILED_FORMAT, failure);
        return false;
    }
    if (held) {
        *held = adjusted != ERROR_NOT_ALL_ASSIGNED;
    }
    return true;
}
