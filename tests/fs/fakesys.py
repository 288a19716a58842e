"""A fake /sys, /run/udev and /proc tree for --system-root, built the way the kernel lays them out.

Each disk is created from the parameters of where it hangs (PCI address and
driver, SCSI host/target/LUN, s390 subchannel...), and records the
GuestDiskAddress those parameters mean, so tests compare the agent with what
the tree says rather than with a copy of the agent's own parsing. Symlinks are
relative, as in sysfs, so they resolve inside the tree.
"""
import os

PCI_DRIVERS = "bus/pci/drivers"


def unknown_pci():
    return {"domain": -1, "bus": -1, "slot": -1, "function": -1}


def pci(domain, bus, slot, function):
    return {"domain": domain, "bus": bus, "slot": slot, "function": function}


def pci_name(domain, bus, slot, function):
    return "%04x:%02x:%02x.%x" % (domain, bus, slot, function)


class Disk:
    """One block device in the fake sysfs (a disk or a partition)."""

    def __init__(self, tree, name, major, minor, devdir, address, partition_of=None):
        self.tree = tree
        self.name = name
        self.major = major
        self.minor = minor
        self.devdir = devdir            # path under /sys (system path)
        self.address = address          # expected GuestDiskAddress (without dev/serial), or None
        self.partition_of = partition_of
        self.partitions = []
        self.serial = None

    @property
    def node(self):
        return "/dev/" + self.name

    def expected_address(self):
        """The GuestDiskAddress the agent should report for this device, or None."""
        if self.address is None:
            return None
        out = dict(self.address)
        out["dev"] = self.node
        serial = self.serial if self.partition_of is None else self.partition_of.serial
        if serial:
            out["serial"] = serial
        return out


class FakeSys:
    def __init__(self, root):
        self.root = str(root)
        self.disks = {}
        self.mounts = []
        os.makedirs(self.path("/sys/block"), exist_ok=True)
        os.makedirs(self.path("/sys/dev/block"), exist_ok=True)
        os.makedirs(self.path("/sys/class/block"), exist_ok=True)

    def path(self, system_path):
        return os.path.join(self.root, system_path.lstrip("/"))

    def _link(self, system_link, system_target):
        link = self.path(system_link)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        rel = os.path.relpath(self.path(system_target), os.path.dirname(link))
        os.symlink(rel, link)

    def _write(self, system_path, text):
        p = self.path(system_path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    # ---- controllers -------------------------------------------------------------

    def pci_device(self, domain, bus, slot, function, driver, parent=None):
        """A PCI device directory (system path) bound to driver; parent: a bridge's path."""
        name = pci_name(domain, bus, slot, function)
        if parent is None:
            parent = "/sys/devices/pci%04x:%02x" % (domain, bus)
        d = parent + "/" + name
        os.makedirs(self.path(d), exist_ok=True)
        if driver:
            os.makedirs(self.path("/sys/" + PCI_DRIVERS + "/" + driver), exist_ok=True)
            self._link(d + "/driver", "/sys/" + PCI_DRIVERS + "/" + driver)
        return d

    # ---- block devices -----------------------------------------------------------

    def block(self, parent_dir, name, major, minor, address, size=2048, virtual=False):
        """A disk at <parent_dir>/block/<name> (or /sys/devices/virtual/block/<name>)."""
        devdir = ("/sys/devices/virtual/block/" if virtual else parent_dir + "/block/") + name
        self._device_files(devdir, name, major, minor, "disk", size)
        self._link("/sys/block/" + name, devdir)
        os.makedirs(self.path(devdir + "/slaves"), exist_ok=True)
        disk = Disk(self, name, major, minor, devdir, address)
        self.disks[name] = disk
        return disk

    def partition(self, disk, name, minor, size=1024):
        devdir = disk.devdir + "/" + name
        self._device_files(devdir, name, disk.major, minor, "partition", size)
        part = Disk(self, name, disk.major, minor, devdir, disk.address, partition_of=disk)
        disk.partitions.append(part)
        self.disks[name] = part
        return part

    def _device_files(self, devdir, name, major, minor, devtype, size):
        self._write(devdir + "/uevent", "MAJOR=%d\nMINOR=%d\nDEVNAME=%s\nDEVTYPE=%s\n"
                    % (major, minor, name, devtype))
        self._write(devdir + "/size", "%d\n" % size)
        self._write(devdir + "/dev", "%d:%d\n" % (major, minor))
        self._link(devdir + "/subsystem", "/sys/class/block")
        self._link("/sys/dev/block/%d:%d" % (major, minor), devdir)

    def slave(self, virtual_disk, disk):
        """virtual_disk is built from disk (a dm or md table entry)."""
        self._link(virtual_disk.devdir + "/slaves/" + disk.name, disk.devdir)
        self._link(disk.devdir + "/holders/" + virtual_disk.name, virtual_disk.devdir)

    def udev_property(self, disk, key, value):
        """A property in udev's database for the device, as its rules would record it."""
        p = self.path("/run/udev/data/b%d:%d" % (disk.major, disk.minor))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "a") as f:
            f.write("E:%s=%s\n" % (key, value))
        if key == "ID_SERIAL":
            disk.serial = value

    # ---- the kinds of disk the tests use ------------------------------------------

    def virtio_blk(self, name, major, minor, slot, virtio_index):
        d = self.pci_device(0, 0, slot, 0, "virtio-pci")
        return self.block("%s/virtio%d" % (d, virtio_index), name, major, minor, {
            "bus-type": "virtio", "bus": 0, "target": 0, "unit": 0,
            "pci-controller": pci(0, 0, slot, 0)})

    def virtio_scsi(self, name, major, minor, slot, host, target, lun):
        """virtio-scsi: qemu-ga reports the LUN as the unit, bus and target as 0."""
        d = self.pci_device(0, 0, slot, 0, "virtio-pci")
        parent = "%s/virtio9/host%d/target%d:0:%d/%d:0:%d:%d" % (d, host, host, target, host,
                                                                 target, lun)
        return self.block(parent, name, major, minor, {
            "bus-type": "scsi", "bus": 0, "target": 0, "unit": lun,
            "pci-controller": pci(0, 0, slot, 0)})

    def lsi_scsi(self, name, major, minor, slot, host, target):
        d = self.pci_device(0, 0, slot, 0, "sym53c8xx")
        parent = "%s/host%d/target%d:0:%d/%d:0:%d:0" % (d, host, host, target, host, target)
        return self.block(parent, name, major, minor, {
            "bus-type": "scsi", "bus": 0, "target": 0, "unit": target,
            "pci-controller": pci(0, 0, slot, 0)})

    def ahci(self, name, major, minor, slot, ports, port):
        """SATA: one ataN host per port; the unit is the port's rank among them."""
        d = self.pci_device(0, 0, slot, 2, "ahci")
        for p in ports:
            os.makedirs(self.path("%s/ata%d" % (d, p)), exist_ok=True)
        scsi_host = 10 + port
        parent = "%s/ata%d/host%d/target%d:0:0/%d:0:0:0" % (d, port, scsi_host, scsi_host,
                                                            scsi_host)
        return self.block(parent, name, major, minor, {
            "bus-type": "sata", "bus": 0, "target": 0, "unit": sorted(ports).index(port),
            "pci-controller": pci(0, 0, slot, 2)})

    def ide(self, name, major, minor, slot, buses, bus, unit):
        """IDE (ata_piix): one ataN host per IDE bus; the bus is its rank, the unit the target."""
        d = self.pci_device(0, 0, slot, 1, "ata_piix")
        for b in buses:
            os.makedirs(self.path("%s/ata%d" % (d, b)), exist_ok=True)
        parent = "%s/ata%d/host%d/target%d:0:%d/%d:0:%d:0" % (d, bus, bus, bus, unit, bus, unit)
        return self.block(parent, name, major, minor, {
            "bus-type": "ide", "bus": sorted(buses).index(bus), "target": 0, "unit": unit,
            "pci-controller": pci(0, 0, slot, 1)})

    def nvme_behind_bridge(self, name, major, minor, bridge_slot, bus):
        """An NVMe controller on a bus behind a PCIe root port (a bridge qemu-ga walks past)."""
        bridge = self.pci_device(0, 0, bridge_slot, 0, "pcieport")
        d = self.pci_device(0, bus, 0, 0, "nvme", parent=bridge)
        # NVMe namespaces sit in the controller's directory, not under block/.
        devdir = "%s/nvme/nvme0/%s" % (d, name)
        self._device_files(devdir, name, major, minor, "disk", 4096)
        self._link("/sys/block/" + name, devdir)
        os.makedirs(self.path(devdir + "/slaves"), exist_ok=True)
        disk = Disk(self, name, major, minor, devdir, {
            "bus-type": "nvme", "bus": 0, "target": 0, "unit": 0,
            "pci-controller": pci(0, bus, 0, 0)})
        self.disks[name] = disk
        return disk

    def ccw_virtio(self, name, major, minor, cssid, ssid, subchno, devno):
        parent = "/sys/devices/css%x/%x.%x.%04x/%x.%x.%04x/virtio1" % (
            cssid, cssid, ssid, subchno, cssid, ssid, devno)
        return self.block(parent, name, major, minor, {
            "bus-type": "virtio", "bus": 0, "target": 0, "unit": 0,
            "pci-controller": unknown_pci(),
            "ccw-address": {"cssid": cssid, "ssid": ssid, "subchno": subchno, "devno": devno}})

    def virtio_mmio(self, name, major, minor):
        return self.block("/sys/devices/platform/a003e00.virtio_mmio/virtio5", name, major, minor, {
            "bus-type": "virtio", "bus": 0, "target": 0, "unit": 0,
            "pci-controller": unknown_pci()})

    def platform_disk(self, name, major, minor):
        """A disk on no bus qemu-ga knows: only its device node is reported."""
        return self.block("/sys/devices/platform/sdhci.0/mmc_host/mmc0/mmc0:0001", name, major,
                          minor, {"bus-type": "unknown", "bus": 0, "target": 0, "unit": 0,
                                  "pci-controller": unknown_pci()})

    def virtual(self, name, major, minor, size=2048):
        return self.block(None, name, major, minor, None, size=size, virtual=True)

    # ---- mounts --------------------------------------------------------------------

    def mount(self, mountpoint, major, minor, fstype, source, escaped=None):
        """A line of the fake mountinfo; escaped: the mount point as the kernel writes it."""
        self.mounts.append((mountpoint, major, minor, fstype, source, escaped or mountpoint))

    def write_mountinfo(self):
        lines = []
        for i, (_, major, minor, fstype, source, escaped) in enumerate(self.mounts):
            lines.append("%d 1 %d:%d / %s rw,relatime shared:%d - %s %s rw\n"
                         % (100 + i, major, minor, escaped, i + 1, fstype, source))
        self._write("/proc/self/mountinfo", "".join(lines))
