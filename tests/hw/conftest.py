"""Fixtures of the processor/memory/suspend/statistics suite: streamgas on a fake system root."""
import pytest

from agentproc import AgentProcess, stop_all_cleanly


class Client:
    """Requests on one connection; ok() wants a return value, error() an error."""

    def __init__(self, conn):
        self.conn = conn

    def call(self, execute, arguments=None, id=None):
        return self.conn.call(execute, arguments, id)

    def ok(self, execute, arguments=None):
        reply = self.call(execute, arguments)
        assert "return" in reply, reply
        return reply["return"]

    def error(self, execute, arguments=None):
        reply = self.call(execute, arguments)
        assert "error" in reply, reply
        return reply["error"]


@pytest.fixture
def sysroot(tmp_path):
    """An empty directory for a fake system tree."""
    root = tmp_path / "root"
    root.mkdir()
    return root


@pytest.fixture
def hw_agent_factory(agent_binary, tmp_path):
    """Start streamgas (unix-listen) with extra options; each must exit with status 0
    on SIGTERM (sanitizer reports end there)."""
    procs = []

    def make(*extra_args):
        proc = AgentProcess(agent_binary, tmp_path / ("agent%d" % len(procs)),
                            extra_args=extra_args)
        procs.append(proc)
        return proc.start()

    yield make
    stop_all_cleanly(procs)


@pytest.fixture
def rooted(hw_agent_factory, sysroot):
    """A Client of a streamga whose system root is sysroot (fill it before calling)."""
    agent = hw_agent_factory("--system-root=%s" % sysroot)
    with agent.connect() as conn:
        yield Client(conn)


@pytest.fixture
def real(hw_agent_factory):
    """A Client of a streamga on this machine's own system (read-only commands only)."""
    agent = hw_agent_factory()
    with agent.connect() as conn:
        yield Client(conn)
