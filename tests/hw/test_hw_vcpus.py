"""guest-get-vcpus and guest-set-vcpus on a fake /sys/devices/system/cpu (never the real one)."""
import errno
import os

import pytest

from hwtree import cpu_online_path, cpu_tree, listed_cpus, read

CPU_MSG_DIR = "/sys/devices/system/cpu"


def expected_vcpus(root, cpus):
    out = []
    for cpu_id in listed_cpus(root):
        online = cpus[cpu_id]
        if online is None:
            out.append({"logical-id": cpu_id, "online": True, "can-offline": False})
        else:
            out.append({"logical-id": cpu_id, "online": online[0] != "0", "can-offline": True})
    return out


def test_get_lists_processors_in_directory_order(rooted, sysroot):
    cpus = {0: None, 1: "1\n", 2: "0\n", 3: "1\n", 10: "0\n", 11: "1"}
    cpu_tree(sysroot, cpus)
    got = rooted.ok("guest-get-vcpus")
    assert got == expected_vcpus(sysroot, cpus)
    assert [v["logical-id"] for v in got] == listed_cpus(sysroot)     # not sorted: readdir order
    assert sorted(v["logical-id"] for v in got) == sorted(cpus)        # decoys left out


def test_get_reports_every_state_the_online_file_can_hold(rooted, sysroot):
    # qemu-ga reads only the first byte: anything but '0' is online.
    cpus = {0: "0", 1: "1", 2: "2\n", 3: "0 trailing"}
    cpu_tree(sysroot, cpus)
    got = {v["logical-id"]: v for v in rooted.ok("guest-get-vcpus")}
    assert got[0]["online"] is False and got[3]["online"] is False
    assert got[1]["online"] is True and got[2]["online"] is True
    assert all(v["can-offline"] is True for v in got.values())


def test_get_without_cpu_directory(rooted, sysroot):
    err = rooted.error("guest-get-vcpus")
    assert err == {"class": "GenericError",
                   "desc": "failed to list entries: %s: %s" % (CPU_MSG_DIR, os.strerror(errno.ENOENT))}


def test_get_with_no_processors_is_empty(rooted, sysroot):
    cpu_tree(sysroot, {})
    assert rooted.ok("guest-get-vcpus") == []


def test_get_unreadable_online_file(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 1: "1\n"})
    os.makedirs(cpu_online_path(sysroot, 2))        # a directory: open works, read fails
    err = rooted.error("guest-get-vcpus")
    assert err == {"class": "GenericError", "desc": 'pread("%s/cpu2//online"): %s' % (
        CPU_MSG_DIR, os.strerror(errno.EISDIR))}


def test_get_empty_online_file(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 4: ""})
    err = rooted.error("guest-get-vcpus")
    assert err["desc"] == 'pread("%s/cpu4//online"): unexpected EOF' % CPU_MSG_DIR


def test_set_offline_and_online_writes_the_file(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 1: "1\n", 2: "1\n"})
    assert rooted.ok("guest-set-vcpus", {"vcpus": [{"logical-id": 1, "online": False}]}) == 1
    assert read(cpu_online_path(sysroot, 1)) == "0\n"
    assert read(cpu_online_path(sysroot, 2)) == "1\n"
    got = {v["logical-id"]: v["online"] for v in rooted.ok("guest-get-vcpus")}
    assert got == {0: True, 1: False, 2: True}
    # can-offline in the request is ignored, as qemu-ga ignores it
    assert rooted.ok("guest-set-vcpus", {"vcpus": [
        {"logical-id": 1, "online": True, "can-offline": False}]}) == 1
    assert read(cpu_online_path(sysroot, 1)) == "1\n"


def test_set_same_state_writes_nothing(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 1: "1\n", 2: "0\n"})
    for cpu_id in (1, 2):
        os.utime(cpu_online_path(sysroot, cpu_id), ns=(10**9, 10**9))
    assert rooted.ok("guest-set-vcpus", {"vcpus": [
        {"logical-id": 1, "online": True}, {"logical-id": 2, "online": False},
        {"logical-id": 0, "online": True}]}) == 3
    for cpu_id in (1, 2):
        assert os.stat(cpu_online_path(sysroot, cpu_id)).st_mtime_ns == 10**9


def test_set_processes_in_order_and_stops_at_a_failure(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 1: "1\n", 2: "1\n", 3: "0\n"})
    # The second fails (no cpu99): the first stays done, the third is not attempted.
    assert rooted.ok("guest-set-vcpus", {"vcpus": [
        {"logical-id": 1, "online": False}, {"logical-id": 99, "online": True},
        {"logical-id": 2, "online": False}]}) == 1
    assert read(cpu_online_path(sysroot, 1)) == "0\n"
    assert read(cpu_online_path(sysroot, 2)) == "1\n"
    # The same list repeated and revisited is fine.
    assert rooted.ok("guest-set-vcpus", {"vcpus": [
        {"logical-id": 3, "online": True}, {"logical-id": 3, "online": False},
        {"logical-id": 3, "online": True}]}) == 3
    assert read(cpu_online_path(sysroot, 3)) == "1\n"


def test_set_first_failure_is_the_error(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 1: "1\n"})
    err = rooted.error("guest-set-vcpus", {"vcpus": [
        {"logical-id": 99, "online": True}, {"logical-id": 1, "online": False}]})
    assert err == {"class": "GenericError", "desc": 'open("%s/cpu99/"): %s' % (
        CPU_MSG_DIR, os.strerror(errno.ENOENT))}
    assert read(cpu_online_path(sysroot, 1)) == "1\n"
    err = rooted.error("guest-set-vcpus", {"vcpus": [{"logical-id": -3, "online": True}]})
    assert err["desc"] == 'open("%s/cpu-3/"): %s' % (CPU_MSG_DIR, os.strerror(errno.ENOENT))


def test_set_processor_without_control_file(rooted, sysroot):
    cpu_tree(sysroot, {0: None, 1: "1\n"})
    err = rooted.error("guest-set-vcpus", {"vcpus": [{"logical-id": 0, "online": False}]})
    assert err == {"class": "GenericError", "desc": "logical processor #0 can't be offlined"}
    # Asking it to stay online succeeds without writing anything.
    assert rooted.ok("guest-set-vcpus", {"vcpus": [{"logical-id": 0, "online": True}]}) == 1
    assert not os.path.exists(cpu_online_path(sysroot, 0))
    # Behind a success, the same failure only ends the count.
    assert rooted.ok("guest-set-vcpus", {"vcpus": [
        {"logical-id": 1, "online": False}, {"logical-id": 0, "online": False}]}) == 1


def test_set_open_and_write_failures(rooted, sysroot):
    cpu_tree(sysroot, {0: None})
    os.makedirs(cpu_online_path(sysroot, 5))
    err = rooted.error("guest-set-vcpus", {"vcpus": [{"logical-id": 5, "online": False}]})
    assert err["desc"] == 'open("%s/cpu5//online"): %s' % (CPU_MSG_DIR, os.strerror(errno.EISDIR))
    # /dev/full reads as NUL bytes (online) and refuses every write.
    os.makedirs(os.path.dirname(cpu_online_path(sysroot, 6)))
    os.symlink("/dev/full", cpu_online_path(sysroot, 6))
    err = rooted.error("guest-set-vcpus", {"vcpus": [{"logical-id": 6, "online": False}]})
    assert err["desc"] == 'pwrite("%s/cpu6//online"): %s' % (CPU_MSG_DIR, os.strerror(errno.ENOSPC))
    os.makedirs(os.path.dirname(cpu_online_path(sysroot, 7)))
    open(cpu_online_path(sysroot, 7), "w").close()
    err = rooted.error("guest-set-vcpus", {"vcpus": [{"logical-id": 7, "online": True}]})
    assert err["desc"] == 'pread("%s/cpu7//online"): unexpected EOF' % CPU_MSG_DIR


def test_set_empty_list(rooted, sysroot):
    assert rooted.ok("guest-set-vcpus", {"vcpus": []}) == 0


@pytest.mark.parametrize("arguments,desc", [
    (None, "Parameter 'vcpus' is missing"),
    ({"vcpus": {}}, "Invalid parameter type for 'vcpus', expected: array"),
    ({"vcpus": [1]}, "Invalid parameter type for 'vcpus[0]', expected: object"),
    ({"vcpus": [{"online": True}]}, "Parameter 'vcpus[0].logical-id' is missing"),
    ({"vcpus": [{"logical-id": 1}]}, "Parameter 'vcpus[0].online' is missing"),
    ({"vcpus": [{"logical-id": "1", "online": True}]},
     "Invalid parameter type for 'vcpus[0].logical-id', expected: integer"),
    ({"vcpus": [{"logical-id": 2**63, "online": True}]},
     "Invalid parameter type for 'vcpus[0].logical-id', expected: integer"),
    ({"vcpus": [{"logical-id": 1, "online": 1}]},
     "Invalid parameter type for 'vcpus[0].online', expected: boolean"),
    ({"vcpus": [{"logical-id": 1, "online": True, "can-offline": None}]},
     "Invalid parameter type for 'vcpus[0].can-offline', expected: boolean"),
    ({"vcpus": [{"logical-id": 1, "online": True, "extra": 1}]},
     "Parameter 'vcpus[0].extra' is unexpected"),
])
def test_set_bad_arguments_touch_nothing(rooted, sysroot, arguments, desc):
    """Wording as qemu-ga's (tests/diff/test_diff_hw.py compares them with it)."""
    cpu_tree(sysroot, {0: None, 1: "1\n"})
    err = rooted.error("guest-set-vcpus", arguments)
    assert err == {"class": "GenericError", "desc": desc}
    assert read(cpu_online_path(sysroot, 1)) == "1\n"


def test_get_takes_no_arguments(rooted, sysroot):
    cpu_tree(sysroot, {0: None})
    assert rooted.error("guest-get-vcpus", {"cpu": 0}) == {
        "class": "GenericError", "desc": "Parameter 'cpu' is unexpected"}


def test_real_processors_match_sysfs(real):
    """On this machine (read only): the same processors and states sysfs shows."""
    got = real.ok("guest-get-vcpus")
    base = "/sys/devices/system/cpu"
    want = []
    for entry in os.scandir(base):
        if entry.name.startswith("cpu") and entry.name[3:].isdigit():
            online_file = os.path.join(base, entry.name, "online")
            if os.path.exists(online_file):
                want.append({"logical-id": int(entry.name[3:]),
                             "online": read(online_file)[0] != "0", "can-offline": True})
            else:
                want.append({"logical-id": int(entry.name[3:]), "online": True,
                             "can-offline": False})
    assert got == want
