"""Write a newc cpio initramfs from Python, and gather an ELF binary's libraries.

Writing the archive here instead of running cpio(1) over a staging tree means
no root is needed for /dev/console, entries can come straight from bytes, and
the host needs no cpio package.
"""
import os
import re
import stat
import subprocess

# The kernel opens /dev/console for init before anything mounts devtmpfs;
# without this node init's output would go nowhere.
CONSOLE = (5, 1)


class Initramfs:
    """Collects entries by guest path; parent directories are added implicitly."""

    def __init__(self):
        self.entries = {}  # guest path -> (mode, data bytes, rdev)

    def dir(self, path, mode=0o755):
        path = path.strip("/")
        if path and path not in self.entries:
            self.dir(os.path.dirname(path))
            self.entries[path] = (stat.S_IFDIR | mode, b"", (0, 0))

    def file(self, path, data, mode=0o644):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFREG | mode, data, (0, 0))

    def host_file(self, path, host_path):
        """Copy a host file (symlinks followed), keeping its permission bits."""
        with open(host_path, "rb") as f:
            self.file(path, f.read(), stat.S_IMODE(os.stat(host_path).st_mode))

    def symlink(self, path, target):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFLNK | 0o777, target.encode(), (0, 0))

    def chardev(self, path, major, minor, mode=0o600):
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        self.entries[path] = (stat.S_IFCHR | mode, b"", (major, minor))

    def elf_with_libs(self, path, host_path):
        """A binary plus its ELF interpreter and every library ldd lists, at the same paths."""
        self.host_file(path, host_path)
        for lib in shared_libraries(host_path):
            self.host_file(lib, lib)

    def write(self, out_path):
        with open(out_path, "wb") as out:
            for ino, path in enumerate(sorted(self.entries), start=1):
                mode, data, (rmaj, rmin) = self.entries[path]
                _entry(out, ino, path, mode, data, rmaj, rmin)
            _entry(out, 0, "TRAILER!!!", 0, b"", 0, 0)


def _entry(out, ino, name, mode, data, rmaj, rmin):
    name_b = name.encode() + b"\0"
    # magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
    # rdevmajor, rdevminor, namesize, check
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(name_b), 0)
    out.write(b"070701" + b"".join(b"%08X" % f for f in fields) + name_b)
    out.write(b"\0" * (-(110 + len(name_b)) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


def shared_libraries(binary):
    """Absolute paths of the interpreter and libraries ldd reports; [] for a static binary."""
    res = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        if "not a dynamic executable" in res.stdout + res.stderr:
            return []
        raise RuntimeError("ldd %s failed: %s" % (binary, res.stderr))
    libs = []
    for line in res.stdout.splitlines():
        if "not found" in line:
            raise RuntimeError("ldd %s: %s" % (binary, line.strip()))
        # "libx.so.1 => /lib/.../libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)";
        # linux-vdso has no path and lives in the kernel.
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            libs.append(m.group(1))
    return libs
