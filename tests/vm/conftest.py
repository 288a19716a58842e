"""Real-VM tests: the `vm` marker, a booted-guest fixture, and the guest console
attached to every failure report so a failed test shows what the guest said.

Deselect with `-m "not vm"` where QEMU is not installed.

The range-image tests (test_vm_image*.py) run the fully static agent of the
build-static directory (meson setup -Dstatic=true; STREAMGA_STATIC_BUILD names
another), whatever --builds says: a range image has no libc for it.
"""
import os
import subprocess

import pytest

from guestvm import ROOT, GuestVM, require_qemu

STATIC_BUILD = "build-static"


def pytest_configure(config):
    config.addinivalue_line("markers", "vm: boots a real Linux guest under QEMU/TCG (slow)")


@pytest.fixture(scope="session")
def static_build_dir():
    d = os.environ.get("STREAMGA_STATIC_BUILD") or STATIC_BUILD
    return d if os.path.isabs(d) else os.path.join(ROOT, d)


def _static_binary(build_dir, name):
    path = os.path.join(build_dir, "src", name)
    if not os.access(path, os.X_OK):
        pytest.fail("%s is not built in %s (meson setup %s -Dstatic=true --buildtype=release; "
                    "or set STREAMGA_STATIC_BUILD)" % (name, build_dir, build_dir))
    ldd = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=60)
    if "not a dynamic executable" not in ldd.stdout + ldd.stderr:
        pytest.fail("%s is not statically linked; ldd says:\n%s" % (path, ldd.stdout + ldd.stderr))
    return path


@pytest.fixture(scope="session")
def static_agent_binary(static_build_dir):
    return _static_binary(static_build_dir, "streamga")


@pytest.fixture(scope="session")
def static_host_binary(static_build_dir):
    return _static_binary(static_build_dir, "streamga-host")


@pytest.fixture(scope="module")
def guest(agent_binary, tmp_path_factory):
    """One guest per test module running the agent under test with default args.

    A boot costs seconds under TCG, so the module's tests share it; each test
    opens and closes its own connection.
    """
    require_qemu()
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
