"""Real-VM tests: the `vm` marker, a booted-guest fixture, and the guest console
attached to every failure report so a failed test shows what the guest said.

Deselect with `-m "not vm"` where QEMU is not installed.
"""
import shutil

import pytest

from guestvm import QEMU, GuestVM


def pytest_configure(config):
    config.addinivalue_line("markers", "vm: boots a real Linux guest under QEMU/TCG (slow)")


@pytest.fixture(scope="module")
def guest(agent_binary, tmp_path_factory):
    """One guest per test module running the agent under test with default args.

    A boot costs seconds under TCG, so the module's tests share it; each test
    opens and closes its own connection.
    """
    if shutil.which(QEMU) is None:
        pytest.fail("%s is not installed (Debian package qemu-system-x86)" % QEMU)
    vm = GuestVM(agent_binary, workdir=tmp_path_factory.mktemp("vm"))
    vm.start()
    print("guest booted in %.1f s" % vm.boot_seconds)
    yield vm
    try:
        assert "SGA-AGENT-EXITED" not in vm.console_text(), \
            "the agent exited in the guest:\n" + vm.console_tail()
    finally:
        vm.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    vm = getattr(item, "funcargs", {}).get("guest")
    if report.failed and isinstance(vm, GuestVM):
        report.sections.append(("guest console (tail of %s)" % vm.console_path,
                                vm.console_tail()))
