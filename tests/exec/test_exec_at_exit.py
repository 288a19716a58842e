"""qemu-ga 7.2's at-exit output in streamga: per agent (--exec-output, config file) and per exec, and the 16 MiB cap."""
import random
import sys

import pytest

from execclient import OUTPUT_MODE, AgentError, ExecClient, ExecResult, bytes_written
from procinfo import wait_for

PY = sys.executable
MIB = 1 << 20
AT_EXIT_CAP = 16 * MIB

# Writes argv[1] to stdout and argv[2] to stderr, waits for the file argv[3], writes both again.
TWO_PHASES = """
import os, sys, time
os.write(1, sys.argv[1].encode())
os.write(2, sys.argv[2].encode())
deadline = time.monotonic() + 60
while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
    time.sleep(0.005)
os.write(1, sys.argv[1].encode())
os.write(2, sys.argv[2].encode())
"""


def child_wrote(pid, count):
    """True once the child has written count bytes (wchar of /proc/PID/io), or is gone."""
    try:
        return bytes_written(pid) >= count
    except OSError:
        return True


def check_at_exit_run(ex, tmp_path, extra=None):
    """A child writes, waits for us, writes again: while it runs every status is
    exactly {"exited": false}; the final one has everything and the flags."""
    go = str(tmp_path / "go")
    pid = ex.start(PY, ["-c", TWO_PHASES, "out\u20ac", "err", go], extra=extra)
    wait_for(lambda: child_wrote(pid, len("out\u20ac".encode()) + 3), 10, what="first writes")
    for _ in range(5):
        assert ex.status(pid) == {"exited": False}
    open(go, "w").close()
    r = ex.collect(pid)
    assert all(st == {"exited": False} for st in r.statuses[:-1])
    final = dict(r.final)
    assert final.pop("out-data") == len("out\u20ac".encode()) * 2
    assert final.pop("err-data") == 6
    assert final == {"exited": True, "exitcode": 0, "out-truncated": False, "err-truncated": False}
    assert r.out == "out\u20acout\u20ac".encode() and r.err == b"errerr"


def test_agent_option_at_exit(exec_agent_factory, tmp_path):
    agent = exec_agent_factory("--exec-output=at-exit")
    with agent.connect() as conn:
        check_at_exit_run(ExecClient(conn), tmp_path)


def test_config_file_at_exit(exec_agent_factory, tmp_path):
    conf = tmp_path / "qemu-ga.conf"
    conf.write_text("[streamga]\nexec-output=at-exit\n")
    agent = exec_agent_factory(env={"QGA_CONF": str(conf)})
    with agent.connect() as conn:
        check_at_exit_run(ExecClient(conn), tmp_path)


def test_per_exec_at_exit_on_streaming_agent(ex, tmp_path):
    check_at_exit_run(ex, tmp_path, extra={OUTPUT_MODE: "at-exit"})


def test_per_exec_stream_on_at_exit_agent(exec_agent_factory, tmp_path):
    agent = exec_agent_factory("--exec-output=at-exit")
    go = str(tmp_path / "go")
    with agent.connect() as conn:
        ex = ExecClient(conn)
        pid = ex.start(PY, ["-c", TWO_PHASES, "out", "err", go], extra={OUTPUT_MODE: "stream"})
        r = ExecResult(pid)
        # Output produced so far arrives while the child runs.
        wait_for(lambda: ex.poll_once(r) and r.out == b"out" and r.err == b"err", 10,
                 what="output while running")
        assert all(st["exited"] is False for st in r.statuses)
        open(go, "w").close()
        rest = ex.collect(pid)
        assert (rest.out, rest.err) == (b"out", b"err")
        assert not (r.members() | rest.members()) & {"out-truncated", "err-truncated"}


def test_at_exit_without_output_has_no_data_members(exec_agent_factory):
    agent = exec_agent_factory("--exec-output=at-exit")
    with agent.connect() as conn:
        r = ExecClient(conn).sh("exit 3")
    assert r.final == {"exited": True, "exitcode": 3}


def test_at_exit_signal(exec_agent_factory):
    agent = exec_agent_factory("--exec-output=at-exit")
    with agent.connect() as conn:
        r = ExecClient(conn).sh("echo x; kill -9 $$")
    assert r.final == {"exited": True, "signal": 9, "out-data": 2, "out-truncated": False}


WRITE_BIG = """
import os, random, sys
r = random.Random(int(sys.argv[2]))
fd = int(sys.argv[3])
for _ in range(int(sys.argv[1])):
    os.write(fd, r.randbytes(1 << 20))
"""


def expected_prefix(mib, seed, limit):
    r = random.Random(seed)
    return b"".join(r.randbytes(MIB) for _ in range(mib))[:limit]


@pytest.mark.parametrize("fd", [1, 2], ids=["stdout", "stderr"])
@pytest.mark.parametrize("how", ["agent", "per-exec"])
def test_twenty_mib_gives_sixteen_truncated(exec_agent_factory, fd, how):
    args = ("--exec-output=at-exit",) if how == "agent" else ()
    extra = {OUTPUT_MODE: "at-exit"} if how == "per-exec" else None
    agent = exec_agent_factory(*args)
    with agent.connect() as conn:
        ex = ExecClient(conn)
        pid = ex.start(PY, ["-c", WRITE_BIG, "20", "31", str(fd)], extra=extra)
        # The child is never blocked: the agent reads and drops what is over the cap.
        r = ex.collect(pid, interval=0.02)
    data, other = (r.out, r.err) if fd == 1 else (r.err, r.out)
    assert len(data) == AT_EXIT_CAP
    # The first 16 MiB, exactly as written.
    assert data == expected_prefix(20, 31, AT_EXIT_CAP)
    assert other == b""
    flag = "out-truncated" if fd == 1 else "err-truncated"
    assert r.final[flag] is True
    assert r.final["exitcode"] == 0
    assert all(st == {"exited": False} for st in r.statuses[:-1])


def test_exactly_sixteen_mib_is_not_truncated(exec_agent_factory):
    agent = exec_agent_factory("--exec-output=at-exit")
    with agent.connect() as conn:
        r = ExecClient(conn).run(PY, ["-c", WRITE_BIG, "16", "32", "1"])
    assert len(r.out) == AT_EXIT_CAP and r.final["out-truncated"] is False


def test_bad_output_mode_refused(ex):
    with pytest.raises(AgentError) as e:
        ex.start("true", extra={OUTPUT_MODE: "later"})
    assert e.value.cls == "GenericError"
    # The whole member name, dots of the extension prefix included (as qemu's visitors name it).
    assert e.value.desc == "Parameter '__org.streamga_output-mode' does not accept value 'later'"


def test_at_exit_child_not_blocked_by_cap(exec_agent_factory):
    """A child that writes far past the cap runs to its end without any poll."""
    agent = exec_agent_factory("--exec-output=at-exit")
    with agent.connect() as conn:
        ex = ExecClient(conn)
        pid = ex.start("head", ["-c", str(40 * MIB), "/dev/zero"])
        wait_for(lambda: child_wrote(pid, 40 * MIB), 30, what="child to write everything unpolled")
        r = ex.collect(pid)
    assert len(r.out) == AT_EXIT_CAP and r.out == b"\0" * AT_EXIT_CAP
    assert r.final["out-truncated"] is True
