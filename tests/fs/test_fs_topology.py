"""guest-get-fsinfo and guest-get-disks under a fake /sys, /run/udev and /proc tree.

The tree models the disks qemu-ga knows how to place: virtio-blk, virtio-scsi,
LSI SCSI, AHCI, IDE, NVMe behind a PCIe bridge, s390 CCW, virtio-mmio, a disk
on an unknown bus, a device-mapper volume on two disks, partitions, loop
devices. Expected addresses come from the parameters each device was built
with (fakesys.py); orders follow qemu-ga's rule (lists built by prepending,
so the latest mount, device or directory entry comes first), read from the
tree with os.listdir.
"""
import os
import stat

import pytest

from fakesys import FakeSys
from fsenv import call_error, call_ok


def build_tree(root):
    t = FakeSys(root)
    vdb = t.virtio_blk("vdb", 252, 16, slot=5, virtio_index=3)
    t.partition(vdb, "vdb1", 17)
    t.partition(vdb, "vdb2", 18)
    sda = t.virtio_scsi("sda", 8, 0, slot=4, host=2, target=1, lun=3)
    t.udev_property(sda, "ID_SERIAL", "0QEMU_QEMU_HARDDISK_drive-scsi0-0-1-3")
    t.lsi_scsi("sdb", 8, 16, slot=6, host=3, target=2)
    t.ahci("sdc", 8, 32, slot=0x1f, ports=[5, 1, 3, 2], port=3)
    t.ide("sdd", 8, 48, slot=1, buses=[2, 1], bus=2, unit=1)
    nvme = t.nvme_behind_bridge("nvme0n1", 259, 0, bridge_slot=0x1c, bus=1)
    t.partition(nvme, "nvme0n1p1", 1)
    t.ccw_virtio("vde", 252, 32, cssid=0, ssid=0, subchno=4, devno=2)
    t.virtio_mmio("vdf", 252, 48)
    t.platform_disk("mmcblk0", 179, 0)
    dm = t.virtual("dm-0", 253, 0)
    t.slave(dm, t.disks["sdb"])
    t.slave(dm, t.disks["vdb2"])
    t.udev_property(dm, "DM_NAME", "vg0-data")
    t.virtual("loop0", 7, 0, size=0)        # detached loop device: size 0
    t.virtual("loop1", 7, 1)
    os.makedirs(t.path("/sys/block/not-a-link"))
    # btrfs reports major 0; qemu-ga finds the device from the source's node.
    os.makedirs(t.path("/dev"))
    os.mknod(t.path("/dev/vdf"), stat.S_IFBLK | 0o600, os.makedev(252, 48))

    t.mount("/mnt/vdb1", 252, 17, "ext4", "/dev/vdb1")
    t.mount("/run", 0, 25, "tmpfs", "tmpfs")
    t.mount("/mnt/scsi", 8, 0, "xfs", "/dev/sda")
    t.mount("/mnt/sata", 8, 32, "ext4", "/dev/sdc")
    t.mount("/mnt/ide", 8, 48, "ext2", "/dev/sdd")
    t.mount("/mnt/nvme", 259, 1, "ext4", "/dev/nvme0n1p1")
    t.mount("/mnt/dm", 253, 0, "ext4", "/dev/mapper/vg0-data")
    t.mount("/mnt/ccw", 252, 32, "ext4", "/dev/vde")
    t.mount("/mnt/btrfs", 0, 60, "btrfs", "/dev/vdf")
    t.mount("/mnt/nobtrfs", 0, 61, "btrfs", "/dev/no-such-node")
    t.mount("/mnt/mmc", 179, 0, "vfat", "/dev/mmcblk0")
    t.mount("/mnt/loop", 7, 1, "squashfs", "/dev/loop1")
    t.mount("/mnt/gone", 8, 240, "ext4", "/dev/sdp")          # not in /sys (containers)
    t.mount("/mnt/with space", 8, 0, "xfs", "/dev/sda", escaped="/mnt/with\\040space")
    t.write_mountinfo()
    return t


@pytest.fixture
def tree(tmp_path):
    return build_tree(tmp_path / "root")


def slaves_in_order(t, disk):
    """The devices a virtual disk is built on, as qemu-ga lists them (last entry first)."""
    return [t.disks[n] for n in reversed(os.listdir(t.path(disk.devdir + "/slaves")))]


def expected_fsinfo(t):
    by_major_minor = {(d.major, d.minor): d for d in t.disks.values()}
    out = []
    for mountpoint, major, minor, fstype, source, _ in t.mounts:
        if major == 0:
            if fstype != "btrfs" or not os.path.exists(t.path(source)):
                continue
            st = os.stat(t.path(source))
            major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
        dev = by_major_minor.get((major, minor))
        if dev is None:
            name, disks = "%d:%d" % (major, minor), []
        elif dev.address is None:
            name, disks = dev.name, [s.expected_address() for s in slaves_in_order(t, dev)]
        else:
            name, disks = dev.name, [dev.expected_address()]
        # No used/total bytes: the mount points do not exist in the tree.
        out.append({"name": name, "mountpoint": mountpoint, "type": fstype, "disk": disks})
    return list(reversed(out))


def expected_disks(t):
    found = []
    block = t.path("/sys/block")
    for entry in os.listdir(block):
        if not os.path.islink(os.path.join(block, entry)):
            continue
        d = t.disks[entry]
        with open(os.path.join(block, entry, "size")) as f:
            if f.read() == "0\n":
                continue
        info = {"name": d.node, "partition": False,
                "dependencies": [s.node for s in slaves_in_order(t, d)]}
        if d.address is not None:
            info["address"] = d.expected_address()
        if entry == "dm-0":
            info["alias"] = "vg0-data"
        found.append(info)
        for sub in os.listdir(os.path.join(block, entry)):
            part = t.disks.get(sub)
            if part is not None and part.partition_of is d:
                found.append({"name": part.node, "partition": True, "dependencies": [d.node]})
    return list(reversed(found))


def test_fsinfo_matches_the_tree(fs_agents, tree):
    agent = fs_agents.start(tree.root)
    with agent.connect() as c:
        got = call_ok(c, "guest-get-fsinfo")
    assert got == expected_fsinfo(tree)
    # What the expectation covers, spelled out.
    names = {fs["mountpoint"]: fs["name"] for fs in got}
    assert names["/mnt/dm"] == "dm-0" and len(next(
        fs for fs in got if fs["mountpoint"] == "/mnt/dm")["disk"]) == 2
    assert names["/mnt/btrfs"] == "vdf" and "/mnt/nobtrfs" not in names and "/run" not in names
    assert names["/mnt/gone"] == "8:240" and names["/mnt/with space"] == "sda"
    assert {fs["disk"][0]["bus-type"] for fs in got if fs["disk"]} == {
        "virtio", "scsi", "sata", "ide", "nvme", "unknown"}


def test_disks_match_the_tree(fs_agents, tree):
    agent = fs_agents.start(tree.root)
    with agent.connect() as c:
        got = call_ok(c, "guest-get-disks")
    assert got == expected_disks(tree)
    names = [d["name"] for d in got]
    assert "/dev/loop0" not in names and "/dev/not-a-link" not in names
    assert {"/dev/vdb1", "/dev/vdb2", "/dev/nvme0n1p1"} <= set(names)
    # An NVMe disk whose health log cannot be read (no device node here) has no smart.
    assert all("smart" not in d for d in got)


def test_fsinfo_usage_is_statvfs_as_qemu_ga_counts_it(fs_agents, tmp_path):
    """used = blocks - free; total = used + available (what non-root may fill), and
    no QEMU 9.1 total-bytes-privileged. Measured by the namespace holder."""
    from fsenv import NsHolder

    t = FakeSys(tmp_path / "root")
    vdb = t.virtio_blk("vdb", 252, 16, slot=5, virtio_index=3)
    t.mount("/mnt/empty", 252, 16, "tmpfs", "/dev/vdb")
    t.mount("/mnt/used", 252, 16, "tmpfs", "/dev/vdb")
    t.write_mountinfo()
    holder = NsHolder([
        {"path": t.path("/mnt/empty"), "kind": "tmpfs", "size": "1m"},
        {"path": t.path("/mnt/used"), "kind": "tmpfs", "size": "3m", "fill": 300000},
    ])
    try:
        agent = fs_agents.start(t.root, holder=holder)
        with agent.connect() as c:
            got = call_ok(c, "guest-get-fsinfo")
        stats = {mp: holder.statvfs(t.path(mp)) for mp in ("/mnt/empty", "/mnt/used")}
    finally:
        agent.stop()
        holder.close()
    assert [fs["mountpoint"] for fs in got] == ["/mnt/used", "/mnt/empty"]
    for fs in got:
        st = stats[fs["mountpoint"]]
        used = st["f_blocks"] - st["f_bfree"]
        assert fs["used-bytes"] == used * st["f_frsize"], fs
        assert fs["total-bytes"] == (used + st["f_bavail"]) * st["f_frsize"], fs
        assert "total-bytes-privileged" not in fs
        assert fs["disk"] == [vdb.expected_address()]
    assert got[0]["used-bytes"] >= 300000 > got[1]["used-bytes"]


def test_fsinfo_falls_back_to_proc_mounts(fs_agents, tmp_path):
    """Without mountinfo: /proc/self/mounts, local sources only, bind mounts left out,
    device numbers from the source's node (0:0 when there is none)."""
    t = FakeSys(tmp_path / "root")
    vdb = t.virtio_blk("vdb", 252, 16, slot=5, virtio_index=3)
    part = t.partition(vdb, "vdb1", 17)
    os.makedirs(t.path("/dev"))
    os.mknod(t.path("/dev/vdb1"), stat.S_IFBLK | 0o600, os.makedev(252, 17))
    os.makedirs(t.path("/srv/data"))
    os.makedirs(t.path("/proc/self"))
    with open(t.path("/proc/self/mounts"), "w") as f:
        f.write("/dev/vdb1 /mnt/vdb1 ext4 rw,relatime 0 0\n"
                "tmpfs /run tmpfs rw 0 0\n"
                "/srv/data /mnt/bind none rw,bind 0 0\n"
                "//server/share /mnt/smb cifs rw 0 0\n"
                "/dev/missing /mnt/missing ext4 rw 0 0\n")
    agent = fs_agents.start(t.root)
    with agent.connect() as c:
        got = call_ok(c, "guest-get-fsinfo")
    assert got == [
        {"name": "0:0", "mountpoint": "/mnt/missing", "type": "ext4", "disk": []},
        {"name": "vdb1", "mountpoint": "/mnt/vdb1", "type": "ext4",
         "disk": [part.expected_address()]},
    ]


def test_fsinfo_and_disks_on_unreadable_sysfs(fs_agents, tmp_path):
    """A virtual device whose slaves/ cannot be listed: guest-get-fsinfo fails with
    qemu-ga's error; guest-get-disks lists the device without dependencies."""
    t = FakeSys(tmp_path / "root")
    dm = t.virtual("dm-1", 253, 1)
    os.rmdir(t.path(dm.devdir + "/slaves"))
    with open(t.path(dm.devdir + "/slaves"), "w") as f:
        f.write("not a directory\n")
    t.mount("/mnt/dm", 253, 1, "ext4", "/dev/dm-1")
    t.write_mountinfo()
    agent = fs_agents.start(t.root)
    with agent.connect() as c:
        err = call_error(c, "guest-get-fsinfo")
        assert err == {"class": "GenericError", "desc":
                       'opendir("/sys/devices/virtual/block/dm-1/slaves"): Not a directory'}
        assert call_ok(c, "guest-get-disks") == [{"name": "/dev/dm-1", "partition": False}]


def test_missing_system_files_give_qemu_ga_errors(fs_agents, tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    agent = fs_agents.start(root)
    with agent.connect() as c:
        assert call_error(c, "guest-get-fsinfo") == {
            "class": "GenericError", "desc": "failed to open mtab file: '/proc/self/mounts'"}
        assert call_error(c, "guest-get-disks") == {
            "class": "GenericError",
            "desc": 'Can\'t open directory "/sys/block": No such file or directory'}
        assert call_error(c, "guest-get-diskstats") == {
            "class": "GenericError",
            "desc": 'open("/proc/diskstats"): No such file or directory'}
        # Still serving.
        assert call_ok(c, "guest-ping") == {}


def test_diskstats_layouts(fs_agents, tmp_path):
    from diskstats_tree import expected, write_diskstats

    root = tmp_path / "root"
    write_diskstats(str(root / "proc" / "diskstats"))
    agent = fs_agents.start(root)
    with agent.connect() as c:
        assert call_ok(c, "guest-get-diskstats") == expected()


def test_diskstats_of_this_machine(fs_agents, tmp_path):
    """Under the real root: every device of /proc/diskstats, in its order, with the
    members its 17-counter layout (Linux 5.5 and later) gives."""
    from diskstats_tree import FULL_ORDER

    def read():
        with open("/proc/diskstats") as f:
            return [line.split() for line in f]

    agent = fs_agents.start("/")
    with agent.connect() as c:
        before = read()
        got = call_ok(c, "guest-get-diskstats")
        lines = read()
    # A device may come (a loop device set up elsewhere) between the reads.
    ids = [(d["major"], d["minor"], d["name"]) for d in got]
    assert ids in ([(int(f[0]), int(f[1]), f[2]) for f in before],
                   [(int(f[0]), int(f[1]), f[2]) for f in lines])
    by_id = {(f[0], f[1], f[2]): f for f in lines}
    lines = [by_id[(str(major), str(minor), name)] for major, minor, name in ids]
    for d, fields in zip(got, lines):
        assert len(fields) == 3 + len(FULL_ORDER), fields
        assert set(d["stats"]) == set(FULL_ORDER)
        # Counters only grow between the agent's read and ours (ios-pgr is a level).
        for name, later in zip(FULL_ORDER, fields[3:]):
            if name != "ios-pgr":
                assert d["stats"][name] <= int(later), (d["name"], name)
