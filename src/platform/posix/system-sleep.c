/* system-sleep.c: sleeping through Linux's /sys/power/state and /sys/power/disk. */
#include "system-sleep.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

#define POWER_STATE_FILE "/sys/power/state"
#define POWER_DISK_FILE "/sys/power/disk"
/* A sysfs attribute holds at most a page. */
#define POWER_FILE_MAX 4096

/* The words of a power attribute ("freeze mem disk", or "[platform] shutdown
 * suspend" with the selected one in brackets); NULL when it cannot be read. */
static char **power_file_words(const char *path)
{
    g_autofree char *real = sga_sysroot_path(path);
    char text[POWER_FILE_MAX + 1];
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return NULL;
    }
    n = read(fd, text, POWER_FILE_MAX);
    close(fd);
    if (n < 0) {
        return NULL;
    }
    text[n] = '\0';
    return g_strsplit_set(g_strstrip(text), " \t\n", -1);
}

/* Whether word is offered, selected ("[word]") or not. */
static bool words_offer(char *const *words, const char *word)
{
    size_t len = strlen(word);

    for (; words && *words; words++) {
        const char *w = *words;
        if (strcmp(w, word) == 0 ||
            (w[0] == '[' && strncmp(w + 1, word, len) == 0 && strcmp(w + 1 + len, "]") == 0)) {
            return true;
        }
    }
    return false;
}

/* The word written to /sys/power/state for a mode. */
static const char *state_word(SgaSuspendMode mode)
{
    return mode == SGA_SUSPEND_RAM ? "mem" : "disk";
}

bool sga_suspend_supported(SgaSuspendMode mode)
{
    g_auto(GStrv) states = power_file_words(POWER_STATE_FILE);

    if (!words_offer(states, state_word(mode))) {
        return false;
    }
    if (mode == SGA_SUSPEND_HYBRID) {
        /* Hybrid sleep is hibernation whose image ends in a suspend to RAM. */
        g_auto(GStrv) disk_modes = power_file_words(POWER_DISK_FILE);
        return words_offer(disk_modes, "suspend");
    }
    return true;
}

/* How the image of this mode must end, as /sys/power/disk names it; NULL to
 * keep the mode selected there. Hybrid sleep is the "suspend" mode. A
 * hibernation keeps the administrator's choice, unless that is "suspend"
 * (left behind by a hybrid sleep, it would make this one hybrid too): then
 * the firmware's power-off ("platform") or a plain one, as systemd prefers. */
static const char *disk_mode_for(SgaSuspendMode mode, char *const *disk_modes)
{
    if (mode == SGA_SUSPEND_HYBRID) {
        return "suspend";
    }
    if (!g_strv_contains((const char *const *)disk_modes, "[suspend]")) {
        return NULL;
    }
    if (words_offer(disk_modes, "platform")) {
        return "platform";
    }
    if (words_offer(disk_modes, "shutdown")) {
        return "shutdown";
    }
    return NULL;
}

/* Replace a power attribute's value. O_TRUNC is what "echo mem > state" does:
 * sysfs ignores it, and a test's fake file then holds just the new value. */
static bool power_file_write(const char *path, const char *value, int *err)
{
    g_autofree char *real = sga_sysroot_path(path);
    int fd = open(real, O_WRONLY | O_TRUNC | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        *err = errno;
        return false;
    }
    n = write(fd, value, strlen(value));
    if (n < 0) {
        *err = errno;
    }
    close(fd);
    return n >= 0;
}

bool sga_suspend_prepare(SgaSuspendMode mode, GError **error)
{
    g_auto(GStrv) disk_modes = NULL;
    const char *wanted;
    int err;

    if (mode == SGA_SUSPEND_RAM) {
        return true;
    }
    disk_modes = power_file_words(POWER_DISK_FILE);
    if (!disk_modes) {
        return true;    /* no choice offered: hibernate the kernel's way */
    }
    wanted = disk_mode_for(mode, disk_modes);
    if (!wanted) {
        return true;
    }
    {
        g_autofree char *selected = g_strdup_printf("[%s]", wanted);
        if (g_strv_contains((const char *const *)disk_modes, selected)) {
            return true;
        }
    }
    if (!power_file_write(POWER_DISK_FILE, wanted, &err)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot select hibernation mode '%s': %s",
                    wanted, g_strerror(err));
        return false;
    }
    return true;
}

bool sga_suspend_enter(SgaSuspendMode mode, GError **error)
{
    int err;

    /* The write returns when the system has woken up again. */
    if (!power_file_write(POWER_STATE_FILE, state_word(mode), &err)) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "writing '%s' to %s failed: %s",
                    state_word(mode), POWER_STATE_FILE, g_strerror(err));
        return false;
    }
    return true;
}
