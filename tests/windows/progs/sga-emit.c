/* sga-emit.c: writes patterned bytes to stdout/stderr with pauses, as the win32 exec tests ask. */
/*
 * Usage: sga-emit ITEM...   each ITEM, in order:
 *   oN  write N bytes to stdout     eN  write N bytes to stderr
 *   sN  sleep N milliseconds        xN  exit with code N (strtoul base 0: 0xC0000005)
 *   z   a zero-byte write to stdout  fPATH  create the file PATH
 *   wPATH  wait until the file PATH exists (at most 120 s, else exit 124)
 *   r   copy stdin to stdout until the end of stdin
 *   c   close stdin
 *   pPATH  from now on, after each write, put the bytes written so far (both
 *          streams) in the file PATH as decimal text
 * (PATHs in the ANSI code page: keep them ASCII.)
 * Byte k of a stream (counted over the whole run) is (k * 131 + salt) & 0xFF,
 * salt 0 for stdout, 7 for stderr: every byte value, in an order the tests recompute.
 * Writes go straight to the handle (no C runtime text mode, no buffering).
 */
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

static unsigned long long offsets[2];
static const char *progress_path;

static void progress_write(void)
{
    char text[32];
    int n = snprintf(text, sizeof(text), "%llu", offsets[0] + offsets[1]);
    HANDLE f = CreateFileA(progress_path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                           CREATE_ALWAYS, 0, NULL);
    DWORD written;

    if (f != INVALID_HANDLE_VALUE) {
        WriteFile(f, text, (DWORD)n, &written, NULL);
        CloseHandle(f);
    }
}

static void wait_for_file(const char *path)
{
    for (int i = 0; i < 12000; i++) {
        if (GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES) {
            return;
        }
        Sleep(10);
    }
    ExitProcess(124);
}

static void emit(int stream, unsigned long long n)
{
    HANDLE h = GetStdHandle(stream ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
    unsigned char buf[65536];
    unsigned salt = stream ? 7 : 0;

    while (n > 0) {
        DWORD chunk = n > sizeof(buf) ? (DWORD)sizeof(buf) : (DWORD)n;
        DWORD done = 0, written;
        for (DWORD i = 0; i < chunk; i++) {
            buf[i] = (unsigned char)(((offsets[stream] + i) * 131 + salt) & 0xFF);
        }
        while (done < chunk) {
            if (!WriteFile(h, buf + done, chunk - done, &written, NULL)) {
                ExitProcess(120);   /* the reading end went away */
            }
            done += written;
        }
        offsets[stream] += chunk;
        n -= chunk;
        if (progress_path) {
            progress_write();
        }
    }
}

/* Wine's C runtime keeps a duplicate of each standard handle for its file
 * descriptors (Windows' uses the very handle): both must go. */
static void close_stdin(void)
{
    HANDLE std = GetStdHandle(STD_INPUT_HANDLE);
    HANDLE crt = (HANDLE)_get_osfhandle(0);

    _close(0);
    if (std != crt) {
        CloseHandle(std);
    }
}

static void copy_stdin(void)
{
    static char buf[65536];
    DWORD n, written;

    while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof(buf), &n, NULL) && n > 0) {
        for (DWORD done = 0; done < n; done += written) {
            if (!WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf + done, n - done, &written, NULL)) {
                ExitProcess(120);
            }
        }
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        DWORD written;
        switch (a[0]) {
        case 'o':
        case 'e':
            if (a[1] == '\0') {
                break;
            }
            emit(a[0] == 'e', strtoull(a + 1, NULL, 10));
            break;
        case 'z':
            WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "", 0, &written, NULL);
            break;
        case 's':
            Sleep((DWORD)strtoul(a + 1, NULL, 10));
            break;
        case 'x':
            ExitProcess((UINT)strtoul(a + 1, NULL, 0));
            break;
        case 'f': {
            HANDLE f = CreateFileA(a + 1, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
            if (f == INVALID_HANDLE_VALUE) {
                return 121;
            }
            CloseHandle(f);
            break;
        }
        case 'w':
            wait_for_file(a + 1);
            break;
        case 'r':
            copy_stdin();
            break;
        case 'c':
            close_stdin();
            break;
        case 'p':
            progress_path = a + 1;
            break;
        default:
            return 122;
        }
    }
    return 0;
}
