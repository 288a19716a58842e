"""guest-exec basics against the real agent: capture modes, exit codes, signals, errors, stdin, env and PATH."""
import base64
import hashlib
import os
import stat
import sys

import pytest

from agentproc import AgentProcess
from execclient import AgentError, ExecClient
from procinfo import wait_for

PY = sys.executable
ALL_BYTES = bytes(range(256))


def py_run(ex, code, *args, **kwargs):
    """Run a Python child (the guest is this machine, so the test's own interpreter)."""
    return ex.run(PY, ["-c", code, *args], **kwargs)


def error_of(conn, execute, arguments):
    reply = conn.call(execute, arguments)
    assert "error" in reply, "expected an error, got %r" % reply
    return reply["error"]


# ---- capture-output ---------------------------------------------------------------

# (capture-output value or None for absent) -> (stdout captured as, stderr captured as)
CAPTURE = [
    (None, None, None),
    (False, None, None),
    (True, "out", "err"),
    ("none", None, None),
    ("stdout", "out", None),
    ("stderr", None, "err"),
    ("separated", "out", "err"),
    ("merged", "out", "out"),
]


@pytest.mark.parametrize("capture,stdout_to,stderr_to", CAPTURE,
                         ids=[repr(c[0]) for c in CAPTURE])
def test_capture_output_members(ex, capture, stdout_to, stderr_to):
    r = ex.sh("printf 'to stdout'; printf 'to stderr' >&2; exit 5", capture=capture)
    expected = {"out": b"", "err": b""}
    if stdout_to:
        expected[stdout_to] += b"to stdout"
    if stderr_to:
        expected[stderr_to] += b"to stderr"
    assert (r.out, r.err) == (expected["out"], expected["err"])
    seen = r.members()
    assert ("out-data" in seen) == bool(expected["out"])
    assert ("err-data" in seen) == bool(expected["err"])
    # Streaming mode never drops anything, so it never says truncated.
    assert not seen & {"out-truncated", "err-truncated"}
    assert r.final["exited"] is True and r.exitcode == 5 and "signal" not in r.final


def test_capture_output_bad_value(ex):
    with pytest.raises(AgentError) as e:
        ex.start("true", capture="both")
    assert e.value.cls == "GenericError"
    assert "capture-output" in e.value.desc


# ---- exit status ------------------------------------------------------------------

@pytest.mark.parametrize("code", [0, 1, 42, 255])
def test_exit_code(ex, code):
    r = ex.sh("exit %d" % code)
    assert r.final == {"exited": True, "exitcode": code}


@pytest.mark.parametrize("signo", [9, 15, 11])
def test_death_by_signal(ex, signo):
    r = ex.sh("echo before; kill -%d $$; echo after" % signo)
    assert r.out == b"before\n"
    assert r.final["signal"] == signo
    assert "exitcode" not in r.final


def test_status_after_final_is_invalid_pid(ex):
    r = ex.sh("exit 0")
    with pytest.raises(AgentError) as e:
        ex.status(r.pid)
    assert (e.value.cls, e.value.desc) == ("GenericError", "Invalid parameter 'pid'")


def test_status_of_unknown_pid(ex):
    with pytest.raises(AgentError) as e:
        ex.status(1)    # init is never the agent's child
    assert (e.value.cls, e.value.desc) == ("GenericError", "Invalid parameter 'pid'")


# ---- errors as qemu-ga words them --------------------------------------------------

@pytest.mark.parametrize("args", [
    {"path": "/nonexistent/program"},
    {"path": "streamga-no-such-program"},
    {"path": "/"},
    {"path": ""},
    {"path": "true", "input-data": "not*base64"},
], ids=["absolute", "relative", "directory", "empty", "bad-base64"])
def test_exec_error_matches_qemu_ga(exec_agent, qemu_ga_agent, args):
    with exec_agent.connect() as conn:
        ours = error_of(conn, "guest-exec", args)
    with qemu_ga_agent.connect() as conn:
        theirs = error_of(conn, "guest-exec", args)
    assert ours == theirs


def test_nonexistent_path_text(ex):
    with pytest.raises(AgentError) as e:
        ex.start("/nonexistent/program")
    assert e.value.cls == "GenericError"
    assert e.value.desc == ("Guest agent command failed, error was 'Failed to execute child "
                            "process \u201c/nonexistent/program\u201d (No such file or directory)'")


# ---- bytes through stdout and stderr ------------------------------------------------

WRITE_TO = """
import os, sys
data = bytes(range(256)) * int(sys.argv[2])
fd = int(sys.argv[1])
os.write(fd, data)
os.write(fd, data[::-1])
"""


@pytest.mark.parametrize("fd,capture", [(1, True), (2, True), (1, "merged"), (2, "merged")],
                         ids=["stdout", "stderr", "stdout-merged", "stderr-merged"])
def test_all_byte_values(ex, fd, capture):
    r = py_run(ex, WRITE_TO, str(fd), "16", capture=capture)
    expected = ALL_BYTES * 16 + (ALL_BYTES * 16)[::-1]
    to_stderr = fd == 2 and capture is True
    got, other = (r.err, r.out) if to_stderr else (r.out, r.err)
    assert got == expected
    assert other == b""
    assert r.exitcode == 0


def test_separated_streams_stay_apart(ex):
    code = ("import os\n"
            "for i in range(200):\n"
            "    os.write(1, bytes(range(256)))\n"
            "    os.write(2, bytes(range(255, -1, -1)))\n")
    r = py_run(ex, code)
    assert r.out == ALL_BYTES * 200
    assert r.err == ALL_BYTES[::-1] * 200


def test_merged_keeps_write_order(ex):
    # Alternate unbuffered writes to fd 1 and fd 2; one pipe keeps their order.
    code = ("import os\n"
            "for i in range(500):\n"
            "    os.write(1 + i % 2, b'<%d:%d>' % (1 + i % 2, i))\n")
    r = py_run(ex, code, capture="merged")
    assert r.out == b"".join(b"<%d:%d>" % (1 + i % 2, i) for i in range(500))
    assert r.err == b""
    assert "err-data" not in r.members()


# ---- stdin ----------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"hello, world\n", ALL_BYTES * 64, b""],
                         ids=["text", "binary", "empty"])
def test_input_data_round_trip(ex, data):
    r = ex.run("cat", input_data=data)
    assert r.out == data
    assert r.final["exitcode"] == 0


def test_without_input_data_stdin_is_dev_null(ex):
    r = ex.sh("readlink /proc/self/fd/0; cat")
    assert r.out == b"/dev/null\n"


# Reads its stdin slowly, in small pieces, and echoes a digest and the length.
SLOW_READER = """
import hashlib, os, sys, time
h = hashlib.sha256()
n = 0
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    h.update(chunk)
    n += len(chunk)
    time.sleep(0.002)
sys.stdout.write("%d %s" % (n, h.hexdigest()))
"""


def test_input_data_10mib_slow_reader(ex):
    data = os.urandom(10 << 20)
    pid = ex.start(PY, ["-c", SLOW_READER], input_data=data)
    # The agent writes stdin without blocking: it answers while the child reads.
    assert ex.request("guest-ping") == {}
    r = ex.collect(pid)
    assert r.out.decode() == "%d %s" % (len(data), hashlib.sha256(data).hexdigest())
    assert r.exitcode == 0


def test_input_data_10mib_echoed(ex):
    # Stdin and stdout both far larger than a pipe: neither direction may stall the other.
    data = os.urandom(10 << 20)
    r = ex.run("cat", input_data=data, timeout=120)
    assert len(r.out) == len(data)
    assert r.out == data


# ---- environment and PATH ----------------------------------------------------------

def test_env_replaces_environment(exec_agent_factory):
    agent = exec_agent_factory(env={"STREAMGA_TEST_MARKER": "agent"})
    with agent.connect() as conn:
        ex = ExecClient(conn)
        inherited = ex.run("env")
        assert b"STREAMGA_TEST_MARKER=agent\n" in inherited.out
        r = ex.run("/usr/bin/env", env=["A=1", "B=two words", "C="])
        assert r.out == b"A=1\nB=two words\nC=\n"


def make_probe(directory, name, text):
    """An executable script that prints text; found only through a PATH containing directory."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho %s\n" % text)
    os.chmod(path, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return path


def test_relative_path_searched_in_env_path(ex, tmp_path):
    make_probe(str(tmp_path / "envbin"), "streamga-env-probe", "from-env-path")
    r = ex.run("streamga-env-probe", env=["PATH=%s" % (tmp_path / "envbin")])
    assert r.out == b"from-env-path\n"
    # Not in the agent's PATH: without env it is not found.
    with pytest.raises(AgentError) as e:
        ex.start("streamga-env-probe")
    assert "No such file or directory" in e.value.desc


def outcome(conn, args):
    """What guest-exec of args leads to: ("error", desc) or ("exit", exitcode, stdout)."""
    ex = ExecClient(conn)
    try:
        r = ex.run(args["path"], args.get("arg"), args.get("env"))
    except AgentError as e:
        return ("error", e.desc)
    return ("exit", r.exitcode, r.out)


# (guest-exec arguments, what qemu-ga 7.2 does: the probe's output, or None for
# "not found"). ENVBIN stands for the directory only the env PATH names. Without
# PATH in env, glib (and so qemu-ga) searches the agent's own PATH.
PATH_CASES = [
    ({"path": "streamga-agent-probe", "env": ["A=1"]}, b"agent-path\n"),
    ({"path": "streamga-agent-probe"}, b"agent-path\n"),
    ({"path": "streamga-env-probe", "env": ["A=1"]}, None),
    ({"path": "env", "env": ["A=1"]}, b"A=1\n"),
    ({"path": "env", "env": ["A=1", "PATH=/nonexistent"]}, None),
    ({"path": "streamga-env-probe", "env": ["PATH=ENVBIN"]}, b"env-path\n"),
    ({"path": "streamga-agent-probe", "env": ["PATH=ENVBIN"]}, None),
]


@pytest.mark.parametrize("args,expected", PATH_CASES,
                         ids=["agent-path-env-without-path", "agent-path-no-env",
                              "env-dir-env-without-path", "system-env-without-path", "env-bad-path",
                              "env-path", "agent-path-hidden-by-env-path"])
def test_path_search_like_qemu_ga(agent_binary, qemu_ga_binary, tmp_path, args, expected):
    """Both agents run with the same PATH (which has a directory of ours); the
    program runs, or fails with the same words, in the same cases."""
    agent_bin = str(tmp_path / "agentbin")
    env_bin = str(tmp_path / "envbin")
    make_probe(agent_bin, "streamga-agent-probe", "agent-path")
    make_probe(env_bin, "streamga-env-probe", "env-path")
    args = dict(args)
    if "env" in args:
        args["env"] = [e.replace("ENVBIN", env_bin) for e in args["env"]]
    env = {"PATH": agent_bin + ":/usr/sbin:/usr/bin:/sbin:/bin"}
    results = {}
    for name, binary in (("streamga", agent_binary), ("qemu-ga", qemu_ga_binary)):
        proc = AgentProcess(binary, tmp_path / name, env=env).start()
        try:
            with proc.connect() as conn:
                results[name] = outcome(conn, args)
        finally:
            rc = proc.stop()
        if name == "streamga":
            assert rc == 0, proc.stderr()
    assert results["streamga"] == results["qemu-ga"]
    if expected is None:
        assert results["streamga"][0] == "error"
        assert "No such file or directory" in results["streamga"][1]
    else:
        assert results["streamga"] == ("exit", 0, expected)


# ---- status freshness -------------------------------------------------------------

def process_gone_or_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat_line = f.read()
    except OSError:
        return True
    return stat_line[stat_line.rindex(")") + 2] in "ZX"


@pytest.mark.parametrize("size", [1, 4096, 65536, 200000, 900000])
def test_status_after_exit_has_everything(ex, size):
    """Once the child is gone, the very next status must say exited and carry
    all its output (below one reply's worth), however little the agent read before."""
    for attempt in range(5):
        pid = ex.start("head", ["-c", str(size), "/dev/zero"])
        wait_for(lambda: process_gone_or_zombie(pid), 10, what="child %d to end" % pid)
        st = ex.status(pid)
        assert st["exited"] is True, st
        assert st["exitcode"] == 0
        data = base64.b64decode(st["out-data"])
        assert data == b"\0" * size


def test_true_exits(ex):
    # An immediate status may or may not say exited yet; the end is exit code 0.
    pid = ex.start("/bin/true")
    first = ex.status(pid)
    assert first["exited"] in (True, False)
    if first["exited"]:
        assert first == {"exited": True, "exitcode": 0}
    else:
        assert ex.collect(pid).final == {"exited": True, "exitcode": 0}

