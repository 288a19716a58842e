"""-d/--daemonize: the parent returns once the daemon serves, and the daemon is a proper one."""
import os
import signal
import subprocess

import pytest

from agentrun import (RUN_TIMEOUT, agent_env, connect_unix, kill_pid, pid_alive, read_pidfile, run_agent,
                      sanitizer_log_env, sanitizer_reports, wait_until)


class Daemon:
    """Paths of one daemonized agent, and cleanup by pidfile."""

    def __init__(self, binary, tmp_path):
        self.binary = binary
        self.dir = tmp_path
        self.socket = str(tmp_path / "agent.sock")
        self.pidfile = str(tmp_path / "agent.pid")
        self.statedir = tmp_path / "state"
        self.statedir.mkdir()
        self.logdir = tmp_path / "sanitizer-logs"
        self.logdir.mkdir()
        self.pids = []

    def start(self, *extra, statedir=None):
        """Run `streamga -d ...`; the foreground process's CompletedProcess."""
        r = run_agent(self.binary, "-d", "-m", "unix-listen", "-p", self.socket,
                      "-t", str(statedir or self.statedir), "-f", self.pidfile, *extra,
                      workdir=self.dir, env=sanitizer_log_env(self.logdir))
        if os.path.exists(self.pidfile):
            self.pids.append(read_pidfile(self.pidfile))
        return r

    def connect(self):
        return connect_unix(self.socket)

    def cleanup(self):
        for pid in self.pids:
            kill_pid(pid, binary=self.binary)
        reports = sanitizer_reports(self.logdir)
        assert not reports, "sanitizer reports from the daemon:\n" + "\n".join(reports)


@pytest.fixture
def daemon(agent_binary, tmp_path):
    d = Daemon(agent_binary, tmp_path)
    yield d
    d.cleanup()


def test_parent_returns_when_daemon_is_ready(daemon):
    r = daemon.start()
    assert r.returncode == 0, r.stderr
    # No waiting: the parent exits only after the socket is listening.
    assert os.path.exists(daemon.socket)
    with daemon.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    assert r.stdout == ""


def test_daemon_process_properties(daemon):
    r = daemon.start()
    assert r.returncode == 0, r.stderr
    pid = read_pidfile(daemon.pidfile)
    assert pid_alive(pid)
    assert pid != os.getpid()
    # Its own session, detached from ours.
    assert os.getsid(pid) == pid
    assert os.getsid(pid) != os.getsid(0)
    for fd in (0, 1, 2):
        assert os.readlink("/proc/%d/fd/%d" % (pid, fd)) == "/dev/null", "fd %d" % fd
    assert os.readlink("/proc/%d/cwd" % pid) == "/"


def test_sigterm_to_daemon_removes_files(daemon):
    assert daemon.start().returncode == 0
    pid = read_pidfile(daemon.pidfile)
    with daemon.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    kill_pid(pid, signal.SIGTERM)
    wait_until(lambda: not os.path.exists(daemon.pidfile), "the daemon to remove its pidfile")
    assert not os.path.exists(daemon.socket)


def test_daemon_serves_several_clients(daemon):
    assert daemon.start().returncode == 0
    for sync_id in (1, 2, 3):
        with daemon.connect() as conn:
            assert conn.call("guest-sync", {"id": sync_id}) == {"return": sync_id}


def test_failing_start_up_fails_the_parent(daemon):
    r = daemon.start(statedir=daemon.dir / "no-such-statedir")
    assert r.returncode == 1
    # Start-up errors happen before stderr goes to /dev/null, so the operator sees them.
    assert "no-such-statedir" in r.stderr
    assert not os.path.exists(daemon.socket)
    assert not os.path.exists(daemon.pidfile)


def test_second_daemon_with_same_pidfile_fails(daemon, tmp_path):
    assert daemon.start().returncode == 0
    first = read_pidfile(daemon.pidfile)
    other_sock = tmp_path / "other.sock"
    r = run_agent(daemon.binary, "-d", "-m", "unix-listen", "-p", str(other_sock),
                  "-t", str(daemon.statedir), "-f", daemon.pidfile, workdir=tmp_path)
    assert r.returncode == 1
    assert "Cannot lock pid file" in r.stderr
    assert not other_sock.exists()
    assert read_pidfile(daemon.pidfile) == first
    assert pid_alive(first)


def test_daemon_from_config_file(daemon, tmp_path):
    conf = tmp_path / "ga.conf"
    conf.write_text("[general]\ndaemon=true\nmethod=unix-listen\npath=%s\nstatedir=%s\npidfile=%s\n"
                    % (daemon.socket, daemon.statedir, daemon.pidfile))
    env = agent_env(tmp_path, **sanitizer_log_env(daemon.logdir))
    r = subprocess.run([daemon.binary, "-c", str(conf)], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert r.returncode == 0, r.stderr
    pid = read_pidfile(daemon.pidfile)
    daemon.pids.append(pid)
    assert os.getsid(pid) == pid
    with daemon.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
