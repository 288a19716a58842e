"""tcp-listen, streamga's extension: serving a host over TCP, one at a time,
and refusing malformed addresses (the same transport code serves the Windows
suite under wine)."""
import socket

import pytest

from agentproc import REPLY_TIMEOUT, TcpAgentProcess, free_tcp_port
from procinfo import wait_for
from serialhost import serial_agent

EXIT_TIMEOUT = 10


@pytest.fixture
def tcp_agent(agent_binary, tmp_path):
    proc = TcpAgentProcess(agent_binary, tmp_path).start()
    yield proc
    rc = proc.stop()
    assert rc == 0, "agent exit status %s; stderr:\n%s" % (rc, proc.stderr())


def test_tcp_serves_requests(tcp_agent):
    with tcp_agent.connect() as conn:
        assert conn.call("guest-ping", id="tcp") == {"return": {}, "id": "tcp"}
        assert conn.resync(sync_id=12345) is not None


def test_tcp_one_host_at_a_time_then_the_next(tcp_agent):
    first = tcp_agent.connect()
    second = tcp_agent.connect()
    try:
        second.send(b'{"execute": "guest-sync", "arguments": {"id": 2}}\n')
        # The second host waits in the backlog while the first is served.
        assert second.no_reply_within(0.5)
        assert first.call("guest-sync", {"id": 1}) == {"return": 1}
        first.close()
        assert second.read_reply(timeout=REPLY_TIMEOUT) == {"return": 2}
    finally:
        first.close()
        second.close()


def test_tcp_host_gone_mid_reply_keeps_serving(tcp_agent):
    conn = tcp_agent.connect()
    conn.send(b'{"execute": "guest-info"}\n' * 50)
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()
    with tcp_agent.connect() as again:
        assert again.call("guest-ping") == {"return": {}}


@pytest.mark.parametrize("address", ["", "nocolon", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:65536",
                                     "[::1]1234", "[::1:1234", "127.0.0.1:123456"])
def test_tcp_malformed_address_exits_1(agent_binary, tmp_path, address):
    agent = serial_agent(agent_binary, tmp_path, "unused", method="tcp-listen")
    agent.args[agent.args.index("-p") + 1] = address
    agent.start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "error parsing tcp-listen address '%s'" % address in agent.stderr()


def test_tcp_port_in_use_exits_1(agent_binary, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        port = free_tcp_port()
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        agent = serial_agent(agent_binary, tmp_path, "unused", method="tcp-listen")
        agent.args[agent.args.index("-p") + 1] = "127.0.0.1:%d" % port
        agent.start(wait=False)
        assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "Failed to bind socket to '127.0.0.1:%d': Address already in use" % port in agent.stderr()


def test_tcp_host_must_be_numeric(agent_binary, tmp_path):
    """No resolver on Linux (a static agent has no NSS modules to ask)."""
    agent = serial_agent(agent_binary, tmp_path, "unused", method="tcp-listen")
    agent.args[agent.args.index("-p") + 1] = "localhost:%d" % free_tcp_port()
    agent.start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "'localhost' is not a numeric IP address" in agent.stderr()


def test_tcp_ipv6_loopback(agent_binary, tmp_path):
    proc = TcpAgentProcess(agent_binary, tmp_path)
    proc.args[proc.args.index("-p") + 1] = "[::1]:%d" % proc.port
    proc.start(wait=False)
    try:
        wait_for(lambda: ipv6_listening(proc.port),
                 EXIT_TIMEOUT, what="the agent listening on [::1]")
        with socket.create_connection(("::1", proc.port), timeout=REPLY_TIMEOUT) as s:
            s.sendall(b'{"execute": "guest-sync", "arguments": {"id": 6}}\n')
            assert s.recv(100) == b'{"return": 6}\n'
    finally:
        rc = proc.stop()
    assert rc == 0, proc.stderr()


def ipv6_listening(port):
    with open("/proc/net/tcp6") as f:
        next(f)
        return any(line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port
                   for line in f)
