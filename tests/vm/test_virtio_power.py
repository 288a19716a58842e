"""guest-shutdown in a real guest, whose PID 1 is a busybox shell (init.sh), not an init.

No init to ask and no /sbin/shutdown in the initramfs: the agent syncs and
calls reboot(2), so the guest's kernel powers the machine off (QEMU exits),
restarts it (with -no-reboot QEMU exits too) or halts it (QEMU stays, the CPU
stops). The replies to requests sent before the shutdown still reach the
host; the shutdown itself gets none (success-response false).
"""
import json

import pytest

from guestvm import GuestVM

pytestmark = pytest.mark.vm

# TCG: a poweroff takes a few seconds to reach QEMU (4 s measured with qemu-ga).
DOWN_TIMEOUT = 120.0

KERNEL_LINE = {
    "powerdown": r"reboot: Power down",
    "reboot": r"reboot: Restarting system",
    "halt": r"reboot: System halted",
}


@pytest.fixture
def boot(agent_binary, tmp_path):
    vms = []

    def start():
        vm = GuestVM(agent_binary, workdir=tmp_path / ("vm%d" % len(vms)))
        vms.append(vm)
        return vm.start()

    yield start
    for vm in vms:
        vm.stop()


@pytest.mark.parametrize("mode", ["powerdown", "reboot", "halt"])
def test_shutdown_brings_the_guest_down(boot, mode):
    vm = boot()
    with vm.connect() as conn:
        mark = vm.console_offset()
        conn.send("".join(json.dumps(r) for r in [
            {"execute": "guest-get-host-name", "id": 1},
            {"execute": "guest-shutdown", "arguments": {"mode": mode}, "id": 2},
            {"execute": "guest-ping", "id": 3},
        ]))
        first = conn.read_reply(timeout=30)
        assert first == {"return": {"host-name": "sga-guest"}, "id": 1}, first
        assert conn.read_reply(timeout=30) == {"return": {}, "id": 3}
        vm.wait_console(KERNEL_LINE[mode], DOWN_TIMEOUT, mark)
    if mode == "halt":
        assert vm.running()     # a halted machine is still on
    else:
        try:
            status = vm.proc.wait(DOWN_TIMEOUT)
        except Exception:
            vm.fail("QEMU did not exit after the guest's %s" % mode)
        assert status == 0, status
