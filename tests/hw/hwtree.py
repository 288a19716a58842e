"""Fake /sys and /proc trees for --system-root: what a test writes is what the agent reads.

The agent reads and writes these files exactly as it would the kernel's, so a
test changes processors, memory blocks and sleep states without touching this
machine: the write lands in the fake file, and the test reads it back.
"""
import os

CPU_DIR = "sys/devices/system/cpu"
MEMORY_DIR = "sys/devices/system/memory"
POWER_DIR = "sys/power"

# Entries a real cpu directory has besides cpuN (none is a processor).
CPU_DECOYS = ("cpufreq", "cpuidle", "hotplug", "power", "vulnerabilities")
CPU_DECOY_FILES = ("online", "offline", "possible", "present", "kernel_max", "modalias")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def cpu_tree(root, cpus):
    """cpus: {id: None (no online file: cannot go offline) | "1\\n" | "0\\n" | ...}."""
    base = os.path.join(str(root), CPU_DIR)
    os.makedirs(base, exist_ok=True)
    for name in CPU_DECOYS:
        os.makedirs(os.path.join(base, name), exist_ok=True)
    for name in CPU_DECOY_FILES:
        write(os.path.join(base, name), "0-%d\n" % max(len(cpus) - 1, 0))
    for cpu_id, online in cpus.items():
        d = os.path.join(base, "cpu%d" % cpu_id)
        os.makedirs(os.path.join(d, "topology"), exist_ok=True)
        if online is not None:
            write(os.path.join(d, "online"), online)
    return base


def cpu_online_path(root, cpu_id):
    return os.path.join(str(root), CPU_DIR, "cpu%d" % cpu_id, "online")


def listed_cpus(root):
    """The cpuN entries of the fake cpu directory in the order readdir gives them."""
    out = []
    for entry in os.scandir(os.path.join(str(root), CPU_DIR)):
        name = entry.name
        if name.startswith("cpu") and name[3:].isdigit():
            out.append(int(name[3:]))
    return out


def memory_tree(root, blocks, block_size="8000000\n"):
    """blocks: {index: {"state": text or None, "removable": text or None}}; None leaves the
    file out. block_size None leaves block_size_bytes out."""
    base = os.path.join(str(root), MEMORY_DIR)
    os.makedirs(os.path.join(base, "power"), exist_ok=True)
    write(os.path.join(base, "auto_online_blocks"), "offline\n")
    if block_size is not None:
        write(os.path.join(base, "block_size_bytes"), block_size)
    for index, files in blocks.items():
        d = os.path.join(base, "memory%d" % index)
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "phys_index"), "%08x\n" % index)
        for name in ("state", "removable"):
            if files.get(name) is not None:
                write(os.path.join(d, name), files[name])
    return base


def memory_state_path(root, index):
    return os.path.join(str(root), MEMORY_DIR, "memory%d" % index, "state")


def listed_memory_blocks(root):
    """memoryN directories in readdir order, as qemu-ga picks them (d_type has the DT_DIR bit)."""
    out = []
    for entry in os.scandir(os.path.join(str(root), MEMORY_DIR)):
        if entry.name.startswith("memory") and entry.is_dir(follow_symlinks=False):
            out.append(int(entry.name[6:]))
    return out


def power_tree(root, state, disk=None):
    """/sys/power/state (and /sys/power/disk unless None)."""
    base = os.path.join(str(root), POWER_DIR)
    write(os.path.join(base, "state"), state)
    if disk is not None:
        write(os.path.join(base, "disk"), disk)
    return base


def power_path(root, name):
    return os.path.join(str(root), POWER_DIR, name)


def proc_file(root, name, text):
    """A file under the fake /proc (name relative to it, e.g. "stat", "net/dev")."""
    path = os.path.join(str(root), "proc", name)
    write(path, text)
    return path
