"""Holds a private mount namespace with the test's filesystems mounted, and always thaws them.

Run as `unshare --mount --propagation private python3 nsholder.py`. The first
line on stdin is a JSON spec: {"mounts": [{"path", "kind": "tmpfs"|"ext4"|"bind",
"size"?, "fill"? (bytes written to a file in it), "mkdir"? (directories made
in it), "image"?, "source"?}],
"lifetime": seconds}. The holder mounts them
(visible only inside this namespace: agents join it with nsenter), checks each
is a mount point, and answers one JSON line with every mount's device numbers,
type, source and statvfs figures. Then it serves one JSON request per line:

  {"op": "frozen", "path": P}   whether P's filesystem is frozen (a FIFREEZE
                                probe: EBUSY means frozen; a probe that froze
                                it thaws it again at once)
  {"op": "freeze", "path": P}   freeze an ext4 mount, as another tool would
  {"op": "thaw_all"}            FITHAW every ext4 mount until it is thawed
  {"op": "statvfs", "path": P}

On end of input (the test finished, or pytest died), on SIGTERM/SIGINT/SIGHUP
and when its lifetime runs out, it thaws every ext4 mount and unmounts
everything. A frozen filesystem must never outlive its test: writers to it
(and its loop device) would hang until reboot.
"""
import errno
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time

FIFREEZE = 0xC0045877
FITHAW = 0xC0045878
# One FITHAW undoes one freeze; a filesystem is thawed long before this many.
THAW_ATTEMPTS = 64
COMMAND_TIMEOUT = 30


def mountinfo():
    """{mount point: (major, minor, fstype, source)} from this namespace's table."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            major, minor = fields[2].split(":")
            out[fields[4]] = (int(major), int(minor), fields[sep + 1], fields[sep + 2])
    return out


def statvfs(path):
    st = os.statvfs(path)
    return {"f_blocks": st.f_blocks, "f_bfree": st.f_bfree, "f_bavail": st.f_bavail,
            "f_frsize": st.f_frsize}


def is_mount_root(path):
    return os.path.ismount(path)


def thaw(path):
    """FITHAW until the filesystem says it is not frozen; how many succeeded."""
    fd = os.open(path, os.O_RDONLY)
    try:
        n = 0
        while n < THAW_ATTEMPTS:
            try:
                fcntl.ioctl(fd, FITHAW, 0)
            except OSError:
                break
            n += 1
        return n
    finally:
        os.close(fd)


def frozen(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.ioctl(fd, FIFREEZE, 0)
        except OSError as e:
            if e.errno == errno.EBUSY:
                return True
            raise
        try:
            fcntl.ioctl(fd, FITHAW, 0)
        except OSError as e:
            # An agent thawing at this moment undid the probe's freeze already.
            if e.errno != errno.EINVAL:
                raise
        return False
    finally:
        os.close(fd)


def freeze(path):
    """Freeze path's filesystem as another tool would (an ext4 test mount only)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, FIFREEZE, 0)
    finally:
        os.close(fd)


class Holder:
    def __init__(self, spec):
        self.spec = spec
        self.mounted = []       # paths, in mount order
        self.freezable = []     # ext4 mount points

    def mount(self):
        for m in self.spec["mounts"]:
            path = m["path"]
            os.makedirs(path, exist_ok=True)
            if m["kind"] == "tmpfs":
                cmd = ["mount", "-t", "tmpfs", "-o", "size=%s" % m.get("size", "1m"), "sgatest", path]
            elif m["kind"] == "ext4":
                cmd = ["mount", "-t", "ext4", "-o", "loop,noatime", m["image"], path]
            elif m["kind"] == "bind":
                cmd = ["mount", "--bind", m["source"], path]
            else:
                raise ValueError("unknown mount kind %r" % m["kind"])
            subprocess.run(cmd, check=True, timeout=COMMAND_TIMEOUT, capture_output=True)
            self.mounted.append(path)
            if not is_mount_root(path):
                raise RuntimeError("%s is not a mount point after mounting" % path)
            for sub in m.get("mkdir", ()):
                os.makedirs(os.path.join(path, sub))
            if m.get("fill"):
                with open(os.path.join(path, "fill"), "wb") as f:
                    f.write(b"\x5a" * m["fill"])
            if m["kind"] == "ext4":
                self.freezable.append(path)

    def describe(self):
        table = mountinfo()
        out = []
        for m in self.spec["mounts"]:
            major, minor, fstype, source = table[m["path"]]
            if m["kind"] == "ext4" and not source.startswith("/dev/loop"):
                raise RuntimeError("ext4 test mount %s is on %s, not a loop device"
                                   % (m["path"], source))
            out.append({"path": m["path"], "major": major, "minor": minor, "fstype": fstype,
                        "source": source, "statvfs": statvfs(m["path"])})
        return out

    def thaw_all(self):
        return {path: thaw(path) for path in self.freezable}

    def cleanup(self):
        for path in self.freezable:
            try:
                thaw(path)
            except OSError:
                pass
        for path in reversed(self.mounted):
            r = subprocess.run(["umount", path], timeout=COMMAND_TIMEOUT, capture_output=True)
            if r.returncode != 0:
                subprocess.run(["umount", "-l", path], timeout=COMMAND_TIMEOUT,
                               capture_output=True)
        self.mounted = []
        self.freezable = []

    def serve(self, request):
        op = request["op"]
        if op == "frozen":
            return {"frozen": frozen(request["path"])}
        if op == "freeze":
            if request["path"] not in self.freezable:
                raise ValueError("%s is not an ext4 test mount" % request["path"])
            freeze(request["path"])
            return {}
        if op == "thaw_all":
            return {"thawed": self.thaw_all()}
        if op == "statvfs":
            return {"statvfs": statvfs(request["path"])}
        raise ValueError("unknown op %r" % op)


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_line(deadline):
    """The next line of input, or None at its end or when the deadline passes."""
    buf = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([0], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(0, 1)
        if not chunk:
            return None
        if chunk == b"\n":
            return buf.decode()
        buf += chunk


def main():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    start = time.monotonic()
    first = read_line(start + COMMAND_TIMEOUT)
    if first is None:
        return 1
    spec = json.loads(first)
    deadline = start + float(spec.get("lifetime", 600))
    holder = Holder(spec)
    try:
        try:
            holder.mount()
            reply({"ok": True, "pid": os.getpid(), "mounts": holder.describe()})
        except Exception as e:  # reported to the test, then everything is undone
            reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
            return 1
        while True:
            line = read_line(deadline)
            if line is None:
                return 0
            try:
                reply({"ok": True, **holder.serve(json.loads(line))})
            except Exception as e:
                reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
    finally:
        holder.cleanup()


if __name__ == "__main__":
    sys.exit(main())
