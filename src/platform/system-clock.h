/* system-clock.h: the system clock, and the hardware clock (RTC) that keeps time while the machine is off. */
#ifndef SGA_SYSTEM_CLOCK_H
#define SGA_SYSTEM_CLOCK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Set the system clock (seconds and nanoseconds since the epoch). Under a fake
 * system root the setting goes to the action record instead. On failure the
 * message is the system's alone (strerror), for the caller to prefix. */
bool sga_clock_set(int64_t seconds, long nanoseconds, GError **error);

/* Store the system time in the RTC, as `hwclock --systohc` does: in UTC,
 * or in local time when <root>/etc/adjtime says LOCAL. (Windows does it
 * itself when the clock is set.) */
bool sga_rtc_from_system(GError **error);

/* Set the system clock from the RTC, as `hwclock --hctosys` does. Windows
 * gives no access to the RTC: there, as qemu-ga, the Windows Time service
 * resyncs (w32tm /resync), and the message is the whole reply. */
bool sga_rtc_to_system(GError **error);

#endif
