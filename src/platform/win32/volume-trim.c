/* volume-trim.c: trimming a volume as qemu-ga does on Windows: defrag.exe /L, its output searched for an error line. */
#include "volumes.h"

#include <errno.h>
#include <string.h>
#include <windows.h>
#include <versionhelpers.h>

#include "action-record.h"
#include "child-pipe.h"
#include "command-line.h"
#include "program.h"
#include "sga-error.h"
#include "spawn-errno.h"
#include "sysroot.h"

#define DEFRAG_EXE "defrag.exe"
/* A retrim of a large thin-provisioned volume takes minutes; this only ends
 * a defrag that hangs, which would otherwise hold the agent for good. */
#define DEFRAG_TIMEOUT_MS (30 * 60 * 1000)

bool sga_volume_trim_supported(void)
{
    /* Retrim (defrag /L) came with Windows 8. */
    return IsWindows8OrGreater();
}

/* glib's words for a program it could not start, which qemu-ga reports. */
static void spawn_error(GError **error, DWORD code)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to execute child process (%s)",
                g_strerror(sga_spawn_errno(code)));
}

/* The system directory's defrag.exe (qemu-ga searches PATH for it, which
 * finds this one unless PATH was changed): its path and the command line. */
static bool defrag_command(const char *path, gunichar2 **app, gunichar2 **cmdline, GError **error)
{
    wchar_t system_dir[MAX_PATH];
    UINT len = GetSystemDirectoryW(system_dir, G_N_ELEMENTS(system_dir));
    g_autofree char *dir = NULL, *exe = NULL;
    const char *args[] = { "/L", path, NULL };

    if (len == 0 || len >= G_N_ELEMENTS(system_dir) ||
        !(dir = g_utf16_to_utf8((const gunichar2 *)system_dir, (glong)len, NULL, NULL, NULL))) {
        spawn_error(error, len == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE);
        return false;
    }
    exe = g_strconcat(dir, "\\" DEFRAG_EXE, NULL);
    *app = g_utf8_to_utf16(exe, -1, NULL, NULL, NULL);
    *cmdline = sga_command_line_build(exe, args, error);
    if (!*app || !*cmdline) {
        g_clear_pointer(app, g_free);
        g_clear_pointer(cmdline, g_free);
        if (error && !*error) {
            spawn_error(error, ERROR_INVALID_NAME);
        }
        return false;
    }
    return true;
}

/* Start defrag with stdin and stderr on NUL and stdout on out (only those
 * inherited). */
static bool defrag_spawn(gunichar2 *app, gunichar2 *cmdline, HANDLE out, PROCESS_INFORMATION *pi,
                         GError **error)
{
    SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };
    STARTUPINFOEXW si = { 0 };
    HANDLE null, inherited[2];
    SIZE_T attr_size = 0;
    DWORD code = 0;
    bool ok = false;

    null = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                       &inherit, OPEN_EXISTING, 0, NULL);
    if (null == INVALID_HANDLE_VALUE) {
        spawn_error(error, GetLastError());
        return false;
    }
    inherited[0] = null;
    inherited[1] = out;
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
    si.lpAttributeList = g_malloc(attr_size);
    if (InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &attr_size)) {
        if (UpdateProcThreadAttribute(si.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                      inherited, sizeof(inherited), NULL, NULL)) {
            si.StartupInfo.cb = sizeof(si);
            si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
            si.StartupInfo.hStdInput = null;
            si.StartupInfo.hStdOutput = out;
            si.StartupInfo.hStdError = null;
            ok = CreateProcessW((const wchar_t *)app, (wchar_t *)cmdline, NULL, NULL, TRUE,
                                EXTENDED_STARTUPINFO_PRESENT | CREATE_NO_WINDOW, NULL, NULL,
                                &si.StartupInfo, pi);
        }
        if (!ok) {
            code = GetLastError();
        }
        DeleteProcThreadAttributeList(si.lpAttributeList);
    } else {
        code = GetLastError();
    }
    g_free(si.lpAttributeList);
    CloseHandle(null);
    if (!ok) {
        spawn_error(error, code);
    }
    return ok;
}

/* Collect defrag's output (the first SGA_PROGRAM_OUTPUT_MAX bytes; the rest
 * is read and dropped so it never blocks) until it closes it, then wait for
 * it to end; false when that takes longer than DEFRAG_TIMEOUT_MS. */
static bool defrag_wait(HANDLE process, HANDLE out_pipe, GString *output)
{
    SgaPipeReader reader;
    ULONGLONG deadline = GetTickCount64() + DEFRAG_TIMEOUT_MS;
    bool in_time = true;

    sga_pipe_reader_init(&reader, out_pipe);
    for (;;) {
        char buf[4096];
        gssize n = sga_pipe_reader_read(&reader, buf, sizeof(buf));
        ULONGLONG now;

        if (n > 0) {
            gsize room = output->len < SGA_PROGRAM_OUTPUT_MAX ? SGA_PROGRAM_OUTPUT_MAX - output->len : 0;
            g_string_append_len(output, buf, (gssize)MIN((gsize)n, room));
            continue;
        }
        if (n == 0) {
            break;
        }
        now = GetTickCount64();
        if (now >= deadline ||
            WaitForSingleObject(reader.ov.hEvent, (DWORD)(deadline - now)) != WAIT_OBJECT_0) {
            in_time = false;
            break;
        }
    }
    sga_pipe_reader_close(&reader);
    if (in_time) {
        ULONGLONG now = GetTickCount64();
        in_time = now < deadline &&
                  WaitForSingleObject(process, (DWORD)(deadline - now)) == WAIT_OBJECT_0;
    }
    if (!in_time) {
        TerminateProcess(process, 1);
    }
    return in_time;
}

/* defrag reports a failure in a line such as "... (0x89000020)"; its exit
 * status says nothing. The first such line, or NULL. */
static char *defrag_failure(const char *output)
{
    g_auto(GStrv) lines = g_strsplit(output, "\r\n", 0);

    for (size_t i = 0; lines[i]; i++) {
        if (strstr(lines[i], "(0x")) {
            return g_strdup(lines[i]);
        }
    }
    return NULL;
}

bool sga_volume_trim(const char *path, char **failure, GError **error)
{
    g_autofree gunichar2 *app = NULL, *cmdline = NULL;
    g_autoptr(GString) output = g_string_new(NULL);
    PROCESS_INFORMATION pi;
    HANDLE ours, theirs;
    bool finished;

    *failure = NULL;
    if (!sga_sysroot_is_real()) {
        return sga_action_record(error, "exec defrag /L %s", path);
    }
    if (!defrag_command(path, &app, &cmdline, error) ||
        !sga_child_pipe_new(true, "defrag", &ours, &theirs, error)) {
        return false;
    }
    if (!defrag_spawn(app, cmdline, theirs, &pi, error)) {
        CloseHandle(ours);
        CloseHandle(theirs);
        return false;
    }
    /* Only defrag holds the writing end now: its exit ends the output. */
    CloseHandle(theirs);
    CloseHandle(pi.hThread);
    finished = defrag_wait(pi.hProcess, ours, output);
    CloseHandle(pi.hProcess);
    if (!finished) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "%s did not finish within %d s", DEFRAG_EXE,
                    DEFRAG_TIMEOUT_MS / 1000);
        return false;
    }
    *failure = defrag_failure(output->str);
    return true;
}
