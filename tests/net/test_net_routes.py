"""guest-network-get-route (upstream QEMU 9.1) in a namespace with known routes, and on fake tables.

Expected values come from `ip -j route` and from the kernel's own tables; the
shape is upstream's GuestNetworkRoute (qga/qapi-schema.json, 'Since: 9.1').
"""
import errno
import ipaddress
import os
import socket
import struct

import pytest

IPV4_MEMBERS = ["iface", "destination", "metric", "gateway", "mask", "irtt", "flags", "refcnt",
                "use", "window", "mtu", "version"]
IPV6_MEMBERS = ["iface", "destination", "metric", "flags", "refcnt", "use", "desprefixlen",
                "source", "srcprefixlen", "nexthop", "version"]


def hex_ipv4(word):
    """/proc/net/route's hex word as an address (the word's low byte first, as upstream)."""
    return socket.inet_ntoa(struct.pack("<I", word))


def to_int32(value):
    return value - 2**32 if value >= 2**31 else value


def parse_route(text):
    """Upstream's reading of /proc/net/route: header skipped, hex words, signed counters."""
    out = []
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) < 11:
            continue
        out.append({"iface": f[0], "destination": hex_ipv4(int(f[1], 16)), "metric": int(f[6]),
                    "gateway": hex_ipv4(int(f[2], 16)), "mask": hex_ipv4(int(f[7], 16)),
                    "irtt": int(f[10]), "flags": int(f[3], 16), "refcnt": int(f[4]),
                    "use": int(f[5]), "window": int(f[9]), "mtu": int(f[8]), "version": 4})
    return out


def hex_ipv6(text):
    return str(ipaddress.IPv6Address(bytes.fromhex(text)))


def parse_ipv6_route(text):
    """Upstream's reading of /proc/net/ipv6_route: every field hex, read into C ints (so
    ffffffff is -1, and flags with the top bit set widen to 64 bits with it)."""
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10:
            continue
        out.append({"iface": f[9], "destination": hex_ipv6(f[0]), "metric": to_int32(int(f[5], 16)),
                    "flags": to_int32(int(f[8], 16)) % 2**64, "refcnt": to_int32(int(f[6], 16)),
                    "use": to_int32(int(f[7], 16)), "desprefixlen": str(int(f[1], 16)),
                    "source": hex_ipv6(f[2]), "srcprefixlen": str(int(f[3], 16)),
                    "nexthop": hex_ipv6(f[4]), "version": 6})
    return out


def kernel_routes(netns):
    return parse_route(netns.run("cat", "/proc/net/route")) + \
        parse_ipv6_route(netns.run("cat", "/proc/net/ipv6_route"))


def test_routes_are_the_kernels_tables(netns, ns_client):
    before = kernel_routes(netns)
    got = ns_client.ok("guest-network-get-route")
    assert got == before
    for route in got:
        members = IPV4_MEMBERS if route["version"] == 4 else IPV6_MEMBERS
        assert list(route) == members, route      # upstream's members, in the schema's order


def route_key4(r):
    return (r["destination"], r["mask"])


def test_ipv4_routes_match_ip_route(netns, ns_client):
    got = [r for r in ns_client.ok("guest-network-get-route") if r["version"] == 4]
    ip_routes = netns.ip_json("-4", "route", "show", "table", "main")
    assert len(got) == len(ip_routes)
    by_key = {route_key4(r): r for r in got}
    for ipr in ip_routes:
        net = ipaddress.IPv4Network("0.0.0.0/0" if ipr["dst"] == "default" else ipr["dst"])
        r = by_key[(str(net.network_address), str(net.netmask))]
        assert r["iface"] == ipr.get("dev", "*")
        assert r["gateway"] == ipr.get("gateway", "0.0.0.0")
        assert r["metric"] == ipr.get("metric", 0)
        assert bool(r["flags"] & 0x2) == ("gateway" in ipr)     # RTF_GATEWAY
        assert r["flags"] & 0x1                                  # RTF_UP
        metrics = ipr.get("metrics", [{}])[0]
        assert r["window"] == metrics.get("window", 0)
        assert r["mtu"] == (metrics["advmss"] + 40 if "advmss" in metrics else 0)
        assert r["irtt"] == metrics.get("rtt", 0)
    # the routes the namespace was set up with
    assert by_key[("10.9.0.0", "255.255.0.0")]["metric"] == 7
    assert by_key[("10.10.0.0", "255.255.0.0")]["window"] == 1000
    assert by_key[("10.11.0.0", "255.255.0.0")]["iface"] == "*"
    assert by_key[("0.0.0.0", "0.0.0.0")]["gateway"] == "10.1.2.254"


def test_ipv6_routes_match_ip_route(netns, ns_client):
    got = [r for r in ns_client.ok("guest-network-get-route") if r["version"] == 6]
    ip_routes = netns.ip_json("-6", "route", "show", "table", "all")
    unmatched = list(got)
    for ipr in ip_routes:
        net = ipaddress.IPv6Network("::/0" if ipr["dst"] == "default" else ipr["dst"])
        src = ipaddress.IPv6Network(ipr.get("from", "::/0"))
        want = {"destination": str(net.network_address), "desprefixlen": str(net.prefixlen),
                "source": str(src.network_address), "srcprefixlen": str(src.prefixlen),
                "nexthop": ipr.get("gateway", "::"), "iface": ipr["dev"],
                "metric": ipr.get("metric", 0)}
        match = [r for r in unmatched if all(r[k] == v for k, v in want.items())]
        assert match, (ipr, unmatched)
        unmatched.remove(match[0])
    # What ip leaves out are the tables' terminating null entries (unreachable, on lo).
    for r in unmatched:
        assert (r["iface"], r["destination"], r["desprefixlen"], r["metric"]) == \
            ("lo", "::", "0", -1), r
    by_dest = {(r["destination"], r["desprefixlen"], r["source"]): r for r in got}
    assert by_dest[("fd09::", "48", "::")]["metric"] == 9
    assert by_dest[("fd09::", "48", "::")]["nexthop"] == "fd01::1"
    assert by_dest[("2001:db8::", "32", "fd01::")]["srcprefixlen"] == "64"
    # local routes carry RTF_LOCAL (0x80000000), widened through a C int as upstream does
    local = by_dest[("fd01::5", "128", "::")]
    assert local["flags"] >= 2**63 and local["flags"] & 0x80000000


def write_tables(root, route=None, ipv6_route=None):
    d = os.path.join(str(root), "proc", "net")
    os.makedirs(d, exist_ok=True)
    if route is not None:
        with open(os.path.join(d, "route"), "w") as f:
            f.write(route)
    if ipv6_route is not None:
        with open(os.path.join(d, "ipv6_route"), "w") as f:
            f.write(ipv6_route)


ROUTE_TEXT = (
    "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n"     # a header line all the same
    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth1\t0000A8C0\t00000000\t0001\t2\t5\t-1\t00FFFFFF\t1500\t64\t7\n"
    "short\t0000A8C0\t00000000\t0001\n"                                # too few fields: skipped
    "veryveryverylongname0\tFFFFFFFF\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0\n"
)
IPV6_ROUTE_TEXT = (
    "fd010000000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fd010000000000000000000000000001 00000400 00000003 0000002a 00450003     eth0\n"
    "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
    "zz not a route\n"
)


def test_fake_tables_read_as_upstream_reads_them(ns_agent_factory, tmp_path):
    root = tmp_path / "root"
    write_tables(root, ROUTE_TEXT, IPV6_ROUTE_TEXT)
    with ns_agent_factory("--system-root=%s" % root).connect() as conn:
        got = conn.call("guest-network-get-route")["return"]
    assert got == parse_route(ROUTE_TEXT) + parse_ipv6_route(IPV6_ROUTE_TEXT)
    assert got[0]["gateway"] == "192.168.2.1" and got[1]["metric"] == -1
    assert got[2]["iface"] == "veryveryverylongname0"
    assert got[4]["flags"] == 0x00450003 and got[4]["use"] == 42
    assert got[5]["flags"] == 2**64 - 2**32 + 0x80200001
    assert got[6]["metric"] == -1


@pytest.mark.parametrize("missing", ["route", "ipv6_route"])
def test_missing_table_is_the_error(ns_agent_factory, tmp_path, missing):
    """Upstream reports a table it cannot open even when the other one reads
    (a kernel without IPv6 has no ipv6_route)."""
    root = tmp_path / "root"
    write_tables(root, ROUTE_TEXT if missing != "route" else None,
                 IPV6_ROUTE_TEXT if missing != "ipv6_route" else None)
    with ns_agent_factory("--system-root=%s" % root).connect() as conn:
        reply = conn.call("guest-network-get-route")
    assert reply == {"error": {"class": "GenericError", "desc": 'open("/proc/net/%s"): %s' % (
        missing, os.strerror(errno.ENOENT))}}


def test_empty_tables(ns_agent_factory, tmp_path):
    root = tmp_path / "root"
    write_tables(root, "", "")
    with ns_agent_factory("--system-root=%s" % root).connect() as conn:
        assert conn.call("guest-network-get-route") == {"return": []}


def test_arguments_are_refused(ns_client):
    assert ns_client.error("guest-network-get-route", {"version": 4}) == {
        "class": "GenericError", "desc": "Parameter 'version' is unexpected"}


def test_listed_as_enabled(ns_client):
    info = {c["name"]: c for c in ns_client.ok("guest-info")["supported_commands"]}
    assert info["guest-network-get-route"] == {"name": "guest-network-get-route",
                                               "enabled": True, "success-response": True}
