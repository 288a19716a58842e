"""Termination signals, the pidfile and its lock: what an init system relies on."""
import os
import signal

import pytest

from agentproc import AgentProcess
from agentrun import read_pidfile, run_agent


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exits_cleanly_and_removes_files(agent, sig):
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    assert os.path.exists(agent.pidfile)
    rc = agent.stop(sig)
    assert rc == 0, agent.stderr()
    assert not os.path.exists(agent.socket_path)
    assert not os.path.exists(agent.pidfile)


def test_sigterm_with_a_client_connected(agent):
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
        rc = agent.stop()
        assert rc == 0, agent.stderr()
        # The agent's end is closed: the client sees end of file.
        assert conn.read_line() is None
    assert not os.path.exists(agent.socket_path)
    assert not os.path.exists(agent.pidfile)


def test_pidfile_holds_the_agent_pid(agent):
    with open(agent.pidfile) as f:
        text = f.read()
    assert text == "%d\n" % agent.proc.pid


def test_long_pidfile_option(make_agent, tmp_path):
    pidfile = tmp_path / "long.pid"
    agent = make_agent("--pidfile=%s" % pidfile)
    assert read_pidfile(pidfile) == agent.proc.pid


def test_second_agent_with_same_pidfile(agent_binary, agent, tmp_path):
    other = tmp_path / "second"
    other.mkdir()
    r = run_agent(agent_binary, "-m", "unix-listen", "-p", str(other / "s"), "-t", str(other),
                  "-f", agent.pidfile, workdir=tmp_path)
    assert r.returncode == 1
    assert "Cannot lock pid file" in r.stderr
    assert not (other / "s").exists()
    # The first agent and its pidfile are untouched.
    assert read_pidfile(agent.pidfile) == agent.proc.pid
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}


def test_stale_pidfile_is_replaced(agent_binary, tmp_path):
    proc = AgentProcess(agent_binary, tmp_path)
    with open(proc.pidfile, "w") as f:
        f.write("999999999\nleftover junk\n")
    with proc:
        assert read_pidfile(proc.pidfile) == proc.proc.pid
    assert proc.proc.returncode == 0
    assert not os.path.exists(proc.pidfile)


def test_unwritable_pidfile_location(agent_binary, tmp_path):
    pidfile = tmp_path / "no-such-dir" / "agent.pid"
    r = run_agent(agent_binary, "-m", "unix-listen", "-p", str(tmp_path / "s"), "-t", str(tmp_path),
                  "-f", str(pidfile), workdir=tmp_path)
    assert r.returncode == 1
    assert str(pidfile) in r.stderr
    assert not (tmp_path / "s").exists()
