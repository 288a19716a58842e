"""guest-set-time in a real guest with a real RTC (the PC's CMOS clock, /dev/rtc0).

With a time, the guest's clock is set and then the RTC from it; QEMU's view of
its RTC (QMP qom-get /machine rtc-time) must show the time set. Without one,
the guest's clock is set from the RTC. With /etc/adjtime saying LOCAL the RTC
keeps the guest's local time. Tolerances only absorb the seconds a TCG guest
takes between the steps.
"""
import calendar
import json
import time

import pytest

from guestvm import GuestVM
from qmp import QMP

pytestmark = pytest.mark.vm

NS = 10**9
TOLERANCE_S = 60
DAY = 86400
# JST: nine hours east, no summer time
LOCAL_TZ = "JST-9"
LOCAL_OFFSET_S = 9 * 3600


def rtc_seconds(vm):
    """QEMU's RTC, read as a UTC broken-down time."""
    qmp = QMP(vm.qmp_path)
    try:
        tm = qmp.execute("qom-get", path="/machine", property="rtc-time")
    finally:
        qmp.close()
    return calendar.timegm((tm["tm_year"] + 1900, tm["tm_mon"] + 1, tm["tm_mday"], tm["tm_hour"],
                            tm["tm_min"], tm["tm_sec"]))


def guest_seconds(conn):
    reply = conn.call("guest-get-time", timeout=30)
    return reply["return"] / NS


def guest_exec(conn, *argv):
    """Run a program in the guest and wait for it; its exit code."""
    pid = conn.call("guest-exec", {"path": argv[0], "arg": list(argv[1:])}, timeout=30)["return"]["pid"]
    deadline = time.monotonic() + 60
    while True:
        status = conn.call("guest-exec-status", {"pid": pid}, timeout=30)["return"]
        if status["exited"]:
            return status.get("exitcode")
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


@pytest.fixture(scope="module")
def utc_guest(agent_binary, tmp_path_factory):
    vm = GuestVM(agent_binary, workdir=tmp_path_factory.mktemp("vm"))
    vm.start()
    yield vm
    vm.stop()


def test_time_goes_to_the_clock_and_the_rtc(utc_guest):
    target = int(time.time()) + 10 * DAY
    with utc_guest.connect() as conn:
        assert conn.call("guest-set-time", {"time": target * NS + 123456789}, timeout=30) == {"return": {}}
        assert abs(guest_seconds(conn) - target) < TOLERANCE_S
    assert abs(rtc_seconds(utc_guest) - target) < TOLERANCE_S


def test_without_time_the_clock_comes_from_the_rtc(utc_guest):
    with utc_guest.connect() as conn:
        rtc = rtc_seconds(utc_guest)
        # move the guest's clock alone (busybox date), far from the RTC
        assert guest_exec(conn, "date", "-s", "@%d" % (rtc - 100 * DAY)) == 0
        assert abs(guest_seconds(conn) - (rtc - 100 * DAY)) < TOLERANCE_S
        assert conn.call("guest-set-time", timeout=30) == {"return": {}}
        assert abs(guest_seconds(conn) - rtc) < TOLERANCE_S


def test_out_of_range_time_changes_nothing(utc_guest):
    with utc_guest.connect() as conn:
        before = guest_seconds(conn)
        reply = conn.call("guest-set-time", {"time": -NS}, timeout=30)
        assert reply == {"error": {"class": "GenericError", "desc": "Invalid time"}}
        assert abs(guest_seconds(conn) - before) < TOLERANCE_S


def test_a_local_time_rtc(agent_binary, tmp_path):
    """hwclock's /etc/adjtime third line LOCAL: the RTC holds the local time."""
    vm = GuestVM(agent_binary, workdir=tmp_path / "vm", extra_files={
        "/etc/adjtime": b"0.000000 0 0.000000\n0\nLOCAL\n",
        "/etc/sga/pre-agent.sh": ("export TZ=%s\n" % LOCAL_TZ).encode(),
    })
    vm.start()
    try:
        target = int(time.time()) + 20 * DAY
        with vm.connect() as conn:
            assert conn.call("guest-set-time", {"time": target * NS}, timeout=30) == {"return": {}}
            assert abs(rtc_seconds(vm) - (target + LOCAL_OFFSET_S)) < TOLERANCE_S
            # and back: the RTC's local time is read as such
            assert guest_exec(conn, "date", "-s", "@%d" % (target - 100 * DAY)) == 0
            assert conn.call("guest-set-time", timeout=30) == {"return": {}}
            assert abs(guest_seconds(conn) - target) < TOLERANCE_S
    finally:
        vm.stop()
