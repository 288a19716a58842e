"""The agent's virtio-serial port unplugged and plugged back while the agent runs.

Unplugging the port (QMP device_del) makes the guest driver fail reads with
ENODEV: the channel itself is gone, not just the host. With -r/--retry-path
the agent must keep running and reopen the port once it is back (it retries
every 5 s, as qemu-ga); without it the agent exits with status 1.
"""
import re
import time

import pytest

from guestvm import PORT_ID, PORT_NAME, GuestVM
from qmp import QMP

pytestmark = pytest.mark.vm

# The agent retries every 5 s; a TCG guest adds its own delay on top.
REOPEN_TIMEOUT = 30.0


def unplug_port(vm):
    qmp = QMP(vm.qmp_path)
    try:
        qmp.execute("device_del", id=PORT_ID)
        qmp.wait_event("DEVICE_DELETED")
    finally:
        qmp.close()


def plug_port(vm):
    qmp = QMP(vm.qmp_path)
    try:
        qmp.execute("device_add", driver="virtserialport", bus="vser.0", chardev="qga",
                    id=PORT_ID, name=PORT_NAME)
    finally:
        qmp.close()


@pytest.fixture
def boot(agent_binary, tmp_path):
    vms = []

    def start(*agent_args):
        vm = GuestVM(agent_binary, agent_args=agent_args, workdir=tmp_path / ("vm%d" % len(vms)))
        vms.append(vm)
        return vm.start()

    yield start
    for vm in vms:
        vm.stop()


def test_retry_path_reopens_a_replugged_port(boot):
    vm = boot("-r")
    with vm.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    mark = vm.console_offset()
    unplug_port(vm)
    vm.wait_console(r"waiting for channel path", REOPEN_TIMEOUT, mark)
    plug_port(vm)
    started = time.monotonic()
    with vm.connect(timeout=REOPEN_TIMEOUT) as conn:
        print("agent answered %.1f s after the port came back" % (time.monotonic() - started))
        assert conn.call("guest-ping", id="back") == {"return": {}, "id": "back"}
    assert "SGA-AGENT-EXITED" not in vm.console_text()[mark:], vm.console_tail()


def test_without_retry_path_an_unplugged_port_ends_the_agent(boot):
    vm = boot()
    with vm.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    mark = vm.console_offset()
    unplug_port(vm)
    m = vm.wait_console(r"SGA-AGENT-EXITED status=(\d+)\n", REOPEN_TIMEOUT, mark)
    assert m.group(1) == "1", vm.console_tail()
    assert re.search(r"critical: error reading channel", vm.console_text()[mark:]), vm.console_tail()
