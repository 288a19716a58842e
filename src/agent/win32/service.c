/* service.c: -s install and -s uninstall: streamga's entry in the service control manager. */
#include "service.h"

#include <windows.h>

#include "sga-error.h"

/* How long -s uninstall waits for a running service to stop before removing it. */
#define SGA_SERVICE_STOP_WAIT_MS 20000

static void service_set_win32_error(GError **error, const char *what)
{
    DWORD code = GetLastError();
    g_autofree char *msg = g_win32_error_message((gint)code);

    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "%s: %s", what, msg);
}

/* One argument quoted the way CommandLineToArgvW and the CRT read it back. */
static void service_append_quoted(GString *cmdline, const char *arg)
{
    g_string_append_c(cmdline, '"');
    for (const char *p = arg;; p++) {
        size_t backslashes = 0;

        while (*p == '\\') {
            backslashes++;
            p++;
        }
        if (*p == '\0') {
            /* double them: the closing quote must stay a quote */
            for (size_t i = 0; i < backslashes * 2; i++) {
                g_string_append_c(cmdline, '\\');
            }
            break;
        }
        for (size_t i = 0; i < (*p == '"' ? backslashes * 2 + 1 : backslashes); i++) {
            g_string_append_c(cmdline, '\\');
        }
        g_string_append_c(cmdline, *p);
    }
    g_string_append_c(cmdline, '"');
}

static char *service_command_line(const SgaConfig *cfg, GError **error)
{
    wchar_t exe[MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, exe, G_N_ELEMENTS(exe));
    g_autofree char *exe_utf8 = NULL;
    GString *cmdline;

    if (n == 0 || n >= G_N_ELEMENTS(exe)) {
        service_set_win32_error(error, "cannot find streamga.exe's path");
        return NULL;
    }
    exe_utf8 = g_utf16_to_utf8(exe, n, NULL, NULL, NULL);
    cmdline = g_string_new("");
    service_append_quoted(cmdline, exe_utf8);
    g_string_append(cmdline, " -d");
    if (cfg->method) {
        g_string_append(cmdline, " -m ");
        service_append_quoted(cmdline, cfg->method);
    }
    if (cfg->channel_path) {
        g_string_append(cmdline, " -p ");
        service_append_quoted(cmdline, cfg->channel_path);
    }
    if (cfg->log_filepath) {
        g_string_append(cmdline, " -l ");
        service_append_quoted(cmdline, cfg->log_filepath);
        g_string_append(cmdline, " -v");
    }
    if (cfg->state_dir) {
        g_string_append(cmdline, " -t ");
        service_append_quoted(cmdline, cfg->state_dir);
    }
    if (cfg->retry_path) {
        g_string_append(cmdline, " -r");
    }
    return g_string_free(cmdline, FALSE);
}

bool sga_service_install(const SgaConfig *cfg, GError **error)
{
    g_autofree char *cmdline = service_command_line(cfg, error);
    g_autofree wchar_t *cmdline_w = NULL;
    SERVICE_DESCRIPTIONW description = { .lpDescription = (wchar_t *)SGA_SERVICE_DESCRIPTION };
    SC_HANDLE manager, service;

    if (!cmdline) {
        return false;
    }
    cmdline_w = g_utf8_to_utf16(cmdline, -1, NULL, NULL, NULL);
    manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    if (!manager) {
        service_set_win32_error(error, "cannot open the service control manager");
        return false;
    }
    service = CreateServiceW(manager, SGA_SERVICE_NAME, SGA_SERVICE_DISPLAY_NAME, SERVICE_ALL_ACCESS,
                             SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                             cmdline_w, NULL, NULL, NULL, NULL, NULL);
    if (!service) {
        service_set_win32_error(error, "cannot install the service");
        CloseServiceHandle(manager);
        return false;
    }
    ChangeServiceConfig2W(service, SERVICE_CONFIG_DESCRIPTION, &description);
    g_print("Service installed: %s\n", cmdline);
    CloseServiceHandle(service);
    CloseServiceHandle(manager);
    return true;
}

static void service_stop_and_wait(SC_HANDLE service)
{
    SERVICE_STATUS status;

    if (!ControlService(service, SERVICE_CONTROL_STOP, &status)) {
        return;     /* not running */
    }
    for (int waited = 0; waited < SGA_SERVICE_STOP_WAIT_MS; waited += 100) {
        if (!QueryServiceStatus(service, &status) || status.dwCurrentState == SERVICE_STOPPED) {
            return;
        }
        Sleep(100);
    }
}

bool sga_service_uninstall(GError **error)
{
    SC_HANDLE manager, service;
    bool ok;

    manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    if (!manager) {
        service_set_win32_error(error, "cannot open the service control manager");
        return false;
    }
    service = OpenServiceW(manager, SGA_SERVICE_NAME, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    if (!service) {
        service_set_win32_error(error, "cannot open the service");
        CloseServiceHandle(manager);
        return false;
    }
    service_stop_and_wait(service);
    ok = DeleteService(service);
    if (!ok) {
        service_set_win32_error(error, "cannot remove the service");
    } else {
        g_print("Service removed\n");
    }
    CloseServiceHandle(service);
    CloseServiceHandle(manager);
    return ok;
}
