"""Fixtures of the users suites: fake system trees (passwd, shadow, homes, utmp) and agents on them."""
import pytest

from agentproc import AgentProcess, stop_all_cleanly
from rootprobe import assert_confined
from usersroot import UsersRoot


@pytest.fixture
def users_root(tmp_path):
    return UsersRoot(tmp_path / "root")


@pytest.fixture
def users_agent(agent_binary, tmp_path):
    """Factory: streamga with --system-root=root; each must exit 0 on SIGTERM."""
    procs = []

    def make(root):
        proc = AgentProcess(agent_binary, tmp_path / ("agent%d" % len(procs)),
                            extra_args=("--system-root=" + root.path,))
        procs.append(proc)
        proc.start()
        assert_confined(proc, root.path)
        return proc

    yield make
    stop_all_cleanly(procs)
