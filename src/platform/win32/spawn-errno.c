/* spawn-errno.c: the C runtime's errno for a CreateProcess error, as glib's spawn (and so qemu-ga) reports it. */
#include "spawn-errno.h"

#include <errno.h>
#include <glib.h>

/* The errno the C runtime's spawn sets for a CreateProcess error (its
 * _dosmaperr table, the entries a spawn can meet): glib's spawn, and so
 * qemu-ga, report g_strerror of it. */
int sga_spawn_errno(DWORD code)
{
    static const struct {
        DWORD code;
        int err;
    } table[] = {
        { ERROR_FILE_NOT_FOUND, ENOENT }, { ERROR_PATH_NOT_FOUND, ENOENT },
        { ERROR_INVALID_DRIVE, ENOENT }, { ERROR_NO_MORE_FILES, ENOENT },
        { ERROR_BAD_NETPATH, ENOENT }, { ERROR_BAD_NET_NAME, ENOENT },
        { ERROR_BAD_PATHNAME, ENOENT }, { ERROR_FILENAME_EXCED_RANGE, ENOENT },
        { ERROR_TOO_MANY_OPEN_FILES, EMFILE }, { ERROR_ACCESS_DENIED, EACCES },
        { ERROR_CURRENT_DIRECTORY, EACCES }, { ERROR_NETWORK_ACCESS_DENIED, EACCES },
        { ERROR_LOCK_VIOLATION, EACCES }, { ERROR_SHARING_VIOLATION, EACCES },
        { ERROR_INVALID_HANDLE, EBADF }, { ERROR_NOT_ENOUGH_MEMORY, ENOMEM },
        { ERROR_OUTOFMEMORY, ENOMEM }, { ERROR_NOT_ENOUGH_QUOTA, ENOMEM },
        { ERROR_BAD_ENVIRONMENT, E2BIG }, { ERROR_BAD_FORMAT, ENOEXEC },
        { ERROR_NO_PROC_SLOTS, EAGAIN }, { ERROR_MAX_THRDS_REACHED, EAGAIN },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        if (table[i].code == code) {
            return table[i].err;
        }
    }
    /* ERROR_BAD_EXE_FORMAT and the other executable-image errors */
    if (code >= ERROR_INVALID_STARTING_CODESEG && code <= ERROR_INFLOOP_IN_RELOC_CHAIN) {
        return ENOEXEC;
    }
    return EINVAL;
}
