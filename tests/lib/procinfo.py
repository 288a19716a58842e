"""What /proc says about a running process: peak and current RSS, open fds, CPU time.

Used by the protocol and transport suites to check that the agent's memory stays
bounded under hostile input, that it leaks no descriptors, and that it does not spin.
"""
import json
import os
import time


def status_kib(pid, field):
    """A size field of /proc/PID/status (VmHWM, VmRSS, ...) in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError("%s not in /proc/%d/status" % (field, pid))


def peak_rss_mib(pid):
    """The highest resident set size the process has had so far (VmHWM), in MiB."""
    return status_kib(pid, "VmHWM") / 1024.0


def rss_mib(pid):
    return status_kib(pid, "VmRSS") / 1024.0


def open_fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_targets(pid):
    """Where each open descriptor points (readlink of /proc/PID/fd/N)."""
    targets = []
    fd_dir = "/proc/%d/fd" % pid
    for name in os.listdir(fd_dir):
        try:
            targets.append(os.readlink(os.path.join(fd_dir, name)))
        except OSError:
            pass    # closed while we looked
    return targets


def fd_count_settles_at(pid, expected, timeout=10):
    """The open fd count once it reaches expected, or whatever it is after timeout:
    an agent closes a departed client's socket only when it notices the hang-up."""
    try:
        wait_for(lambda: open_fd_count(pid) == expected, timeout, what="fd count %d" % expected)
    except TimeoutError:
        pass
    return open_fd_count(pid)


def cpu_ticks(pid):
    """User plus system CPU time consumed so far, in clock ticks (utime + stime)."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    # The command name may contain spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


def clock_ticks_per_second():
    return os.sysconf("SC_CLK_TCK")


def process_state(pid):
    """The one-letter state of /proc/PID/stat (R running, S sleeping, ...)."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    return stat[stat.rindex(")") + 2]


def wait_for(predicate, timeout, interval=0.02, what="condition"):
    """Poll predicate until it returns a true value; raise TimeoutError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def build_sanitizers(build_dir):
    """The sanitizers a meson build directory was configured with ('' when none)."""
    path = os.path.join(build_dir, "meson-info", "intro-buildoptions.json")
    try:
        with open(path) as f:
            options = json.load(f)
    except OSError:
        return ""
    for option in options:
        if option["name"] == "b_sanitize":
            return "" if option["value"] == "none" else option["value"]
    return ""


def lean_sanitizer_env(build_dir):
    """Environment additions that make an ASan build's RSS measure the program:
    ASan's quarantine (256 MiB by default) keeps every freed block resident, so
    peak RSS would grow with the bytes freed, not with what the agent holds."""
    if "address" not in build_sanitizers(build_dir):
        return {}
    options = os.environ.get("ASAN_OPTIONS", "")
    return {"ASAN_OPTIONS": (options + ":" if options else "") + "quarantine_size_mb=0"}
