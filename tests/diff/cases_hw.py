"""Differential cases of processors, memory blocks and statistics for test_diff_commands.py.

Everything here only reads this machine's /sys and /proc: the set commands are
given arguments that write nothing in either agent (an empty list, a memory
block that does not exist). Changing processors and memory blocks, and every
suspend, is tested on a fake system tree under --system-root (tests/hw).
"""
import os

from diffagents import OMIT
from diffshape import same_json

MEMORY_DIR = "/sys/devices/system/memory"


def absent_memory_block():
    """An index no memory block of this machine has."""
    indexes = [int(n[6:]) for n in os.listdir(MEMORY_DIR)
               if n.startswith("memory") and n[6:].isdigit()] if os.path.isdir(MEMORY_DIR) else []
    return max(indexes, default=0) + 10**6


def check_equal(sga, qga, sent, pair):
    assert same_json(sga, qga), (sga, qga)


# Counters the kernel may step back a little between two readings (the idle and
# iowait split of NO_HZ accounting); the others only grow.
WOBBLY_COUNTERS = {"idle", "iowait"}
WOBBLE_MS = 1000


def check_cpustats(sga, qga, sent, pair):
    """The same processors and members; each counter read by streamga first, so not above
    qemu-ga's (times move on between the two readings)."""
    assert [c["cpu"] for c in sga] == [c["cpu"] for c in qga], (sga, qga)
    for s, q in zip(sga, qga):
        assert set(s) == set(q), (s, q)
        assert s["type"] == q["type"] == "linux"
        for name, value in s.items():
            if name in ("type", "cpu"):
                continue
            assert isinstance(value, int) and value >= 0, (name, s)
            slack = WOBBLE_MS if name in WOBBLY_COUNTERS else 0
            assert value <= q[name] + slack, (name, s, q)


COMMANDS = {
    "guest-get-vcpus": (OMIT, check_equal),
    "guest-set-vcpus": ({"vcpus": []}, check_equal),
    "guest-get-memory-blocks": (OMIT, check_equal),
    "guest-set-memory-blocks": ({"mem-blks": [{"phys-index": absent_memory_block(),
                                               "online": True}]}, check_equal),
    "guest-get-memory-block-info": (OMIT, check_equal),
    "guest-get-cpustats": (OMIT, check_cpustats),
}

NOT_DIFFERENTIAL = {
    "guest-suspend-disk": "tests/hw/test_hw_suspend.py, on a fake /sys/power (it would suspend "
                          "this machine)",
    "guest-suspend-ram": "tests/hw/test_hw_suspend.py, on a fake /sys/power",
    "guest-suspend-hybrid": "tests/hw/test_hw_suspend.py, on a fake /sys/power",
    "guest-get-devices": "disabled on Linux in both: tests/diff/test_diff_hw.py compares the "
                         "answers and guest-info entries",
}

NEWER_THAN_ORACLE = {
    "guest-get-load": "10.0",
}
