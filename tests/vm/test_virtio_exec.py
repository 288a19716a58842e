"""guest-exec in a real guest: output streamed over virtio-serial while programs run.

The host polls guest-exec-status through the port's socket, as libvirt clients
do, and checks what the guest programs wrote byte for byte: lines arriving while
the program still runs, 64 MiB checked against the guest's own sha256sum,
stdout and stderr apart and merged, signals, stdin, and streamga-host exec.
The guest is busybox, so the programs are busybox sh scripts.  One guest is
shared by the module; the last test checks that the agent left no zombie child
behind all of them.
"""
import base64
import hashlib
import os
import random
import select
import subprocess
import time

import pytest

pytestmark = pytest.mark.vm

SH = "/bin/sh"
# One request/reply under TCG, ASan build, with up to 1 MiB of output in it.
REPLY_TIMEOUT = 30.0
# Whole programs: generous, since a loaded CI machine makes TCG slower still.
EXEC_TIMEOUT = 60.0
BIG_EXEC_TIMEOUT = 300.0
# The agent's default reply size per stream (docs/exec.md).
REPLY_SIZE = 1 << 20

# Test 1: a numbered line every 300 ms for 3 s.
TICK_LINES = 10
TICK_SCRIPT = ('i=1; while [ $i -le %d ]; do echo "line $i"; i=$((i + 1)); sleep 0.3; done; exit 5'
               % TICK_LINES)
TICK_POLL_INTERVAL = 0.05

BIG_MIB = 64
BIG_FILE = "/tmp/sga-exec-big"


# -- a host-side guest-exec client -----------------------------------------------

def exec_start(conn, path, args=(), capture=True, input_data=None):
    """guest-exec; returns the pid."""
    arguments = {"path": path, "arg": list(args), "capture-output": capture}
    if input_data is not None:
        arguments["input-data"] = base64.b64encode(input_data).decode()
    reply = conn.call("guest-exec", arguments, timeout=REPLY_TIMEOUT)
    assert set(reply) == {"return"}, reply
    assert set(reply["return"]) == {"pid"}, reply
    return reply["return"]["pid"]


def exec_status(conn, pid):
    reply = conn.call("guest-exec-status", {"pid": pid}, timeout=REPLY_TIMEOUT)
    assert "return" in reply, reply
    status = reply["return"]
    # Streaming mode never drops a byte, so never says it did (docs/exec.md).
    assert "out-truncated" not in status and "err-truncated" not in status, status
    return status


def exec_poll(conn, pid, timeout=EXEC_TIMEOUT, interval=0.01, on_status=None):
    """Statuses of pid until the one saying exited (included).

    Asks again at once while output flows, else after `interval`, as a client
    following a program live would.  on_status(status) sees each one as it comes.
    """
    deadline = time.monotonic() + timeout
    statuses = []
    while True:
        status = exec_status(conn, pid)
        statuses.append(status)
        if on_status:
            on_status(status)
        if status["exited"]:
            return statuses
        if time.monotonic() > deadline:
            raise AssertionError("process %d still running after %.0f s; last statuses %r"
                                 % (pid, timeout, statuses[-3:]))
        if "out-data" not in status and "err-data" not in status:
            time.sleep(interval)


def unb64(text):
    # Strict: a reply that is not clean base64 is a bug, not something to skip.
    return base64.b64decode(text, validate=True)


def chunks(statuses, member):
    return [unb64(s[member]) for s in statuses if member in s]


def joined(statuses, member):
    return b"".join(chunks(statuses, member))


def run(conn, script, timeout=EXEC_TIMEOUT, **kw):
    """A shell script run to its end: (stdout, stderr, final status)."""
    statuses = exec_poll(conn, exec_start(conn, SH, ["-c", script], **kw), timeout=timeout)
    return joined(statuses, "out-data"), joined(statuses, "err-data"), statuses[-1]


def assert_exit(status, code):
    assert status["exited"] is True, status
    assert status.get("exitcode") == code and "signal" not in status, status


def assert_forgotten(conn, pid):
    """Once exited:true was returned, the pid is unknown (docs/exec.md)."""
    reply = conn.call("guest-exec-status", {"pid": pid}, timeout=REPLY_TIMEOUT)
    assert reply == {"error": {"class": "GenericError", "desc": "Invalid parameter 'pid'"}}, reply


# -- 1. output arrives while the program runs --------------------------------------

def test_lines_arrive_while_the_program_runs(guest):
    with guest.connect() as conn:
        pid = exec_start(conn, SH, ["-c", TICK_SCRIPT])
        started = time.monotonic()
        timeline = []

        def note(status):
            if "out-data" in status:
                timeline.append((time.monotonic() - started, status["exited"],
                                 unb64(status["out-data"])))

        statuses = exec_poll(conn, pid, interval=TICK_POLL_INTERVAL, on_status=note)
        for t, exited, data in timeline:
            print("%.2f s exited=%s %r" % (t, exited, data))

        expected = b"".join(b"line %d\n" % i for i in range(1, TICK_LINES + 1))
        assert joined(statuses, "out-data") == expected
        assert joined(statuses, "err-data") == b""
        first = next(s for s in statuses if "out-data" in s)
        # The program prints for 2.7 s more after its first line: a status
        # holding that line but saying exited would mean output held to the end.
        assert first["exited"] is False, statuses
        assert unb64(first["out-data"]).startswith(b"line 1\n"), first
        assert len(chunks(statuses, "out-data")) > 1, statuses
        # Every status before the last says the program still runs, and carries
        # no exit status.
        for s in statuses[:-1]:
            assert s["exited"] is False and "exitcode" not in s and "signal" not in s, s
        assert_exit(statuses[-1], 5)
        assert_forgotten(conn, pid)


# -- 2. 64 MiB through status polling ----------------------------------------------

def test_64_mib_of_output_arrives_intact(guest):
    with guest.connect() as conn:
        # Random bytes: every byte value, nothing UTF-8 could keep whole.  The
        # guest's own sha256sum of the file is the reference.
        out, err, status = run(conn, "dd if=/dev/urandom of=%s bs=1M count=%d 2>/dev/null && "
                                     "sha256sum %s" % (BIG_FILE, BIG_MIB, BIG_FILE),
                               timeout=BIG_EXEC_TIMEOUT)
        assert_exit(status, 0)
        guest_sha = out.split()[0].decode()
        assert len(guest_sha) == 64, out

        try:
            pid = exec_start(conn, "/bin/cat", [BIG_FILE])
            digest = hashlib.sha256()
            sizes = []

            def take(status):
                assert "err-data" not in status, status
                if "out-data" in status:
                    data = unb64(status["out-data"])
                    sizes.append(len(data))
                    digest.update(data)

            started = time.monotonic()
            statuses = exec_poll(conn, pid, timeout=BIG_EXEC_TIMEOUT, on_status=take)
            seconds = time.monotonic() - started
        finally:
            _, _, rm_status = run(conn, "rm -f " + BIG_FILE)
        assert_exit(statuses[-1], 0)
        assert_exit(rm_status, 0)
        total = sum(sizes)
        print("%d MiB in %.2f s over virtio-serial (TCG): %.1f MB/s, %d statuses, "
              "largest chunk %d bytes" % (total >> 20, seconds, total / seconds / 1e6,
                                          len(statuses), max(sizes)))
        assert total == BIG_MIB << 20
        assert digest.hexdigest() == guest_sha
        assert max(sizes) <= REPLY_SIZE, "a reply carried more than the reply size"


# -- 3. stderr, signals, stdin -----------------------------------------------------

# Alternates the streams, so that merged output shows the order of the writes.
INTERLEAVED = "echo out1; echo err1 >&2; echo out2; echo err2 >&2; echo out3; exit 2"


def test_stderr_separated(guest):
    with guest.connect() as conn:
        out, err, status = run(conn, INTERLEAVED, capture=True)
        assert out == b"out1\nout2\nout3\n"
        assert err == b"err1\nerr2\n"
        assert_exit(status, 2)


def test_stderr_merged_in_write_order(guest):
    with guest.connect() as conn:
        out, err, status = run(conn, INTERLEAVED, capture="merged")
        assert out == b"out1\nerr1\nout2\nerr2\nout3\n"
        assert err == b""
        assert_exit(status, 2)


@pytest.mark.parametrize("capture, want_out, want_err", [
    ("stdout", b"out1\nout2\nout3\n", b""),
    ("stderr", b"", b"err1\nerr2\n"),
    ("none", b"", b""),
], ids=["stdout", "stderr", "none"])
def test_one_stream_captured(guest, capture, want_out, want_err):
    with guest.connect() as conn:
        out, err, status = run(conn, INTERLEAVED, capture=capture)
        assert (out, err) == (want_out, want_err)
        assert_exit(status, 2)


def test_program_killed_by_a_signal(guest):
    with guest.connect() as conn:
        out, err, status = run(conn, "echo before; kill -9 $$; echo after")
        assert out == b"before\n" and err == b""
        assert status["exited"] is True and status.get("signal") == 9, status
        assert "exitcode" not in status, status


def test_kill_extension_ends_the_process_group(guest):
    with guest.connect() as conn:
        # sleep is the shell's child and keeps the stdout pipe open: the exec
        # can only end when the signal reaches the whole group.
        pid = exec_start(conn, SH, ["-c", "echo ready; sleep 600; echo never"])
        ready = b""
        deadline = time.monotonic() + EXEC_TIMEOUT
        while ready != b"ready\n":
            status = exec_status(conn, pid)
            assert status["exited"] is False, status
            ready += unb64(status.get("out-data", ""))
            assert time.monotonic() < deadline, "no 'ready' within %.0f s" % EXEC_TIMEOUT
            time.sleep(0.05)
        reply = conn.call("__org.streamga_guest-exec-kill", {"pid": pid, "signal": 15},
                          timeout=REPLY_TIMEOUT)
        assert reply == {"return": {}}, reply
        statuses = exec_poll(conn, pid)
        assert joined(statuses, "out-data") == b""
        assert statuses[-1].get("signal") == 15 and "exitcode" not in statuses[-1], statuses


def test_input_data_through_cat(guest):
    # Several pipe buffers' worth of every byte value: the agent must feed
    # stdin while it reads stdout, or cat and the agent block each other.
    data = random.Random(1234).randbytes(3 << 20)
    with guest.connect() as conn:
        statuses = exec_poll(conn, exec_start(conn, "/bin/cat", input_data=data))
        assert joined(statuses, "out-data") == data
        assert_exit(statuses[-1], 0)


def test_utf8_chunks_decode_on_their_own(guest):
    # 10-byte lines of 2-, 3- and 4-byte characters; 3 MB need at least three
    # replies, and neither 1 MiB nor a 64 KiB pipe read is a multiple of 10,
    # so a plain cut would split characters.
    line = "\u00e9\u20ac\U0001F600\n".encode()
    count = 300000
    with guest.connect() as conn:
        statuses = exec_poll(conn, exec_start(conn, SH, ["-c", "yes '%s' | head -n %d"
                                                         % (line[:-1].decode(), count)]))
        parts = chunks(statuses, "out-data")
        assert len(parts) >= 3
        for i, part in enumerate(parts):
            try:
                part.decode("utf-8")
            except UnicodeDecodeError as e:
                pytest.fail("chunk %d of %d (%d bytes) does not decode alone: %s"
                            % (i, len(parts), len(part), e))
        assert b"".join(parts) == line * count
        assert_exit(statuses[-1], 0)


# -- 4. streamga-host exec against the guest's socket ------------------------------

def read_until_exit(proc, timeout):
    """All of proc's stdout with the seconds (since the call) each piece came, then wait."""
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    pieces = []
    fd = proc.stdout.fileno()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            raise AssertionError("streamga-host still running after %.0f s; stdout so far %r"
                                 % (timeout, pieces))
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            break
        pieces.append((time.monotonic() - started, data))
    proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    return pieces


def test_host_exec_output_order_and_exit_code(guest, host_binary):
    proc = subprocess.Popen([host_binary, guest.socket_path, "exec", "--",
                             "sh", "-c", "echo a; sleep 1; echo b; exit 3"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        pieces = read_until_exit(proc, EXEC_TIMEOUT)
        err = proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    print("stdout pieces (seconds, bytes): %r" % pieces)
    assert b"".join(p for _, p in pieces) == b"a\nb\n"
    assert err == b""
    assert proc.returncode == 3


def test_host_exec_output_is_live(guest, host_binary):
    # The program cannot end before the test answers it through
    # streamga-host's stdin, so "a" arriving first proves live output.
    proc = subprocess.Popen([host_binary, guest.socket_path, "exec", "-i", "-", "--",
                             "sh", "-c", 'echo a; read x; echo "got $x"; echo b >&2; exit 3'],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], EXEC_TIMEOUT)
        assert ready, "no output from streamga-host within %.0f s" % EXEC_TIMEOUT
        first = os.read(proc.stdout.fileno(), 65536)
        assert first == b"a\n"
        assert proc.poll() is None, "streamga-host ended while the program waits for input"
        out, err = proc.communicate(input=b"go\n", timeout=EXEC_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out == b"got go\n"
    assert err == b"b\n"
    assert proc.returncode == 3


def test_host_exec_signal_exit_status(guest, host_binary):
    r = subprocess.run([host_binary, guest.socket_path, "exec", "-m", "--",
                        "sh", "-c", "echo x; echo y >&2; kill -TERM $$"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=EXEC_TIMEOUT)
    assert (r.stdout, r.stderr) == (b"x\ny\n", b"")
    assert r.returncode == 128 + 15


# -- 5. nothing left behind ---------------------------------------------------------

# pid, state and ppid of every process, from /proc/PID/stat with shell builtins
# only (no child of the checker to confuse the count).  comm may hold spaces
# and ')', so the fields are taken after the last ") ".
PROC_TABLE = """
for f in /proc/[0-9]*/stat; do
    read -r line < "$f" || continue
    rest=${line##*) }
    set -- $rest
    echo "${line%% *} $1 $2"
done
"""
REAP_TIMEOUT = 30.0


def agent_children(conn, agent_pid):
    """(checker pid, {pid: state} of the agent's other children) seen from the guest."""
    pid = exec_start(conn, SH, ["-c", PROC_TABLE], capture="stdout")
    statuses = exec_poll(conn, pid)
    assert_exit(statuses[-1], 0)
    children = {}
    for row in joined(statuses, "out-data").decode().splitlines():
        child, state, ppid = row.split()
        if int(ppid) == agent_pid and int(child) != pid:
            children[int(child)] = state
    return pid, children


def test_no_zombie_children_left(guest):
    with guest.connect() as conn:
        # One program whose status is never collected: it must be reaped all
        # the same, at once, not when (if ever) a status is asked for.
        uncollected = exec_start(conn, "/bin/true", capture=False)
        deadline = time.monotonic() + REAP_TIMEOUT
        while True:
            checker, children = agent_children(conn, guest.agent_pid)
            if not children or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        print("agent %d: children besides the checker %d: %r (uncollected exec was %d)"
              % (guest.agent_pid, checker, children, uncollected))
        zombies = sorted(p for p, state in children.items() if state == "Z")
        assert not zombies, "zombie children of the agent: %r" % zombies
        assert not children, "the agent still has children: %r" % children
