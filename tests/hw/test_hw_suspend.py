"""guest-suspend-disk/-ram/-hybrid on a fake /sys/power: the write lands in the fake file.

Under --system-root the write to the fake /sys/power/state is the whole action,
so these tests are safe. They never run against this machine's /sys/power.
"""
import json
import time

import pytest

from hwtree import power_path, power_tree, read

UNSUPPORTED = {"class": "GenericError",
               "desc": "the requested suspend mode is not supported by the guest"}
# How long the agent may take to get back to its main loop and write.
WRITE_TIMEOUT = 10.0


def wait_for_content(path, want):
    deadline = time.monotonic() + WRITE_TIMEOUT
    while True:
        got = read(path)
        if got == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError("%s holds %r, not %r" % (path, got, want))
        time.sleep(0.01)


def suspend_without_reply(client, command, sync_id=4242):
    """Send the command and a guest-sync: the sync's reply must come first (no reply on success)."""
    client.conn.send(json.dumps({"execute": command, "id": "s"}))
    client.conn.send(json.dumps({"execute": "guest-sync", "arguments": {"id": sync_id}}))
    assert client.conn.read_reply() == {"return": sync_id}


def test_ram_writes_mem(rooted, sysroot):
    power_tree(sysroot, "freeze mem disk\n", "[platform] shutdown reboot suspend\n")
    suspend_without_reply(rooted, "guest-suspend-ram")
    wait_for_content(power_path(sysroot, "state"), "mem")
    assert read(power_path(sysroot, "disk")) == "[platform] shutdown reboot suspend\n"
    assert rooted.ok("guest-ping") == {}


@pytest.mark.parametrize("modes", [
    "[platform] shutdown reboot suspend\n",
    "platform shutdown [reboot] suspend\n",     # the administrator's choice is kept
    "[shutdown] platform\n",
])
def test_disk_keeps_the_selected_mode(rooted, sysroot, modes):
    power_tree(sysroot, "freeze mem disk\n", modes)
    suspend_without_reply(rooted, "guest-suspend-disk")
    wait_for_content(power_path(sysroot, "state"), "disk")
    assert read(power_path(sysroot, "disk")) == modes


@pytest.mark.parametrize("modes,chosen", [
    ("platform shutdown reboot [suspend]\n", "platform"),   # left over from a hybrid sleep
    ("shutdown reboot [suspend] test_resume\n", "shutdown"),
])
def test_disk_after_hybrid_selects_a_power_off_mode(rooted, sysroot, modes, chosen):
    power_tree(sysroot, "mem disk\n", modes)
    suspend_without_reply(rooted, "guest-suspend-disk")
    wait_for_content(power_path(sysroot, "state"), "disk")
    assert read(power_path(sysroot, "disk")) == chosen


def test_disk_without_disk_modes(rooted, sysroot):
    power_tree(sysroot, "disk\n")
    suspend_without_reply(rooted, "guest-suspend-disk")
    wait_for_content(power_path(sysroot, "state"), "disk")


def test_hybrid_selects_suspend_then_hibernates(rooted, sysroot):
    power_tree(sysroot, "freeze mem disk\n", "[platform] shutdown reboot suspend test_resume\n")
    suspend_without_reply(rooted, "guest-suspend-hybrid")
    wait_for_content(power_path(sysroot, "state"), "disk")
    assert read(power_path(sysroot, "disk")) == "suspend"


@pytest.mark.parametrize("command,state,disk", [
    ("guest-suspend-ram", "freeze disk\n", "[platform] suspend\n"),
    ("guest-suspend-ram", "freeze memory\n", None),             # words, not substrings
    ("guest-suspend-disk", "freeze mem\n", "[platform] suspend\n"),
    ("guest-suspend-hybrid", "freeze mem\n", "[platform] suspend\n"),
    ("guest-suspend-hybrid", "mem disk\n", "[platform] shutdown reboot\n"),
    ("guest-suspend-hybrid", "mem disk\n", None),
    ("guest-suspend-ram", "\n", None),
])
def test_unsupported_mode_is_replied_and_nothing_written(rooted, sysroot, command, state, disk):
    power_tree(sysroot, state, disk)
    reply = rooted.call(command, id=7)
    assert reply == {"error": UNSUPPORTED, "id": 7}
    assert read(power_path(sysroot, "state")) == state
    if disk is not None:
        assert read(power_path(sysroot, "disk")) == disk


@pytest.mark.parametrize("command", ["guest-suspend-ram", "guest-suspend-disk",
                                     "guest-suspend-hybrid"])
def test_no_power_directory(rooted, sysroot, command):
    assert rooted.error(command) == UNSUPPORTED


def test_earlier_replies_come_first_and_the_agent_goes_on(rooted, sysroot):
    power_tree(sysroot, "mem disk\n")
    rooted.conn.send(b'{"execute": "guest-ping", "id": 1}{"execute": "guest-suspend-ram"}'
                     b'{"execute": "guest-ping", "id": 2}')
    assert rooted.conn.read_reply() == {"return": {}, "id": 1}
    assert rooted.conn.read_reply() == {"return": {}, "id": 2}
    wait_for_content(power_path(sysroot, "state"), "mem")
    # After "waking up" the agent serves as before; another sleep is another write.
    power_tree(sysroot, "mem disk\n")
    suspend_without_reply(rooted, "guest-suspend-ram", sync_id=99)
    wait_for_content(power_path(sysroot, "state"), "mem")


@pytest.mark.parametrize("command", ["guest-suspend-ram", "guest-suspend-disk",
                                     "guest-suspend-hybrid"])
def test_arguments_are_refused(rooted, sysroot, command):
    power_tree(sysroot, "mem disk\n", "[platform] suspend\n")
    assert rooted.error(command, {"mode": "x"}) == {"class": "GenericError",
                                                   "desc": "Parameter 'mode' is unexpected"}
    assert read(power_path(sysroot, "state")) == "mem disk\n"


def test_listed_without_success_response(rooted):
    info = {c["name"]: c for c in rooted.ok("guest-info")["supported_commands"]}
    for command in ("guest-suspend-ram", "guest-suspend-disk", "guest-suspend-hybrid"):
        assert info[command] == {"name": command, "enabled": True, "success-response": False}
