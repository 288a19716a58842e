/* rtc.c: the RTC through /dev/rtc's ioctls, with hwclock's choice of UTC or local time. */
#include "system-clock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sga-error.h"
#include "sysroot.h"

/* Where hwclock looks for the RTC, in its order. */
static const char *const rtc_devices[] = { "/dev/rtc0", "/dev/rtc", "/dev/misc/rtc", NULL };

/* hwclock's record of how the RTC keeps time: its third line is UTC or LOCAL. */
#define ADJTIME_FILE "/etc/adjtime"
#define ADJTIME_MODE_LINE 2

/* The RTC counts whole seconds: a system time past the half rounds up. */
#define NSEC_HALF_SECOND 500000000L

static int rtc_open(GError **error)
{
    for (const char *const *dev = rtc_devices; *dev; dev++) {
        g_autofree char *path = sga_sysroot_path(*dev);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            return fd;
        }
        if (errno != ENOENT) {
            int err = errno;
            g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "cannot open %s: %s", path,
                        g_strerror(err));
            return -1;
        }
    }
    g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "no RTC device (%s, %s, %s) under %s",
                rtc_devices[0], rtc_devices[1], rtc_devices[2], sga_sysroot());
    return -1;
}

/* Whether the RTC keeps local time; UTC, as hwclock assumes, without adjtime. */
static bool rtc_is_local(void)
{
    g_autofree char *path = sga_sysroot_path(ADJTIME_FILE);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return false;
    }
    lines = g_strsplit(text, "\n", ADJTIME_MODE_LINE + 2);
    return g_strv_length(lines) > ADJTIME_MODE_LINE &&
           strcmp(g_strstrip(lines[ADJTIME_MODE_LINE]), "LOCAL") == 0;
}

bool sga_rtc_from_system(GError **error)
{
    struct timespec now;
    struct rtc_time rt = { 0 };
    struct tm tm;
    time_t seconds;
    int fd, err;

    fd = rtc_open(error);
    if (fd < 0) {
        return false;
    }
    clock_gettime(CLOCK_REALTIME, &now);
    seconds = now.tv_sec + (now.tv_nsec >= NSEC_HALF_SECOND ? 1 : 0);
    if (!(rtc_is_local() ? localtime_r(&seconds, &tm) : gmtime_r(&seconds, &tm))) {
        close(fd);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "the time cannot be broken down");
        return false;
    }
    rt.tm_sec = tm.tm_sec;
    rt.tm_min = tm.tm_min;
    rt.tm_hour = tm.tm_hour;
    rt.tm_mday = tm.tm_mday;
    rt.tm_mon = tm.tm_mon;
    rt.tm_year = tm.tm_year;
    rt.tm_wday = tm.tm_wday;
    rt.tm_yday = tm.tm_yday;
    rt.tm_isdst = 0;
    if (ioctl(fd, RTC_SET_TIME, &rt) < 0) {
        err = errno;
        close(fd);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "RTC_SET_TIME: %s", g_strerror(err));
        return false;
    }
    close(fd);
    return true;
}

bool sga_rtc_to_system(GError **error)
{
    struct rtc_time rt = { 0 };
    struct tm tm = { 0 };
    time_t seconds;
    int fd, err;

    fd = rtc_open(error);
    if (fd < 0) {
        return false;
    }
    if (ioctl(fd, RTC_RD_TIME, &rt) < 0) {
        err = errno;
        close(fd);
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "RTC_RD_TIME: %s", g_strerror(err));
        return false;
    }
    close(fd);
    tm.tm_sec = rt.tm_sec;
    tm.tm_min = rt.tm_min;
    tm.tm_hour = rt.tm_hour;
    tm.tm_mday = rt.tm_mday;
    tm.tm_mon = rt.tm_mon;
    tm.tm_year = rt.tm_year;
    tm.tm_isdst = -1;
    seconds = rtc_is_local() ? mktime(&tm) : timegm(&tm);
    if (seconds == (time_t)-1) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "the RTC reads an invalid time");
        return false;
    }
    return sga_clock_set(seconds, 0, error);
}
