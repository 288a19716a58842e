"""Fixtures of the protocol suite: an agent whose memory use can be measured."""
import pytest

from procinfo import lean_sanitizer_env


@pytest.fixture
def lean_agent(make_agent, build_dir):
    """A running streamga (unix-listen) whose peak RSS is meaningful in ASan builds
    too; like `agent`, it must exit cleanly on SIGTERM (sanitizer reports end here)."""
    proc = make_agent(env=lean_sanitizer_env(build_dir))
    yield proc
    rc = proc.stop()
    assert rc == 0, "agent exit status %s; stderr:\n%s" % (rc, proc.stderr())
