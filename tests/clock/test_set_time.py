"""guest-set-time under --system-root: qemu-ga's checks, the clock setting, and the RTC step.

The machine's clock is never touched: under a fake root the agent writes the
clock_settime it would make to <root>/streamga-actions. A working RTC cannot
be faked (its ioctls need a real device), so here the RTC step fails the ways
it can: no device, or a regular file (ENOTTY). Setting a real RTC is tested in
the VM (tests/vm/test_virtio_clock.py).
"""
import calendar

import pytest

HWCLOCK_DESC = "hwclock failed to set hardware clock to system time"
NS = 10**9
YEAR_2070 = calendar.timegm((2070, 1, 1, 0, 0, 0))


def call(agent, arguments=None):
    with agent.connect() as conn:
        return conn.call("guest-set-time", arguments)


def error(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


@pytest.mark.parametrize("time_ns", [
    -1 * NS,                        # 1969-12-31T23:59:59
    -10**18,
    -2**63,
    YEAR_2070 * NS,                 # 2070-01-01T00:00:00
    YEAR_2070 * NS + NS - 1,
    2**62,
    2**63 - 1,
], ids=str)
def test_out_of_range_times_are_invalid(clock_root, clock_agent, time_ns):
    agent = clock_agent(clock_root)
    assert call(agent, {"time": time_ns}) == error("Invalid time")
    assert clock_root.actions() == []


@pytest.mark.parametrize("time_ns,seconds", [
    (0, "0.000000000"),
    (999, "0.000000000"),           # below a microsecond: qemu-ga's settimeofday drops it
    (1700000000123456789, "1700000000.123456000"),
    (YEAR_2070 * NS - 1, "%d.999999000" % (YEAR_2070 - 1)),
], ids=str)
def test_valid_times_set_the_clock_then_the_rtc(clock_root, clock_agent, time_ns, seconds):
    """The clock is set first (recorded here); the RTC step then fails: no device."""
    agent = clock_agent(clock_root)
    assert call(agent, {"time": time_ns}) == error(HWCLOCK_DESC)
    assert clock_root.actions() == ["clock_settime " + seconds]
    assert "no RTC device" in agent.stderr()


def test_a_part_second_below_zero_is_refused_by_the_clock(clock_root, clock_agent):
    """-1 ms: the seconds truncate to 0 (1970, valid), the microseconds are
    negative, and the kernel refuses them as it does qemu-ga's settimeofday."""
    agent = clock_agent(clock_root)
    assert call(agent, {"time": -10**6}) == error("Failed to set time to guest: Invalid argument")
    assert clock_root.actions() == []


@pytest.mark.parametrize("tz,time_ns,valid", [
    # The date is checked in local time: east of Greenwich the last second of
    # 1969 (UTC) is already 1970 and passes, then the kernel refuses a negative time.
    ("JST-9", -1 * NS, "Failed to set time to guest: Invalid argument"),
    ("EST5", -1 * NS, "Invalid time"),
    # ... and west of it the first hours of 2070 (UTC) are still 2069.
    ("EST5", YEAR_2070 * NS, HWCLOCK_DESC),
    ("JST-9", YEAR_2070 * NS, "Invalid time"),
])
def test_the_year_is_the_local_one(clock_root, clock_agent, tz, time_ns, valid):
    agent = clock_agent(clock_root, tz=tz)
    assert call(agent, {"time": time_ns}) == error(valid)


def test_a_regular_file_is_no_rtc(clock_root, clock_agent):
    """ioctl(RTC_SET_TIME) on a regular file: ENOTTY, answered as qemu-ga answers a failed hwclock."""
    clock_root.file("/dev/rtc0", "not a device")
    agent = clock_agent(clock_root)
    assert call(agent, {"time": 1700000000 * NS}) == error(HWCLOCK_DESC)
    assert clock_root.actions() == ["clock_settime 1700000000.000000000"]
    assert "RTC_SET_TIME: Inappropriate ioctl for device" in agent.stderr()


@pytest.mark.parametrize("device", ["/dev/rtc", "/dev/misc/rtc"])
def test_the_other_rtc_names_are_tried(clock_root, clock_agent, device):
    clock_root.file(device, "")
    agent = clock_agent(clock_root)
    assert call(agent) == error(HWCLOCK_DESC)
    assert "RTC_RD_TIME: Inappropriate ioctl for device" in agent.stderr()


def test_without_time_the_rtc_is_read(clock_root, clock_agent):
    """No time: the system clock is set from the RTC; with no RTC nothing is set."""
    agent = clock_agent(clock_root)
    assert call(agent) == error(HWCLOCK_DESC)
    assert clock_root.actions() == []
    assert "no RTC device" in agent.stderr()
    clock_root.file("/dev/rtc0", "")
    assert call(agent, {}) == error(HWCLOCK_DESC)
    assert "RTC_RD_TIME: Inappropriate ioctl for device" in agent.stderr()
    assert clock_root.actions() == []


@pytest.mark.parametrize("arguments,desc", [
    ({"time": "1"}, "Invalid parameter type for 'time', expected: integer"),
    ({"time": 1.5}, "Invalid parameter type for 'time', expected: integer"),
    ({"time": None}, "Invalid parameter type for 'time', expected: integer"),
    ({"time": True}, "Invalid parameter type for 'time', expected: integer"),
    ({"time": 2**63}, "Invalid parameter type for 'time', expected: integer"),
    ({"time": 1, "utc": True}, "Parameter 'utc' is unexpected"),
])
def test_bad_arguments(clock_root, clock_agent, arguments, desc):
    agent = clock_agent(clock_root)
    assert call(agent, arguments) == error(desc)
    assert clock_root.actions() == []
