/* cpu-online.c: logical processors from GetLogicalProcessorInformation (Windows offers no CPU hotplug). */
#include "cpu-online.h"

#include <windows.h>

#include "sga-error.h"

/* qemu's QERR_UNSUPPORTED, what qemu-ga's Windows guest-set-vcpus answers. */
#define UNSUPPORTED_TEXT "this feature or command is not currently supported"

/*
 * As qemu-ga's Windows code counts them: every bit of every processor core's
 * mask is one logical processor, numbered in that order from 0, online and
 * not offlinable. (The call sees the calling thread's processor group, up to
 * 64 processors, as qemu-ga's does.)
 */
GArray *sga_cpus_list(GError **error)
{
    g_autofree SYSTEM_LOGICAL_PROCESSOR_INFORMATION *info = NULL;
    DWORD len = 0;
    GArray *cpus;
    int64_t next_id = 0;

    if (GetLogicalProcessorInformation(NULL, &len) || GetLastError() != ERROR_INSUFFICIENT_BUFFER ||
        len < sizeof(*info)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                    "Failed to get processor information buffer length: %d", (int)GetLastError());
        return NULL;
    }
    info = g_malloc0(len);
    if (!GetLogicalProcessorInformation(info, &len)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Failed to get processor information: %d",
                    (int)GetLastError());
        return NULL;
    }
    cpus = g_array_new(FALSE, TRUE, sizeof(SgaCpu));
    for (DWORD i = 0; i < len / sizeof(*info); i++) {
        if (info[i].Relationship != RelationProcessorCore) {
            continue;
        }
        for (ULONG_PTR bits = info[i].ProcessorMask; bits; bits >>= 1) {
            if (bits & 1) {
                SgaCpu cpu = { .id = next_id++, .online = true, .can_offline = false };
                g_array_append_val(cpus, cpu);
            }
        }
    }
    if (cpus->len == 0) {
        /* there is no machine without processors */
        g_array_unref(cpus);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Guest reported zero VCPUs");
        return NULL;
    }
    return cpus;
}

/* guest-set-vcpus is disabled on Windows (as qemu-ga blocks it): never reached
 * through the table, kept so the shared command code links. */
bool sga_cpu_set_online(int64_t id, bool online, GError **error)
{
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, UNSUPPORTED_TEXT);
    return false;
}
