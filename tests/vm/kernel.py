"""Debian's amd64 kernel for the test guest: fetched once into a cache, never installed.

The kernel comes from the package that linux-image-amd64 depends on, fetched
with `apt-get download` and unpacked with `dpkg-deb -x`, so the host's own
kernel and /boot stay untouched.  The cache lives outside the repository
(STREAMGA_VM_CACHE, default /var/tmp/streamga-vm-cache) and is reused as is:
once a kernel is cached no apt look-up happens, so repeated runs are offline
and fast.
"""
import fcntl
import os
import re
import shutil
import struct
import subprocess
import tempfile

DEFAULT_CACHE = "/var/tmp/streamga-vm-cache"
# Present only once a kernel directory is completely unpacked.
COMPLETE = ".complete"


def cache_dir():
    return os.environ.get("STREAMGA_VM_CACHE") or DEFAULT_CACHE


class Kernel:
    """An unpacked kernel: vmlinuz plus its lib/modules/<release> tree."""

    def __init__(self, root):
        self.root = root
        self.release = os.listdir(os.path.join(root, "lib", "modules"))[0]
        self.vmlinuz = os.path.join(root, "boot", "vmlinuz-" + self.release)
        self.moddir = os.path.join(root, "lib", "modules", self.release)
        self._index = None

    def module_path(self, name):
        """The .ko of a module; names compare with '-' and '_' as equal, as modprobe does."""
        if self._index is None:
            self._index = {}
            for dirpath, _, files in os.walk(os.path.join(self.moddir, "kernel")):
                for f in files:
                    if f.endswith(".ko"):
                        self._index[_norm(f[:-3])] = os.path.join(dirpath, f)
        return self._index.get(_norm(name))

    def builtin(self, name):
        with open(os.path.join(self.moddir, "modules.builtin")) as f:
            return any(_norm(os.path.basename(line.strip())[:-3]) == _norm(name) for line in f)

    def modules_in_load_order(self, names):
        """The .ko files for `names` and everything they depend on, dependencies first.

        Built-in drivers are skipped.  Dependencies come from each module's
        own .modinfo section, since the package ships no modules.dep (depmod
        writes it at install time, which we never do).
        """
        order, seen = [], set()

        def visit(name):
            if _norm(name) in seen:
                return
            seen.add(_norm(name))
            path = self.module_path(name)
            if path is None:
                if self.builtin(name):
                    return
                raise RuntimeError("kernel %s has no module %s" % (self.release, name))
            for dep in _modinfo(path).get("depends", "").split(","):
                if dep:
                    visit(dep)
            order.append(path)

        for n in names:
            visit(n)
        return order


def _norm(name):
    return name.replace("-", "_")


def _modinfo(path):
    """key=value pairs from an ELF64 module's .modinfo section."""
    with open(path, "rb") as f:
        elf = f.read()
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def section(i):
        _, _, _, _, off, size = struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize)
        name_off, = struct.unpack_from("<I", elf, shoff + i * shentsize)
        return name_off, off, size

    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name_off, off, size = section(i)
        if elf[stroff + name_off:].startswith(b".modinfo\0"):
            pairs = elf[off:off + size].split(b"\0")
            return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
    return {}


def _cached(base):
    """The newest complete kernel in the cache, or None."""
    if not os.path.isdir(base):
        return None
    found = [d for d in os.listdir(base)
             if d.startswith("linux-image-") and os.path.exists(os.path.join(base, d, COMPLETE))]
    if not found:
        return None
    # Version-aware enough for Debian's 6.1.0-N-amd64 names.
    found.sort(key=lambda d: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", d)])
    return os.path.join(base, found[-1])


def _versioned_package():
    """linux-image-6.1.0-N-amd64: what the linux-image-amd64 metapackage points at now."""
    out = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)\b", out)
    if not m:
        raise RuntimeError("apt-cache knows no linux-image-amd64 dependency "
                           "(run apt-get update first):\n" + out)
    return m.group(1)


def get_kernel():
    """Return the cached Kernel, downloading and unpacking it on first use."""
    base = cache_dir()
    os.makedirs(base, exist_ok=True)
    # Two test runs starting together must not both unpack 400 MB into one place.
    with open(os.path.join(base, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        root = _cached(base)
        if root is None:
            root = _fetch(base, _versioned_package())
    return Kernel(root)


def _fetch(base, package):
    dest = os.path.join(base, package)
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        # apt-get download writes into the current directory; as root it would
        # warn that its _apt sandbox user cannot write to a private temp dir.
        subprocess.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", package],
                       cwd=tmp, check=True, stdout=subprocess.DEVNULL, timeout=600)
        deb, = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        tree = os.path.join(tmp, "tree")
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, deb), tree], check=True, timeout=600)
        shutil.rmtree(os.path.join(tree, "usr"), ignore_errors=True)  # only docs
        if os.path.exists(dest):
            shutil.rmtree(dest)  # an earlier, interrupted unpack
        os.rename(tree, dest)
    open(os.path.join(dest, COMPLETE), "w").close()
    return dest
