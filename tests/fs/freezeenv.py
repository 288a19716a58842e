"""The filesystems freeze and trim tests act on, and the fake root that lists them.

In a private mount namespace (NsHolder): a tmpfs at <root>/mnt, so that every
path a fake mount table can name under /mnt is on a test filesystem; an ext4
image on a loop device at <root>/mnt/ext4 (freezable, trimmable); a bind mount
of it at <root>/mnt/ext4-bind (a second mount of the same filesystem); a
tmpfs at <root>/mnt/tmpfs (refuses FIFREEZE and FITRIM with EOPNOTSUPP) with
a plain directory in it. <root>/proc/self/mountinfo is written per test and
lists some of these, nothing else. The agent's state directory, log and
pidfile are outside <root>, on a filesystem nothing freezes.
"""
import os

from fsenv import NsHolder, call_ok, make_ext4_image

# The tmpfs claims a block device in the fake table (real tmpfs has major 0,
# which qemu-ga's mount list leaves out): nothing exists at these numbers.
FAKE_TMPFS_DEVICE = (1, 250)


class FreezeEnv:
    def __init__(self, base):
        self.base = str(base)
        self.root = os.path.join(self.base, "root")
        os.makedirs(os.path.join(self.root, "mnt"))
        os.makedirs(os.path.join(self.root, "proc", "self"))
        self.image = os.path.join(self.base, "ext4.img")
        make_ext4_image(self.image)
        self.holder = NsHolder([
            {"path": self.path("/mnt"), "kind": "tmpfs", "size": "4m"},
            {"path": self.path("/mnt/ext4"), "kind": "ext4", "image": self.image},
            {"path": self.path("/mnt/ext4-bind"), "kind": "bind", "source": self.path("/mnt/ext4")},
            {"path": self.path("/mnt/tmpfs"), "kind": "tmpfs", "size": "1m", "mkdir": ["plain"]},
        ])
        ext4 = self.holder.mounts[self.path("/mnt/ext4")]
        self.entries = {
            "/mnt/ext4": (ext4["major"], ext4["minor"], "ext4", ext4["source"]),
            "/mnt/ext4-bind": (ext4["major"], ext4["minor"], "ext4", ext4["source"]),
            "/mnt/tmpfs": FAKE_TMPFS_DEVICE + ("tmpfs", "tmpfs"),
            "/mnt/missing": (ext4["major"], ext4["minor"], "ext4", ext4["source"]),
            "/mnt/missing2": (ext4["major"], ext4["minor"], "ext4", ext4["source"]),
            "/mnt/tmpfs/plain": (ext4["major"], ext4["minor"], "ext4", ext4["source"]),
        }
        self.listed = []
        self.set_mounts(["/mnt/ext4", "/mnt/tmpfs", "/mnt/ext4-bind"])

    def path(self, system_path):
        return os.path.join(self.root, system_path.lstrip("/"))

    def set_mounts(self, mountpoints):
        """The fake mount table lists these, in this (mount) order."""
        lines = []
        for i, mp in enumerate(mountpoints):
            major, minor, fstype, source = self.entries[mp]
            lines.append("%d 1 %d:%d / %s rw,relatime - %s %s rw\n"
                         % (200 + i, major, minor, mp, fstype, source))
        with open(self.path("/proc/self/mountinfo"), "w") as f:
            f.write("".join(lines))
        self.listed = list(mountpoints)

    @property
    def ext4_frozen(self):
        return self.holder.frozen(self.path("/mnt/ext4"))

    def start(self, fs_agents, *args, **kwargs):
        return fs_agents.start(self.root, *args, holder=self.holder, **kwargs)

    def assert_sees_only_test_mounts(self, conn):
        """Before any freeze: the agent's mount list is the fake table, nothing real."""
        seen = [fs["mountpoint"] for fs in call_ok(conn, "guest-get-fsinfo")]
        assert sorted(seen) == sorted(self.listed), seen

    def freeze(self, conn, mountpoints=None):
        """guest-fsfreeze-freeze (or -list): the reply."""
        self.assert_sees_only_test_mounts(conn)
        if mountpoints is None:
            return conn.call("guest-fsfreeze-freeze")
        return conn.call("guest-fsfreeze-freeze-list", {"mountpoints": mountpoints})

    def close(self):
        return self.holder.close()


def marker(agent):
    return os.path.join(agent.statedir, "qga.state.isfrozen")
