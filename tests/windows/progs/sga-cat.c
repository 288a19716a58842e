/* sga-cat.c: copies stdin to stdout until the end of stdin, then exits 0 (or with its argument). */
#include <stdlib.h>
#include <windows.h>

int main(int argc, char **argv)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
    static char buf[65536];
    DWORD n, written;

    /* ReadFile fails with ERROR_BROKEN_PIPE once the writer closed: the end. */
    while (ReadFile(in, buf, sizeof(buf), &n, NULL) && n > 0) {
        for (DWORD done = 0; done < n; done += written) {
            if (!WriteFile(out, buf + done, n - done, &written, NULL)) {
                return 120;
            }
        }
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
