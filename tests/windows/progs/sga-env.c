/* sga-env.c: reports its command line, argv and environment, as the win32 exec tests read them. */
/*
 * Output (stdout, UTF-8), records each ended by a NUL byte:
 *   "C" + the command line as received, "A" + each argv element as
 *   CommandLineToArgvW splits it (the MSVCRT rules), "E" + each environment entry.
 */
#include <windows.h>
#include <shellapi.h>

static void put(char kind, const wchar_t *text)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    int len = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *buf = HeapAlloc(GetProcessHeap(), 0, (SIZE_T)len + 1);
    DWORD written;

    buf[0] = kind;
    WideCharToMultiByte(CP_UTF8, 0, text, -1, buf + 1, len, NULL, NULL);
    /* len counts the NUL, which ends the record */
    WriteFile(out, buf, (DWORD)len + 1, &written, NULL);
    HeapFree(GetProcessHeap(), 0, buf);
}

int main(void)
{
    const wchar_t *cmdline = GetCommandLineW();
    int argc;
    wchar_t **argv = CommandLineToArgvW(cmdline, &argc);
    wchar_t *env = GetEnvironmentStringsW();

    put('C', cmdline);
    for (int i = 0; argv && i < argc; i++) {
        put('A', argv[i]);
    }
    for (const wchar_t *e = env; e && *e; e += lstrlenW(e) + 1) {
        put('E', e);
    }
    FreeEnvironmentStringsW(env);
    LocalFree(argv);
    return 0;
}
