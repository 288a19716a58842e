"""Differential error cases of processors, memory blocks and devices, and guest-get-load
(QEMU 10.0, unknown to qemu-ga 7.2).

Only requests that write nothing in either agent are sent: argument errors
(refused before any command code runs), processors and memory blocks that do
not exist, and processors without an online file (nothing to write). Never a
suspend, never a change to a processor or memory block that exists.
"""
import os

import pytest

from diffagents import assert_equivalent, request, single_replies
from diffshape import same_json

CPU_DIR = "/sys/devices/system/cpu"


def absent_cpu():
    ids = [int(n[3:]) for n in os.listdir(CPU_DIR) if n.startswith("cpu") and n[3:].isdigit()]
    return max(ids) + 1000


def cpus_without_online_file():
    return sorted(int(n[3:]) for n in os.listdir(CPU_DIR)
                  if n.startswith("cpu") and n[3:].isdigit()
                  and not os.path.exists(os.path.join(CPU_DIR, n, "online")))


def compare(pair, command, arguments, id="h"):
    payload = request(command, arguments, id)
    sga, qga = single_replies(pair.exchange(payload), payload)
    assert_equivalent(sga, qga, payload)
    assert same_json(sga.value, qga.value), (sga.value, qga.value)
    return sga.value


SET_VCPUS_BAD = [
    {},
    {"vcpus": None},
    {"vcpus": {}},
    {"vcpus": "0"},
    {"vcpus": [None]},
    {"vcpus": [[]]},
    {"vcpus": [{}]},
    {"vcpus": [{"online": True}]},
    {"vcpus": [{"logical-id": 0}]},
    {"vcpus": [{"logical-id": "0", "online": True}]},
    {"vcpus": [{"logical-id": 0.0, "online": True}]},
    {"vcpus": [{"logical-id": 2**63, "online": True}]},
    {"vcpus": [{"logical-id": 2**64, "online": True}]},
    {"vcpus": [{"logical-id": 0, "online": "true"}]},
    {"vcpus": [{"logical-id": 0, "online": True, "can-offline": 1}]},
    {"vcpus": [{"logical-id": 0, "online": True, "x": 1}]},
    {"vcpus": [{"logical-id": 0, "online": True}, {"logical-id": 0}]},
    {"vcpus": [], "x": 1},
]


@pytest.mark.parametrize("arguments", SET_VCPUS_BAD, ids=[str(a) for a in SET_VCPUS_BAD])
def test_set_vcpus_bad_arguments(pair, arguments):
    reply = compare(pair, "guest-set-vcpus", arguments)
    assert reply["error"]["class"] == "GenericError"


def test_set_vcpus_absent_processor(pair):
    cpu = absent_cpu()
    for vcpus in ([{"logical-id": cpu, "online": True}],
                  [{"logical-id": cpu, "online": False}, {"logical-id": cpu + 1, "online": True}],
                  [{"logical-id": -1, "online": True}],
                  [{"logical-id": -2**63, "online": False}],
                  [{"logical-id": 2**63 - 1, "online": True}]):
        reply = compare(pair, "guest-set-vcpus", {"vcpus": vcpus})
        assert "No such file or directory" in reply["error"]["desc"], reply


def test_set_vcpus_processor_without_online_file(pair):
    """Such a processor is online for good: staying online counts, going offline fails."""
    fixed = cpus_without_online_file()
    if not fixed:
        pytest.skip("every processor of this machine has an online file "
                    "(tests/hw covers this on a fake tree)")
    cpu = fixed[0]
    reply = compare(pair, "guest-set-vcpus", {"vcpus": [{"logical-id": cpu, "online": True}] * 3})
    assert reply["return"] == 3
    reply = compare(pair, "guest-set-vcpus", {"vcpus": [{"logical-id": cpu, "online": False}]})
    assert reply["error"]["desc"] == "logical processor #%d can't be offlined" % cpu
    reply = compare(pair, "guest-set-vcpus", {"vcpus": [
        {"logical-id": cpu, "online": True}, {"logical-id": cpu, "online": False}]})
    assert reply["return"] == 1


SET_MEMORY_BAD = [
    {},
    {"mem-blks": None},
    {"mem-blks": [1]},
    {"mem-blks": [{}]},
    {"mem-blks": [{"online": True}]},
    {"mem-blks": [{"phys-index": 1}]},
    {"mem-blks": [{"phys-index": 1.0, "online": True}]},
    {"mem-blks": [{"phys-index": "1", "online": True}]},
    {"mem-blks": [{"phys-index": None, "online": True}]},
    {"mem-blks": [{"phys-index": 2**64, "online": True}]},
    {"mem-blks": [{"phys-index": -2**63 - 1, "online": True}]},
    {"mem-blks": [{"phys-index": 1, "online": 0}]},
    {"mem-blks": [{"phys-index": 1, "online": True, "can-offline": "no"}]},
    {"mem-blks": [{"phys-index": 1, "online": True, "x": None}]},
]


@pytest.mark.parametrize("arguments", SET_MEMORY_BAD, ids=[str(a) for a in SET_MEMORY_BAD])
def test_set_memory_blocks_bad_arguments(pair, arguments):
    reply = compare(pair, "guest-set-memory-blocks", arguments)
    assert reply["error"]["class"] == "GenericError"


def test_set_memory_blocks_absent_blocks(pair):
    """uint64 as qemu reads it: negative integers wrap, up to 2^64-1 (none of which exist)."""
    blocks = [{"phys-index": i, "online": online}
              for i in (2**40, 2**63, 2**64 - 1, -1, -2**63)
              for online in (True, False)]
    reply = compare(pair, "guest-set-memory-blocks", {"mem-blks": blocks})
    assert [r["phys-index"] for r in reply["return"]] == [b["phys-index"] % 2**64 for b in blocks]
    assert compare(pair, "guest-set-memory-blocks", {"mem-blks": []}) == {"return": [], "id": "h"}


@pytest.mark.parametrize("command", ["guest-get-vcpus", "guest-get-memory-blocks",
                                     "guest-get-memory-block-info", "guest-get-cpustats"])
@pytest.mark.parametrize("arguments", [{"x": 1}, {"vcpus": []}, []])
def test_getters_refuse_arguments(pair, command, arguments):
    compare(pair, command, arguments)


def test_get_devices_is_disabled_alike(pair):
    for arguments in (None, {}, {"x": 1}):
        payload = request("guest-get-devices", {} if arguments is None else arguments, 5)
        sga, qga = single_replies(pair.exchange(payload), payload)
        assert same_json(sga.value, qga.value), (sga.value, qga.value)
        assert sga.value == {"error": {"class": "CommandNotFound",
                                       "desc": "Command guest-get-devices has been disabled"},
                             "id": 5}
    sga, qga = single_replies(pair.exchange(request("guest-info")))
    entry = {name: [c for c in r.value["return"]["supported_commands"]
                    if c["name"] == "guest-get-devices"]
             for name, r in (("sga", sga), ("qga", qga))}
    assert entry["sga"] == entry["qga"] == [
        {"name": "guest-get-devices", "enabled": False, "success-response": True}]


def test_get_load_is_newer_than_qemu_ga(pair):
    """qemu-ga 7.2 does not know it; streamga answers with upstream's GuestLoadAverage."""
    payload = request("guest-get-load", id=9)
    before = os.getloadavg()
    sga, qga = single_replies(pair.exchange(payload), payload)
    after = os.getloadavg()
    assert qga.value == {"error": {"class": "CommandNotFound",
                                   "desc": "The command guest-get-load has not been found"},
                         "id": 9}
    ret = sga.value["return"]
    assert list(ret) == ["load1m", "load5m", "load15m"]
    assert (ret["load1m"], ret["load5m"], ret["load15m"]) in (before, after)
