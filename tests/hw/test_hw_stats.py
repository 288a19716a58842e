"""guest-get-cpustats (/proc/stat) and guest-get-load (/proc/loadavg): fake files and this machine."""
import errno
import os
import struct

import pytest

from hwtree import proc_file, read

TICKS = os.sysconf("SC_CLK_TCK")
COUNTERS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest",
            "guestnice")
# qemu-ga: which optional members a line with n counters gets (irq and softirq together).
OPTIONAL_FROM = {"iowait": 5, "irq": 6, "softirq": 6, "steal": 8, "guest": 9, "guestnice": 10}


def ms(ticks):
    return ticks * 1000 // TICKS


def expected_cpu(cpu, values):
    out = {"type": "linux", "cpu": cpu}
    padded = list(values) + [0] * (10 - len(values))
    for name, value in zip(COUNTERS, padded):
        if name in OPTIONAL_FROM and len(values) < OPTIONAL_FROM[name]:
            continue
        out[name] = ms(value)
    return out


def test_cpustats_from_fake_proc_stat(rooted, sysroot):
    lines = {
        0: [4765960, 12, 1983160, 6119590, 6290, 0, 2040, 3970, 0, 0],
        1: [5604220, 0, 2363220, 4897450, 16740, 3, 8290, 4010, 7, 9],
        3: [100, 200, 300, 400, 500, 600, 700, 800, 900],       # no guest_nice
        7: [1, 2, 3, 4, 5, 6, 7, 8],
        12: [10, 20, 30, 40, 50, 60, 70],
        13: [10, 20, 30, 40, 50],
        14: [11, 22, 33, 44],
    }
    text = "cpu  10 0 10 10 0 0 0 0 0 0\n"
    for cpu, values in lines.items():
        text += "cpu%d %s\n" % (cpu, " ".join(map(str, values)))
    text += "intr 12345 0 0 0\nctxt 999\nbtime 1700000000\nprocesses 5\n\n"
    proc_file(sysroot, "stat", text)
    got = rooted.ok("guest-get-cpustats")
    want = [expected_cpu(cpu, values) for cpu, values in lines.items()]
    assert got == want


def test_cpustats_six_counters_show_softirq_with_irq(rooted, sysroot):
    proc_file(sysroot, "stat", "cpu0 100 200 300 400 500 600\n")
    assert rooted.ok("guest-get-cpustats") == [{
        "type": "linux", "cpu": 0, "user": ms(100), "nice": ms(200), "system": ms(300),
        "idle": ms(400), "iowait": ms(500), "irq": ms(600), "softirq": 0}]


def test_cpustats_short_line_ends_the_list(rooted, sysroot):
    proc_file(sysroot, "stat", "cpu0 1 2 3 4\ncpu1 1 2 3\ncpu2 1 2 3 4\n")
    assert rooted.ok("guest-get-cpustats") == [expected_cpu(0, [1, 2, 3, 4])]


def test_cpustats_large_counters(rooted, sysroot):
    big = 2**53 // 1000
    proc_file(sysroot, "stat", "cpu5 %d 0 0 0 0 0 0 0 0 0\n" % big)
    got = rooted.ok("guest-get-cpustats")
    assert got[0]["user"] == ms(big) and got[0]["cpu"] == 5


def test_cpustats_without_proc_stat(rooted, sysroot):
    assert rooted.error("guest-get-cpustats") == {
        "class": "GenericError", "desc": 'open("/proc/stat"): %s' % os.strerror(errno.ENOENT)}


def test_cpustats_without_processor_lines_is_empty(rooted, sysroot):
    proc_file(sysroot, "stat", "cpu 1 2 3 4 5 6 7 8 9 10\nintr 1\n")
    assert rooted.ok("guest-get-cpustats") == []


def read_proc_stat():
    out = {}
    for line in read("/proc/stat").splitlines():
        fields = line.split()
        if fields and fields[0].startswith("cpu") and fields[0] != "cpu":
            out[int(fields[0][3:])] = [int(v) for v in fields[1:11]]
    return out


def test_cpustats_on_this_machine_lie_between_two_readings(real):
    before = read_proc_stat()
    got = real.ok("guest-get-cpustats")
    after = read_proc_stat()
    assert [c["cpu"] for c in got] == list(before)
    for cpu in got:
        low, high = expected_cpu(cpu["cpu"], before[cpu["cpu"]]), \
            expected_cpu(cpu["cpu"], after[cpu["cpu"]])
        assert set(cpu) == set(low), (cpu, low)
        for name in COUNTERS:
            if name in cpu:
                assert low[name] <= cpu[name] <= high[name], (name, cpu, low, high)


@pytest.mark.parametrize("text,load", [
    ("0.25 1.50 12.00 1/123 4567\n", (0.25, 1.5, 12.0)),
    ("0.55 1.07 1.96 3/102 13473\n", (0.55, 1.07, 1.96)),
    ("7 8 9", (7.0, 8.0, 9.0)),
])
def test_load_from_fake_loadavg(rooted, sysroot, text, load):
    proc_file(sysroot, "loadavg", text)
    got = rooted.ok("guest-get-load")
    assert got == {"load1m": load[0], "load5m": load[1], "load15m": load[2]}
    # exact doubles, as strtod reads them
    assert [struct.pack("<d", got[k]) for k in ("load1m", "load5m", "load15m")] == \
        [struct.pack("<d", v) for v in load]


@pytest.mark.parametrize("text", ["", "0.5 1.0\n", "a b c\n", "nan 1 2\n", "1 inf 2\n"])
def test_load_malformed(rooted, sysroot, text):
    proc_file(sysroot, "loadavg", text)
    assert rooted.error("guest-get-load") == {
        "class": "GenericError",
        "desc": "cannot query load average: %s" % os.strerror(errno.EINVAL)}


def test_load_without_loadavg(rooted, sysroot):
    assert rooted.error("guest-get-load") == {
        "class": "GenericError",
        "desc": "cannot query load average: %s" % os.strerror(errno.ENOENT)}


def test_load_on_this_machine_is_what_getloadavg_says(real):
    # getloadavg() (as upstream qemu-ga calls it) has the kernel's exact fixed-point values,
    # /proc/loadavg only two decimals. The kernel updates them every 5 s: one of two
    # readings around the call matches.
    before = os.getloadavg()
    got = real.ok("guest-get-load")
    after = os.getloadavg()
    assert (got["load1m"], got["load5m"], got["load15m"]) in (before, after)


def test_load_listed_as_enabled(real):
    info = {c["name"]: c for c in real.ok("guest-info")["supported_commands"]}
    assert info["guest-get-load"] == {"name": "guest-get-load", "enabled": True,
                                      "success-response": True}
    assert info["guest-get-cpustats"]["enabled"] is True


@pytest.mark.parametrize("command", ["guest-get-cpustats", "guest-get-load"])
def test_arguments_are_refused(real, command):
    assert real.error(command, {"x": 1}) == {"class": "GenericError",
                                             "desc": "Parameter 'x' is unexpected"}
