"""Network interfaces and routes, processors, devices, and the commands Windows disables, on streamga.exe under wine.

Wine maps the Linux host's network into the IP Helper API: GetAdaptersAddresses
lists each Linux interface under its Linux name (as FriendlyName), with its MAC,
its addresses and the Linux ifindex as interface index; GetIfEntry2 reads the
kernel's counters; GetIpForwardTable2 lists the IPv4 main table (wine 8 lists
no IPv6 routes). So what the agent reports is checked against `ip -j` and
/sys/class/net, read around the call. Processors: wine reports the host's.
Devices: wine's device tree has no QEMU PCI devices, so the test registers
root-enumerated devices with chosen properties (progs/fake-device.c) and checks
which of them guest-get-devices lists, and how.
"""
import ipaddress
import json
import os
import shutil
import subprocess

import pytest

PROGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "progs")
MINGW_GCC = "x86_64-w64-mingw32-gcc"
STAT_KEYS = ["rx-bytes", "rx-packets", "rx-errs", "rx-dropped",
             "tx-bytes", "tx-packets", "tx-errs", "tx-dropped"]
# The kernel's name for each counter the agent reports (/sys/class/net/IF/statistics).
SYSFS_STATS = {"rx-bytes": "rx_bytes", "rx-packets": "rx_packets", "rx-errs": "rx_errors",
               "rx-dropped": "rx_dropped", "tx-bytes": "tx_bytes", "tx-packets": "tx_packets",
               "tx-errs": "tx_errors", "tx-dropped": "tx_dropped"}
# Commands qemu-ga's Windows build blocks (ga_command_init_blockedrpcs), with valid arguments.
DISABLED_ON_WINDOWS = [
    ("guest-set-vcpus", {"vcpus": [{"logical-id": 0, "online": True}]}),
    ("guest-get-memory-blocks", None),
    ("guest-set-memory-blocks", {"mem-blks": [{"phys-index": 0, "online": True}]}),
    ("guest-get-memory-block-info", None),
]
ENABLED_HERE = ["guest-get-vcpus", "guest-get-devices", "guest-network-get-interfaces",
                "guest-network-get-route"]
# 100 ns intervals from 1601-01-01 to 1970-01-01.
FILETIME_UNIX_EPOCH = 116444736000000000


def ip_json(*args):
    proc = subprocess.run(["ip", "-j", *args], stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=30, check=True)
    return json.loads(proc.stdout)


def host_links():
    """The host's interfaces by name, as `ip -j addr` gives them."""
    return {link["ifname"]: link for link in ip_json("addr", "show")}


def sysfs_stats(name):
    base = "/sys/class/net/%s/statistics" % name
    out = {}
    for key, sysname in SYSFS_STATS.items():
        try:
            with open(os.path.join(base, sysname)) as f:
                out[key] = int(f.read())
        except OSError:
            return None     # the interface went away
    return out


def stable_links(before, after):
    """Interfaces that were there, with the same index, before and after the call."""
    return {name: link for name, link in before.items()
            if name in after and after[name]["ifindex"] == link["ifindex"]}


# ---- guest-network-get-interfaces ----------------------------------------------------


def test_interfaces_are_the_hosts(win_agent):
    before = host_links()
    with win_agent.connect() as conn:
        ifaces = conn.call_ok("guest-network-get-interfaces")
    after = host_links()
    stable = stable_links(before, after)
    names = [i["name"] for i in ifaces]

    assert len(names) == len(set(names)), names
    # Every interface the host had throughout is listed, and nothing else.
    assert set(stable) <= set(names) <= set(before) | set(after), (names, sorted(before))
    assert "lo" in stable
    for iface in ifaces:
        link = stable.get(iface["name"])
        if link is None:
            continue
        if link["link_type"] == "ether":
            assert iface.get("hardware-address") == link["address"], (iface, link)
        elif link["link_type"] == "loopback":
            # Windows' loopback has no physical address: the member is left out.
            assert "hardware-address" not in iface, iface
        addresses = iface.get("ip-addresses", [])
        if not link["addr_info"]:
            assert "ip-addresses" not in iface, iface
        else:
            assert addresses, iface
        for a in addresses:
            assert set(a) == {"ip-address", "ip-address-type", "prefix"}, a
        v4 = {(a["ip-address"], a["prefix"]) for a in addresses if a["ip-address-type"] == "ipv4"}
        assert v4 == {(i["local"], i["prefixlen"]) for i in link["addr_info"] if i["family"] == "inet"}
        # IPv6 in WSAAddressToString's form: a link-local address carries its
        # scope, the interface index, which wine takes from Linux's ifindex.
        v6 = set()
        for a in addresses:
            if a["ip-address-type"] != "ipv6":
                continue
            text, _, scope = a["ip-address"].partition("%")
            if ipaddress.IPv6Address(text).is_link_local:
                assert scope == str(link["ifindex"]), a
            else:
                assert scope == "", a
            v6.add((text, a["prefix"]))
        assert v6 == {(str(ipaddress.IPv6Address(i["local"])), i["prefixlen"])
                      for i in link["addr_info"] if i["family"] == "inet6"}


def test_interface_statistics_are_the_kernels(win_agent):
    before = {name: sysfs_stats(name) for name in host_links()}
    with win_agent.connect() as conn:
        ifaces = conn.call_ok("guest-network-get-interfaces")
    after = {name: sysfs_stats(name) for name in host_links()}
    checked = 0
    for iface in ifaces:
        # qemu-ga's Windows code gives counters to every adapter, with
        # addresses or without (Linux: only to those with addresses).
        stats = iface["statistics"]
        assert list(stats) == STAT_KEYS, stats
        assert all(isinstance(v, int) and v >= 0 for v in stats.values()), stats
        low, high = before.get(iface["name"]), after.get(iface["name"])
        if low is None or high is None:
            continue
        # Counters only grow: read before and after, the agent's lie between.
        for key in STAT_KEYS:
            assert low[key] <= stats[key] <= high[key], (iface["name"], key, low[key], stats[key],
                                                         high[key])
        checked += 1
    assert checked >= 1


# ---- guest-network-get-route ----------------------------------------------------------


def host_ipv4_routes():
    """The main table's unicast routes as (destination, mask, gateway, iface, metric)."""
    routes = set()
    for r in ip_json("-4", "route", "show", "table", "main"):
        if r.get("type", "unicast") != "unicast":
            continue
        net = ipaddress.IPv4Network("0.0.0.0/0" if r["dst"] == "default" else r["dst"])
        routes.add((str(net.network_address), str(net.netmask), r.get("gateway", "0.0.0.0"),
                    r["dev"], r.get("metric", 0)))
    return routes


def test_routes_are_the_hosts(win_agent):
    before = host_ipv4_routes()
    mtus = {link["ifname"]: link["mtu"] for link in ip_json("link", "show")}
    with win_agent.connect() as conn:
        routes = conn.call_ok("guest-network-get-route")
    after = host_ipv4_routes()
    assert before == after, "the host's routes changed during the test"

    v4 = [r for r in routes if r["version"] == 4]
    # Windows has none of Linux's kernel counters (flags, refcnt, use, window,
    # irtt); upstream's Windows code leaves them out and gives the interface MTU.
    for r in v4:
        assert set(r) == {"iface", "destination", "metric", "gateway", "mask", "mtu", "version"}, r
        assert r["mtu"] == mtus[r["iface"]], r
    # Wine adds no interface metric, so the effective metric is the kernel's.
    assert {(r["destination"], r["mask"], r["gateway"], r["iface"], r["metric"]) for r in v4} == before
    for r in routes:
        if r["version"] == 6:
            assert {"iface", "destination", "metric", "nexthop", "desprefixlen", "version"} <= set(r) \
                <= {"iface", "destination", "metric", "nexthop", "desprefixlen", "mtu", "version"}, r
            ipaddress.IPv6Address(r["destination"])
            ipaddress.IPv6Address(r["nexthop"])
            assert 0 <= int(r["desprefixlen"]) <= 128, r
        else:
            assert r["version"] == 4, r


# ---- processors -------------------------------------------------------------------------


def test_vcpus_are_the_hosts(win_agent):
    with win_agent.connect() as conn:
        vcpus = conn.call_ok("guest-get-vcpus")
    assert len(vcpus) == os.cpu_count()
    # qemu-ga's Windows numbering: one entry per logical processor, in order,
    # online and never offlinable.
    assert vcpus == [{"logical-id": i, "online": True, "can-offline": False} for i in range(len(vcpus))]


@pytest.mark.parametrize("command,arguments", DISABLED_ON_WINDOWS, ids=[c for c, _ in DISABLED_ON_WINDOWS])
def test_hotplug_commands_are_disabled(win_agent, command, arguments):
    with win_agent.connect() as conn:
        reply = conn.call(command, arguments)
    assert reply == {"error": {"class": "CommandNotFound",
                               "desc": "Command %s has been disabled" % command}}


def test_guest_info_lists_them(win_agent):
    with win_agent.connect() as conn:
        info = conn.call_ok("guest-info")
    enabled = {c["name"]: c["enabled"] for c in info["supported_commands"]}
    for command, _ in DISABLED_ON_WINDOWS:
        assert enabled[command] is False, command
    for command in ENABLED_HERE:
        assert enabled[command] is True, command


# ---- guest-get-devices ------------------------------------------------------------------


@pytest.fixture(scope="session")
def fake_device_exe(tmp_path_factory):
    """progs/fake-device.c built with mingw-w64 (plain Win32, no libraries of ours)."""
    gcc = shutil.which(MINGW_GCC)
    if not gcc:
        pytest.fail("%s is not installed (apt-get install gcc-mingw-w64-x86-64)" % MINGW_GCC)
    exe = str(tmp_path_factory.mktemp("progs") / "fake-device.exe")
    proc = subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-municode", "-O1", "-o", exe,
                           os.path.join(PROGS, "fake-device.c"), "-lsetupapi"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return exe


class FakeDevices:
    """Devices registered in the session's prefix for one test, removed after it."""

    def __init__(self, prefix, exe, tag):
        self.prefix = prefix
        self.exe = exe
        self.tag = tag
        self.added = []

    def _run(self, *args):
        # UTF-8 locale: wine turns the arguments into UTF-16 with it.
        env = dict(self.prefix.env, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        return subprocess.run(["wine", self.exe, *args], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=120)

    def add(self, name, hardware_ids, version="-", filetime="-"):
        instance = "ROOT\\STREAMGA_%s\\%04d" % (self.tag, len(self.added))
        proc = self._run("add", instance, name, "|".join(hardware_ids) or "-", version, str(filetime))
        assert proc.returncode == 0, (proc.stdout, proc.stderr)
        self.added.append(instance)

    def remove_all(self):
        failures = []
        for instance in self.added:
            proc = self._run("remove", instance)
            if proc.returncode != 0:
                failures.append((instance, proc.stdout))
        self.added = []
        assert not failures, failures


@pytest.fixture
def fake_devices(wine_prefix, fake_device_exe, request):
    devices = FakeDevices(wine_prefix, fake_device_exe, request.node.name.upper().replace("-", "_")[:40])
    yield devices
    devices.remove_all()


def test_devices_is_a_list_of_device_infos(win_agent):
    with win_agent.connect() as conn:
        devices = conn.call_ok("guest-get-devices")
    assert isinstance(devices, list)
    for d in devices:
        assert list(d) == ["driver-name", "driver-date", "driver-version", "id"], d
        assert list(d["id"]) == ["type", "vendor-id", "device-id"] and d["id"]["type"] == "pci", d
        assert d["id"]["vendor-id"] in (0x1AF4, 0x1B36), d


def test_devices_lists_qemu_pci_drivers(win_agent, fake_devices):
    date = 133000000000000000               # 2022-06-18 04:26:40 UTC as a FILETIME
    old = 100000000000000000                # 1917-11-21: before the epoch
    listed = [
        # name, hardware ids, version, date, expected id
        ("VirtIO Ethernet Adapter", ["PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AF4&REV_01", "PCI\\VEN_1AF4&DEV_1041"],
         "100.94.104.24000", date, (0x1AF4, 0x1041)),
        # the first id that matches counts
        ("QXL controller", ["PCI\\VEN_8086&DEV_100E", "PCI\\VEN_1B36&DEV_0100", "PCI\\VEN_1AF4&DEV_1000"],
         "10.0.0.21", old, (0x1B36, 0x0100)),
        ("Balloon \u00e9\u4e2d", ["PCI\\VEN_1AF4&DEV_1002"], "1.0", date, (0x1AF4, 0x1002)),
    ]
    not_listed = [
        ("Intel NIC", ["PCI\\VEN_8086&DEV_100E&SUBSYS_00000000"], "1.0", date),
        # qemu-ga's pattern takes DEV_ digits from [0-9A-B] only
        ("VirtIO input", ["PCI\\VEN_1AF4&DEV_104F"], "1.0", date),
        ("case matters", ["pci\\ven_1af4&dev_1041"], "1.0", date),
        ("five digits", ["PCI\\VEN_1AF4&DEV_10411"], "1.0", date),
        ("no version", ["PCI\\VEN_1AF4&DEV_1001"], "-", date),
        ("no date", ["PCI\\VEN_1AF4&DEV_1001"], "1.0", "-"),
        ("no hardware ids", [], "1.0", date),
        ("-", ["PCI\\VEN_1AF4&DEV_1001"], "1.0", date),     # no name
    ]
    for name, ids, version, filetime, _ in listed:
        fake_devices.add(name, ids, version, filetime)
    for name, ids, version, filetime in not_listed:
        fake_devices.add(name, ids, version, filetime)

    with win_agent.connect() as conn:
        devices = conn.call_ok("guest-get-devices")
    ours = {name for name, *_ in listed} | {name for name, *_ in not_listed}
    got = [d for d in devices if d["driver-name"] in ours]
    # the incomplete ones share an id (wine's own tree has no QEMU devices)
    assert not [d for d in devices if d["id"] == {"type": "pci", "vendor-id": 0x1AF4, "device-id": 0x1001}]
    expected = [{"driver-name": name, "driver-date": (filetime - FILETIME_UNIX_EPOCH) * 100,
                 "driver-version": version, "id": {"type": "pci", "vendor-id": ven, "device-id": dev}}
                for name, _, version, filetime, (ven, dev) in listed]
    assert sorted(got, key=lambda d: d["driver-name"]) == sorted(expected, key=lambda d: d["driver-name"])


def test_devices_gone_when_removed(win_agent, fake_devices):
    fake_devices.add("VirtIO SCSI", ["PCI\\VEN_1AF4&DEV_1004"], "2.0", 133000000000000000)
    with win_agent.connect() as conn:
        assert "VirtIO SCSI" in [d["driver-name"] for d in conn.call_ok("guest-get-devices")]
        fake_devices.remove_all()
        assert "VirtIO SCSI" not in [d["driver-name"] for d in conn.call_ok("guest-get-devices")]
