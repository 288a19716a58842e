/* daemon.c: -d on Windows: run under the service control manager, reporting start and stop. */
#include "daemon.h"

#include <windows.h>

#include "service.h"
#include "sga-error.h"
#include "signals-win32.h"

/* How long the service manager is told to wait for start-up and shutdown steps. */
#define SGA_SERVICE_WAIT_HINT_MS 10000
/* How long to wait for the dispatcher thread to hand over after SERVICE_STOPPED. */
#define SGA_SERVICE_DISPATCHER_EXIT_MS 5000

static struct {
    SERVICE_STATUS_HANDLE handle;
    SERVICE_STATUS status;
    HANDLE started;             /* set when ServiceMain ran, or the dispatcher failed */
    HANDLE dispatcher_thread;
    DWORD dispatcher_error;
} service;

static void service_report(DWORD state, DWORD exit_code)
{
    service.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    service.status.dwCurrentState = state;
    service.status.dwControlsAccepted =
        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    service.status.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
    service.status.dwServiceSpecificExitCode = exit_code;
    service.status.dwWaitHint = state == SERVICE_RUNNING || state == SERVICE_STOPPED
                                ? 0 : SGA_SERVICE_WAIT_HINT_MS;
    service.status.dwCheckPoint++;
    SetServiceStatus(service.handle, &service.status);
}

/* Runs on the dispatcher thread. */
static DWORD WINAPI service_control_handler(DWORD control, DWORD event_type, LPVOID event_data,
                                            LPVOID context)
{
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        service_report(SERVICE_STOP_PENDING, 0);
        sga_signals_request_quit();
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* Runs on a thread of the service manager's: register, then let the agent's
 * main thread carry on. */
static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    service.handle = RegisterServiceCtrlHandlerExW(SGA_SERVICE_NAME, service_control_handler, NULL);
    if (service.handle) {
        service_report(SERVICE_START_PENDING, 0);
    } else {
        service.dispatcher_error = GetLastError();
    }
    SetEvent(service.started);
}

/* The dispatcher blocks until the service reports SERVICE_STOPPED, so it gets
 * a thread of its own and the agent keeps the main thread. */
static DWORD WINAPI service_dispatcher_thread(LPVOID unused)
{
    SERVICE_TABLE_ENTRYW table[] = {
        { (wchar_t *)SGA_SERVICE_NAME, service_main },
        { NULL, NULL },
    };

    if (!StartServiceCtrlDispatcherW(table)) {
        service.dispatcher_error = GetLastError();
        SetEvent(service.started);
    }
    return 0;
}

bool sga_daemon_start(int *parent_status, GError **error)
{
    HANDLE waits[2];

    service.started = CreateEventW(NULL, TRUE, FALSE, NULL);
    service.dispatcher_thread = CreateThread(NULL, 0, service_dispatcher_thread, NULL, 0, NULL);
    if (!service.started || !service.dispatcher_thread) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot start the service dispatcher");
        *parent_status = 1;
        return false;
    }
    waits[0] = service.started;
    waits[1] = service.dispatcher_thread;
    WaitForMultipleObjects(2, waits, FALSE, INFINITE);
    if (!service.handle) {
        g_autofree char *msg = g_win32_error_message((gint)service.dispatcher_error);

        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "-d runs streamga as a Windows service, for the service control manager "
                    "to start (%s)", msg);
        *parent_status = 1;
        return false;
    }
    return true;
}

void sga_daemon_ready(void)
{
    if (service.handle) {
        service_report(SERVICE_RUNNING, 0);
    }
}

void sga_daemon_exit(int status)
{
    if (!service.handle) {
        return;
    }
    service_report(SERVICE_STOPPED, (DWORD)status);
    WaitForSingleObject(service.dispatcher_thread, SGA_SERVICE_DISPATCHER_EXIT_MS);
    CloseHandle(service.dispatcher_thread);
    CloseHandle(service.started);
    service.handle = NULL;
}
