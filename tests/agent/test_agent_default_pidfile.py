"""The default pidfile (/var/run/qemu-ga.pid): written always with -d, and never without -d, -f or a pidfile key."""
import fcntl
import os
import subprocess
import time

import pytest

from agentproc import AgentProcess
from agentrun import (RUN_TIMEOUT, agent_env, connect_unix, kill_pid, read_pidfile,
                      sanitizer_log_env, sanitizer_reports, wait_until)

DEFAULT_PIDFILE = "/var/run/qemu-ga.pid"


# Test sessions running side by side (both builds, several developers) take
# turns at the one machine-wide path.
LOCK_PATH = "/tmp/streamga-test-default-pidfile.lock"
LOCK_TIMEOUT = 120.0


@pytest.fixture
def free_default_pidfile(agent_binary):
    with open(LOCK_PATH, "w") as lock:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError("another test session held %s too long" % LOCK_PATH)
                time.sleep(0.05)
        # A real qemu-ga on the test machine owns it; then these tests cannot run.
        if os.path.lexists(DEFAULT_PIDFILE):
            pytest.skip("%s exists: another guest agent runs here" % DEFAULT_PIDFILE)
        try:
            yield DEFAULT_PIDFILE
        finally:
            if os.path.exists(DEFAULT_PIDFILE):
                kill_pid(read_pidfile(DEFAULT_PIDFILE), binary=agent_binary)


def test_daemon_writes_default_pidfile(agent_binary, tmp_path, free_default_pidfile):
    sock = tmp_path / "agent.sock"
    logdir = tmp_path / "sanitizer-logs"
    logdir.mkdir()
    r = subprocess.run([agent_binary, "-d", "-m", "unix-listen", "-p", str(sock), "-t", str(tmp_path)],
                       env=agent_env(tmp_path, **sanitizer_log_env(logdir)), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert r.returncode == 0, r.stderr
    pid = read_pidfile(free_default_pidfile)
    assert os.getsid(pid) == pid
    with connect_unix(sock) as conn:
        assert conn.call("guest-ping") == {"return": {}}
    kill_pid(pid)
    wait_until(lambda: not os.path.exists(free_default_pidfile), "the daemon to remove its pidfile")
    reports = sanitizer_reports(logdir)
    assert not reports, "\n".join(reports)


def test_foreground_without_pidfile_option_writes_none(agent_binary, tmp_path, free_default_pidfile):
    proc = AgentProcess(agent_binary, tmp_path)
    proc.args.remove("-f")
    proc.args.remove(proc.pidfile)
    with proc:
        with proc.connect() as conn:
            assert conn.call("guest-ping") == {"return": {}}
        assert not os.path.exists(free_default_pidfile)
        assert not os.path.exists(proc.pidfile)
    assert proc.proc.returncode == 0
