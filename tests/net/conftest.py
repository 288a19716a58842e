"""Fixtures of the network suite: a private network namespace with known interfaces and
routes, and streamgas running inside it."""
import pytest

from agentproc import AgentProcess, stop_all_cleanly
from netns import is_root, prepared_namespace


@pytest.fixture(scope="module")
def netns():
    """The test namespace (TEST_NETWORK), settled; shared by a module's tests, which only read."""
    if not is_root():
        pytest.skip("network namespaces need root (the CI runs as root)")
    with prepared_namespace() as ns:
        yield ns


class Client:
    def __init__(self, conn):
        self.conn = conn

    def ok(self, execute, arguments=None):
        reply = self.conn.call(execute, arguments)
        assert "return" in reply, reply
        return reply["return"]

    def error(self, execute, arguments=None):
        reply = self.conn.call(execute, arguments)
        assert "error" in reply, reply
        return reply["error"]


@pytest.fixture
def ns_agent_factory(agent_binary, netns, tmp_path):
    """Start streamgas inside the namespace; each must exit with status 0 on SIGTERM."""
    procs = []

    def make(*extra_args):
        d = tmp_path / ("agent%d" % len(procs))
        proc = AgentProcess(netns.wrapper(agent_binary, d), d, extra_args=extra_args)
        procs.append(proc)
        return proc.start()

    yield make
    stop_all_cleanly(procs)


@pytest.fixture
def ns_client(ns_agent_factory):
    """A Client of a streamga in the namespace, on the real system root."""
    with ns_agent_factory().connect() as conn:
        yield Client(conn)
