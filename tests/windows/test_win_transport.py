r"""streamga.exe's port transport under wine: a COM port that is a pty.

wine maps COMn to whatever $WINEPREFIX/dosdevices/comN points at, so a pty
slave behind that link is a serial line the test drives from the master. The
agent opens it with overlapped I/O, the code path of the virtio-serial port in
a Windows guest (-m virtio-serial -p \\.\COMn takes exactly that path; wine
has no virtio-serial driver). Raw for wine to take as it is.
"""
import base64
import itertools
import json
import os

import pytest

from agentproc import REPLY_TIMEOUT
from procinfo import wait_for
from serialhost import PtyHost
from wineagent import WineAgentProcess

EXIT_TIMEOUT = 30
# -r retries every 5 s.
REOPEN_TIMEOUT = 30
# COM ports this suite may take over in the session's prefix. Past COM9,
# Windows (and wine) know a port only as \\.\COMn: a bare COM10 is a file name.
_com_numbers = itertools.count(20)


@pytest.fixture
def com_port(wine_prefix):
    r"""A free port's name (\\.\COMn) and the dosdevices link that makes it exist."""
    n = next(_com_numbers)
    link = os.path.join(wine_prefix.path, "dosdevices", "com%d" % n)
    yield r"\\.\COM%d" % n, link
    if os.path.lexists(link):
        os.unlink(link)


def port_agent(win_exe, wine_prefix, tmp_path, method, path, *extra):
    agent = WineAgentProcess(win_exe, tmp_path, wine_prefix, extra_args=extra)
    agent.args[agent.args.index("-m") + 1] = method
    agent.args[agent.args.index("-p") + 1] = path
    return agent


@pytest.mark.parametrize("method", ["isa-serial", "virtio-serial"])
def test_port_serves_requests(win_exe, wine_prefix, tmp_path, com_port, method):
    name, link = com_port
    with PtyHost(raw_slave=True) as host:
        os.symlink(host.slave_name, link)
        agent = port_agent(win_exe, wine_prefix, tmp_path, method, name).start(wait=False)
        try:
            host.sync(timeout=EXIT_TIMEOUT)
            host.send(b'{"execute": "guest-ping", "id": "port"}')
            assert host.read_line() == b'{"return": {}, "id": "port"}\n'
            # Many requests in one write, answered in order and complete.
            host.send(b"".join(b'{"execute": "guest-sync", "arguments": {"id": %d}}' % i
                               for i in range(500)))
            for i in range(500):
                assert host.read_reply() == {"return": i}
            host.send(b'{"execute": "guest-info"}')
            info = host.read_reply()
            assert info["return"]["version"] == "7.2.0"
        finally:
            rc = agent.stop()
    assert rc == 0, agent.stderr()


def test_port_large_reply(win_exe, wine_prefix, tmp_path, com_port):
    """A reply much larger than one write goes out whole (overlapped writes in turn)."""
    name, link = com_port
    data = tmp_path / "big.bin"
    data.write_bytes(bytes(range(256)) * 1024)      # 256 KiB -> 349,528 base64 bytes
    with PtyHost(raw_slave=True) as host:
        os.symlink(host.slave_name, link)
        agent = port_agent(win_exe, wine_prefix, tmp_path, "isa-serial", name).start(wait=False)
        try:
            host.sync(timeout=EXIT_TIMEOUT)
            path = "Z:" + str(data).replace("/", "\\")
            host.send(json.dumps({"execute": "guest-file-open", "arguments": {"path": path}}))
            handle = host.read_reply()["return"]
            host.send(json.dumps({"execute": "guest-file-read",
                                  "arguments": {"handle": handle, "count": 262144}}))
            reply = host.read_reply(timeout=REPLY_TIMEOUT * 3)["return"]
            assert reply["count"] == 262144 and reply["eof"] is False
            assert base64.b64decode(reply["buf-b64"]) == data.read_bytes()
        finally:
            rc = agent.stop()
    assert rc == 0, agent.stderr()


def test_missing_port_exits_1(win_exe, wine_prefix, tmp_path, com_port):
    name, _ = com_port
    agent = port_agent(win_exe, wine_prefix, tmp_path, "isa-serial", name).start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "error opening channel '%s'" % name in agent.stderr()


def test_missing_port_with_retry_waits_then_serves(win_exe, wine_prefix, tmp_path, com_port):
    name, link = com_port
    agent = port_agent(win_exe, wine_prefix, tmp_path, "virtio-serial", name, "-r")
    agent.start(wait=False)
    try:
        wait_for(lambda: "waiting for channel path" in agent.stderr(), EXIT_TIMEOUT,
                 what="the 'waiting for channel path' log line")
        assert agent.alive()
        with PtyHost(raw_slave=True) as host:
            os.symlink(host.slave_name, link)
            host.sync(timeout=REOPEN_TIMEOUT)
            host.send(b'{"execute": "guest-ping", "id": 9}')
            assert host.read_line() == b'{"return": {}, "id": 9}\n'
    finally:
        rc = agent.stop()
    assert rc == 0, agent.stderr()
