"""A fake /proc/diskstats with every line layout the kernel has used, and what each means.

Field layouts (Documentation/admin-guide/iostats.rst): 4 counters for
partitions of 2.6 kernels; 11 up to 4.17; 15 with discards (4.18); 17 with
flushes (5.5). Lines with another count tell qemu-ga nothing for sure: it
reports a device with empty stats for 5 to 10 counters, and skips a line with
fewer than 4 or one that does not parse.
"""

# (major, minor, name, counters)
LINES = [
    (8, 0, "sda", list(range(101, 118))),                   # 17: flushes
    (8, 1, "sda1", list(range(201, 216))),                  # 15: discards
    (8, 2, "sda2", list(range(301, 312))),                  # 11: classic
    (3, 1, "hda1", [401, 402, 403, 404]),                   # 4: 2.6 partition
    (9, 0, "md0", [501, 502, 503, 504, 505, 506, 507]),     # 7: none of these
    (252, 0, "vda", [2**64 - 1, 2**63, 0, 4294967295, 5, 6, 7, 8, 4294967295, 10, 11]),
]
GARBAGE = ["\n", "8 3\n", "x y sdz 1 2 3 4\n", "8 4 sdq 1 2\n"]

# GuestDiskStats names in kernel field order, for the classic/discard/flush layouts.
FULL_ORDER = ["read-ios", "read-merges", "read-sectors", "read-ticks", "write-ios",
              "write-merges", "write-sectors", "write-ticks", "ios-pgr", "total-ticks",
              "weight-ticks", "discard-ios", "discard-merges", "discard-sectors",
              "discard-ticks", "flush-ios", "flush-ticks"]
PARTITION_ORDER = ["read-ios", "read-sectors", "write-ios", "write-sectors"]


def write_diskstats(path):
    import os
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for i, (major, minor, name, counters) in enumerate(LINES):
            f.write("%4d %7d %s %s\n" % (major, minor, name, " ".join(map(str, counters))))
            if i < len(GARBAGE):
                f.write(GARBAGE[i])


def expected():
    out = []
    for major, minor, name, counters in LINES:
        n = len(counters)
        if n == 4:
            stats = dict(zip(PARTITION_ORDER, counters))
        elif n in (11, 15, 17):
            stats = dict(zip(FULL_ORDER, counters))
        else:
            stats = {}
        out.append({"name": name, "major": major, "minor": minor, "stats": stats})
    return out
