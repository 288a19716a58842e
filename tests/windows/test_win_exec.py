"""guest-exec on Windows (streamga.exe under wine): CreateProcessW, overlapped pipes, job objects.

The programs run are the tiny console programs of tests/windows/progs, built by
the win32 build next to streamga.exe: sga-emit (patterned bytes on stdout and
stderr, pauses, gates on files, exit codes), sga-cat (stdin to stdout), sga-env
(its command line, argv and environment) and sga-tree (a child with a
grandchild that shares its stdout). Where the order of events matters, a test
waits on a file gate or on output, not on a clock; only the backpressure test
waits for the blocked writer's byte count to stop moving.
"""
import os
import shutil
import time

import pytest

from agentproc import tcp_port_listening
from execclient import (EXEC_TIMEOUT, INPUT, KEEP_STDIN, OUTPUT_MODE, TIMED_OUT, TIMEOUT, AgentError,
                        ExecClient, ExecResult)
from wineagent import win_path

PROGRAMS = ("sga-cat", "sga-emit", "sga-env", "sga-tree")
# How long a wait for a program's output or file may take under a loaded wine.
WAIT = 60.0
# The agent's streaming limits (src/commands/exec.h), for the chunk bounds.
REPLY_SIZE = 1 << 20


def pattern(n, start=0, salt=0):
    """What sga-emit writes: byte k of a stream is (k * 131 + salt) & 0xFF."""
    block = bytes(((k * 131 + salt) & 0xFF) for k in range(256))
    first = start % 256
    return (block * ((first + n) // 256 + 1))[first:first + n]


def out_pattern(n, start=0):
    return pattern(n, start, 0)


def err_pattern(n, start=0):
    return pattern(n, start, 7)


@pytest.fixture(scope="session")
def progs(win_build_dir):
    """The test programs' Windows paths, by name."""
    found = {}
    for name in PROGRAMS:
        path = os.path.join(win_build_dir, "tests", "windows", name + ".exe")
        if not os.path.isfile(path):
            pytest.fail("%s is not built in %s" % (name, win_build_dir))
        found[name] = win_path(path)
    return found


@pytest.fixture
def ex(win_agent):
    with win_agent.connect() as conn:
        yield ExecClient(conn)


def wait_until(predicate, what, timeout=WAIT, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for " + what)
        time.sleep(interval)


def poll_until(ex, result, predicate, what, timeout=WAIT):
    """Poll statuses into result until predicate(result) holds; the statuses
    polled meanwhile must all say the program runs."""
    deadline = time.monotonic() + timeout
    while not predicate(result):
        st = ex.poll_once(result)
        assert not st["exited"], "pid %d exited before %s: %r" % (result.pid, what, result.statuses)
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for " + what)
        if "out-data" not in st and "err-data" not in st:
            time.sleep(0.02)


def run(ex, path, arg=None, **kw):
    return ex.collect(ex.start(path, arg, **kw), timeout=EXEC_TIMEOUT)


def data_members(result):
    return {m for st in result.statuses for m in st if m.endswith("-data") or m.endswith("-truncated")}


# ---- streaming ----------------------------------------------------------------------------------

def test_output_arrives_while_running(ex, progs, tmp_path):
    """Statuses hand out what was written since the previous one while the
    program still runs (it waits on gates), and their concatenation is exact."""
    gate1, gate2 = tmp_path / "gate1", tmp_path / "gate2"
    pid = ex.start(progs["sga-emit"], ["o3000", "w" + win_path(gate1), "e1000", "o2000",
                                       "w" + win_path(gate2), "o5000", "e70000", "x7"])
    r = ExecResult(pid)
    poll_until(ex, r, lambda r: r.out_len == 3000, "the first chunk")
    assert r.out == out_pattern(3000) and r.err_len == 0
    gate1.touch()
    poll_until(ex, r, lambda r: r.out_len == 5000 and r.err_len == 1000, "the second chunk")
    running = [st for st in r.statuses if "out-data" in st or "err-data" in st]
    assert len(running) >= 2 and not any(st["exited"] for st in running)
    gate2.touch()
    rest = ex.collect(pid)
    out = r.out + rest.out
    err = r.err + rest.err
    assert out == out_pattern(10000)
    assert err == err_pattern(71000)
    assert rest.final["exited"] and rest.final["exitcode"] == 7 and "signal" not in rest.final
    assert all(not st["exited"] for st in rest.statuses[:-1])


def test_chunks_with_pauses_are_exact(ex, progs):
    items = []
    for i in range(6):
        items += ["o%d" % (1000 + i), "e%d" % (500 + i), "s100"]
    r = run(ex, progs["sga-emit"], items)
    assert r.out == out_pattern(sum(1000 + i for i in range(6)))
    assert r.err == err_pattern(sum(500 + i for i in range(6)))
    assert r.exitcode == 0 and r.signal is None


def test_stdin_fed_piecewise_is_echoed_piecewise(ex, progs):
    """sga-cat with stdin kept open: each piece written comes back in a status
    while the program runs; closing stdin ends it."""
    pid = ex.start(progs["sga-cat"], extra={KEEP_STDIN: True})
    r = ExecResult(pid)
    ex.input(pid, b"first piece\n")
    poll_until(ex, r, lambda r: r.out == b"first piece\n", "the first piece")
    ex.input(pid, b"\x00\xff second\n")
    poll_until(ex, r, lambda r: r.out == b"first piece\n\x00\xff second\n", "the second piece")
    ex.input(pid, close=True)
    with pytest.raises(AgentError) as e:
        ex.input(pid, b"late")
    assert e.value.desc == "stdin of process %d is not open" % pid
    rest = ex.collect(pid)
    assert rest.out == b"" and rest.final["exitcode"] == 0


def test_exited_only_when_the_pipes_close(ex, progs, tmp_path):
    """The child ends at once; its grandchild holds stdout until a gate opens:
    exited stays false until then, and the last status has the child's code."""
    gate = tmp_path / "gate"
    pid = ex.start(progs["sga-tree"], ["hold", win_path(gate)])
    r = ExecResult(pid)
    poll_until(ex, r, lambda r: r.out.count(b"\n") == 2, "both processes to start")
    lines = dict(line.split() for line in r.out.decode().splitlines())
    assert set(lines) == {"child", "grandchild"}
    # the child itself has ended...
    wait_until(lambda: run(ex, progs["sga-tree"], ["alive", lines["child"]]).exitcode == 1,
               "the child to end")
    # ...but its grandchild still writes to the pipe
    st = ex.poll_once(r)
    assert st["exited"] is False
    gate.touch()
    rest = ex.collect(pid)
    assert rest.out == b"grandchild done\n"
    assert rest.final["exited"] and rest.final["exitcode"] == 5


def test_interleaved_children_end_independently(ex, progs, tmp_path):
    """A second child started and collected while the first one waits ends on
    its own, and neither one's output leaks into the other's."""
    gate = tmp_path / "gate"
    first = ex.start(progs["sga-emit"], ["o10", "w" + win_path(gate), "o10"])
    second = run(ex, progs["sga-emit"], ["o20", "e5", "x3"])
    assert second.out == out_pattern(20) and second.err == err_pattern(5)
    assert second.exitcode == 3
    r = ExecResult(first)
    assert ex.poll_once(r)["exited"] is False
    gate.touch()
    rest = ex.collect(first)
    assert r.out + rest.out == out_pattern(20) and rest.final["exitcode"] == 0


def test_big_output_complete_and_in_order(ex, progs):
    size = 8 << 20
    r = run(ex, progs["sga-emit"], ["o%d" % size])
    assert r.out_len == size and r.out == out_pattern(size)
    assert max(len(c) for c in r.out_chunks) <= REPLY_SIZE
    assert r.exitcode == 0


def test_big_output_on_both_streams(ex, progs):
    items = ["o1048576", "e1048576"] * 3 + ["o12345", "e54321"]
    r = run(ex, progs["sga-emit"], items)
    assert r.out == out_pattern(3 * 1048576 + 12345)
    assert r.err == err_pattern(3 * 1048576 + 54321)


def test_zero_byte_writes_are_not_the_end(ex, progs):
    r = run(ex, progs["sga-emit"], ["o5", "z", "z", "o7", "z", "x2"])
    assert r.out == out_pattern(12) and r.exitcode == 2


def test_full_buffer_blocks_the_writer(make_win_agent, progs, tmp_path):
    """With a 64 KiB buffer and no status polls, the agent stops reading: the
    program blocks in its write far before its 8 MiB are out; then every byte
    arrives."""
    agent = make_win_agent("--exec-buffer-size=64K")
    progress = tmp_path / "progress"
    size = 8 << 20
    with agent.connect() as conn:
        ex = ExecClient(conn)
        pid = ex.start(progs["sga-emit"], ["p" + win_path(progress), "o%d" % size], capture="stdout")

        def written():
            try:
                return int(progress.read_text() or 0)
            except (OSError, ValueError):
                return 0
        # Settled: the count has not moved for a second.
        last = [None, time.monotonic()]

        def settled():
            value = written()
            if value != last[0]:
                last[:] = [value, time.monotonic()]
                return False
            return value > 0 and time.monotonic() - last[1] >= 1.0
        wait_until(settled, "the writer to block")
        blocked_at = written()
        # the agent's buffer, the pipe's, and the write that waits: 64 KiB each
        assert blocked_at <= 4 * 65536, blocked_at
        # the agent serves meanwhile; the writer stays where it is
        assert ex.request("guest-ping") == {}
        assert written() <= 4 * 65536
        r = ex.collect(pid, interval=0.001)
        assert r.out_len == size and r.out == out_pattern(size)
        assert r.final["exitcode"] == 0


# ---- capture modes, stdin -------------------------------------------------------------------------

@pytest.mark.parametrize("capture,out,err", [
    (False, False, False), ("none", False, False), ("stdout", True, False),
    ("stderr", False, True), (True, True, True), ("separated", True, True)])
def test_capture_modes(ex, progs, capture, out, err):
    r = run(ex, progs["sga-emit"], ["o300", "e200", "o100", "x9"], capture=capture)
    assert r.out == (out_pattern(400) if out else b"")
    assert r.err == (err_pattern(200) if err else b"")
    if not out:
        assert "out-data" not in r.members()
    if not err:
        assert "err-data" not in r.members()
    assert r.exitcode == 9


def test_no_capture_argument_gives_no_data(ex, progs):
    r = run(ex, progs["sga-emit"], ["o300", "e200"], capture=None)
    assert data_members(r) == set() and r.exitcode == 0


def test_merged_keeps_write_order(ex, progs):
    r = run(ex, progs["sga-emit"], ["o100", "e50", "o100", "e25"], capture="merged")
    assert r.out == out_pattern(100) + err_pattern(50) + out_pattern(100, 100) + err_pattern(25, 50)
    assert "err-data" not in r.members()


@pytest.mark.parametrize("data", [b"", b"hello\n", bytes(range(256)) * 4096])
def test_input_data_reaches_stdin(ex, progs, data):
    r = run(ex, progs["sga-cat"], input_data=data)
    assert r.out == data and r.exitcode == 0


def test_input_to_program_that_ended(ex, progs):
    """Input for a program that closed its stdin and ended, before any status
    collected it: the write fails, and stdin is closed from then on. (A program
    still running with its stdin closed would do, on Windows; under wine the
    console host started for it holds a copy of its stdin while it runs.)"""
    pid = ex.start(progs["sga-emit"], ["c", "x3"], extra={KEEP_STDIN: True})
    wait_until(lambda: run(ex, progs["sga-tree"], ["alive", str(pid)]).exitcode == 1,
               "the program to end")
    errors = []

    def refused():
        try:
            ex.input(pid, b"data")
        except AgentError as e:
            errors.append(e)
            return True
        return False
    wait_until(refused, "a write to the closed stdin to fail")
    # A write fails at once ("no longer reads"), or, when one was still
    # outstanding, the agent closes stdin as it completes ("not open").
    assert errors[0].desc in ("process %d no longer reads its stdin" % pid,
                              "stdin of process %d is not open" % pid)
    with pytest.raises(AgentError) as e:
        ex.input(pid, b"more")
    assert e.value.desc == "stdin of process %d is not open" % pid
    assert ex.collect(pid).final == {"exited": True, "exitcode": 3}


def test_input_full_then_drains(ex, progs, tmp_path):
    """Stdin data the program does not read yet queues up to 8 MiB, then the
    input extension says "full"; once the program reads, it takes more, and
    everything arrives once, in order."""
    gate = tmp_path / "gate"
    pid = ex.start(progs["sga-emit"], ["w" + win_path(gate), "r"], extra={KEEP_STDIN: True})
    mib = 1 << 20
    sent = []
    full = None
    for i in range(12):
        chunk = bytes([i]) * mib
        try:
            ex.input(pid, chunk)
        except AgentError as e:
            full = e
            break
        sent.append(chunk)
    assert full is not None and full.desc == "stdin of process %d is full, try again later" % pid
    assert 8 <= len(sent) <= 10
    gate.touch()
    r = ExecResult(pid)
    poll_until(ex, r, lambda r: r.out_len == len(sent) * mib, "the queued input to come back",
               timeout=WAIT)
    ex.input(pid, b"tail", close=True)
    rest = ex.collect(pid)
    assert r.out + rest.out == b"".join(sent) + b"tail"
    assert rest.final["exitcode"] == 0


def test_without_input_data_stdin_is_nul(ex, progs):
    r = run(ex, progs["sga-cat"], ["4"])
    assert r.out == b"" and r.exitcode == 4


# ---- command line, environment, program search ---------------------------------------------------

def env_report(result):
    """sga-env's records: (command line, argv, environment entries)."""
    records = result.out.split(b"\0")
    assert records[-1] == b""
    text = [rec.decode("utf-8") for rec in records[:-1]]
    cmdline = [t[1:] for t in text if t[0] == "C"]
    assert len(cmdline) == 1
    return (cmdline[0], [t[1:] for t in text if t[0] == "A"], [t[1:] for t in text if t[0] == "E"])


ARGS = [
    "plain", "with space", "", "tab\there", 'quote"inside', '"', '""', "back\\slash",
    "trailing\\", "trailing two\\\\", 'slash before quote\\"', '\\\\"', "a\\\\b c", "new\nline",
    "  ", "ünïcødé ✓", "日本語", "emoji 😀", "%PATH%", "^&|<>", "end",
]


def test_arguments_round_trip(ex, progs):
    cmdline, argv, _ = env_report(run(ex, progs["sga-env"], ARGS))
    assert argv == [progs["sga-env"]] + ARGS, cmdline


def test_program_path_with_spaces(ex, progs, win_build_dir, tmp_path):
    d = tmp_path / "dir with spaces ü"
    d.mkdir()
    shutil.copy(os.path.join(win_build_dir, "tests", "windows", "sga-env.exe"), d / "sga env.exe")
    path = win_path(d / "sga env.exe")
    _, argv, _ = env_report(run(ex, path, ["x y"]))
    assert argv == [path, "x y"]


def test_env_replaces_the_agents(make_win_agent, progs):
    agent = make_win_agent(env={"SGA_AGENT_ONLY": "agent-marker"})
    with agent.connect() as conn:
        ex = ExecClient(conn)
        _, _, inherited = env_report(run(ex, progs["sga-env"]))
        assert "SGA_AGENT_ONLY=agent-marker" in inherited
        given = ["SGA_B=two words", "sga_a=1", "SGA_C=ünï=cødé", "Zed=last"]
        _, _, env = env_report(run(ex, progs["sga-env"], env=given))
        assert not any(e.startswith("SGA_AGENT_ONLY=") for e in env), env
        ours = [e for e in env if e in given]
        # all of them, in the block's order: sorted by name, case-insensitively
        assert ours == ["sga_a=1", "SGA_B=two words", "SGA_C=ünï=cødé", "Zed=last"], env


def test_empty_env_list_starts_the_program(ex, progs):
    cmdline, argv, env = env_report(run(ex, progs["sga-env"], ["a"], env=[]))
    assert argv == [progs["sga-env"], "a"]
    assert not any(e.startswith("SGA_") for e in env)


@pytest.mark.parametrize("path", ["C:\\nonexistent\\program.exe", "streamga-no-such-program",
                                  "Z:\\no\\such\\dir\\x"])
def test_missing_program(ex, path):
    with pytest.raises(AgentError) as e:
        ex.start(path)
    assert e.value.cls == "GenericError"
    assert e.value.desc == ("Guest agent command failed, error was 'Failed to execute child "
                            "process \u201c%s\u201d (No such file or directory)'" % path)


def test_not_a_program(ex, tmp_path):
    """A file that is no executable: the C runtime's word for its error, as glib's spawn gives it."""
    text = tmp_path / "not-a-program.exe"
    text.write_text("hello\n")
    with pytest.raises(AgentError) as e:
        ex.start(win_path(text))
    assert e.value.desc == ("Guest agent command failed, error was 'Failed to execute child "
                            "process \u201c%s\u201d (Exec format error)'" % win_path(text))


def test_quote_in_program_name_refused(ex):
    with pytest.raises(AgentError) as e:
        ex.start('C:\\a"b.exe')
    assert e.value.cls == "GenericError"
    assert e.value.desc == ("Guest agent command failed, error was "
                            "'Invalid program name: C:\\a\"b.exe'")


@pytest.mark.parametrize("path", ["cmd.exe", "cmd", "C:\\windows\\system32\\cmd.exe"])
def test_cmd_echo(ex, path):
    """A real Windows console program; a bare name is searched and gets .exe."""
    r = run(ex, path, ["/c", "echo hello"])
    assert r.out == b"hello\r\n" and r.err == b""
    assert r.exitcode == 0


def test_cmd_exit_code_and_stderr(ex):
    r = run(ex, "cmd.exe", ["/c", "echo oops 1>&2 & exit 3"])
    # (echo keeps the blanks before the redirection and the '&')
    assert r.err.startswith(b"oops") and r.err.endswith(b"\r\n") and r.err.strip() == b"oops"
    assert r.out == b"" and r.exitcode == 3


# ---- exit status, kill, timeout ------------------------------------------------------------------

@pytest.mark.parametrize("code", [0, 1, 42, 255, 256, 65535, 0x7FFFFFFF])
def test_exit_code(ex, progs, code):
    r = run(ex, progs["sga-emit"], ["x%d" % code], capture=False)
    assert r.final == {"exited": True, "exitcode": code}


@pytest.mark.parametrize("status,signal", [(0xC0000005, -1073741819), (0xC000013A, -1073741510),
                                           (0xFFFFFFFF, -1)])
def test_exception_status_is_a_signal(ex, progs, status, signal):
    """As qemu-ga on Windows: a status of 0xC0000000 or more (an NTSTATUS such
    as an access violation) is reported as "signal", read as a 32-bit int."""
    r = run(ex, progs["sga-emit"], ["x%d" % status], capture=False)
    assert r.final == {"exited": True, "signal": signal}


def tree_pids(ex, r):
    poll_until(ex, r, lambda r: r.out.count(b"\n") == 2, "both processes to start")
    lines = dict(line.split() for line in r.out.decode().splitlines())
    assert set(lines) == {"child", "grandchild"}
    return lines


def assert_gone(ex, progs, pid):
    assert run(ex, progs["sga-tree"], ["alive", pid]).exitcode == 1


def test_kill_ends_the_whole_tree(ex, progs):
    """The default signal (SIGTERM, 15) ends the child and its grandchild (the
    job); the grandchild held stdout, so exited:true itself shows it ended."""
    pid = ex.start(progs["sga-tree"])
    r = ExecResult(pid)
    lines = tree_pids(ex, r)
    assert run(ex, progs["sga-tree"], ["alive", lines["grandchild"]]).exitcode == 0
    assert ex.kill(pid) == {}
    rest = ex.collect(pid, timeout=WAIT)
    assert rest.final == {"exited": True, "exitcode": 15}
    assert_gone(ex, progs, lines["child"])
    assert_gone(ex, progs, lines["grandchild"])


@pytest.mark.parametrize("signo", [1, 2, 9, 22])
def test_kill_signal_number_is_the_exit_code(ex, progs, signo):
    pid = ex.start(progs["sga-emit"], ["o1", "s120000"])
    r = ExecResult(pid)
    poll_until(ex, r, lambda r: r.out_len == 1, "the program to start")
    assert ex.kill(pid, signo) == {}
    assert ex.collect(pid, timeout=WAIT).final == {"exited": True, "exitcode": signo}


@pytest.mark.parametrize("signo", [0, 23, -1])
def test_kill_outside_the_signal_range_refused(ex, progs, signo):
    """mingw's NSIG is 23: signals 1 to 22 are accepted, as the Linux build takes 1 to 64."""
    pid = ex.start(progs["sga-emit"], ["x0"])
    with pytest.raises(AgentError) as e:
        ex.kill(pid, signo)
    assert e.value.desc == "Parameter 'signal' expects a signal number"
    assert ex.collect(pid).final == {"exited": True, "exitcode": 0}


def test_kill_of_ended_process_succeeds(ex, progs, tmp_path):
    pid = ex.start(progs["sga-emit"], ["x6"])
    wait_until(lambda: run(ex, progs["sga-tree"], ["alive", str(pid)]).exitcode == 1,
               "the program to end")
    assert ex.kill(pid) == {}
    assert ex.collect(pid).final == {"exited": True, "exitcode": 6}


def test_timeout_kills_the_tree(ex, progs):
    """The timeout ends the job with 9 (SIGKILL's number). The grandchild holds
    stdout, so the final status itself shows that it ended too."""
    pid = ex.start(progs["sga-tree"], extra={TIMEOUT: 2})
    r = ex.collect(pid, timeout=WAIT)
    assert {k: v for k, v in r.final.items() if k != "out-data"} == {
        "exited": True, "exitcode": 9, TIMED_OUT: True}
    lines = dict(line.split() for line in r.out.decode().splitlines())
    # (under a slow machine the timer may fire before the grandchild exists)
    for who in lines:
        assert_gone(ex, progs, lines[who])


def test_timeout_not_reached(ex, progs):
    r = run(ex, progs["sga-emit"], ["o10", "x4"], extra={TIMEOUT: 600})
    assert r.final == {"exited": True, "exitcode": 4} and r.out == out_pattern(10)


# ---- at-exit mode --------------------------------------------------------------------------------

def test_at_exit_mode_hands_out_everything_at_the_end(ex, progs, tmp_path):
    gate, progress = tmp_path / "gate", tmp_path / "progress"
    pid = ex.start(progs["sga-emit"], ["p" + win_path(progress), "o100", "e30",
                                       "w" + win_path(gate), "o200", "x4"],
                   extra={OUTPUT_MODE: "at-exit"})
    wait_until(lambda: progress.exists() and progress.read_text() == "130", "the first output")
    for _ in range(3):
        assert ex.status(pid) == {"exited": False}
    gate.touch()
    r = ex.collect(pid)
    assert all(st == {"exited": False} for st in r.statuses[:-1])
    assert r.final == {"exited": True, "exitcode": 4, "out-data": 300, "out-truncated": False,
                       "err-data": 30, "err-truncated": False}
    assert r.out == out_pattern(300) and r.err == err_pattern(30)


# ---- housekeeping --------------------------------------------------------------------------------

def test_many_sequential_execs(ex, progs):
    """250 programs one after another, each with both pipes and stdin: the
    agent keeps working (leaked handles or threads would show as failures)."""
    for i in range(250):
        r = run(ex, progs["sga-emit"], ["o%d" % (i % 17), "e3", "x%d" % (i % 256)],
                input_data=b"x")
        assert r.out == out_pattern(i % 17) and r.err == err_pattern(3)
        assert r.final["exitcode"] == i % 256
    assert ex.request("guest-ping") == {}
    assert run(ex, "cmd.exe", ["/c", "echo still serving"]).out == b"still serving\r\n"


def test_many_concurrent_execs(ex, progs, tmp_path):
    """120 programs at once, each with two pipes and a process to watch: far
    more handles than one WaitForMultipleObjects takes (64), which glib's
    poll spreads over threads; every one still ends with its exact output."""
    gate = tmp_path / "gate"
    count = 120
    pids = ex.start_many([dict(path=progs["sga-emit"],
                               arg=["o%d" % i, "w" + win_path(gate), "e%d" % (i + 1), "x%d" % i])
                          for i in range(count)])
    gate.touch()
    for i, pid in enumerate(pids):
        r = ex.collect(pid, timeout=WAIT)
        assert r.out == out_pattern(i) and r.err == err_pattern(i + 1), i
        assert r.final["exitcode"] == i


def test_forgotten_program_keeps_running(make_win_agent, progs, tmp_path):
    """Closing the job handle (the agent stopping) does not kill what runs in
    it, as qemu-ga leaves its children running."""
    gate, done = tmp_path / "gate", tmp_path / "done"
    agent = make_win_agent()
    with agent.connect() as conn:
        pid = ExecClient(conn).start(progs["sga-emit"], ["w" + win_path(gate), "f" + win_path(done)])
    agent.stop()
    gate.touch()
    wait_until(done.exists, "the program to outlive the agent (pid %d)" % pid)


def test_child_gets_no_agent_handle(make_win_agent, progs, tmp_path):
    """Only the three standard handles are inherited: a program still running
    after the agent stopped holds none of its sockets (the port is free)."""
    gate = tmp_path / "gate"
    agent = make_win_agent()
    with agent.connect() as conn:
        ExecClient(conn).start(progs["sga-emit"], ["w" + win_path(gate)])
    agent.stop()
    try:
        wait_until(lambda: not tcp_port_listening(agent.port), "the agent's port to close")
    finally:
        gate.touch()


def test_input_extension_refused_without_keep_stdin(ex, progs):
    pid = ex.start(progs["sga-cat"], input_data=b"abc")
    with pytest.raises(AgentError) as e:
        ex.request(INPUT, {"pid": pid, "close": True})
    assert e.value.desc == "stdin of process %d is not open" % pid
    assert ex.collect(pid).out == b"abc"
