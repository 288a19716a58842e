/* cpu-online.c: logical processors from Linux sysfs (/sys/devices/system/cpu/cpuN/online). */
#include "cpu-online.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define CPU_ONLINE_FILE "online"

/* A processor's directory as qemu-ga names it in its messages, trailing slash
 * included (so "cpu5//online" in file errors, as qemu-ga words them). */
static char *cpu_dir_path(int64_t id)
{
    return g_strdup_printf(CPU_DIR "/cpu%" PRId64 "/", id);
}

/* The id of a directory entry named like qemu-ga's sscanf "cpu%ld" matches it:
 * "cpu", then an optionally signed decimal number, anything after it ignored
 * ("cpufreq" and "cpuidle" do not match). */
static bool cpu_entry_id(const char *name, int64_t *id)
{
    const char *p;
    char *end;
    int64_t value;

    if (strncmp(name, "cpu", 3) != 0) {
        return false;
    }
    p = name + 3;
    value = g_ascii_strtoll(p, &end, 10);     /* skips blanks and a sign, as %ld does */
    if (end == p || !g_ascii_isdigit(end[-1])) {
        return false;
    }
    *id = value;
    return true;
}

static int cpu_dir_open(const char *dirpath, GError **error)
{
    g_autofree char *real = sga_sysroot_path(dirpath);
    int fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s\"): %s", dirpath, g_strerror(err));
    }
    return fd;
}

/* The first byte of an open online file; false with qemu-ga's message on failure. */
static bool cpu_online_byte(int fd, const char *dirpath, unsigned char *byte, GError **error)
{
    ssize_t n = pread(fd, byte, 1, 0);

    if (n < 0) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "pread(\"%s/%s\"): %s", dirpath,
                    CPU_ONLINE_FILE, g_strerror(err));
        return false;
    }
    if (n == 0) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "pread(\"%s/%s\"): unexpected EOF", dirpath,
                    CPU_ONLINE_FILE);
        return false;
    }
    return true;
}

static bool cpu_state_read(SgaCpu *cpu, GError **error)
{
    g_autofree char *dirpath = cpu_dir_path(cpu->id);
    int dirfd = cpu_dir_open(dirpath, error);
    bool ok = true;
    int fd;

    if (dirfd < 0) {
        return false;
    }
    fd = openat(dirfd, CPU_ONLINE_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) {
            /* No control file: the kernel keeps this one online for good (often cpu0). */
            cpu->online = true;
            cpu->can_offline = false;
        } else {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s/%s\"): %s", dirpath,
                        CPU_ONLINE_FILE, g_strerror(err));
            ok = false;
        }
    } else {
        unsigned char byte;
        ok = cpu_online_byte(fd, dirpath, &byte, error);
        if (ok) {
            cpu->online = byte != '0';
            cpu->can_offline = true;
        }
        close(fd);
    }
    close(dirfd);
    return ok;
}

GArray *sga_cpus_list(GError **error)
{
    g_autofree char *dir_real = sga_sysroot_path(CPU_DIR);
    GArray *cpus;
    struct dirent *entry;
    DIR *dir = opendir(dir_real);

    if (!dir) {
        int err = errno;
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "failed to list entries: %s: %s", CPU_DIR,
                    g_strerror(err));
        return NULL;
    }
    cpus = g_array_new(FALSE, TRUE, sizeof(SgaCpu));
    while ((entry = readdir(dir)) != NULL) {
        SgaCpu cpu = { 0 };
        if (!cpu_entry_id(entry->d_name, &cpu.id)) {
            continue;
        }
        if (!cpu_state_read(&cpu, error)) {
            g_array_unref(cpus);
            closedir(dir);
            return NULL;
        }
        g_array_append_val(cpus, cpu);
    }
    closedir(dir);
    return cpus;
}

bool sga_cpu_set_online(int64_t id, bool online, GError **error)
{
    g_autofree char *dirpath = cpu_dir_path(id);
    int dirfd = cpu_dir_open(dirpath, error);
    bool ok = true;
    int fd;

    if (dirfd < 0) {
        return false;
    }
    fd = openat(dirfd, CPU_ONLINE_FILE, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err != ENOENT) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "open(\"%s/%s\"): %s", dirpath,
                        CPU_ONLINE_FILE, g_strerror(err));
            ok = false;
        } else if (!online) {
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC,
                        "logical processor #%" PRId64 " can't be offlined", id);
            ok = false;
        }   /* else it is online for good: nothing to do */
    } else {
        unsigned char byte;
        ok = cpu_online_byte(fd, dirpath, &byte, error);
        if (ok && (byte != '0') != online) {
            byte = online ? '1' : '0';
            if (pwrite(fd, &byte, 1, 0) < 0) {
                int err = errno;
                g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "pwrite(\"%s/%s\"): %s", dirpath,
                            CPU_ONLINE_FILE, g_strerror(err));
                ok = false;
            }
        }
        close(fd);
    }
    close(dirfd);
    return ok;
}
