"""Differential network cases: streamga and qemu-ga side by side inside a network namespace
with known interfaces (tests/lib/netns.py), and guest-network-get-route (QEMU 9.1, unknown
to qemu-ga 7.2)."""
import pytest

from diffagents import AgentPair, assert_equivalent, request, single_replies
from diffshape import same_json
from netns import is_root, prepared_namespace

from cases_net import check_interfaces


@pytest.fixture(scope="module")
def netns():
    if not is_root():
        pytest.skip("network namespaces need root (the CI runs as root)")
    with prepared_namespace() as ns:
        yield ns


@pytest.fixture
def ns_pair(netns, agent_binary, qemu_ga_binary, tmp_path):
    """Both agents running inside the namespace."""
    wrappers = tmp_path / "wrappers"
    pair = AgentPair(netns.wrapper(agent_binary, wrappers / "sga"),
                     netns.wrapper(qemu_ga_binary, wrappers / "qga"), tmp_path / "pair").start()
    yield pair
    problem = pair.stop()
    assert problem is None, problem


def test_interfaces_in_namespace_match(netns, ns_pair):
    for id in (1, "x", None):
        payload = request("guest-network-get-interfaces", id=id)
        sga, qga = single_replies(ns_pair.exchange(payload), payload)
        assert_equivalent(sga, qga, payload)
        check_interfaces(sga.value["return"], qga.value["return"], None, ns_pair)
        names = [i["name"] for i in sga.value["return"]]
        assert {"lo", "v0", "v1", "v0:1", "tun0", "br0"} <= set(names), names


def test_interfaces_arguments_refused_alike(ns_pair):
    for arguments in ({"x": 1}, [], "lo"):
        payload = request("guest-network-get-interfaces", arguments, 3)
        sga, qga = single_replies(ns_pair.exchange(payload), payload)
        assert_equivalent(sga, qga, payload)
        assert same_json(sga.value, qga.value), (sga.value, qga.value)


def test_route_is_newer_than_qemu_ga(netns, ns_pair):
    """qemu-ga 7.2 does not know it; streamga lists the namespace's routes
    (tests/net/test_net_routes.py checks their values)."""
    payload = request("guest-network-get-route", id=4)
    sga, qga = single_replies(ns_pair.exchange(payload), payload)
    assert qga.value == {"error": {"class": "CommandNotFound",
                                   "desc": "The command guest-network-get-route has not been found"},
                         "id": 4}
    routes = sga.value["return"]
    assert {(r["version"], r["iface"]) for r in routes} >= {(4, "v0"), (4, "tun0"), (6, "v0"),
                                                           (6, "lo")}
    sga_info, qga_info = single_replies(ns_pair.exchange(request("guest-info")))
    assert "guest-network-get-route" in {c["name"] for c in
                                         sga_info.value["return"]["supported_commands"]}
    assert "guest-network-get-route" not in {c["name"] for c in
                                             qga_info.value["return"]["supported_commands"]}
