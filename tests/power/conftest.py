"""Fixtures of the shutdown suites: fake system roots, and agents in throwaway PID namespaces."""
import os
import shutil
import sys
import tempfile

import pytest

from agentproc import AgentProcess, stop_all_cleanly
from systemtree import SystemTree
from powerns import NamespacedAgent

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "users"))
from rootprobe import assert_confined  # noqa: E402

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def _check_namespace_tools():
    for tool in ("unshare",):
        if not shutil.which(tool):
            pytest.fail("%s (util-linux) is needed for the namespace tests" % tool)
    if os.geteuid() != 0:
        pytest.fail("the namespace tests need root (CI runs them as root)")


@pytest.fixture
def ns_agent(agent_binary, tmp_path):
    """Factory: a streamga in a new PID+mount namespace under fakeinit.py.
    Teardown kills the namespace and fails on any sanitizer report."""
    _check_namespace_tools()
    started = []
    public_dirs = []

    def make(kind, **kwargs):
        workdir = tmp_path / ("ns%d" % len(started))
        if kwargs.get("uid") is not None:
            # pytest's tmp_path is root's alone; an unprivileged agent needs a
            # directory it can reach for its socket, pidfile and state.
            workdir = tempfile.mkdtemp(prefix="sga-power-")
            os.chmod(workdir, 0o755)
            public_dirs.append(workdir)
        ns = NamespacedAgent(agent_binary, workdir, kind, **kwargs)
        started.append(ns)
        return ns.start()

    yield make
    reports = []
    for ns in started:
        ns.stop()
        err = ns.stderr()
        if any(mark in err for mark in SANITIZER_MARKS):
            reports.append(err)
    for d in public_dirs:
        shutil.rmtree(d, ignore_errors=True)
    assert not reports, "\n".join(reports)


class FakeRoot(SystemTree):
    """A system tree for --system-root: what the agent reads of PID 1, and the
    record of what it would have done to a real system."""

    def __init__(self, path):
        super().__init__(path, dirs=("proc/1", "run"))

    def file(self, rel, content="", mode=0o644):
        return super().file(rel, content, mode)

    def fifo(self, rel):
        path = os.path.join(self.path, rel.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mkfifo(path, 0o600)
        return path

    def init(self, comm=None, exe=None, signals=(), blocked=(), cmdline=None):
        """PID 1's comm, exe link, argv and the signals it catches (SigCgt) or blocks (SigBlk)."""
        if comm is not None:
            self.file("/proc/1/comm", comm + "\n")
        if exe is not None:
            os.symlink(exe, os.path.join(self.path, "proc", "1", "exe"))
        if cmdline is not None:
            self.file("/proc/1/cmdline", "".join(arg + "\0" for arg in cmdline))

        def mask(sigs):
            return "%016x" % sum(1 << (int(s) - 1) for s in sigs)
        self.file("/proc/1/status", "Name:\t%s\nSigQ:\t0/1\nSigPnd:\t0000000000000000\n"
                  "SigBlk:\t%s\nSigIgn:\t0000000000001000\nSigCgt:\t%s\n"
                  % (comm or "x", mask(blocked), mask(signals)))


@pytest.fixture
def fake_root(tmp_path):
    return FakeRoot(tmp_path / "root")


@pytest.fixture
def rooted_agent(agent_binary, tmp_path):
    """Factory: streamga with --system-root=root (and more options); each must
    exit 0 on SIGTERM at teardown (sanitizer reports end there)."""
    procs = []

    def make(root, *extra_args):
        proc = AgentProcess(agent_binary, tmp_path / ("agent%d" % len(procs)),
                            extra_args=("--system-root=" + root.path,) + tuple(extra_args))
        procs.append(proc)
        proc.start()
        assert_confined(proc, root.path)
        return proc

    yield make
    stop_all_cleanly(procs)
