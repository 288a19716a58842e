"""Fixtures for the streamga-host tests: a real agent, streamga or Debian's qemu-ga, to point the client at."""
import pytest

from agentproc import AgentProcess
from hostrun import BLOCKED_COMMAND, Target


@pytest.fixture(params=["streamga", "qemu-ga"])
def target(request, agent_binary, host_binary, tmp_path):
    """A fresh agent per test: qemu-ga may exit when a client leaves replies unread."""
    binary = agent_binary if request.param == "streamga" else request.getfixturevalue("qemu_ga_binary")
    logfile = tmp_path / "agent.log"
    proc = AgentProcess(binary, tmp_path / request.param,
                        extra_args=("-b", BLOCKED_COMMAND, "-v", "-l", str(logfile)))
    proc.start().wait_listening()
    yield Target(request.param, proc, host_binary, logfile)
    rc = proc.stop()
    if request.param == "streamga":
        assert rc == 0, "streamga exit status %s; stderr:\n%s" % (rc, proc.stderr())
