"""streamga-host exec against real agents: live byte-exact output, exit statuses, -e/-m/-i/-T, Ctrl-C; streamga and Debian's qemu-ga."""
import hashlib
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from agentproc import CONNECT_RETRY_SECONDS, AgentProcess
from agentrun import kill_pid, pid_alive, wait_until
from hostrun import HOST_RUN_TIMEOUT

PY = sys.executable
MIB = 1 << 20


class ExecTarget:
    """A running agent and how to run `streamga-host SOCKET exec ...` against it."""

    def __init__(self, kind, proc, host_binary):
        self.kind = kind
        self.proc = proc
        self.host_binary = host_binary

    def command(self, *args):
        return [self.host_binary, self.proc.socket_path, "exec", *args]

    def run(self, *args, stdin=subprocess.DEVNULL, input=None, timeout=HOST_RUN_TIMEOUT):
        """Run to completion; bytes out. qemu-ga refuses connections for a moment
        after a client leaves (oracle-facts.md), so for it a refused connect is retried."""
        deadline = time.monotonic() + CONNECT_RETRY_SECONDS
        while True:
            r = subprocess.run(self.command(*args), stdin=None if input is not None else stdin,
                               input=input, capture_output=True, timeout=timeout)
            if not (self.kind == "qemu-ga" and r.returncode == 3 and b"refused" in r.stderr
                    and time.monotonic() < deadline):
                return r
            time.sleep(0.05)

    def popen(self, *args, **kwargs):
        self.proc.wait_listening()
        return subprocess.Popen(self.command(*args), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def start_target(kind, binary, host_binary, workdir):
    proc = AgentProcess(binary, workdir)
    proc.start().wait_listening()
    return ExecTarget(kind, proc, host_binary)


def stop_target(target):
    rc = target.proc.stop()
    if target.kind == "streamga":
        assert rc == 0, "streamga exit status %s; stderr:\n%s" % (rc, target.proc.stderr())


@pytest.fixture
def streamga(agent_binary, host_binary, tmp_path):
    target = start_target("streamga", agent_binary, host_binary, tmp_path / "streamga")
    yield target
    stop_target(target)


@pytest.fixture
def qemu_ga(qemu_ga_binary, host_binary, tmp_path):
    target = start_target("qemu-ga", qemu_ga_binary, host_binary, tmp_path / "qemu-ga")
    yield target
    stop_target(target)


@pytest.fixture(params=["streamga", "qemu-ga"])
def any_agent(request, agent_binary, host_binary, tmp_path):
    """streamga, then Debian's qemu-ga (no extensions: output at exit, input-data only)."""
    if request.param == "streamga":
        binary = agent_binary
    else:
        binary = request.getfixturevalue("qemu_ga_binary")
    target = start_target(request.param, binary, host_binary, tmp_path / request.param)
    yield target
    stop_target(target)


def read_line_within(stream, timeout):
    """One line from a pipe, or TimeoutError: readline() alone could wait forever."""
    fd = stream.fileno()
    line = b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError("no complete line within %.0f s; have %r" % (timeout, line))
        byte = os.read(fd, 1)
        if not byte:
            raise EOFError("stream ended after %r" % line)
        line += byte
    return line


def finish(proc, timeout=HOST_RUN_TIMEOUT):
    """communicate() with a bound; kills the client if it hangs."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out, err


# ---- output ----------------------------------------------------------------------

BOTH_STREAMS = ("import os\n"
                "os.write(1, bytes(range(256)) * 300)\n"
                "os.write(2, bytes(range(255, -1, -1)) * 200)\n")


def test_output_byte_exact(any_agent):
    r = any_agent.run(PY, "-c", BOTH_STREAMS)
    assert r.returncode == 0, r.stderr[-300:]
    assert r.stdout == bytes(range(256)) * 300
    assert r.stderr == bytes(range(255, -1, -1)) * 200


def test_output_is_live(streamga, tmp_path):
    go = tmp_path / "go"
    script = 'echo first; while [ ! -e "$0" ]; do sleep 0.05; done; echo second'
    proc = streamga.popen("sh", "-c", script, str(go))
    try:
        # The program is still waiting for us, so this line can only come live.
        assert read_line_within(proc.stdout, 20) == b"first\n"
        assert proc.poll() is None
    finally:
        go.touch()
    rc, out, err = finish(proc)
    assert (rc, out, err) == (0, b"second\n", b"")


def test_qemu_ga_output_at_exit(qemu_ga):
    r = qemu_ga.run("sh", "-c", "echo out; echo err >&2; exit 4")
    assert (r.returncode, r.stdout, r.stderr) == (4, b"out\n", b"err\n")


# ---- exit statuses ------------------------------------------------------------------

@pytest.mark.parametrize("code", [0, 1, 3, 255])
def test_exit_code_is_the_programs(any_agent, code):
    r = any_agent.run("sh", "-c", "exit %d" % code)
    assert r.returncode == code, r.stderr


@pytest.mark.parametrize("signo", [9, 15, 6])
def test_signal_gives_128_plus(any_agent, signo):
    r = any_agent.run("sh", "-c", "kill -%d $$" % signo)
    assert r.returncode == 128 + signo, r.stderr


def test_time_limit_gives_124(streamga):
    r = streamga.run("-T", "0.5", "sleep", "30", timeout=20)
    assert r.returncode == 124, r.stderr


def test_time_limit_not_reached(streamga):
    r = streamga.run("-T", "30", "sh", "-c", "echo ok; exit 6")
    assert (r.returncode, r.stdout) == (6, b"ok\n")


def test_program_that_cannot_start(any_agent):
    r = any_agent.run("/nonexistent/program")
    assert r.returncode == 1
    assert b"Failed to execute child process" in r.stderr
    assert r.stdout == b""


@pytest.mark.parametrize("args", [
    [],
    ["-m"],
    ["-e", "A=1"],
    ["-T", "0", "true"],
    ["-T", "-1", "true"],
    ["-T", "abc", "true"],
    ["-T", "", "true"],
    ["-T", "nan", "true"],
    ["-e", "NOEQUALS", "true"],
    ["-e"],
    ["--no-such-option", "true"],
], ids=lambda a: " ".join(a) or "no-program")
def test_usage_errors(streamga, args):
    r = streamga.run(*args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip(), "no message"
    assert r.stdout == b""


# ---- options ---------------------------------------------------------------------

def test_env_sets_the_environment(any_agent):
    r = any_agent.run("-e", "A=1", "-e", "B=two words", "-e", "C=", "/usr/bin/env")
    assert (r.returncode, r.stdout) == (0, b"A=1\nB=two words\nC=\n")


def test_merge_keeps_write_order(streamga):
    code = ("import os\n"
            "for i in range(300):\n"
            "    os.write(1 + i % 2, b'<%d>' % i)\n")
    r = streamga.run("-m", PY, "-c", code)
    assert r.returncode == 0
    assert r.stdout == b"".join(b"<%d>" % i for i in range(300))
    assert r.stderr == b""


def test_options_end_at_program(streamga):
    # Options after the program are its own.
    r = streamga.run("sh", "-c", 'echo "$@"', "sh", "-m", "-e", "X=1")
    assert (r.returncode, r.stdout) == (0, b"-m -e X=1\n")
    r = streamga.run("--", "echo", "-T")
    assert (r.returncode, r.stdout) == (0, b"-T\n")


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    """A 60 MiB file of random bytes and its sha256: more than one input request carries."""
    path = tmp_path_factory.mktemp("input") / "60mib"
    data = os.urandom(60 * MIB)
    path.write_bytes(data)
    return str(path), hashlib.sha256(data).hexdigest()


def test_stdin_from_file_streamed(streamga, big_input):
    path, digest = big_input
    # cat echoes it: stdin and stdout both stream at once.
    proc = subprocess.Popen(streamga.command("-i", path, "cat"), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    h = hashlib.sha256()
    total = 0
    deadline = time.monotonic() + 120
    while True:
        if not select.select([proc.stdout], [], [], max(0, deadline - time.monotonic()))[0]:
            proc.kill()
            raise TimeoutError("streamga-host -i stalled after %d bytes" % total)
        chunk = os.read(proc.stdout.fileno(), 1 << 20)
        if not chunk:
            break
        h.update(chunk)
        total += len(chunk)
    rc, _, err = finish(proc)
    assert rc == 0, err
    assert total == 60 * MIB
    assert h.hexdigest() == digest


def test_stdin_from_own_stdin(streamga, big_input):
    path, digest = big_input
    with open(path, "rb") as f:
        r = streamga.run("-i", "-", "sha256sum", stdin=f, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0].decode() == digest


def test_stdin_small_file(any_agent, tmp_path):
    f = tmp_path / "small"
    data = bytes(range(256)) * 40
    f.write_bytes(data)
    r = any_agent.run("-i", str(f), "cat")
    assert (r.returncode, r.stdout) == (0, data)


def test_stdin_empty(any_agent):
    r = any_agent.run("-i", "-", "wc", "-c", input=b"")
    assert (r.returncode, r.stdout.strip()) == (0, b"0")


def test_stdin_missing_file(streamga, tmp_path):
    r = streamga.run("-i", str(tmp_path / "missing"), "cat")
    assert r.returncode == 2
    assert b"cannot open" in r.stderr


# ---- Ctrl-C ----------------------------------------------------------------------

TRAP_INT = ('trap \'echo "got INT"; exit 42\' INT; echo ready; '
            'while :; do sleep 0.1; done')


def test_sigint_reaches_the_program(streamga):
    proc = streamga.popen("sh", "-c", TRAP_INT)
    try:
        assert read_line_within(proc.stdout, 20) == b"ready\n"
        proc.send_signal(signal.SIGINT)
    except BaseException:
        proc.kill()
        raise
    rc, out, err = finish(proc, timeout=30)
    assert out == b"got INT\n"
    assert rc == 42, err


def test_second_sigint_kills(streamga):
    # A program that ignores SIGINT: the second Ctrl-C sends SIGKILL.
    proc = streamga.popen("sh", "-c", "trap '' INT; echo ready; while :; do sleep 0.1; done")
    try:
        assert read_line_within(proc.stdout, 20) == b"ready\n"
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)     # only spacing the two signals; nothing is measured
        assert proc.poll() is None, "exited on an ignored SIGINT"
        proc.send_signal(signal.SIGINT)
    except BaseException:
        proc.kill()
        raise
    rc, _, err = finish(proc, timeout=30)
    assert rc == 128 + 9, err


def test_sigint_with_qemu_ga_leaves_program_running(qemu_ga, tmp_path):
    pidfile = tmp_path / "program.pid"
    proc = qemu_ga.popen("sh", "-c", 'echo $$ > "$0"; exec sleep 100', str(pidfile))
    program = None
    try:
        wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), "program to start")
        program = int(pidfile.read_text())
        proc.send_signal(signal.SIGINT)
        rc, out, err = finish(proc, timeout=30)
        assert rc == 130
        assert b"cannot stop the program" in err
        # qemu-ga has no kill: the program runs on.
        assert pid_alive(program)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        if program is not None:
            kill_pid(program, signal.SIGKILL)
