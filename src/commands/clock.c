/* clock.c: guest-set-time: the system clock and the RTC, natively (no hwclock). */
#include "clock.h"

#include <inttypes.h>
#include <time.h>

#include "commands.h"
#include "system-clock.h"
#include "sga-error.h"

#define NSEC_PER_SEC 1000000000LL
#define NSEC_PER_USEC 1000LL

/* qemu-ga accepts times whose local date falls in [1970, 2070). */
#define SET_TIME_FIRST_YEAR 1970
#define SET_TIME_END_YEAR 2070

/* qemu-ga's desc for any failure of `hwclock -w` or `hwclock -s`: streamga
 * answers it wherever hwclock would have failed, and logs the reason. */
#define HWCLOCK_FAILED_DESC "hwclock failed to set hardware clock to system time"

static const SgaMemberSpec set_time_members[] = {
    SGA_OPTIONAL(SgaSetTimeArgs, time, "time", sga_type_int),
    SGA_MEMBERS_END,
};
const SgaTypeSpec sga_set_time_args = {
    .kind = SGA_TYPE_STRUCT, .name = "guest-set-time arguments", .size = sizeof(SgaSetTimeArgs),
    .members = set_time_members,
};

#ifdef G_OS_WIN32
/* 100-nanosecond FILETIME ticks from 1601-01-01 to the Unix epoch. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

/* qemu-ga on Windows has no year window: it refuses only the times a FILETIME
 * cannot hold, in its words (sic: no space before "is"). */
static bool set_time_check(int64_t time_ns, GError **error)
{
    if (time_ns < 0 || time_ns / 100 > INT64_MAX - FILETIME_UNIX_EPOCH) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Time %" PRId64 "is invalid", time_ns);
        return false;
    }
    return true;
}
#else
/* qemu-ga's checks, in its order and words. */
static bool set_time_check(int64_t time_ns, GError **error)
{
    int64_t seconds = time_ns / NSEC_PER_SEC;
    GDate date = { 0 };
    int year;

    if (seconds != (int64_t)(time_t)seconds) {
        /* only where time_t has 32 bits */
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Time %" PRId64 " is too large", time_ns);
        return false;
    }
    g_date_set_time_t(&date, (time_t)seconds);     /* in local time, as qemu-ga */
    year = g_date_valid(&date) ? g_date_get_year(&date) : 0;
    if (year < SET_TIME_FIRST_YEAR || year >= SET_TIME_END_YEAR) {
        g_set_error(error, SGA_ERROR, SGA_ERROR_GENERIC, "Invalid time");
        return false;
    }
    return true;
}
#endif

/* qemu-ga sets the clock with settimeofday(): microseconds, truncated toward
 * zero like the seconds, so a time just below 0 has a negative part that the
 * kernel refuses. Kept as it is, to set what qemu-ga sets and fail where it fails. */
static long set_time_nanoseconds(int64_t time_ns)
{
    return (long)(time_ns % NSEC_PER_SEC / NSEC_PER_USEC * NSEC_PER_USEC);
}

static void hwclock_failed(GError *cause, GError **error)
{
    g_warning("guest-set-time: %s", cause->message);
    g_error_free(cause);
    g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, HWCLOCK_FAILED_DESC);
}

json_object *sga_cmd_guest_set_time(SgaRequest *req, const void *args, GError **error)
{
    const SgaSetTimeArgs *a = args;
    GError *rtc_error = NULL;

    if (a->has_time) {
        if (!set_time_check(a->time, error)) {
            return NULL;
        }
        if (!sga_clock_set(a->time / NSEC_PER_SEC, set_time_nanoseconds(a->time), error)) {
            g_prefix_error(error, "Failed to set time to guest: ");
            return NULL;
        }
        /* The system clock is set; now the RTC, so the time survives a reboot. */
        if (!sga_rtc_from_system(&rtc_error)) {
            hwclock_failed(rtc_error, error);
        }
        return NULL;
    }
    if (!sga_rtc_to_system(&rtc_error)) {
#ifdef G_OS_WIN32
        /* w32tm's resync there: qemu-ga replies its own words for each failure */
        g_propagate_error(error, rtc_error);
#else
        hwclock_failed(rtc_error, error);
#endif
    }
    return NULL;
}
