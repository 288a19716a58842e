"""guest-get/set-memory-blocks and guest-get-memory-block-info on a fake /sys/devices/system/memory."""
import errno
import os

import pytest

from hwtree import (MEMORY_DIR, listed_memory_blocks, memory_state_path, memory_tree, read,
                     write)

MSG_DIR = "/sys/devices/system/memory/"

BLOCKS = {
    0: {"state": "online\n", "removable": "1\n"},
    5: {"state": "offline\n", "removable": "0\n"},
    7: {"state": None, "removable": "1\n"},          # old kernel: no state file
    9: {"state": "online\n", "removable": None},    # no removable file
    12: {"state": "going-offline\n", "removable": "1\n"},
}


def expected_blocks(root, blocks):
    out = []
    for index in listed_memory_blocks(root):
        files = blocks[index]
        if files["state"] is None:
            out.append({"phys-index": index, "online": True, "can-offline": False})
            continue
        removable = files["removable"]
        out.append({"phys-index": index, "online": files["state"].startswith("online"),
                    "can-offline": removable is not None and removable[0] != "0"})
    return out


def test_get_lists_blocks_in_directory_order(rooted, sysroot):
    memory_tree(sysroot, BLOCKS)
    base = os.path.join(str(sysroot), MEMORY_DIR)
    write(os.path.join(base, "memory42"), "a file, not a block\n")    # not a directory
    got = rooted.ok("guest-get-memory-blocks")
    assert got == expected_blocks(sysroot, BLOCKS)
    assert sorted(b["phys-index"] for b in got) == sorted(BLOCKS)


def test_get_without_memory_directory_is_empty(rooted, sysroot):
    assert rooted.ok("guest-get-memory-blocks") == []


def test_get_with_no_blocks_is_an_error(rooted, sysroot):
    memory_tree(sysroot, {})
    assert rooted.error("guest-get-memory-blocks") == {
        "class": "GenericError", "desc": "guest reported zero memory blocks!"}


@pytest.mark.parametrize("name", ["state", "removable"])
def test_get_unreadable_block_file(rooted, sysroot, name):
    memory_tree(sysroot, {0: {"state": "online\n", "removable": "1\n"}})
    path = os.path.join(str(sysroot), MEMORY_DIR, "memory0", name)
    os.unlink(path)
    os.mkdir(path)
    assert rooted.error("guest-get-memory-blocks") == {
        "class": "GenericError",
        "desc": 'pread sysfs file "%s": %s' % (name, os.strerror(errno.EISDIR))}
    os.rmdir(path)
    write(path, "")
    assert rooted.error("guest-get-memory-blocks")["desc"] == \
        'pread sysfs file "%s": unexpected EOF' % name


def test_get_huge_index(rooted, sysroot):
    # The directory name is read unsigned and opened printed signed, as in qemu-ga.
    memory_tree(sysroot, {2**40: {"state": "offline\n", "removable": "1\n"}})
    assert rooted.ok("guest-get-memory-blocks") == [
        {"phys-index": 2**40, "online": False, "can-offline": True}]


def test_set_changes_state_files(rooted, sysroot):
    memory_tree(sysroot, BLOCKS)
    got = rooted.ok("guest-set-memory-blocks", {"mem-blks": [
        {"phys-index": 0, "online": False}, {"phys-index": 5, "online": True},
        {"phys-index": 12, "online": True, "can-offline": False}]})
    assert got == [{"phys-index": 0, "response": "success"},
                   {"phys-index": 5, "response": "success"},
                   {"phys-index": 12, "response": "success"}]
    assert read(memory_state_path(sysroot, 0)) == "offline"
    assert read(memory_state_path(sysroot, 5)) == "online"
    assert read(memory_state_path(sysroot, 12)) == "online"
    got = {b["phys-index"]: b["online"] for b in rooted.ok("guest-get-memory-blocks")}
    assert got[0] is False and got[5] is True


def test_set_same_state_writes_nothing(rooted, sysroot):
    memory_tree(sysroot, BLOCKS)
    for index in (0, 5):
        os.utime(memory_state_path(sysroot, index), ns=(10**9, 10**9))
    got = rooted.ok("guest-set-memory-blocks", {"mem-blks": [
        {"phys-index": 0, "online": True}, {"phys-index": 5, "online": False}]})
    assert got == [{"phys-index": 0, "response": "success"},
                   {"phys-index": 5, "response": "success"}]
    for index in (0, 5):
        assert os.stat(memory_state_path(sysroot, index)).st_mtime_ns == 10**9


def test_set_reports_each_block_on_its_own(rooted, sysroot):
    memory_tree(sysroot, BLOCKS)
    os.makedirs(os.path.dirname(memory_state_path(sysroot, 20)))
    os.mkdir(memory_state_path(sysroot, 20))                     # unreadable state
    os.makedirs(os.path.dirname(memory_state_path(sysroot, 21)))
    os.symlink("/dev/full", memory_state_path(sysroot, 21))      # reads NULs, refuses writes
    got = rooted.ok("guest-set-memory-blocks", {"mem-blks": [
        {"phys-index": 99, "online": True},
        {"phys-index": 7, "online": False},
        {"phys-index": 7, "online": True},
        {"phys-index": 20, "online": True},
        {"phys-index": 21, "online": True},
        {"phys-index": 0, "online": False},
    ]})
    assert got == [
        {"phys-index": 99, "response": "not-found", "error-code": errno.ENOENT},
        {"phys-index": 7, "response": "operation-not-supported", "error-code": errno.ENOENT},
        # qemu-ga's quirk: onlining a block without a state file "succeeds", with an errno
        {"phys-index": 7, "response": "success", "error-code": errno.ENOENT},
        {"phys-index": 20, "response": "operation-failed", "error-code": errno.EISDIR},
        {"phys-index": 21, "response": "operation-failed", "error-code": errno.ENOSPC},
        {"phys-index": 0, "response": "success"},
    ]
    assert read(memory_state_path(sysroot, 0)) == "offline"


def test_set_without_memory_directory(rooted, sysroot):
    got = rooted.ok("guest-set-memory-blocks", {"mem-blks": [{"phys-index": 1, "online": True}]})
    assert got == [{"phys-index": 1, "response": "operation-not-supported",
                    "error-code": errno.ENOENT}]


def test_set_empty_state_file(rooted, sysroot):
    memory_tree(sysroot, {3: {"state": "", "removable": "1\n"}})
    got = rooted.ok("guest-set-memory-blocks", {"mem-blks": [{"phys-index": 3, "online": True}]})
    assert got == [{"phys-index": 3, "response": "operation-failed", "error-code": 0}]


def test_set_index_wraps_like_qemu(rooted, sysroot):
    # -1 is accepted as 2^64-1, which names the directory "memory-1".
    memory_tree(sysroot, {0: {"state": "online\n", "removable": "1\n"}})
    os.makedirs(os.path.join(str(sysroot), MEMORY_DIR, "memory-1"))
    write(os.path.join(str(sysroot), MEMORY_DIR, "memory-1", "state"), "offline\n")
    got = rooted.ok("guest-set-memory-blocks", {"mem-blks": [{"phys-index": -1, "online": True}]})
    assert got == [{"phys-index": 2**64 - 1, "response": "success"}]
    assert read(os.path.join(str(sysroot), MEMORY_DIR, "memory-1", "state")) == "online"


def test_set_empty_list(rooted, sysroot):
    assert rooted.ok("guest-set-memory-blocks", {"mem-blks": []}) == []


@pytest.mark.parametrize("arguments,desc", [
    (None, "Parameter 'mem-blks' is missing"),
    ({"mem-blks": None}, "Invalid parameter type for 'mem-blks', expected: array"),
    ({"mem-blks": [{"online": True}]}, "Parameter 'mem-blks[0].phys-index' is missing"),
    ({"mem-blks": [{"phys-index": 0}]}, "Parameter 'mem-blks[0].online' is missing"),
    ({"mem-blks": [{"phys-index": 1.5, "online": True}]},
     "Parameter 'mem-blks[0].phys-index' expects uint64"),
    ({"mem-blks": [{"phys-index": "0", "online": True}]},
     "Parameter 'mem-blks[0].phys-index' expects uint64"),
    ({"mem-blks": [{"phys-index": 2**64, "online": True}]},
     "Parameter 'mem-blks[0].phys-index' expects uint64"),
    ({"mem-blks": [{"phys-index": 0, "online": "yes"}]},
     "Invalid parameter type for 'mem-blks[0].online', expected: boolean"),
    ({"mem-blks": [{"phys-index": 0, "online": True}, {"phys-index": 0, "online": True, "x": 0}]},
     "Parameter 'mem-blks[1].x' is unexpected"),
])
def test_set_bad_arguments_touch_nothing(rooted, sysroot, arguments, desc):
    memory_tree(sysroot, {0: {"state": "online\n", "removable": "1\n"}})
    os.utime(memory_state_path(sysroot, 0), ns=(10**9, 10**9))
    assert rooted.error("guest-set-memory-blocks", arguments) == {"class": "GenericError",
                                                                  "desc": desc}
    assert os.stat(memory_state_path(sysroot, 0)).st_mtime_ns == 10**9


@pytest.mark.parametrize("text,size", [
    ("8000000\n", 0x8000000),
    ("80000000", 0x80000000),
    ("0x1000\n", 0x1000),
    ("zz", 0),
    ("7fffffffffffffffff\n", 2**63 - 1),       # saturates like strtol
])
def test_info_block_size(rooted, sysroot, text, size):
    memory_tree(sysroot, {}, block_size=text)
    assert rooted.ok("guest-get-memory-block-info") == {"size": size}


def test_info_errors(rooted, sysroot):
    assert rooted.error("guest-get-memory-block-info") == {
        "class": "GenericError", "desc": 'open("%s"): %s' % (MSG_DIR, os.strerror(errno.ENOENT))}
    memory_tree(sysroot, {}, block_size=None)
    assert rooted.error("guest-get-memory-block-info")["desc"] == \
        'open sysfs file "block_size_bytes": %s' % os.strerror(errno.ENOENT)
    memory_tree(sysroot, {}, block_size="")
    assert rooted.error("guest-get-memory-block-info")["desc"] == \
        'pread sysfs file "block_size_bytes": unexpected EOF'


def test_real_blocks_match_sysfs(real):
    """On this machine (read only): the blocks and states sysfs shows, or none at all."""
    base = "/sys/devices/system/memory"
    got = real.ok("guest-get-memory-blocks")
    if not os.path.isdir(base):
        assert got == []
        return
    want = []
    for entry in os.scandir(base):
        if not (entry.name.startswith("memory") and entry.is_dir(follow_symlinks=False)):
            continue
        d = os.path.join(base, entry.name)
        state = os.path.join(d, "state")
        removable = os.path.join(d, "removable")
        if not os.path.exists(state):
            want.append({"phys-index": int(entry.name[6:]), "online": True, "can-offline": False})
            continue
        want.append({"phys-index": int(entry.name[6:]),
                     "online": read(state).startswith("online"),
                     "can-offline": os.path.exists(removable) and read(removable)[0] != "0"})
    assert got == want
    size = int(read(os.path.join(base, "block_size_bytes")), 16)
    assert real.ok("guest-get-memory-block-info") == {"size": size}
