"""Relative -p/-t/-f/-l paths name files under the directory the agent was started in, even with -d."""
import os
import subprocess
import uuid

import pytest

from agentrun import (RUN_TIMEOUT, agent_env, connect_unix, kill_pid, pid_alive, read_pidfile,
                      sanitizer_log_env, sanitizer_reports, wait_until)


@pytest.fixture
def names():
    # Unique, so a file wrongly created relative to / cannot be confused with another test's.
    tag = uuid.uuid4().hex[:12]
    return {"sock": "sga-%s.sock" % tag, "state": "sga-%s-state" % tag,
            "pid": "sga-%s.pid" % tag, "log": "sga-%s.log" % tag}


def agent_args(binary, names, *extra):
    return [binary, "-m", "unix-listen", "-p", names["sock"], "-t", names["state"],
            "-f", names["pid"], "-l", names["log"], "-v", *extra]


def assert_nothing_in_root(names):
    for name in names.values():
        assert not os.path.lexists(os.path.join("/", name)), "created /%s" % name


def test_foreground(agent_binary, tmp_path, names):
    (tmp_path / names["state"]).mkdir()
    with open(tmp_path / "stderr.txt", "wb") as err:
        p = subprocess.Popen(agent_args(agent_binary, names), cwd=str(tmp_path),
                             env=agent_env(tmp_path), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err)
    try:
        sock = tmp_path / names["sock"]
        wait_until(lambda: sock.exists() or p.poll() is not None, "the agent's socket")
        with connect_unix(sock) as conn:
            assert conn.call("guest-ping") == {"return": {}}
        assert read_pidfile(tmp_path / names["pid"]) == p.pid
        assert (tmp_path / names["state"] / "qga.state").is_file()
        assert (tmp_path / names["log"]).stat().st_size > 0
    finally:
        p.terminate()
        rc = p.wait(timeout=RUN_TIMEOUT)
    assert rc == 0, (tmp_path / "stderr.txt").read_text()
    assert not (tmp_path / names["sock"]).exists()
    assert not (tmp_path / names["pid"]).exists()
    assert_nothing_in_root(names)


def test_daemonized(agent_binary, tmp_path, names):
    (tmp_path / names["state"]).mkdir()
    logdir = tmp_path / "sanitizer-logs"
    logdir.mkdir()
    env = agent_env(tmp_path, **sanitizer_log_env(logdir))
    r = subprocess.run(agent_args(agent_binary, names, "-d"), cwd=str(tmp_path), env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    pidfile = tmp_path / names["pid"]
    pid = read_pidfile(pidfile) if pidfile.exists() else None
    try:
        assert r.returncode == 0, r.stderr
        assert pid is not None and pid_alive(pid)
        # The daemon lives in /, yet everything is where the relative paths pointed.
        assert os.readlink("/proc/%d/cwd" % pid) == "/"
        with connect_unix(tmp_path / names["sock"]) as conn:
            assert conn.call("guest-ping") == {"return": {}}
        assert (tmp_path / names["state"] / "qga.state").is_file()
        assert (tmp_path / names["log"]).stat().st_size > 0
        assert_nothing_in_root(names)
    finally:
        if pid is not None:
            kill_pid(pid, binary=agent_binary)
    wait_until(lambda: not pidfile.exists(), "the daemon to remove its pidfile")
    assert not (tmp_path / names["sock"]).exists()
    reports = sanitizer_reports(logdir)
    assert not reports, "\n".join(reports)
