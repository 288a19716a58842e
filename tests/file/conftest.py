"""Fixtures of the file suite: streamgas that must exit cleanly, and a guest-file client on one."""
import pytest

from agentproc import AgentProcess, stop_all_cleanly
from fileclient import FileClient


@pytest.fixture
def file_agent_factory(agent_binary, tmp_path):
    """Start streamgas with extra options, each in its own directory under tmp_path/agents;
    each must exit with status 0 on SIGTERM (sanitizer reports end there)."""
    procs = []

    def make(*extra_args, env=None, workdir=None):
        d = workdir or tmp_path / "agents" / ("agent%d" % len(procs))
        proc = AgentProcess(agent_binary, d, extra_args=extra_args, env=env)
        procs.append(proc)
        return proc.start()

    yield make
    stop_all_cleanly(procs)


@pytest.fixture
def file_agent(file_agent_factory):
    """A running streamga (unix-listen, default options)."""
    return file_agent_factory()


@pytest.fixture
def fc(file_agent):
    """A FileClient connected to file_agent."""
    with file_agent.connect() as conn:
        yield FileClient(conn)


@pytest.fixture
def data_dir(tmp_path):
    """A directory for the files the agent opens."""
    d = tmp_path / "data"
    d.mkdir()
    return d
