"""streamga's guest-exec extensions: kill, timeout, stdin append, and their listing in guest-info."""
import os
import sys

import pytest

from execclient import (INPUT, KEEP_STDIN, KILL, OUTPUT_MODE, TIMED_OUT, TIMEOUT, AgentError,
                        ExecResult)
from procinfo import process_state, wait_for

PY = sys.executable
MIB = 1 << 20
STDIN_QUEUE_MAX = 8 * MIB


def gone(pid):
    """True when pid has ended (no process, or a zombie nobody reaped yet)."""
    try:
        return process_state(pid) in "ZX"
    except OSError:
        return True


def running(pid):
    return not gone(pid)


def agent_error(call, *args, **kwargs):
    with pytest.raises(AgentError) as e:
        call(*args, **kwargs)
    return e.value


def test_extensions_listed_in_guest_info(ex):
    commands = {c["name"]: c for c in ex.request("guest-info")["supported_commands"]}
    for name in (KILL, INPUT, "guest-exec", "guest-exec-status"):
        assert commands[name] == {"name": name, "enabled": True, "success-response": True}


# ---- kill -----------------------------------------------------------------------

def test_kill_default_is_sigterm(ex):
    pid = ex.start("sleep", ["100"])
    assert ex.kill(pid) == {}
    r = ex.collect(pid, timeout=20)
    assert r.final == {"exited": True, "signal": 15}


@pytest.mark.parametrize("signo", [9, 2, 10])
def test_kill_custom_signal(ex, signo):
    pid = ex.start("sleep", ["100"])
    assert ex.kill(pid, signo) == {}
    r = ex.collect(pid, timeout=20)
    assert r.final == {"exited": True, "signal": signo}


def test_kill_reaches_whole_process_group(ex):
    # The background sleep's pid comes first on stdout; then sh waits on both.
    pid = ex.start("sh", ["-c", "sleep 100 & echo $!; sleep 100; wait"])
    r = ExecResult(pid)
    wait_for(lambda: ex.poll_once(r) and r.out.endswith(b"\n"), 10, what="background pid")
    background = int(r.out)
    assert running(background)
    assert ex.kill(pid) == {}
    rest = ex.collect(pid, timeout=20)
    assert rest.final["signal"] == 15
    wait_for(lambda: gone(background), 10, what="background sleep %d to die" % background)


def test_kill_of_ended_process_succeeds(ex):
    pid = ex.start("sh", ["-c", "exit 7"])
    wait_for(lambda: gone(pid), 10, what="child to end")
    assert ex.kill(pid) == {}
    assert ex.kill(pid, 9) == {}
    # It ended on its own; the kill did not change its status.
    assert ex.collect(pid).final == {"exited": True, "exitcode": 7}


def test_kill_unknown_pid(ex):
    e = agent_error(ex.kill, 1)
    assert (e.cls, e.desc) == ("GenericError", "Invalid parameter 'pid'")


def test_kill_collected_pid_is_unknown(ex):
    r = ex.run("true")
    e = agent_error(ex.kill, r.pid)
    assert e.desc == "Invalid parameter 'pid'"


@pytest.mark.parametrize("signo", [0, 99, -1, 65])
def test_kill_bad_signal_refused(ex, signo):
    pid = ex.start("sleep", ["100"])
    e = agent_error(ex.kill, pid, signo)
    assert (e.cls, e.desc) == ("GenericError", "Parameter 'signal' expects a signal number")
    assert running(pid)
    st = ex.status(pid)
    assert st == {"exited": False}
    ex.kill(pid, 9)
    assert ex.collect(pid, timeout=20).final["signal"] == 9


# ---- timeout --------------------------------------------------------------------

def test_timeout_kills_with_sigkill(ex):
    pid = ex.start("sleep", ["30"], extra={TIMEOUT: 0.5})
    # Bounded well below the program's own 30 s.
    r = ex.collect(pid, timeout=15)
    assert r.final == {"exited": True, "signal": 9, TIMED_OUT: True}


def test_timeout_reaches_process_group(ex):
    pid = ex.start("sh", ["-c", "sleep 30 & echo $!; sleep 30; wait"], extra={TIMEOUT: 0.5})
    r = ex.collect(pid, timeout=15)     # the background sleep holds stdout: it must die too
    background = int(r.out)
    assert r.final["signal"] == 9 and r.final[TIMED_OUT] is True
    wait_for(lambda: gone(background), 10, what="background sleep to die")


def test_timeout_not_reached(ex):
    r = ex.run("sh", ["-c", "echo done"], extra={TIMEOUT: 30})
    assert r.out == b"done\n"
    assert r.final["exitcode"] == 0 and "signal" not in r.final
    assert TIMED_OUT not in r.members()


def test_timeout_with_output_before(ex):
    r = ex.run("sh", ["-c", "echo partial; exec sleep 30"], extra={TIMEOUT: 0.3}, timeout=15)
    assert r.out == b"partial\n"
    assert r.final["signal"] == 9 and r.final[TIMED_OUT] is True


@pytest.mark.parametrize("value", [0, -1, -0.5, 0.0])
def test_non_positive_timeout_refused(ex, value):
    e = agent_error(ex.start, "sleep", ["30"], extra={TIMEOUT: value})
    assert e.cls == "GenericError"
    assert e.desc == "Parameter '__org.streamga_timeout' expects a positive number of seconds"


def test_timeout_wrong_type_refused(ex):
    e = agent_error(ex.start, "true", extra={TIMEOUT: "1"})
    assert e.cls == "GenericError" and TIMEOUT in e.desc


def test_timeout_in_at_exit_mode(ex):
    r = ex.run("sh", ["-c", "echo x; exec sleep 30"],
               extra={TIMEOUT: 0.3, OUTPUT_MODE: "at-exit"}, timeout=15)
    assert r.final == {"exited": True, "signal": 9, "out-data": 2, "out-truncated": False,
                       TIMED_OUT: True}


# ---- stdin append ----------------------------------------------------------------

def test_input_chunks_then_close(ex):
    pid = ex.start("cat", extra={KEEP_STDIN: True})
    sent = []
    for i in range(50):
        piece = os.urandom(1 + i * 997)
        assert ex.input(pid, piece) == {}
        sent.append(piece)
    first = ExecResult(pid)
    assert ex.poll_once(first)["exited"] is False      # stdin still open: cat runs on
    assert ex.input(pid, close=True) == {}
    r = ex.collect(pid)
    assert first.out + r.out == b"".join(sent)
    assert r.exitcode == 0


def test_input_data_then_appended(ex):
    pid = ex.start("cat", input_data=b"first,", extra={KEEP_STDIN: True})
    ex.input(pid, b"second,")
    ex.input(pid, b"third", close=True)
    assert ex.collect(pid).out == b"first,second,third"


def test_input_close_without_data(ex):
    pid = ex.start("wc", ["-c"], extra={KEEP_STDIN: True})
    ex.input(pid, close=True)
    assert ex.collect(pid).out.strip() == b"0"


def test_input_after_close_refused(ex):
    pid = ex.start("cat", extra={KEEP_STDIN: True})
    ex.input(pid, b"x", close=True)
    e = agent_error(ex.input, pid, b"y")
    assert (e.cls, e.desc) == ("GenericError", "stdin of process %d is not open" % pid)
    e = agent_error(ex.input, pid, close=True)
    assert e.desc == "stdin of process %d is not open" % pid
    assert ex.collect(pid).out == b"x"


@pytest.mark.parametrize("start_args", [{}, {"input_data": b"abc"}], ids=["no-stdin", "input-data"])
def test_input_without_keep_stdin_refused(ex, start_args):
    pid = ex.start("cat", **start_args)
    e = agent_error(ex.input, pid, b"more")
    assert (e.cls, e.desc) == ("GenericError", "stdin of process %d is not open" % pid)
    assert ex.collect(pid).out == start_args.get("input_data", b"")


def test_input_unknown_pid(ex):
    e = agent_error(ex.input, 1, b"x")
    assert e.desc == "Invalid parameter 'pid'"


def test_input_bad_base64(ex):
    pid = ex.start("cat", extra={KEEP_STDIN: True})
    with pytest.raises(AgentError) as e:
        ex.request(INPUT, {"pid": pid, "input-data": "***"})
    assert e.value.desc == "Base64 data contains invalid characters"
    ex.input(pid, b"ok", close=True)
    assert ex.collect(pid).out == b"ok"


# Waits for the file argv[1], then copies stdin to stdout.
WAIT_THEN_CAT = """
import os, sys, time
deadline = time.monotonic() + 60
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.005)
while True:
    b = os.read(0, 65536)
    if not b:
        break
    os.write(1, b)
"""


def test_input_full_then_drains(ex, tmp_path):
    """A child that does not read: input is refused ("is full") once more than
    8 MiB wait; nothing accepted is lost, and once it reads the rest goes in."""
    go = str(tmp_path / "go")
    pid = ex.start(PY, ["-c", WAIT_THEN_CAT, go], extra={KEEP_STDIN: True})
    pieces = [os.urandom(MIB) for _ in range(16)]
    accepted = 0
    refusal = None
    for piece in pieces:
        try:
            ex.input(pid, piece)
        except AgentError as e:
            refusal = e
            break
        accepted += 1
    assert refusal is not None, "16 MiB queued for a child that does not read"
    assert refusal.desc == "stdin of process %d is full, try again later" % pid
    # Refused only beyond the limit: the pipe holds a little, the queue up to 8 MiB.
    assert STDIN_QUEUE_MAX <= accepted * MIB <= STDIN_QUEUE_MAX + 2 * MIB
    assert ex.request("guest-ping") == {}

    open(go, "w").close()
    r = ExecResult(pid)
    for piece in pieces[accepted:]:
        def offered():
            ex.poll_once(r)
            try:
                ex.input(pid, piece)
            except AgentError as e:
                assert "is full" in e.desc, e.desc
                return False
            return True
        wait_for(offered, 30, interval=0.01, what="room in stdin")
    ex.input(pid, close=True)
    rest = ex.collect(pid, timeout=60)
    assert r.out + rest.out == b"".join(pieces)
    assert rest.exitcode == 0


def test_input_to_child_that_closed_stdin(ex):
    # The child closes its stdin and keeps running: writes fail with EPIPE,
    # and the agent says the stdin is gone rather than queueing forever.
    pid = ex.start("sh", ["-c", "exec 0<&-; sleep 1; echo done"], extra={KEEP_STDIN: True})
    outcome = []

    def refused():
        try:
            ex.input(pid, b"x" * 65536)
        except AgentError as e:
            outcome.append(e.desc)
            return True
        return False
    wait_for(refused, 10, interval=0.01, what="input to be refused")
    assert outcome[0] in ("stdin of process %d is not open" % pid,
                          "process %d no longer reads its stdin" % pid)
    assert ex.collect(pid).out == b"done\n"
