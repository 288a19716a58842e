"""Opening the channel: a missing virtio-serial port (with and without -r), and
vsock-listen addresses.

A virtio-serial port cannot be created on the host, so the tests that need one
present use a pty slave, made raw by the test (virtio-serial takes the line as
it is), behind a symlink the test controls. That checks that a path missing at
start-up is opened once it appears and then served; the port's own host
connect/disconnect signalling is covered by tests/vm.
"""
import os
import time

import pytest

from procinfo import cpu_ticks, wait_for
from serialhost import PtyHost, serial_agent

EXIT_TIMEOUT = 10
# -r retries every 5 s (qemu-ga's interval): allow a few rounds.
REOPEN_TIMEOUT = 20


def test_virtio_serial_missing_path_exits_1(agent_binary, tmp_path):
    path = tmp_path / "nonexistent" / "org.qemu.guest_agent.0"
    agent = serial_agent(agent_binary, tmp_path, path, method="virtio-serial")
    agent.start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    err = agent.stderr()
    assert "error opening channel '%s': No such file or directory" % path in err


def test_virtio_serial_default_style_path_exits_1(agent_binary, tmp_path):
    agent = serial_agent(agent_binary, tmp_path, "/nonexistent", method="virtio-serial")
    agent.start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "error opening channel '/nonexistent'" in agent.stderr()


def test_virtio_serial_retry_waits_then_opens(agent_binary, tmp_path):
    link = tmp_path / "org.qemu.guest_agent.0"
    agent = serial_agent(agent_binary, tmp_path, link, "-r", method="virtio-serial")
    agent.start(wait=False)
    host = None
    try:
        wait_for(lambda: "waiting for channel path" in agent.stderr(), EXIT_TIMEOUT,
                 what="the 'waiting for channel path' log line")
        assert agent.alive()
        # Waiting is a 5 s timer, not a loop.
        ticks = cpu_ticks(agent.proc.pid)
        time.sleep(2)
        assert cpu_ticks(agent.proc.pid) - ticks <= 10
        assert agent.alive()

        host = PtyHost(raw_slave=True)
        os.symlink(host.slave_name, link)
        host.sync(timeout=REOPEN_TIMEOUT)
        host.send(b'{"execute": "guest-ping", "id": "virtio"}')
        assert host.read_line() == b'{"return": {}, "id": "virtio"}\n'
        host.send(b'{"execute": "guest-sync", "arguments": {"id": -9223372036854775808}}')
        assert host.read_reply() == {"return": -2 ** 63}
    finally:
        if host:
            host.close()
        rc = agent.stop()
    assert rc == 0, agent.stderr()


# ---- vsock-listen --------------------------------------------------------------

@pytest.mark.parametrize("address", ["abc", "3", "3:", ":1", "x:1", "3:x", "4294967296:1",
                                     "1:4294967296", "-1:1", "3:1:2", ""])
def test_vsock_malformed_address_exits_1(agent_binary, tmp_path, address):
    agent = serial_agent(agent_binary, tmp_path, "unused", method="vsock-listen")
    agent.args[agent.args.index("-p") + 1] = address
    agent.start(wait=False)
    assert agent.proc.wait(timeout=EXIT_TIMEOUT) == 1
    assert "error parsing vsock address '%s': expected <cid>:<port>" % address in agent.stderr()


# This machine has no vsock loopback transport, so nothing can connect to the
# listening agent: these tests only check that a valid address either starts
# listening (then stops cleanly) or fails with a message naming the address.
# Where this was written, CIDs 4294967295 (any) and 3 listened and CID 2 failed to bind.
@pytest.mark.parametrize("cid", ["4294967295", "3", "2"])
def test_vsock_valid_address_listens_or_fails_cleanly(agent_binary, tmp_path, cid):
    address = "%s:%d" % (cid, 20000 + os.getpid() % 20000)
    agent = serial_agent(agent_binary, tmp_path, "unused", "-v", method="vsock-listen")
    agent.args[agent.args.index("-p") + 1] = address
    agent.start(wait=False)
    try:
        wait_for(lambda: not agent.alive() or " started (method vsock-listen" in agent.stderr(),
                 EXIT_TIMEOUT, what="the agent to start listening or to exit")
    finally:
        rc = agent.stop()
    if rc == 1:
        assert address in agent.stderr(), agent.stderr()
    else:
        assert rc == 0, agent.stderr()
        assert "started (method vsock-listen, path %s)" % address in agent.stderr()
