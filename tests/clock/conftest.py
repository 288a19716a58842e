"""Fixtures of the guest-set-time suite: a fake system root, and agents that use it."""
import os
import sys

import pytest

from agentproc import AgentProcess, stop_all_cleanly
from systemtree import SystemTree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "users"))
from rootprobe import assert_confined  # noqa: E402


class ClockRoot(SystemTree):
    """A system tree for --system-root: an RTC device node or not, /etc/adjtime,
    and the record of the clock settings the agent would have made."""

    def __init__(self, path):
        super().__init__(path, dirs=("dev", "etc"))


@pytest.fixture
def clock_root(tmp_path):
    return ClockRoot(tmp_path / "root")


@pytest.fixture
def clock_agent(agent_binary, tmp_path):
    """Factory: streamga with --system-root=root, in the time zone given (the
    local date decides which times are valid); each must exit 0 on SIGTERM."""
    procs = []

    def make(root, tz="UTC0"):
        proc = AgentProcess(agent_binary, tmp_path / ("agent%d" % len(procs)),
                            extra_args=("--system-root=" + root.path,), env={"TZ": tz})
        procs.append(proc)
        proc.start()
        assert_confined(proc, root.path)
        return proc

    yield make
    stop_all_cleanly(procs)
