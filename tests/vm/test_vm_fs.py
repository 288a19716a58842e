"""Filesystem commands in real guests: streamga and Debian's qemu-ga side by side.

Two guests with the same hardware: one runs streamga, the other qemu-ga. Each has an ext4 disk on virtio-blk mounted at /mnt/data (its own
copy of one image) and an empty NVMe disk. Both answer guest-get-fsinfo,
guest-get-disks (NVMe SMART read with the admin-command ioctl), a real
freeze and thaw of /mnt/data, and guest-fstrim, and the answers must agree.
The guests' root is the initramfs (rootfs, no block device), so nothing the
agents need is on the frozen filesystem.
"""
import shutil
import subprocess

import pytest

from guestvm import QEMU, GuestVM

pytestmark = pytest.mark.vm

REPLY_TIMEOUT = 60.0
DATA_MB = 64
NVME_MB = 16
PRE_AGENT = b"""
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /mnt/data /var/lib/sga
mount -t ext4 /dev/vda /mnt/data || echo "SGA-MOUNT-FAILED"
"""
AGENT_ARGS = ["-t", "/var/lib/sga"]


def make_images(d):
    data = d / "data.img"
    with open(data, "wb") as f:
        f.truncate(DATA_MB << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(data)], check=True, timeout=60,
                   capture_output=True)
    nvme = d / "nvme.img"
    with open(nvme, "wb") as f:
        f.truncate(NVME_MB << 20)
    return data, nvme


def guest_for(agent_binary, workdir, data, nvme):
    workdir.mkdir()
    own_data = workdir / "data.img"
    shutil.copyfile(data, own_data)
    own_nvme = workdir / "nvme.img"
    shutil.copyfile(nvme, own_nvme)
    qemu_args = [
        "-drive", "file=%s,if=none,id=data,format=raw" % own_data,
        "-device", "virtio-blk-pci,drive=data,serial=sga-data",
        "-drive", "file=%s,if=none,id=nv,format=raw" % own_nvme,
        "-device", "nvme,drive=nv,serial=sga-nvme",
    ]
    return GuestVM(agent_binary, agent_args=AGENT_ARGS, workdir=str(workdir),
                   extra_files={"/etc/sga/pre-agent.sh": PRE_AGENT},
                   modules=("virtio_blk", "crc32c_generic", "ext4", "nvme"),
                   qemu_args=qemu_args)


@pytest.fixture(scope="module")
def guests(agent_binary, qemu_ga_binary, tmp_path_factory):
    if shutil.which(QEMU) is None:
        pytest.fail("%s is not installed (Debian package qemu-system-x86)" % QEMU)
    base = tmp_path_factory.mktemp("vmfs")
    data, nvme = make_images(base)
    vms = {"streamga": guest_for(agent_binary, base / "sga", data, nvme),
           "qemu-ga": guest_for(qemu_ga_binary, base / "qga", data, nvme)}
    try:
        # One after the other: QEMU dies with the thread that started it
        # (PR_SET_PDEATHSIG), so no boot threads.
        for vm in vms.values():
            vm.start()
            assert "SGA-MOUNT-FAILED" not in vm.console_text(), vm.console_tail()
        yield vms
    finally:
        for vm in vms.values():
            vm.stop()


def both(guests, command, arguments=None):
    """{agent: reply} for the same request to each guest."""
    out = {}
    for name, vm in guests.items():
        with vm.connect() as c:
            out[name] = c.call(command, arguments, timeout=REPLY_TIMEOUT)
    return out


def test_fsinfo_in_a_guest(guests):
    r = both(guests, "guest-get-fsinfo")
    assert r["streamga"] == r["qemu-ga"]
    fs = r["streamga"]["return"]
    assert [f["mountpoint"] for f in fs] == ["/mnt/data"], fs
    assert fs[0]["name"] == "vda" and fs[0]["type"] == "ext4"
    disk = fs[0]["disk"][0]
    assert disk["bus-type"] == "virtio" and disk["dev"] == "/dev/vda", disk
    assert disk["pci-controller"]["slot"] >= 0


def test_disks_in_a_guest(guests):
    r = both(guests, "guest-get-disks")
    assert r["streamga"] == r["qemu-ga"]
    disks = {d["name"]: d for d in r["streamga"]["return"]}
    assert disks["/dev/nvme0n1"]["address"]["bus-type"] == "nvme"
    smart = disks["/dev/nvme0n1"]["smart"]
    assert smart["type"] == "nvme" and smart["temperature"] > 0, smart
    assert disks["/dev/vda"]["address"]["bus-type"] == "virtio"


def test_freeze_and_thaw_in_a_guest(guests):
    steps = [("guest-fsfreeze-status", None), ("guest-fsfreeze-freeze", None),
             ("guest-fsfreeze-status", None), ("guest-get-fsinfo", None),
             ("guest-fsfreeze-freeze-list", {"mountpoints": ["/mnt/data"]}),
             ("guest-fsfreeze-thaw", None), ("guest-fsfreeze-status", None),
             ("guest-fsfreeze-freeze-list", {"mountpoints": ["/mnt/data", "/nowhere"]}),
             ("guest-fsfreeze-thaw", None), ("guest-fsfreeze-thaw", None)]
    replies = {}
    for name, vm in guests.items():
        with vm.connect() as c:
            replies[name] = [c.call(cmd, args, timeout=REPLY_TIMEOUT) for cmd, args in steps]
    assert replies["streamga"] == replies["qemu-ga"]
    values = [r.get("return", r.get("error")) for r in replies["streamga"]]
    assert values[:3] == ["thawed", 1, "frozen"]
    assert values[3]["class"] == "CommandNotFound"
    assert values[5:] == [1, "thawed", 1, 1, 0]


def test_fstrim_in_a_guest(guests):
    r = both(guests, "guest-fstrim", {"minimum": 4096})
    assert r["streamga"] == r["qemu-ga"]
    paths = r["streamga"]["return"]["paths"]
    assert [p["path"] for p in paths] == ["/mnt/data"]
