"""The range image's agent across its lifecycle: guest-shutdown under busybox init, and respawn.

Each test boots its own guest (busybox init, the static agent of build-static)
since each ends or restarts the agent. guest-shutdown must ask busybox init
(SIGUSR2 powerdown, SIGTERM reboot), not call reboot(2) itself: busybox init
then runs its shutdown actions, here the LSB script's stop, before the kernel
goes down, and its console messages show it did. After a reboot the guest
boots again and the init script starts the agent again. An agent killed with
SIGKILL comes back only where init restarts it: under busybox init that is
the inittab respawn line of init/busybox/inittab.streamga.in.
"""
import json

import pytest

from guestvm import EOL, GuestVM, require_qemu
from test_virtio_exec import EXEC_TIMEOUT, assert_exit, run

pytestmark = pytest.mark.vm

REPLY_TIMEOUT = 60.0
# TCG: a shutdown through init takes a few seconds (busybox init waits 1 s
# between SIGTERM and SIGKILL to every process), far more on a loaded machine.
DOWN_TIMEOUT = 120.0
# busybox init's messages on the way down (init/init.c), then the kernel's.
INIT_GOING_DOWN = r"The system is going down NOW!"
INIT_REQUESTS = {"powerdown": r"Requesting system poweroff", "reboot": r"Requesting system reboot"}
KERNEL_LINE = {"powerdown": r"reboot: Power down", "reboot": r"reboot: Restarting system"}
# What the LSB script prints when init's shutdown action stops the agent, and
# when it started it (no "\n": a kernel message may come before it).
SCRIPT_STOPPED = r"streamga stopped"
SCRIPT_STARTED = r"streamga started"


@pytest.fixture
def boot(static_agent_binary, tmp_path):
    require_qemu()
    vms = []

    def start(init, **kw):
        vm = GuestVM(static_agent_binary, init=init, workdir=tmp_path / ("vm%d" % len(vms)), **kw)
        vms.append(vm)
        return vm.start()

    yield start
    for vm in vms:
        vm.stop()


def guest_sh(vm, script):
    """A busybox sh script run through guest-exec: its stdout; it must exit 0."""
    with vm.connect() as conn:
        out, err, status = run(conn, script, timeout=EXEC_TIMEOUT)
    assert_exit(status, 0)
    return out.decode()


def shutdown(vm, mode):
    """guest-shutdown after a guest-ping in the same write; returns the console offset before it.

    The ping's reply shows the agent read the request; guest-shutdown itself gets none.
    """
    with vm.connect() as conn:
        mark = vm.console_offset()
        conn.send(json.dumps({"execute": "guest-ping", "id": 1}) +
                  json.dumps({"execute": "guest-shutdown", "arguments": {"mode": mode}}))
        assert conn.read_reply(timeout=REPLY_TIMEOUT) == {"return": {}, "id": 1}
        # stay connected until init is on its way: closing earlier races nothing,
        # but keeps the port's host side as a libvirt client would
        vm.wait_console(INIT_GOING_DOWN, DOWN_TIMEOUT, mark)
    return mark


def assert_went_down_through_init(vm, mode, mark):
    """busybox init ran the LSB script's stop, then asked the kernel; in that order."""
    going_down = vm.wait_console(INIT_GOING_DOWN, DOWN_TIMEOUT, mark)
    stopped = vm.wait_console(SCRIPT_STOPPED, DOWN_TIMEOUT, mark)
    requested = vm.wait_console(INIT_REQUESTS[mode], DOWN_TIMEOUT, mark)
    kernel = vm.wait_console(KERNEL_LINE[mode], DOWN_TIMEOUT, mark)
    # shutdown actions run before init kills everything
    assert stopped.start() < going_down.start() < requested.start() < kernel.start(), \
        vm.console_text()[mark:]
    return kernel.end()


def test_powerdown_through_busybox_init(boot):
    vm = boot("busybox")
    mark = shutdown(vm, "powerdown")
    assert_went_down_through_init(vm, "powerdown", mark)
    try:
        status = vm.proc.wait(DOWN_TIMEOUT)
    except Exception:
        vm.fail("QEMU did not exit after the guest powered off")
    assert status == 0, status


def test_reboot_through_busybox_init_starts_the_agent_again(boot):
    vm = boot("busybox", no_reboot=False)
    boot_id = guest_sh(vm, "cat /proc/sys/kernel/random/boot_id")
    mark = shutdown(vm, "reboot")
    down = assert_went_down_through_init(vm, "reboot", mark)
    # the same machine boots again: a new kernel, whose rcS runs the LSB script
    vm.wait_console(r"Linux version ", vm.boot_timeout, down)
    started = vm.wait_console(SCRIPT_STARTED, vm.boot_timeout, down)
    pid = vm.wait_agent_started(started.start())
    assert vm.running()
    with vm.connect() as conn:
        assert conn.call("guest-ping", id="again", timeout=REPLY_TIMEOUT) == \
            {"return": {}, "id": "again"}
    out = guest_sh(vm, "cat /proc/sys/kernel/random/boot_id; echo $PPID")
    new_boot_id, agent = out.split()
    assert new_boot_id != boot_id
    assert int(agent) == pid


def test_killed_agent_is_respawned_by_the_inittab_line(boot):
    vm = boot("busybox-respawn")
    old = vm.agent_pid
    assert int(guest_sh(vm, "echo $PPID")) == old
    with vm.connect() as conn:
        mark = vm.console_offset()
        # The agent's own child kills it: the reply to guest-exec may or may not
        # leave before, so none is awaited.
        conn.send(json.dumps({"execute": "guest-exec", "arguments": {
            "path": "/bin/sh", "arg": ["-c", "kill -9 $PPID"]}}))
        vm.wait_console(r"SGA-AGENT-EXITED pid=%d" % old + EOL, REPLY_TIMEOUT, mark)
    new = vm.wait_agent_started(mark, timeout=REPLY_TIMEOUT)
    assert new != old
    with vm.connect() as conn:
        assert conn.call("guest-ping", id="back", timeout=REPLY_TIMEOUT) == \
            {"return": {}, "id": "back"}
    # the agent that answers is the new one, and init is its parent
    out = guest_sh(vm, "echo $PPID; cut -d' ' -f4 /proc/$PPID/stat")
    assert [int(x) for x in out.split()] == [new, 1]
