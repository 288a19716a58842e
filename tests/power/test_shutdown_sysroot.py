"""guest-shutdown under --system-root: which init is asked, and how, read from a fake /proc/1.

Nothing here can reach the machine: under a fake root the agent never signals
a process, runs a binary or calls reboot(2); it writes what it would have done
to <root>/streamga-actions. The FIFO inits (sysvinit, openrc-init) are real
FIFOs in the tree, read by the test, so their bytes are checked exactly.
"""
import json
import os
import signal
import struct
import time

import pytest

MODES = ["powerdown", "halt", "reboot"]
# qemu-ga's desc, without its closing parenthesis
BAD_MODE_DESC = "mode is invalid (valid values are: halt|powerdown|reboot"
SYSTEMD_SIGNAL = {"halt": 3, "powerdown": 4, "reboot": 5}      # SIGRTMIN+n, systemd(1)
BUSYBOX_SIGNAL = {"halt": "SIGUSR1", "powerdown": "SIGUSR2", "reboot": "SIGTERM"}
REBOOT_CMD = {"powerdown": "POWER_OFF", "halt": "HALT_SYSTEM", "reboot": "AUTOBOOT"}
SHUTDOWN_FLAG = {"powerdown": "-P", "halt": "-H", "reboot": "-r"}
SYSTEMD_SIGNALS = [signal.SIGRTMIN + n for n in (3, 4, 5)]
BUSYBOX_SIGNALS = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM]
ACTION_TIMEOUT = 10.0
INIT_REQUEST = struct.Struct("=iiii368s")


def wait_actions(root, count):
    deadline = time.monotonic() + ACTION_TIMEOUT
    while len(root.actions()) < count:
        assert time.monotonic() < deadline, "actions so far: %r" % root.actions()
        time.sleep(0.02)
    return root.actions()


def shutdown_then_ping(conn, mode):
    """guest-shutdown and a ping in one write: the first reply must be the ping's."""
    req = {"execute": "guest-shutdown", "id": "shutdown"}
    if mode is not None:
        req["arguments"] = {"mode": mode}
    conn.send(json.dumps(req) + json.dumps({"execute": "guest-ping", "id": "ping"}))
    reply = conn.read_reply()
    assert reply == {"return": {}, "id": "ping"}, reply


def read_fifo(fd, size):
    deadline = time.monotonic() + ACTION_TIMEOUT
    data = b""
    while len(data) < size:
        assert time.monotonic() < deadline, "FIFO got %r" % data
        try:
            chunk = os.read(fd, size - len(data))
        except BlockingIOError:
            chunk = b""
        if not chunk:
            time.sleep(0.02)
        data += chunk
    return data


@pytest.mark.parametrize("mode", ["bogus", "", "Reboot", "powerdown ", "poweroff", "halt\n"])
def test_unknown_mode_is_refused_before_anything(fake_root, rooted_agent, mode):
    fake_root.init(comm="systemd", blocked=SYSTEMD_SIGNALS)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        reply = conn.call("guest-shutdown", {"mode": mode}, id=7)
        assert reply == {"error": {"class": "GenericError", "desc": BAD_MODE_DESC}, "id": 7}
        # the agent goes on; nothing was scheduled
        assert conn.call("guest-ping") == {"return": {}}
    assert fake_root.actions() == []


@pytest.mark.parametrize("arguments,desc", [
    ({"mode": 5}, "Invalid parameter type for 'mode', expected: string"),
    ({"mode": None}, "Invalid parameter type for 'mode', expected: string"),
    ({"mode": ["halt"]}, "Invalid parameter type for 'mode', expected: string"),
    ({"mode": "halt", "force": True}, "Parameter 'force' is unexpected"),
])
def test_bad_arguments_are_refused(fake_root, rooted_agent, arguments, desc):
    fake_root.init(comm="systemd", blocked=SYSTEMD_SIGNALS)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        reply = conn.call("guest-shutdown", arguments)
        assert reply == {"error": {"class": "GenericError", "desc": desc}}, reply
        assert conn.call("guest-ping") == {"return": {}}
    assert fake_root.actions() == []


@pytest.mark.parametrize("mode", MODES + [None])
def test_systemd_gets_its_signal(fake_root, rooted_agent, mode):
    """systemd blocks its signals and reads them from a signalfd (SigBlk)."""
    fake_root.init(comm="systemd", exe="/usr/lib/systemd/systemd", blocked=SYSTEMD_SIGNALS)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, mode)
        assert wait_actions(fake_root, 1) == [
            "signal 1 SIGRTMIN+%d" % SYSTEMD_SIGNAL[mode or "powerdown"]]
        # still serving after the request went out
        assert conn.call("guest-ping", id=3) == {"return": {}, "id": 3}


@pytest.mark.parametrize("mode", MODES)
def test_busybox_init_gets_its_signal(fake_root, rooted_agent, mode):
    """busybox init (a link named init to busybox) waits for its signals in
    sigtimedwait(), which shows them neither caught nor blocked: its applet
    name is what tells it from a busybox shell."""
    fake_root.init(comm="init", exe="/bin/busybox", cmdline=["/sbin/init"], signals=[signal.SIGTSTP])
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, mode)
    assert wait_actions(fake_root, 1) == ["signal 1 %s" % BUSYBOX_SIGNAL[mode]]


@pytest.mark.parametrize("cmdline,comm", [
    (["init"], "init"),
    (["busybox", "init"], "busybox"),
    (["/bin/busybox", "init", "extra"], "busybox"),
    (["/linuxrc"], "linuxrc"),
])
def test_busybox_init_by_its_other_names(fake_root, rooted_agent, cmdline, comm):
    fake_root.init(comm=comm, exe="/usr/bin/busybox", cmdline=cmdline)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, "powerdown")
    assert wait_actions(fake_root, 1) == ["signal 1 SIGUSR2"]


@pytest.mark.parametrize("exe", ["/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd (deleted)"])
def test_the_program_counts_before_the_name(fake_root, rooted_agent, exe):
    """/sbin/init -> systemd: comm may say "init", the exe link says systemd
    (also after an upgrade replaced the binary)."""
    fake_root.init(comm="init", exe=exe, blocked=SYSTEMD_SIGNALS)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, "halt")
    assert wait_actions(fake_root, 1) == ["signal 1 SIGRTMIN+3"]


@pytest.mark.parametrize("mode", MODES)
def test_sysvinit_gets_shutdowns_requests_on_initctl(fake_root, rooted_agent, mode):
    """Two struct init_request: INIT_HALT set (unset for a reboot), then the runlevel."""
    fake_root.init(comm="init", exe="/sbin/init", signals=[signal.SIGUSR1, signal.SIGINT])
    path = fake_root.fifo("/run/initctl")
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        agent = rooted_agent(fake_root)
        with agent.connect() as conn:
            shutdown_then_ping(conn, mode)
            data = read_fifo(reader, 2 * INIT_REQUEST.size)
    finally:
        os.close(reader)
    env = INIT_REQUEST.unpack(data[:INIT_REQUEST.size])
    level = INIT_REQUEST.unpack(data[INIT_REQUEST.size:])
    setting = {"powerdown": b"INIT_HALT=POWEROFF", "halt": b"INIT_HALT=HALT",
               "reboot": b"INIT_HALT"}[mode]
    assert env == (0x03091969, 6, 0, 0, setting.ljust(368, b"\0")), env
    assert level == (0x03091969, 1, ord("6" if mode == "reboot" else "0"), 5, b"\0" * 368), level
    assert fake_root.actions() == []


def test_sysvinit_in_dev_initctl(fake_root, rooted_agent):
    """Older sysvinit listens on /dev/initctl."""
    fake_root.init(comm="init", exe="/sbin/init")
    path = fake_root.fifo("/dev/initctl")
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        agent = rooted_agent(fake_root)
        with agent.connect() as conn:
            shutdown_then_ping(conn, "reboot")
            data = read_fifo(reader, 2 * INIT_REQUEST.size)
    finally:
        os.close(reader)
    assert INIT_REQUEST.unpack(data[INIT_REQUEST.size:])[:3] == (0x03091969, 1, ord("6"))


def test_sysvinit_not_reading_its_fifo_leaves_the_last_resort(fake_root, rooted_agent):
    """Nobody reads /run/initctl: the open fails (ENXIO), so reboot(2) is planned."""
    fake_root.init(comm="init", exe="/sbin/init")
    fake_root.fifo("/run/initctl")
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, "halt")
    assert wait_actions(fake_root, 2) == ["sync", "reboot HALT_SYSTEM"]
    assert "/run/initctl" in agent.stderr()


@pytest.mark.parametrize("mode", MODES)
def test_openrc_init_gets_its_word(fake_root, rooted_agent, mode):
    fake_root.init(comm="openrc-init", exe="/sbin/openrc-init", signals=[signal.SIGTERM])
    path = fake_root.fifo("/run/openrc/init.ctl")
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    word = {"powerdown": b"poweroff", "halt": b"halt", "reboot": b"reboot"}[mode]
    try:
        agent = rooted_agent(fake_root)
        with agent.connect() as conn:
            shutdown_then_ping(conn, mode)
            data = read_fifo(reader, len(word))
            # openrc-init reads to the end of the file: the agent closes its end
            deadline = time.monotonic() + ACTION_TIMEOUT
            while True:
                try:
                    if os.read(reader, 1) == b"":
                        break
                    raise AssertionError("more than the word was written")
                except BlockingIOError:
                    assert time.monotonic() < deadline, "the agent kept the FIFO open"
                    time.sleep(0.02)
    finally:
        os.close(reader)
    assert data == word


@pytest.mark.parametrize("mode", MODES)
def test_unknown_init_runs_the_shutdown_binary(fake_root, rooted_agent, mode):
    """As qemu-ga would: /sbin/shutdown -h <flag> +0 "hypervisor initiated shutdown"
    (under a fake root the tree's binary is only named, not run)."""
    fake_root.init(comm="runit", exe="/sbin/runit", signals=[signal.SIGCONT])
    fake_root.file("/sbin/shutdown", "#!/bin/sh\nexit 0\n", mode=0o755)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, mode)
    assert wait_actions(fake_root, 1) == [
        "exec /sbin/shutdown -h %s +0 hypervisor initiated shutdown" % SHUTDOWN_FLAG[mode]]


@pytest.mark.parametrize("mode", MODES)
def test_no_init_and_no_binary_means_reboot_syscall(fake_root, rooted_agent, mode):
    """An initramfs shell as PID 1: named "init", running busybox as sh,
    catching none of busybox init's signals, and no shutdown binary."""
    fake_root.init(comm="init", exe="/bin/busybox", cmdline=["/bin/busybox", "sh", "/init"],
                   signals=[signal.SIGCHLD, signal.SIGINT])
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, mode)
    assert wait_actions(fake_root, 2) == ["sync", "reboot %s" % REBOOT_CMD[mode]]


@pytest.mark.parametrize("comm,exe,signals,blocked", [
    ("systemd", None, [], []),                          # named so, listens to nothing
    ("systemd", None, [], SYSTEMD_SIGNALS[:2]),         # not to all three
    ("openrc-init", None, [], []),                      # no /run/openrc/init.ctl
    ("busybox", None, BUSYBOX_SIGNALS[:2], []),         # no cmdline: no applet name
    ("init", "/bin/busybox", BUSYBOX_SIGNALS[:2], []),  # neither, and not all three
    (None, None, [], []),                               # no /proc/1 to read at all
])
def test_names_alone_do_not_make_an_init(fake_root, rooted_agent, comm, exe, signals, blocked):
    if comm is not None:
        fake_root.init(comm=comm, exe=exe, signals=signals, blocked=blocked)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, "reboot")
    assert wait_actions(fake_root, 2) == ["sync", "reboot AUTOBOOT"]


def test_a_later_request_replaces_a_pending_one(fake_root, rooted_agent):
    """Two requests in one write: only the last mode is carried out. A third,
    once that is done, proves no other action was left behind."""
    fake_root.init(comm="systemd", blocked=SYSTEMD_SIGNALS)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        conn.send(json.dumps({"execute": "guest-shutdown", "arguments": {"mode": "reboot"}}) +
                  json.dumps({"execute": "guest-shutdown", "arguments": {"mode": "halt"}}) +
                  json.dumps({"execute": "guest-ping", "id": 1}))
        assert conn.read_reply() == {"return": {}, "id": 1}
        assert wait_actions(fake_root, 1) == ["signal 1 SIGRTMIN+3"]
        shutdown_then_ping(conn, "powerdown")
        assert wait_actions(fake_root, 2) == ["signal 1 SIGRTMIN+3", "signal 1 SIGRTMIN+4"]


def test_earlier_replies_come_first_and_none_for_shutdown(fake_root, rooted_agent):
    fake_root.init(comm="systemd", blocked=SYSTEMD_SIGNALS)
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        conn.send(b"".join(json.dumps(r).encode() for r in [
            {"execute": "guest-ping", "id": 1},
            {"execute": "guest-get-time", "id": 2},
            {"execute": "guest-shutdown", "id": 3},
            {"execute": "guest-ping", "id": 4},
        ]))
        # replies keep request order, so none for the shutdown can still come
        ids = [conn.read_reply()["id"] for _ in range(3)]
        assert ids == [1, 2, 4]
        assert wait_actions(fake_root, 1) == ["signal 1 SIGRTMIN+4"]


def test_unrecordable_action_is_logged(fake_root, rooted_agent):
    """A read-only tree: the action cannot be written down; the agent says so in its log."""
    fake_root.init(comm="systemd", blocked=SYSTEMD_SIGNALS)
    os.mkdir(os.path.join(fake_root.path, "streamga-actions"))     # a directory: open() fails
    agent = rooted_agent(fake_root)
    with agent.connect() as conn:
        shutdown_then_ping(conn, "halt")
        deadline = time.monotonic() + ACTION_TIMEOUT
        while "cannot record an action" not in agent.stderr():
            assert time.monotonic() < deadline, agent.stderr()
            time.sleep(0.02)
        assert conn.call("guest-ping") == {"return": {}}
