"""guest-network-get-interfaces inside a network namespace with known interfaces.

Expected values come from `ip -j addr` and the namespace's /proc/net/dev; the
differential comparison with qemu-ga in the same namespace is in
tests/diff/test_diff_net.py.
"""
import os

import pytest

ZERO_MAC = "00:00:00:00:00:00"
STAT_NAMES = ("rx-bytes", "rx-packets", "rx-errs", "rx-dropped",
              "tx-bytes", "tx-packets", "tx-errs", "tx-dropped")


def parse_net_dev(text):
    """{name: {statistic: value}} from /proc/net/dev text."""
    out = {}
    for line in text.splitlines()[2:]:
        name, _, rest = line.strip().partition(":")
        v = [int(x) for x in rest.split()]
        out[name] = dict(zip(STAT_NAMES, v[0:4] + v[8:12]))
    return out


def expected_interfaces(links):
    """What qemu-ga's getifaddrs walk gives for `ip -j addr` output: every link in index
    order, then IPv4 labels other than the link's name where their first address is;
    per name its IPv4 addresses, then (links only) IPv6 ones."""
    out = {}
    order = [link["ifname"] for link in links]
    for link in links:
        mac = link.get("address", ZERO_MAC)
        if len(mac.split(":")) != 6:
            mac = ZERO_MAC
        out.setdefault(link["ifname"], {"name": link["ifname"], "hardware-address": mac,
                                        "ip-addresses": []})
        for a in link["addr_info"]:
            if a["family"] != "inet":
                continue
            name = a.get("label", link["ifname"])
            if name not in out:
                order.append(name)
                out[name] = {"name": name, "hardware-address": mac, "ip-addresses": []}
            out[name]["ip-addresses"].append({"ip-address": a["local"], "ip-address-type": "ipv4",
                                              "prefix": a["prefixlen"]})
    for link in links:
        for a in link["addr_info"]:
            if a["family"] == "inet6":
                out[link["ifname"]]["ip-addresses"].append(
                    {"ip-address": a["local"], "ip-address-type": "ipv6", "prefix": a["prefixlen"]})
    return [out[name] for name in order]


def strip_stats(iface):
    return {k: v for k, v in iface.items() if k != "statistics"}


def test_interfaces_match_ip_addr(netns, ns_client):
    links = netns.ip_json("addr")
    before = parse_net_dev(netns.run("cat", "/proc/net/dev"))
    got = ns_client.ok("guest-network-get-interfaces")
    after = parse_net_dev(netns.run("cat", "/proc/net/dev"))

    want = expected_interfaces(links)
    # Interfaces without addresses carry no ip-addresses member (and no statistics).
    for w in want:
        if not w["ip-addresses"]:
            del w["ip-addresses"]
    assert [strip_stats(i) for i in got] == want

    names = [i["name"] for i in got]
    assert "v0:1" in names and "br0" in names and "tun0" in names
    for iface in got:
        if "ip-addresses" in iface and iface["name"] in before:
            stats = iface["statistics"]
            for key in STAT_NAMES:
                assert before[iface["name"]][key] <= stats[key] <= after[iface["name"]][key], (
                    iface["name"], key)
        else:
            # labels (not in /proc/net/dev) and interfaces without addresses
            assert "statistics" not in iface, iface


def test_interface_without_hardware_address_shows_zeros(netns, ns_client):
    got = {i["name"]: i for i in ns_client.ok("guest-network-get-interfaces")}
    assert got["tun0"]["hardware-address"] == ZERO_MAC
    assert got["lo"]["hardware-address"] == ZERO_MAC
    links = {link["ifname"]: link for link in netns.ip_json("link")}
    assert "address" not in links["tun0"]
    assert got["v0:1"]["hardware-address"] == got["v0"]["hardware-address"] == \
        links["v0"]["address"]


def test_statistics_from_a_fake_proc_net_dev(netns, ns_agent_factory, tmp_path):
    """Counters come from the system root's proc/net/dev, matched as qemu-ga matches them."""
    root = tmp_path / "root"
    os.makedirs(root / "proc" / "net")
    (root / "proc" / "net" / "dev").write_text(
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
        "errs drop fifo colls carrier compressed\n"
        "    v0x: 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n"                  # a longer name: no match
        "    v0: 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116\n"
        "    v1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"              # one counter short: skipped
        "v1:201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216\n"
        "  tun0: 18446744073709551615 1 1 1 1 1 1 1 -1 1 1 1 1 1 1 1\n")
    with ns_agent_factory("--system-root=%s" % root).connect() as conn:
        reply = conn.call("guest-network-get-interfaces")
    got = {i["name"]: i for i in reply["return"]}
    assert got["v0"]["statistics"] == dict(zip(STAT_NAMES, [101, 102, 103, 104,
                                                            109, 110, 111, 112]))
    assert got["v1"]["statistics"] == dict(zip(STAT_NAMES, [201, 202, 203, 204,
                                                            209, 210, 211, 212]))
    # %lld saturates at LLONG_MAX; -1 wraps to 2^64-1, as qemu-ga's long long -> uint64
    assert got["tun0"]["statistics"]["rx-bytes"] == 2**63 - 1
    assert got["tun0"]["statistics"]["tx-bytes"] == 2**64 - 1
    assert "statistics" not in got["lo"] and "ip-addresses" in got["lo"]
    assert "statistics" not in got["v0:1"]


def test_statistics_without_proc_net_dev(netns, ns_agent_factory, tmp_path):
    root = tmp_path / "empty-root"
    root.mkdir()
    with ns_agent_factory("--system-root=%s" % root).connect() as conn:
        reply = conn.call("guest-network-get-interfaces")
    assert all("statistics" not in i for i in reply["return"])
    assert any("ip-addresses" in i for i in reply["return"])


@pytest.mark.parametrize("arguments", [{"x": 1}, {"name": "v0"}])
def test_arguments_are_refused(ns_client, arguments):
    key = next(iter(arguments))
    assert ns_client.error("guest-network-get-interfaces", arguments) == {
        "class": "GenericError", "desc": "Parameter '%s' is unexpected" % key}
