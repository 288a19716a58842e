/* clock.c: setting CLOCK_REALTIME, or recording the setting under a fake root. */
#include "system-clock.h"

#include <errno.h>
#include <time.h>

#include "action-record.h"
#include "sga-error.h"
#include "sysroot.h"

bool sga_clock_set(int64_t seconds, long nanoseconds, GError **error)
{
    struct timespec ts = { .tv_sec = (time_t)seconds, .tv_nsec = nanoseconds };

    if (!sga_sysroot_is_real()) {
        /* What the kernel would refuse is refused here too. */
        if (nanoseconds < 0 || nanoseconds >= 1000000000L || seconds < 0) {
            g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, g_strerror(EINVAL));
            return false;
        }
        return sga_action_record(error, "clock_settime %" G_GINT64_FORMAT ".%09ld", seconds,
                                 nanoseconds);
    }
    if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
        int err = errno;
        g_set_error_literal(error, SGA_ERROR, SGA_ERROR_GENERIC, g_strerror(err));
        return false;
    }
    return true;
}
