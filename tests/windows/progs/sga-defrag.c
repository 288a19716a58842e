/* sga-defrag.c: a stand-in for defrag.exe, which the win32 fstrim tests put in the system directory. */
/*
 * Appends its arguments (after argv[0]), joined by '|', as one UTF-8 line to
 * the file SGA_DEFRAG_LOG names. Prints a retrim report like `defrag /L`'s;
 * when its last argument equals SGA_DEFRAG_FAIL the report ends with an error
 * line "... (0x8900002A)", followed by SGA_DEFRAG_CHATTER bytes of filler
 * lines when that is set. It always writes a "(0x...)" line to stderr, which
 * is not the output a caller should read.
 */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAILURE_LINE "The operation requested is not supported by the hardware backing the volume. (0x8900002A)"

static char *utf8(const wchar_t *text)
{
    int len = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *buf = malloc((size_t)len);

    WideCharToMultiByte(CP_UTF8, 0, text, -1, buf, len, NULL, NULL);
    return buf;
}

static void put(HANDLE h, const char *text)
{
    DWORD written;

    WriteFile(h, text, (DWORD)strlen(text), &written, NULL);
    WriteFile(h, "\r\n", 2, &written, NULL);
}

static void log_arguments(int argc, wchar_t **argv)
{
    wchar_t log[MAX_PATH];
    HANDLE h;
    DWORD written;

    if (!GetEnvironmentVariableW(L"SGA_DEFRAG_LOG", log, MAX_PATH)) {
        return;
    }
    h = CreateFileW(log, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        return;
    }
    for (int i = 1; i < argc; i++) {
        char *arg = utf8(argv[i]);
        if (i > 1) {
            WriteFile(h, "|", 1, &written, NULL);
        }
        WriteFile(h, arg, (DWORD)strlen(arg), &written, NULL);
        free(arg);
    }
    WriteFile(h, "\n", 1, &written, NULL);
    CloseHandle(h);
}

int main(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    int argc;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    wchar_t fail[MAX_PATH], chatter[32];
    char line[512];
    char *volume;

    log_arguments(argc, argv);
    put(GetStdHandle(STD_ERROR_HANDLE), "not the report (0x80004005)");
    volume = utf8(argc > 1 ? argv[argc - 1] : L"");
    put(out, "Microsoft Drive Optimizer");
    put(out, "Copyright (c) Microsoft Corp.");
    put(out, "");
    snprintf(line, sizeof(line), "Invoking retrim on %s...", volume);
    put(out, line);
    put(out, "");
    if (GetEnvironmentVariableW(L"SGA_DEFRAG_FAIL", fail, MAX_PATH) && argc > 1 &&
        !lstrcmpW(fail, argv[argc - 1])) {
        put(out, FAILURE_LINE);
        if (GetEnvironmentVariableW(L"SGA_DEFRAG_CHATTER", chatter, 32)) {
            long bytes = wcstol(chatter, NULL, 10);
            for (long done = 0; done < bytes; done += 64) {
                put(out, "..............................................................");
            }
        }
    } else {
        put(out, "The operation completed successfully.");
    }
    free(volume);
    LocalFree(argv);
    return 0;
}
