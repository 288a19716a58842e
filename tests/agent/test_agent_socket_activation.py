"""systemd socket activation: a listening socket on fd 3 with LISTEN_FDS=1 and LISTEN_PID=<agent pid>."""
import socket
import subprocess

import pytest

from test_agent_dump_conf import general_text

from agentproc import REPLY_TIMEOUT
from agentrun import (RUN_TIMEOUT, activation_command, activation_fd_setup, agent_env,
                      connect_unix, listening_unix_socket)


@pytest.fixture
def listener(tmp_path):
    path = tmp_path / "activation.sock"
    sock = listening_unix_socket(path)
    yield path, sock
    sock.close()


def activated(binary, tmp_path, sock, *args, listen_fds="1", **popen):
    env = agent_env(tmp_path, LISTEN_FDS=listen_fds)
    return subprocess.Popen(activation_command(binary, *args), env=env, stdin=subprocess.DEVNULL,
                            **activation_fd_setup(sock), **popen)


def run_activated(binary, tmp_path, sock, *args, listen_fds="1"):
    p = activated(binary, tmp_path, sock, *args, listen_fds=listen_fds,
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=RUN_TIMEOUT)
    return p.returncode, out, err


def serve_and_stop(binary, tmp_path, path, sock, sync_id):
    statedir = tmp_path / "state"
    statedir.mkdir(exist_ok=True)
    errfile = tmp_path / ("stderr-%d.txt" % sync_id)
    with open(errfile, "wb") as err:
        p = activated(binary, tmp_path, sock, "-t", str(statedir), stdout=subprocess.DEVNULL,
                      stderr=err)
    try:
        # The socket already listens, so the connection is queued even before the agent runs.
        with connect_unix(path) as conn:
            assert conn.call("guest-sync", {"id": sync_id}) == {"return": sync_id}
            assert conn.call("guest-ping") == {"return": {}}
    finally:
        p.terminate()
        rc = p.wait(timeout=REPLY_TIMEOUT)
    assert rc == 0, errfile.read_text()


def test_serves_on_the_passed_socket(agent_binary, tmp_path, listener):
    path, sock = listener
    serve_and_stop(agent_binary, tmp_path, path, sock, 7)


def test_passed_socket_survives_the_agent(agent_binary, tmp_path, listener):
    # systemd owns the socket: after the service stops, a restarted agent serves on it again.
    path, sock = listener
    serve_and_stop(agent_binary, tmp_path, path, sock, 1)
    assert path.exists()
    serve_and_stop(agent_binary, tmp_path, path, sock, 2)


def test_dump_conf_reports_unix_listen(agent_binary, qemu_ga_binary, tmp_path, listener):
    _, sock = listener
    rc, out, err = run_activated(agent_binary, tmp_path, sock, "-D", "-p", "/ignored/path")
    assert rc == 0, err
    assert "method=unix-listen\n" in out
    assert not [line for line in out.splitlines() if line.startswith("path=")]
    rc, theirs, err = run_activated(qemu_ga_binary, tmp_path, sock, "-D", "-p", "/ignored/path")
    assert rc == 0, err
    assert general_text(out) == theirs


def test_method_option_overridden(agent_binary, tmp_path, listener):
    _, sock = listener
    rc, out, err = run_activated(agent_binary, tmp_path, sock, "-D", "-m", "isa-serial")
    assert rc == 0, err
    assert "method=unix-listen\n" in out


def test_two_fds_refused(agent_binary, tmp_path, listener):
    _, sock = listener
    rc, out, err = run_activated(agent_binary, tmp_path, sock, "-t", str(tmp_path), listen_fds="2")
    assert rc == 1
    assert "LISTEN_FDS" in err or "one socket" in err, err


def test_listen_pid_of_another_process_is_ignored(agent_binary, tmp_path, listener):
    # LISTEN_PID names someone else: the variables are not for us.
    _, sock = listener
    env = agent_env(tmp_path, LISTEN_FDS="1", LISTEN_PID="1")
    r = subprocess.run([agent_binary, "-D"], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=RUN_TIMEOUT, **activation_fd_setup(sock))
    assert r.returncode == 0, r.stderr
    assert "method=virtio-serial\n" in r.stdout


def test_fd3_not_a_socket(agent_binary, tmp_path):
    # A plain file on fd 3 cannot be listened on.
    with open(tmp_path / "plain", "w") as f:
        rc, out, err = run_activated(agent_binary, tmp_path, f, "-t", str(tmp_path))
    assert rc == 1
    assert err


def test_fd3_a_udp_socket(agent_binary, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        rc, out, err = run_activated(agent_binary, tmp_path, s, "-t", str(tmp_path))
    assert rc == 1
    assert "unsupported listen fd type" in err
