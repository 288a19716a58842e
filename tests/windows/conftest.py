"""Fixtures of the Windows suite: streamga.exe from the mingw-w64 cross build, run under wine.

The cross build lives in build-win (windows/build.sh makes it; --win-build or
STREAMGA_WIN_BUILD name another). Every test here shares one wine prefix per
session; agents listen on TCP loopback (-m tcp-listen, streamga's extension),
the transport that works under wine.
"""
import os
import shutil
import tempfile

import pytest

from agentproc import stop_all_cleanly
from wineagent import WineAgentProcess, WinePrefix

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def win_build_dir(request):
    d = request.config.getoption("--win-build")
    d = d if os.path.isabs(d) else os.path.join(ROOT, d)
    if not os.path.isdir(d):
        pytest.fail("the Windows cross build is missing: run windows/build.sh (expected %s)" % d)
    return d


@pytest.fixture(scope="session")
def win_exe(win_build_dir):
    path = os.path.join(win_build_dir, "src", "streamga.exe")
    if not os.path.isfile(path):
        pytest.fail("streamga.exe is not built in %s" % win_build_dir)
    return path


@pytest.fixture(scope="session")
def wine_prefix():
    if not shutil.which("wine"):
        pytest.fail("wine is not installed (apt-get install wine wine64)")
    base = tempfile.mkdtemp(prefix="streamga-wine-")
    prefix = WinePrefix(os.path.join(base, "prefix")).boot()
    yield prefix
    prefix.remove()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def wine_env(wine_prefix):
    """Environment for running programs in the session's prefix."""
    return dict(wine_prefix.env)


@pytest.fixture
def make_win_agent(win_exe, wine_prefix, tmp_path):
    """Factory for streamga.exe agents with extra options; each gets its own directory."""
    procs = []

    def make(*extra_args, env=None, start=True, name=None):
        d = tmp_path / (name or "agent%d" % len(procs))
        d.mkdir()
        proc = WineAgentProcess(win_exe, d, wine_prefix, extra_args=extra_args, env=env)
        procs.append(proc)
        return proc.start() if start else proc

    yield make
    # Ctrl-C (what wine makes of SIGINT) must end each agent cleanly, status 0.
    stop_all_cleanly(procs)


@pytest.fixture
def win_agent(make_win_agent):
    """A running streamga.exe with default options."""
    return make_win_agent()


@pytest.fixture
def agent(win_agent):
    """The protocol suite's `agent` (tests it shares run here against streamga.exe)."""
    return win_agent
