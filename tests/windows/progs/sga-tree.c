/* sga-tree.c: a child that starts a grandchild sharing its stdout, for the win32 exec kill and end-of-output tests. */
/*
 *   sga-tree            start "sga-tree sleep" (its stdout is ours, inherited),
 *                       print "child PID\n", sleep 120 s
 *   sga-tree hold GATE  start "sga-tree wait GATE", print "child PID\n", exit 5
 *   sga-tree sleep      print "grandchild PID\n", sleep 120 s
 *   sga-tree wait GATE  print "grandchild PID\n", wait for the file GATE
 *                       (at most 120 s), print "grandchild done\n", exit 0
 *   sga-tree alive PID  exit 0 when process PID runs, 1 when it does not
 * A kill that ends only the child leaves the grandchild holding the pipe: the
 * agent then never sees its end. A kill of the whole tree ends both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static void say(const char *what)
{
    char line[64];
    DWORD written;
    int n = snprintf(line, sizeof(line), "%s %lu\n", what, (unsigned long)GetCurrentProcessId());

    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)n, &written, NULL);
}

static int alive(DWORD pid)
{
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
    int running = h && WaitForSingleObject(h, 0) == WAIT_TIMEOUT;

    if (h) {
        CloseHandle(h);
    }
    return running ? 0 : 1;
}

/* Ourselves again with args, on our own standard handles. */
static int start_grandchild(const char *args)
{
    wchar_t self[MAX_PATH + 1];
    wchar_t cmd[2 * MAX_PATH + 64];
    STARTUPINFOW si = { 0 };
    PROCESS_INFORMATION pi;

    si.cb = sizeof(si);
    GetModuleFileNameW(NULL, self, MAX_PATH);
    wsprintfW(cmd, L"\"%s\" %S", self, args);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessW(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        return 0;
    }
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return 1;
}

int main(int argc, char **argv)
{
    char args[MAX_PATH + 16];

    if (argc > 2 && strcmp(argv[1], "alive") == 0) {
        return alive((DWORD)strtoul(argv[2], NULL, 10));
    }
    if (argc > 2 && strcmp(argv[1], "wait") == 0) {
        say("grandchild");
        for (int i = 0; GetFileAttributesA(argv[2]) == INVALID_FILE_ATTRIBUTES; i++) {
            if (i == 12000) {
                return 124;
            }
            Sleep(10);
        }
        DWORD written;
        WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "grandchild done\n", 16, &written, NULL);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
        say("grandchild");
        Sleep(120000);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "hold") == 0) {
        snprintf(args, sizeof(args), "wait \"%s\"", argv[2]);
        if (!start_grandchild(args)) {
            return 123;
        }
        say("child");
        return 5;
    }
    if (!start_grandchild("sleep")) {
        return 123;
    }
    say("child");
    Sleep(120000);
    return 0;
}
