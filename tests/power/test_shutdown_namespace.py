"""guest-shutdown for real, inside throwaway PID+mount namespaces whose PID 1 is fakeinit.py.

The agent runs with the real system root there: it really signals PID 1,
writes the init's FIFO, runs /sbin/shutdown, or calls sync() and reboot(2).
PID 1 is the namespace's own (fakeinit refuses to start the agent otherwise),
/run and /usr/sbin are private tmpfs, and reboot(2) in a PID namespace other
than the first only ends that namespace's init: its parent sees it killed by
SIGINT (power-off, halt) or SIGHUP (restart).
"""
import json
import signal
import struct

import pytest

from powerns import REBOOT_SIGNALS, ended_by

MODES = ["powerdown", "halt", "reboot"]
INIT_REQUEST = struct.Struct("=iiii368s")
SHUTDOWN_FLAG = {"powerdown": "-P", "halt": "-H", "reboot": "-r"}


def expected_event(kind, mode):
    """The record line PID 1 writes when asked to bring the system down."""
    if kind == "systemd":
        n = {"halt": 3, "powerdown": 4, "reboot": 5}[mode]
        return lambda line: line == "signal %d" % (signal.SIGRTMIN + n)
    if kind == "busybox":
        signo = {"halt": signal.SIGUSR1, "powerdown": signal.SIGUSR2, "reboot": signal.SIGTERM}[mode]
        return lambda line: line == "signal %d" % signo
    if kind == "openrc":
        word = {"powerdown": "poweroff", "halt": "halt", "reboot": "reboot"}[mode]
        return lambda line: line == "openrc " + word

    def runlevel_request(line):
        if not line.startswith("initctl "):
            return False
        magic, cmd, level, sleeptime, _ = INIT_REQUEST.unpack(bytes.fromhex(line[8:]))
        return (magic, cmd, level, sleeptime) == (0x03091969, 1, ord("6" if mode == "reboot" else "0"), 5)
    return runlevel_request


def send_shutdown(conn, mode, before=()):
    """Requests, then guest-shutdown, then a ping, in one write; returns the replies'
    ids up to the ping's (guest-shutdown's success sends none)."""
    reqs = [{"execute": e, "id": i} for i, e in enumerate(before)]
    reqs.append({"execute": "guest-shutdown", "arguments": {"mode": mode}, "id": "shutdown"})
    reqs.append({"execute": "guest-ping", "id": "ping"})
    conn.send("".join(json.dumps(r) for r in reqs))
    return [conn.read_reply()["id"] for _ in range(len(before) + 1)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["systemd", "sysvinit", "busybox", "openrc"])
def test_the_init_is_asked_and_the_agent_serves_on(ns_agent, kind, mode):
    ns = ns_agent(kind)
    with ns.connect() as conn:
        assert send_shutdown(conn, mode) == ["ping"]
        ns.wait_record(expected_event(kind, mode), "%s request for %s" % (kind, mode))
        # The init takes its time to stop everything; until then the agent answers.
        assert conn.call("guest-ping", id=5) == {"return": {}, "id": 5}
        assert conn.call("guest-get-host-name")["return"]["host-name"]
    assert ns.proc.poll() is None
    if kind == "sysvinit":
        # INIT_HALT came first, as sysvinit's shutdown sends it
        requests = [line for line in ns.record() if line.startswith("initctl ")]
        assert len(requests) == 2
        env = INIT_REQUEST.unpack(bytes.fromhex(requests[0][8:]))
        assert env[:2] == (0x03091969, 6)
        assert env[4].rstrip(b"\0") == {"powerdown": b"INIT_HALT=POWEROFF", "halt": b"INIT_HALT=HALT",
                                        "reboot": b"INIT_HALT"}[mode]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["unknown", "busybox-shell"])
def test_without_an_init_to_ask_reboot_ends_the_namespace(ns_agent, kind, mode):
    """No init we know (or one that catches none of the signals), no shutdown
    binary: sync() + reboot(2). Replies to earlier requests still arrive."""
    ns = ns_agent(kind)
    with ns.connect() as conn:
        assert send_shutdown(conn, mode, before=["guest-info", "guest-get-time"]) == [0, 1, "ping"]
        status = ns.wait_ended()
        with pytest.raises((EOFError, ConnectionError)):
            conn.read_reply()
    assert ended_by(status, REBOOT_SIGNALS[mode]), (status, ns.record(), ns.stderr())
    assert ns.record() == ["ready"]


@pytest.mark.parametrize("mode", MODES)
def test_agent_as_pid_1_reboots_itself(ns_agent, mode):
    """The agent is PID 1 (a minimal initramfs or container): nobody else to ask."""
    ns = ns_agent("systemd", exec_agent=True)
    with ns.connect() as conn:
        assert send_shutdown(conn, mode, before=["guest-ping"]) == [0, "ping"]
        status = ns.wait_ended()
    assert ended_by(status, REBOOT_SIGNALS[mode]), (status, ns.stderr())


@pytest.mark.parametrize("mode", MODES)
def test_unknown_init_shutdown_binary_is_run(ns_agent, mode):
    ns = ns_agent("unknown", binary="ok")
    with ns.connect() as conn:
        assert send_shutdown(conn, mode) == ["ping"]
        ns.wait_record(lambda line: line == "shutdown-binary -h %s +0 hypervisor initiated shutdown"
                       % SHUTDOWN_FLAG[mode], "the shutdown binary's run")
        assert conn.call("guest-ping", id=2) == {"return": {}, "id": 2}
    assert ns.proc.poll() is None


def test_failing_shutdown_binary_falls_back_to_reboot(ns_agent):
    ns = ns_agent("unknown", binary="fail")
    with ns.connect() as conn:
        assert send_shutdown(conn, "reboot") == ["ping"]
        status = ns.wait_ended()
    assert ended_by(status, signal.SIGHUP), (status, ns.stderr())
    assert ns.record()[1:] == ["shutdown-binary -h -r +0 hypervisor initiated shutdown"]
    assert "/sbin/shutdown failed" in ns.stderr()


def test_known_init_is_preferred_to_the_binary(ns_agent):
    ns = ns_agent("busybox", binary="ok")
    with ns.connect() as conn:
        assert send_shutdown(conn, "halt") == ["ping"]
        ns.wait_record(lambda line: line == "signal %d" % signal.SIGUSR1, "SIGUSR1")
        assert conn.call("guest-ping") == {"return": {}}
    assert not any(line.startswith("shutdown-binary") for line in ns.record())


def test_unprivileged_agent_reports_the_failure(ns_agent):
    """As nobody: PID 1 cannot be signalled and reboot(2) is not permitted, which
    is known before acting, so the host gets qemu-ga's error for a failed shutdown."""
    ns = ns_agent("systemd", uid=65534)
    with ns.connect() as conn:
        reply = conn.call("guest-shutdown", {"mode": "reboot"}, id=1)
        assert reply == {"error": {"class": "GenericError",
                                   "desc": "child process has failed to shutdown"}, "id": 1}
        assert conn.call("guest-ping") == {"return": {}}
    assert ns.record() == ["ready"]
    assert "cannot signal PID 1" in ns.stderr()


@pytest.mark.parametrize("mode", MODES)
def test_real_busybox_init_shuts_the_namespace_down(ns_agent, mode):
    """Debian's busybox as PID 1: its own shutdown actions run, it terminates the
    agent, and ends with reboot(2) in the namespace (the mode shows in the signal)."""
    ns = ns_agent("real-busybox")
    with ns.connect() as conn:
        assert send_shutdown(conn, mode) == ["ping"]
        status = ns.wait_ended()
    assert ended_by(status, REBOOT_SIGNALS[mode]), (status, ns.record(), ns.stderr())
    assert ns.record() == ["ready", "shutdown-action"]
