/* signals.c: Ctrl-C, console close and the service's stop, delivered through the main loop. */
#include "signals.h"

#include <windows.h>

#include "signals-win32.h"

/* Set once, from the main thread, before the loop runs. */
static GSourceFunc quit_func;
static gpointer quit_data;
static volatile LONG quit_pending;

/* In the main loop: the quit handler, once. */
static gboolean signals_quit_idle(gpointer unused)
{
    quit_func(quit_data);
    return G_SOURCE_REMOVE;
}

void sga_signals_request_quit(void)
{
    /* g_idle_add may be called from any thread; it wakes the loop. */
    if (InterlockedExchange(&quit_pending, 1) == 0 && quit_func) {
        g_idle_add(signals_quit_idle, NULL);
    }
}

/* Runs on a thread the console creates for the event. */
static BOOL WINAPI signals_console_handler(DWORD event)
{
    switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        sga_signals_request_quit();
        return TRUE;
    default:
        return FALSE;
    }
}

void sga_signals_install(GSourceFunc quit, GSourceFunc reopen_log, gpointer data)
{
    /* No SIGHUP on Windows: the log is reopened only by a restart. */
    quit_func = quit;
    quit_data = data;
    SetConsoleCtrlHandler(signals_console_handler, TRUE);
    if (quit_pending) {
        g_idle_add(signals_quit_idle, NULL);
    }
}
