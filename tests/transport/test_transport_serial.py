"""isa-serial over a pseudo-terminal: the agent makes the line raw, serves requests
on it, and exits (or, with -r, waits) when the host side goes away."""
import os
import time

import pytest

from procinfo import clock_ticks_per_second, cpu_ticks, wait_for
from serialhost import PtyHost, serial_agent

EXIT_TIMEOUT = 10
# With -r the agent retries a missing channel every 5 s (qemu-ga's interval).
REOPEN_TIMEOUT = 20


def generic(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


@pytest.fixture
def serial(agent_binary, tmp_path):
    """An agent serving isa-serial on a fresh pty; yields (agent, host)."""
    host = PtyHost()
    agent = serial_agent(agent_binary, tmp_path, host.slave_name)
    agent.start(wait=False)
    host.sync()
    host.close_slave()
    yield agent, host
    # Stop the agent while its line is still there: closing the master first would
    # make it exit with status 1 on its own.
    alive = agent.alive()
    rc = agent.stop()
    host.close()
    if alive:
        assert rc == 0, agent.stderr()


def test_ping_over_serial(serial):
    agent, host = serial
    host.send(b'{"execute": "guest-ping", "id": "serial"}')
    # Exactly the reply: no echo of the request before it, "\n" and not "\r\n" after.
    assert host.read_line() == b'{"return": {}, "id": "serial"}\n'
    assert host.nothing_within(0.3)


def test_line_is_raw_no_echo(serial):
    agent, host = serial
    # A cooked line would echo this back at once (and hold it until a newline).
    host.send(b'{"execute": "guest-sync", "arguments": {"id": 42}}')
    assert host.read_line() == b'{"return": 42}\n'
    host.send(b'{"execute": "guest-info"}')
    line = host.read_line()
    assert line.endswith(b"}\n") and b"\r" not in line
    assert host.nothing_within(0.3)


# Bytes a cooked line interprets: signals (^C ^\ ^Z), flow control (^Q ^S), line
# editing (^D ^U ^W ^R ^V ^O), CR to NL. Each reaches the parser as itself, which
# quotes it back in its error about the control character.
@pytest.mark.parametrize("byte", [0x03, 0x1a, 0x1c, 0x04, 0x11, 0x13, 0x15, 0x17, 0x12, 0x16,
                                  0x0f, 0x0d, 0x0a, 0x00, 0x1b], ids=lambda b: "0x%02x" % b)
def test_control_bytes_arrive_uninterpreted(serial, byte):
    agent, host = serial
    host.send(b'{"execute": "guest-ping", "id": "a' + bytes([byte]) + b'b"}')
    # A NUL ends the quotation (qemu formats the token as a C string too).
    quoted = '"a' + (chr(byte) if byte else "")
    assert host.read_reply() == generic("JSON parse error, stray '%s'" % quoted)
    host.send(b'{"execute": "guest-ping", "id": "next"}')
    assert host.read_reply() == {"return": {}, "id": "next"}
    assert agent.alive()


def test_erase_and_high_bytes_arrive_uninterpreted(serial):
    agent, host = serial
    # DEL is the erase character of a cooked line; bit 8 would be cut by ISTRIP.
    host.send(b'{"execute": "guest-ping", "id": "ab\x7f\x7fc\xc3\xa9"}')
    assert host.read_line() == b'{"return": {}, "id": "ab\\u007F\\u007Fc\\u00E9"}\n'


def test_sync_delimited_over_serial(serial):
    agent, host = serial
    host.send(b'{"execute": "guest-ping", "id": "half"\xff'
              b'{"execute": "guest-sync-delimited", "arguments": {"id": 7}}')
    assert host.read_line() == b'\xff{"return": 7}\n'


def test_master_closed_exits_1(serial):
    agent, host = serial
    host.close()
    # The line is gone and -r was not given. (qemu-ga 7.2 stays running, idle, on the
    # dead line; streamga deliberately exits so that an init system can restart it.)
    rc = agent.proc.wait(timeout=EXIT_TIMEOUT)
    assert rc == 1
    assert "error reading channel" in agent.stderr()


def test_master_closed_with_retry_waits_without_spinning(agent_binary, tmp_path):
    # The agent opens a symlink we control, so a retry can never open some other
    # test's pty that reused the number.
    link = tmp_path / "ttyS-test"
    host = PtyHost()
    os.symlink(host.slave_name, link)
    agent = serial_agent(agent_binary, tmp_path, link, "-r")
    agent.start(wait=False)
    try:
        host.sync()
        host.close_slave()
        host.send(b'{"execute": "guest-ping", "id": 1}')
        assert host.read_reply() == {"return": {}, "id": 1}

        os.unlink(link)
        host.close()
        wait_for(lambda: "waiting for channel path" in agent.stderr(), EXIT_TIMEOUT,
                 what="the 'waiting for channel path' log line")
        assert agent.alive()

        ticks = cpu_ticks(agent.proc.pid)
        time.sleep(3)
        spent = cpu_ticks(agent.proc.pid) - ticks
        assert agent.alive()
        # A retry every 5 s costs nothing measurable; a spinning loop would use ~300.
        assert spent <= 10, "agent used %d ticks (of %d/s) in 3 s while waiting" % (
            spent, clock_ticks_per_second())

        # The path comes back: the agent reopens it and serves again.
        host2 = PtyHost()
        try:
            os.symlink(host2.slave_name, link)
            host2.sync(timeout=REOPEN_TIMEOUT)
            host2.close_slave()
            host2.send(b'{"execute": "guest-ping", "id": 2}')
            assert host2.read_reply() == {"return": {}, "id": 2}
        finally:
            host2.close()
    finally:
        host.close()
        rc = agent.stop()
    assert rc == 0, agent.stderr()


def test_missing_serial_device_exits_1(agent_binary, tmp_path):
    agent = serial_agent(agent_binary, tmp_path, tmp_path / "no-such-tty")
    agent.start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "error opening channel '%s'" % (tmp_path / "no-such-tty") in agent.stderr()
    assert "No such file or directory" in agent.stderr()
