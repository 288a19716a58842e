"""pytest configuration shared by every suite: which builds to test, and agent fixtures.

Each build directory given with --builds (or STREAMGA_BUILDS) is a separate
parameter, so one pytest run drives the whole suite against the normal build
and the ASan+UBSan build and prints a single summary line.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))

from agentproc import AgentProcess, QEMU_GA  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_addoption(parser):
    parser.addoption("--builds", default=os.environ.get("STREAMGA_BUILDS", "build"),
                     help="comma-separated meson build directories to test (relative to the repo)")
    parser.addoption("--win-build", default=os.environ.get("STREAMGA_WIN_BUILD", "build-win"),
                     help="the mingw-w64 cross build that tests/windows runs under wine")


def build_dirs(config):
    # The same string objects every time: pytest reuses a parametrized session
    # fixture only when the parameter is identical (`is`), not merely equal.
    cached = getattr(config, "_streamga_build_dirs", None)
    if cached is not None:
        return cached
    dirs = []
    for d in config.getoption("--builds").split(","):
        d = d.strip()
        if d:
            dirs.append(d if os.path.isabs(d) else os.path.join(ROOT, d))
    config._streamga_build_dirs = dirs
    return dirs


def pytest_generate_tests(metafunc):
    if "build_dir" in metafunc.fixturenames:
        dirs = build_dirs(metafunc.config)
        # indirect: a real session-scoped fixture per build, so module-scoped
        # fixtures built on it (a booted VM) are shared instead of rebuilt per test.
        metafunc.parametrize("build_dir", dirs, ids=[os.path.basename(d) for d in dirs],
                             scope="session", indirect=True)


@pytest.fixture(scope="session")
def build_dir(request):
    return request.param


# Another agent to run the suites against instead of each build's streamga
# (e.g. a qemu-ga built with patches/qemu-7.2; see docs/testing.md).
AGENT_UNDER_TEST = os.environ.get("STREAMGA_AGENT_UNDER_TEST", "")


@pytest.fixture(scope="session")
def agent_binary(build_dir):
    if AGENT_UNDER_TEST:
        if not os.access(AGENT_UNDER_TEST, os.X_OK):
            pytest.fail("STREAMGA_AGENT_UNDER_TEST is not an executable: %s" % AGENT_UNDER_TEST)
        return AGENT_UNDER_TEST
    path = os.path.join(build_dir, "src", "streamga")
    if not os.access(path, os.X_OK):
        pytest.fail("streamga is not built in %s" % build_dir)
    return path


@pytest.fixture(scope="session")
def host_binary(build_dir):
    path = os.path.join(build_dir, "src", "streamga-host")
    if not os.access(path, os.X_OK):
        pytest.fail("streamga-host is not built in %s" % build_dir)
    return path


@pytest.fixture(scope="session")
def qemu_ga_binary():
    if not os.access(QEMU_GA, os.X_OK):
        pytest.fail("Debian's qemu-guest-agent is not installed (qemu-ga missing)")
    return QEMU_GA


@pytest.fixture
def agent(agent_binary, tmp_path):
    """A running streamga on a unix socket with default options."""
    proc = AgentProcess(agent_binary, tmp_path).start()
    yield proc
    rc = proc.stop()
    # A clean SIGTERM exit is part of the contract; sanitizer reports also end here.
    assert rc == 0, "agent exit status %s; stderr:\n%s" % (rc, proc.stderr())


@pytest.fixture
def make_agent(agent_binary, tmp_path):
    """Factory for agents with extra options; each gets its own directory."""
    procs = []

    def make(*extra_args, env=None, start=True, name=None):
        d = tmp_path / (name or "agent%d" % len(procs))
        d.mkdir()
        proc = AgentProcess(agent_binary, d, extra_args=extra_args, env=env)
        procs.append(proc)
        return proc.start() if start else proc

    yield make
    for p in procs:
        p.stop()
