"""Differential cases of the filesystem family for test_diff_commands.py: this machine's mounts, disks and disk counters.

Freezing, thawing and trimming act on the machine's real filesystems, so they
are never sent to either agent here (NOT_DIFFERENTIAL says where they are
tested). tests/fs/test_fs_oracle.py compares the read-only commands with
qemu-ga on a fake tree as well.
"""
from diffagents import OMIT
from diffshape import same_json

# How far the root filesystem's used bytes may move between the two agents'
# reads: other processes write meanwhile. A wrong formula is off by the
# reserved blocks (gigabytes) or by a factor of the block size.
USED_BYTES_SLACK = 256 << 20

# Counters the kernel prints as unsigned int: they may wrap between two reads.
U32_STATS = {"write-ticks", "ios-pgr", "total-ticks", "weight-ticks", "discard-ticks",
             "flush-ticks"}


def check_equal(sga, qga, sent, pair):
    assert same_json(sga, qga), (sga, qga)


def check_fsinfo(sga, qga, sent, pair):
    """Same mounts, names, types and disks; total-bytes exact (used plus available
    does not move as files come and go), used-bytes close."""
    assert [fs["mountpoint"] for fs in sga] == [fs["mountpoint"] for fs in qga], (sga, qga)
    assert sga, "no filesystem listed"
    for s, q in zip(sga, qga):
        s, q = dict(s), dict(q)
        used_s, used_q = s.pop("used-bytes", None), q.pop("used-bytes", None)
        assert same_json(s, q), (s, q)
        if used_q is None:
            assert used_s is None, s
            continue
        assert abs(used_s - used_q) <= USED_BYTES_SLACK, (s["mountpoint"], used_s, used_q)


def check_diskstats(sga, qga, sent, pair):
    """Same devices and members; streamga read first, so its counters are not ahead
    of qemu-ga's (ios-pgr is a level, not a counter)."""
    ids = [(d["name"], d["major"], d["minor"]) for d in sga]
    assert ids == [(d["name"], d["major"], d["minor"]) for d in qga], (sga, qga)
    for s, q in zip(sga, qga):
        assert set(s["stats"]) == set(q["stats"]), (s, q)
        for key, value in s["stats"].items():
            assert isinstance(value, int) and value >= 0, (s["name"], key, value)
            if key == "ios-pgr":
                continue
            wrapped = key in U32_STATS and value - q["stats"][key] > 2**31
            assert value <= q["stats"][key] or wrapped, (s["name"], key, value, q["stats"][key])


def check_thawed(sga, qga, sent, pair):
    assert sga == qga == "thawed", (sga, qga)


COMMANDS = {
    "guest-fsfreeze-status": (OMIT, check_thawed),
    "guest-get-fsinfo": (OMIT, check_fsinfo),
    "guest-get-disks": (OMIT, check_equal),
    "guest-get-diskstats": (OMIT, check_diskstats),
}

NOT_DIFFERENTIAL = {
    "guest-fsfreeze-freeze": "freezes the machine's filesystems: tests/fs/test_fs_freeze.py "
                             "(loop-mounted ext4 in a private mount namespace), tests/vm/test_vm_fs.py",
    "guest-fsfreeze-freeze-list": "freezes the machine's filesystems: tests/fs/test_fs_freeze.py, "
                                  "tests/vm/test_vm_fs.py",
    "guest-fsfreeze-thaw": "FITHAW on every real filesystem would undo a freeze some other tool "
                           "holds: tests/fs/test_fs_freeze.py, tests/vm/test_vm_fs.py",
    "guest-fstrim": "discards the free blocks of the machine's disks: tests/fs/test_fs_fstrim.py",
}
