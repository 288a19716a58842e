/* spawn-errno.h: the errno a failed CreateProcess stands for, for "Failed to execute child process (...)". */
#ifndef SGA_SPAWN_ERRNO_H
#define SGA_SPAWN_ERRNO_H

#include <windows.h>

/* The C runtime's errno for a CreateProcess error (EINVAL when it has none). */
int sga_spawn_errno(DWORD code);

#endif
