"""Debian's qemu-ga and streamga on the same fake tree: guest-get-fsinfo, guest-get-disks and
guest-get-diskstats must be identical.

qemu-ga has no --system-root, so it runs in a private mount namespace where
the tree is bound over /sys, /run and /dev, /proc is a tmpfs holding the fake
mountinfo and diskstats, and /mnt is an empty tmpfs (so that no mount point
of the tree exists for statvfs, as under streamga's root). libudev refuses a
/sys that is not sysfs unless SYSTEMD_DEVICE_VERIFY_SYSFS=0. Only read-only
commands are sent to this qemu-ga.
"""
import pytest

from agentproc import AgentProcess
from diskstats_tree import write_diskstats
from fsenv import call_ok
from test_fs_topology import build_tree

ORACLE_NAMESPACE = r"""
set -e
root=$1; shift
mount --bind "$root/sys" /sys
mkdir -p "$root/run/udev"
mount --bind "$root/run" /run
mount --bind "$root/dev" /dev
mount -t tmpfs sgatest-mnt /mnt
mount -t tmpfs sgatest-proc /proc
mkdir /proc/self
cp "$root/proc/self/mountinfo" /proc/self/mountinfo
cp "$root/proc/diskstats" /proc/diskstats
exec "$@"
"""


@pytest.fixture
def tree(tmp_path):
    t = build_tree(tmp_path / "root")
    write_diskstats(t.path("/proc/diskstats"))
    return t


@pytest.fixture
def oracle(qemu_ga_binary, tree, tmp_path):
    d = tmp_path / "qemu-ga"
    d.mkdir()
    proc = AgentProcess(qemu_ga_binary, d, env={"SYSTEMD_DEVICE_VERIFY_SYSFS": "0"})
    proc.args = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                 ORACLE_NAMESPACE, "sh", tree.root] + proc.args
    proc.start()
    yield proc
    proc.stop()


@pytest.mark.parametrize("command", ["guest-get-fsinfo", "guest-get-disks", "guest-get-diskstats"])
def test_same_answer_as_qemu_ga_on_the_tree(fs_agents, tree, oracle, command):
    agent = fs_agents.start(tree.root)
    with oracle.connect() as c:
        expected = call_ok(c, command)
    with agent.connect() as c:
        got = call_ok(c, command)
    assert got == expected
    assert len(got) >= 5, got      # the tree is not empty to qemu-ga either
