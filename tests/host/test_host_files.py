"""streamga-host push and pull against real agents (streamga and Debian's qemu-ga): byte-exact copies, stdin/stdout, modes, errors and exit codes, atomic local files, progress, interrupts, and no guest handle left open."""
import base64
import hashlib
import json
import os
import re
import resource
import select
import signal
import stat
import subprocess
import time

import pytest

from agentproc import CONNECT_RETRY_SECONDS, AgentProcess
from fakeagent import FakeAgent
from hostrun import HOST_RUN_TIMEOUT

KIB = 1 << 10
MIB = 1 << 20
DEFAULT_CHUNK = 256 * KIB

# "\r4.0 MiB / 8.0 MiB (50%)  123.4 MB/s" (the total only when known), padded
# with spaces to blank a longer line before it.
SIZE = r"\d+ B|\d+\.\d (?:KiB|MiB|GiB|TiB)"
SEGMENT = re.compile(r"(?P<done>%s)(?: / (?P<total>%s) \((?P<pct>\d+)%%\))?  (?P<rate>\d+\.\d) MB/s"
                     r"(?P<pad> *)" % (SIZE, SIZE))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class FileHost:
    """An agent on this machine, so guest paths are paths here too, and
    streamga-host run against it; host files go in host-KIND/, guest ones in guest-KIND/."""

    def __init__(self, kind, proc, host_binary, base):
        self.kind = kind
        self.proc = proc
        self.host_binary = host_binary
        self.host_dir = base / ("host-" + kind)
        self.guest_dir = base / ("guest-" + kind)
        self.host_dir.mkdir()
        self.guest_dir.mkdir()

    def command(self, *args):
        return [self.host_binary, self.proc.socket_path, *[str(a) for a in args]]

    def run(self, *args, input=None, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            preexec_fn=None, timeout=HOST_RUN_TIMEOUT):
        """Run to completion, bytes out. qemu-ga refuses connections for a moment
        after a client leaves (oracle-facts.md): for it a refused connect is retried."""
        deadline = time.monotonic() + CONNECT_RETRY_SECONDS
        while True:
            r = subprocess.run(self.command(*args), input=input,
                               stdin=None if input is not None else stdin, stdout=stdout,
                               stderr=subprocess.PIPE, preexec_fn=preexec_fn, timeout=timeout)
            if not (self.kind == "qemu-ga" and r.returncode == 3 and b"refused" in r.stderr
                    and time.monotonic() < deadline):
                return r
            time.sleep(0.05)

    def push(self, local, remote, *opts, **kwargs):
        return self.run("push", *opts, local, remote, **kwargs)

    def pull(self, remote, local, *opts, **kwargs):
        return self.run("pull", *opts, remote, local, **kwargs)

    def popen(self, *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE):
        return subprocess.Popen(self.command(*args), stdin=stdin, stdout=stdout,
                                stderr=subprocess.PIPE)

    def call(self, execute, arguments=None):
        """One request over a plain connection: what the agent itself says."""
        with self.proc.connect() as conn:
            return conn.call(execute, arguments)

    def error_of(self, *requests):
        """Run requests in order over one connection (a returned handle replaces
        "HANDLE" in later arguments); return the first error as streamga-host
        prints it, closing any handle opened."""
        handle, message = None, None
        with self.proc.connect() as conn:
            for execute, arguments in requests:
                arguments = {k: (handle if v == "HANDLE" else v) for k, v in arguments.items()}
                reply = conn.call(execute, arguments)
                if "error" in reply:
                    message = "%s: %s" % (reply["error"]["class"], reply["error"]["desc"])
                    break
                if execute == "guest-file-open":
                    handle = reply["return"]
            if handle is not None:
                assert "return" in conn.call("guest-file-close", {"handle": handle})
        assert message is not None, "the agent reported no error for %r" % (requests,)
        return message

    def handle_mark(self):
        """The number of a handle opened and closed now: every later one is larger."""
        with self.proc.connect() as conn:
            handle = conn.call("guest-file-open", {"path": "/dev/null", "mode": "r"})["return"]
            assert "return" in conn.call("guest-file-close", {"handle": handle})
        return handle

    def assert_no_handles_since(self, mark):
        """Every handle opened since mark is closed again: the agent does not know it.
        Returns how many were opened in between."""
        probe = self.handle_mark()
        with self.proc.connect() as conn:
            for handle in range(mark + 1, probe):
                reply = conn.call("guest-file-close", {"handle": handle})
                assert "error" in reply and "has not been found" in reply["error"]["desc"], \
                    "handle %d was left open: %r" % (handle, reply)
        return probe - mark - 1


@pytest.fixture
def streamga(agent, host_binary, tmp_path):
    # A subprocess client does not retry its connect: wait for listen().
    agent.wait_listening()
    return FileHost("streamga", agent, host_binary, tmp_path)


@pytest.fixture
def qemu_ga(qemu_ga_binary, host_binary, tmp_path):
    proc = AgentProcess(qemu_ga_binary, tmp_path / "qemu-ga").start()
    proc.wait_listening()
    yield FileHost("qemu-ga", proc, host_binary, tmp_path)
    proc.stop()


@pytest.fixture(params=["streamga", "qemu-ga"])
def any_agent(request, agent_binary):
    # agent_binary is named so that the test is parametrized over the builds.
    return request.getfixturevalue(request.param.replace("-", "_"))


def progress_segments(stderr):
    """Parse progress output: redraws each starting with \\r, one final newline."""
    text = stderr.decode("ascii")
    assert text.endswith("\n") and text.count("\n") == 1, repr(text[-200:])
    assert text.startswith("\r"), repr(text[:200])
    segments = []
    for part in text[1:-1].split("\r"):
        m = SEGMENT.fullmatch(part)
        assert m, "not a progress line: %r" % part
        segments.append(m)
    for before, after in zip(segments, segments[1:]):
        # A shorter line blanks what is left of the one it replaces.
        assert len(after.group(0)) >= len(before.group(0)) - len(before.group("pad"))
        if after.group("pct") and before.group("pct"):
            assert int(after.group("pct")) >= int(before.group("pct"))
    return segments


def listing(path):
    return sorted(os.listdir(path))


def wait_for_output(proc, needle, timeout=20.0):
    """Read the client's stderr until needle shows (progress has started)."""
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([proc.stderr], [], [], remaining)[0]:
            raise TimeoutError("no %r on stderr; have %r" % (needle, data[-200:]))
        chunk = os.read(proc.stderr.fileno(), 65536)
        if not chunk:
            raise EOFError("the client ended first: %r" % data[-300:])
        data += chunk
    return data


def finish(proc, timeout=HOST_RUN_TIMEOUT):
    """communicate() with a bound; kills the client if it hangs."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out, err


def file_size_limit(limit):
    """preexec_fn: writes beyond limit bytes fail with EFBIG (even for root)."""
    def setup():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


# ---- copies ------------------------------------------------------------------------

CONTENTS = {
    "empty": lambda: b"",
    "all-byte-values": lambda: bytes(range(256)) * 3 + bytes(range(255, -1, -1)),
    "random-64MiB": lambda: os.urandom(64 * MIB),
}


@pytest.mark.parametrize("name", CONTENTS)
def test_push_then_pull(streamga, name):
    data = CONTENTS[name]()
    local, remote, back = streamga.host_dir / "src", streamga.guest_dir / "copy", streamga.host_dir / "back"
    local.write_bytes(data)
    mark = streamga.handle_mark()

    r = streamga.push(local, remote)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    assert sha256(remote.read_bytes()) == sha256(data)

    r = streamga.pull(remote, back)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    assert sha256(back.read_bytes()) == sha256(data)
    assert listing(streamga.host_dir) == ["back", "src"]
    assert streamga.assert_no_handles_since(mark) == 2


def test_qemu_ga_push_then_pull_4MiB(qemu_ga):
    data = os.urandom(4 * MIB)
    local, remote, back = qemu_ga.host_dir / "src", qemu_ga.guest_dir / "copy", qemu_ga.host_dir / "back"
    local.write_bytes(data)
    mark = qemu_ga.handle_mark()

    r = qemu_ga.push(local, remote)
    assert (r.returncode, r.stderr) == (0, b"")
    assert sha256(remote.read_bytes()) == sha256(data)
    r = qemu_ga.pull(remote, back, "--progress")
    assert r.returncode == 0, r.stderr
    assert progress_segments(r.stderr)[-1].group(0).startswith("4.0 MiB / 4.0 MiB (100%)  ")
    assert sha256(back.read_bytes()) == sha256(data)
    assert qemu_ga.assert_no_handles_since(mark) == 2


@pytest.mark.parametrize("chunk", ["1", "7", "4K", "64K", "1M"])
def test_chunk_sizes_copy_exactly(streamga, chunk):
    data = os.urandom(4099)
    local, remote, back = streamga.host_dir / "src", streamga.guest_dir / "copy", streamga.host_dir / "back"
    local.write_bytes(data)
    assert streamga.push(local, remote, "--chunk", chunk).returncode == 0
    assert remote.read_bytes() == data
    assert streamga.pull(remote, back, "-c", chunk).returncode == 0
    assert back.read_bytes() == data


def test_largest_chunks(streamga):
    # 47 MiB is push's limit (its base64 must fit the 64 MiB request limit), 48 MiB pull's.
    data = os.urandom(47 * MIB + 5)
    local, remote, back = streamga.host_dir / "src", streamga.guest_dir / "copy", streamga.host_dir / "back"
    local.write_bytes(data)
    r = streamga.push(local, remote, "--chunk", "47M")
    assert r.returncode == 0, r.stderr
    assert sha256(remote.read_bytes()) == sha256(data)
    r = streamga.pull(remote, back, "--chunk", "48M")
    assert r.returncode == 0, r.stderr
    assert sha256(back.read_bytes()) == sha256(data)


def test_stdin_and_stdout(any_agent):
    data = os.urandom(MIB + 12345)
    remote = any_agent.guest_dir / "from-stdin"
    r = any_agent.push("-", remote, input=data)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    assert remote.read_bytes() == data

    r = any_agent.pull(remote, "-")
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout == data
    assert listing(any_agent.host_dir) == []


def test_mode_ab_appends_and_default_truncates(any_agent):
    local, remote = any_agent.host_dir / "src", any_agent.guest_dir / "log"
    remote.write_bytes(b"first line\nand more that wb must cut\n")
    local.write_bytes(b"new\n")
    assert any_agent.push(local, remote).returncode == 0
    assert remote.read_bytes() == b"new\n"

    local.write_bytes(b"appended\n")
    r = any_agent.push(local, remote, "--mode", "ab")
    assert (r.returncode, r.stderr) == (0, b"")
    assert remote.read_bytes() == b"new\nappended\n"
    r = any_agent.push("-", remote, "-m", "ab", input=b"")
    assert r.returncode == 0
    assert remote.read_bytes() == b"new\nappended\n"


def test_invalid_mode_is_the_agents_error(any_agent):
    local, remote = any_agent.host_dir / "src", any_agent.guest_dir / "x"
    local.write_bytes(b"data")
    expected = any_agent.error_of(("guest-file-open", {"path": str(remote), "mode": "bogus"}))
    r = any_agent.push(local, remote, "--mode", "bogus")
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: %s\n" % expected


def test_replaced_local_file_keeps_its_permissions(streamga):
    remote, local = streamga.guest_dir / "src", streamga.host_dir / "dst"
    remote.write_bytes(b"new content")
    local.write_bytes(b"old")
    os.chmod(local, 0o640)
    r = streamga.pull(remote, local)
    assert r.returncode == 0, r.stderr
    assert local.read_bytes() == b"new content"
    assert stat.S_IMODE(os.stat(local).st_mode) == 0o640
    assert listing(streamga.host_dir) == ["dst"]


def test_new_local_file_follows_the_umask(streamga):
    remote, local = streamga.guest_dir / "src", streamga.host_dir / "dst"
    remote.write_bytes(b"content")
    r = streamga.pull(remote, local, preexec_fn=lambda: os.umask(0o027))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(local).st_mode) == 0o640


# ---- errors: the agent's ------------------------------------------------------------

def test_pull_missing_remote(any_agent):
    remote, local = any_agent.guest_dir / "no-such-file", any_agent.host_dir / "dst"
    expected = any_agent.error_of(("guest-file-open", {"path": str(remote), "mode": "rb"}))
    assert "No such file or directory" in expected
    mark = any_agent.handle_mark()
    r = any_agent.pull(remote, local)
    assert (r.returncode, r.stdout) == (1, b"")
    assert r.stderr.decode() == "streamga-host: %s\n" % expected
    assert listing(any_agent.host_dir) == []
    assert any_agent.assert_no_handles_since(mark) == 0


def test_pull_remote_directory(any_agent):
    # Opening a directory works; reading it fails: the handle must be closed.
    remote, local = any_agent.guest_dir, any_agent.host_dir / "dst"
    expected = any_agent.error_of(("guest-file-open", {"path": str(remote), "mode": "rb"}),
                                  ("guest-file-read", {"handle": "HANDLE", "count": DEFAULT_CHUNK}))
    assert "Is a directory" in expected
    mark = any_agent.handle_mark()
    r = any_agent.pull(remote, local)
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: %s\n" % expected
    assert listing(any_agent.host_dir) == []
    assert any_agent.assert_no_handles_since(mark) == 1


def test_push_to_remote_directory(any_agent):
    local = any_agent.host_dir / "src"
    local.write_bytes(b"data")
    expected = any_agent.error_of(("guest-file-open", {"path": str(any_agent.guest_dir), "mode": "wb"}))
    r = any_agent.push(local, any_agent.guest_dir)
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: %s\n" % expected
    assert listing(any_agent.guest_dir) == []


def test_short_write_is_an_error(streamga):
    # A FIFO whose reader reads nothing takes one pipe buffer; streamga reports
    # how much went, and push must call that a failure and close the handle.
    fifo = streamga.guest_dir / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        local = streamga.host_dir / "src"
        data = os.urandom(2 * MIB)
        local.write_bytes(data)
        mark = streamga.handle_mark()
        r = streamga.push(local, fifo, "--chunk", "1M")
        assert r.returncode == 1
        m = re.fullmatch(rb"streamga-host: short write: the guest took (\d+) of 1048576 bytes\n", r.stderr)
        assert m, r.stderr
        took = int(m.group(1))
        assert 0 < took < MIB
        got = b""
        while True:
            try:
                chunk = os.read(reader, MIB)
            except BlockingIOError:
                break
            if not chunk:
                break
            got += chunk
        assert got == data[:took]
        assert streamga.assert_no_handles_since(mark) == 1
    finally:
        os.close(reader)


# ---- errors: local ones ------------------------------------------------------------

def test_push_missing_local_leaves_remote_alone(streamga):
    remote = streamga.guest_dir / "keep"
    remote.write_bytes(b"precious")
    missing = streamga.host_dir / "no-such-file"
    mark = streamga.handle_mark()
    r = streamga.push(missing, remote)
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: cannot read %s: No such file or directory\n" % missing
    assert remote.read_bytes() == b"precious"
    assert streamga.assert_no_handles_since(mark) == 0


def test_push_local_directory_leaves_remote_alone(streamga):
    remote = streamga.guest_dir / "keep"
    remote.write_bytes(b"precious")
    r = streamga.push(streamga.host_dir, remote)
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: cannot read %s: Is a directory\n" % streamga.host_dir
    assert remote.read_bytes() == b"precious"


def test_pull_into_a_directory(streamga):
    remote = streamga.guest_dir / "src"
    remote.write_bytes(b"data")
    target = streamga.host_dir / "dir"
    target.mkdir()
    mark = streamga.handle_mark()
    r = streamga.pull(remote, target)
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: cannot write %s: Is a directory\n" % target
    assert listing(streamga.host_dir) == ["dir"] and listing(target) == []
    assert streamga.assert_no_handles_since(mark) == 0


@pytest.mark.parametrize("where", ["missing-directory", "procfs"])
def test_pull_where_no_file_can_be_made(streamga, where):
    remote = streamga.guest_dir / "src"
    remote.write_bytes(b"data")
    # /proc refuses new files even to root.
    local = streamga.host_dir / "no-such-dir" / "dst" if where == "missing-directory" else \
        "/proc/streamga-host-test-%d" % os.getpid()
    r = streamga.pull(remote, local)
    assert r.returncode == 1
    assert r.stderr.startswith(b"streamga-host: cannot create a temporary file in %s for %s: "
                               % (os.path.dirname(str(local)).encode(), str(local).encode()))
    assert not os.path.exists(local)
    assert listing(streamga.host_dir) == []


@pytest.mark.parametrize("kind", ["new", "existing"])
def test_pull_failing_midway_leaves_no_trace(streamga, kind):
    remote, local = streamga.guest_dir / "src", streamga.host_dir / "dst"
    remote.write_bytes(os.urandom(4 * MIB))
    if kind == "existing":
        local.write_bytes(b"old content")
    mark = streamga.handle_mark()
    r = streamga.pull(remote, local, preexec_fn=file_size_limit(MIB))
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: cannot write %s: File too large\n" % local
    if kind == "existing":
        assert local.read_bytes() == b"old content"
        assert listing(streamga.host_dir) == ["dst"]
    else:
        assert listing(streamga.host_dir) == []
    assert streamga.assert_no_handles_since(mark) == 1


def test_pull_to_closed_stdout(streamga):
    remote = streamga.guest_dir / "src"
    remote.write_bytes(os.urandom(MIB))
    read_end, write_end = os.pipe()
    os.close(read_end)
    mark = streamga.handle_mark()
    try:
        r = streamga.pull(remote, "-", stdout=write_end)
    finally:
        os.close(write_end)
    assert r.returncode == 1
    assert r.stderr.decode() == "streamga-host: cannot write stdout: Broken pipe\n"
    assert streamga.assert_no_handles_since(mark) == 1


# ---- progress -----------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["push", "pull"])
def test_progress_format(streamga, direction):
    local, remote = streamga.host_dir / "file", streamga.guest_dir / "file"
    (local if direction == "push" else remote).write_bytes(os.urandom(8 * MIB))
    args = (local, remote) if direction == "push" else (remote, local)
    start = time.monotonic()
    r = streamga.run(direction, "--progress", "--chunk", "64K", *args)
    elapsed = time.monotonic() - start
    assert (r.returncode, r.stdout) == (0, b"")
    segments = progress_segments(r.stderr)
    assert segments[-1].group("done", "total", "pct") == ("8.0 MiB", "8.0 MiB", "100")
    assert all(s.group("total") == "8.0 MiB" for s in segments)
    # At most ~10 redraws a second, plus the final line.
    assert len(segments) <= 2 + 10 * elapsed
    assert local.read_bytes() == remote.read_bytes()


def test_progress_unknown_total(streamga):
    # A pipe has no size (push), nor has a file that cannot seek to its end (pull).
    r = streamga.push("-", streamga.guest_dir / "x", "--progress", input=b"x" * (3 * MIB))
    assert r.returncode == 0
    last = progress_segments(r.stderr)[-1]
    assert (last.group("done"), last.group("total")) == ("3.0 MiB", None)

    with open("/proc/version", "rb") as f:
        version = f.read()
    r = streamga.pull("/proc/version", "-", "--progress")
    assert (r.returncode, r.stdout) == (0, version)
    last = progress_segments(r.stderr)[-1]
    assert (last.group("done"), last.group("total")) == ("%d B" % len(version), None)


def test_progress_blanks_a_longer_line(streamga):
    # Fed in pieces 0.5 s apart (well over the redraw interval), the count goes
    # 683.6 KiB -> 1.0 MiB: the shorter line must blank the longer one's tail.
    proc = streamga.popen("push", "--progress", "--chunk", "350000", "-", streamga.guest_dir / "x",
                          stdin=subprocess.PIPE)
    try:
        for _ in range(3):
            proc.stdin.write(b"z" * 350000)
            proc.stdin.flush()
            time.sleep(0.5)
    finally:
        proc.stdin.close()
        proc.stdin = None       # so that communicate() does not flush it
    rc, out, err = finish(proc)
    assert rc == 0, err
    segments = progress_segments(err)
    done = [s.group("done") for s in segments]
    assert done[-1] == "1.0 MiB" and "683.6 KiB" in done, done
    shorter = segments[done.index("683.6 KiB") + 1]
    assert shorter.group("done") == "1.0 MiB" and shorter.group("pad"), shorter.group(0)
    assert (streamga.guest_dir / "x").read_bytes() == b"z" * 1050000


def test_progress_empty_file(streamga):
    local = streamga.host_dir / "empty"
    local.write_bytes(b"")
    r = streamga.push(local, streamga.guest_dir / "empty", "-p")
    assert r.returncode == 0
    assert progress_segments(r.stderr)[-1].group("done", "total", "pct") == ("0 B", "0 B", "100")


@pytest.mark.parametrize("opts", [(), ("--no-progress",), ("--progress", "--no-progress"), ("-P",)])
def test_no_progress_unless_asked_or_a_terminal(streamga, opts):
    local = streamga.host_dir / "src"
    local.write_bytes(os.urandom(2 * MIB))
    r = streamga.push(local, streamga.guest_dir / "dst", *opts)
    assert (r.returncode, r.stderr) == (0, b"")
    r = streamga.pull(streamga.guest_dir / "dst", streamga.host_dir / "back", *opts)
    assert (r.returncode, r.stderr) == (0, b"")


@pytest.mark.parametrize("opts,shown", [((), True), (("--no-progress",), False)])
def test_progress_on_a_terminal(streamga, opts, shown):
    remote = streamga.guest_dir / "src"
    remote.write_bytes(os.urandom(MIB))
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(streamga.command("pull", *opts, remote, streamga.host_dir / "dst"),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + HOST_RUN_TIMEOUT
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 1.0)[0]:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:         # EIO: the client closed the terminal
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait(timeout=HOST_RUN_TIMEOUT) == 0
    finally:
        os.close(master)
    assert (b"1.0 MiB / 1.0 MiB (100%)  " in out) == shown, out
    if not shown:
        assert out == b""


# ---- usage errors -------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["push", "--chunk", "0", "a", "b"],
    ["push", "--chunk", "-1", "a", "b"],
    ["push", "--chunk", "abc", "a", "b"],
    ["push", "--chunk", "", "a", "b"],
    ["push", "--chunk", "1X", "a", "b"],
    ["push", "--chunk", "4KB", "a", "b"],
    ["push", "--chunk", "1.5M", "a", "b"],
    ["push", "--chunk", "48M", "a", "b"],
    ["push", "--chunk", str(47 * MIB + 1), "a", "b"],
    ["push", "-c", "99999999999999999999999", "a", "b"],
    ["pull", "--chunk", "0", "a", "b"],
    ["pull", "--chunk", "49M", "a", "b"],
    ["pull", "--chunk", str(48 * MIB + 1), "a", "b"],
    ["pull", "-c", "1G", "a", "b"],
], ids=lambda a: " ".join(a))
def test_bad_chunk_size(host_binary, tmp_path, args):
    # No socket: a usage error must be found before connecting (3 otherwise).
    r = subprocess.run([host_binary, str(tmp_path / "no.sock"), *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert r.returncode == 2, r.stderr
    assert b"--chunk" in r.stderr
    assert r.stdout == b""


@pytest.mark.parametrize("args", [
    ["push"],
    ["push", "only-one"],
    ["pull", "a", "b", "c"],
    ["pull", "--mode", "ab", "a", "b"],
    ["push", "--mode", "", "a", "b"],
    ["push", "--bogus", "a", "b"],
    ["push", "--chunk"],
], ids=lambda a: " ".join(a))
def test_usage_errors(host_binary, tmp_path, args):
    r = subprocess.run([host_binary, str(tmp_path / "no.sock"), *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip()


def test_help_lists_push_and_pull(host_binary):
    r = subprocess.run([host_binary, "--help"], capture_output=True, text=True, timeout=HOST_RUN_TIMEOUT)
    assert r.returncode == 0
    assert "push [" in r.stdout and "pull [" in r.stdout


# ---- handles ------------------------------------------------------------------------

def test_no_handle_left_open_after_many_transfers(streamga):
    """Failures after the open (a directory read, a short write, a local write
    error, an interrupt) must close the handle; so must every success. With
    handles leaking, the agent's 1024-handle limit would end all transfers."""
    ok_local = streamga.host_dir / "ok"
    ok_local.write_bytes(os.urandom(100 * KIB))
    big_remote = streamga.guest_dir / "big"
    big_remote.write_bytes(os.urandom(2 * MIB))
    mark = streamga.handle_mark()
    opened = 0
    for i in range(50):
        r = streamga.pull(streamga.guest_dir, streamga.host_dir / "dir-copy")
        assert r.returncode == 1 and b"Is a directory" in r.stderr
        opened += 1
        if i % 10 == 0:
            r = streamga.pull(big_remote, streamga.host_dir / "limited", "-c", "64K",
                              preexec_fn=file_size_limit(100 * KIB))
            assert r.returncode == 1 and b"File too large" in r.stderr
            assert streamga.pull(streamga.guest_dir / "missing", streamga.host_dir / "m").returncode == 1
            assert streamga.push(ok_local, streamga.guest_dir / ("ok%d" % i)).returncode == 0
            assert streamga.pull(streamga.guest_dir / ("ok%d" % i), "-").returncode == 0
            opened += 3
    assert streamga.assert_no_handles_since(mark) == opened
    assert listing(streamga.host_dir) == ["ok"]
    r = streamga.push(ok_local, streamga.guest_dir / "after")
    assert r.returncode == 0
    assert (streamga.guest_dir / "after").read_bytes() == ok_local.read_bytes()


def test_qemu_ga_handles_closed_after_failed_pulls(qemu_ga):
    mark = qemu_ga.handle_mark()
    for _ in range(5):
        r = qemu_ga.pull(qemu_ga.guest_dir, qemu_ga.host_dir / "dst")
        assert r.returncode == 1 and b"Is a directory" in r.stderr
    assert qemu_ga.assert_no_handles_since(mark) == 5
    assert listing(qemu_ga.host_dir) == []


# ---- interrupts and a lost agent ------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_pull(streamga, sig):
    # /dev/zero never ends: only the signal stops this transfer.
    local = streamga.host_dir / "zeros"
    mark = streamga.handle_mark()
    proc = streamga.popen("pull", "--progress", "/dev/zero", local)
    wait_for_output(proc, b"MB/s")
    proc.send_signal(sig)
    rc, out, err = finish(proc)
    assert rc == 128 + sig
    assert err.endswith(b"\nstreamga-host: interrupted\n"), err[-300:]
    assert listing(streamga.host_dir) == []
    assert streamga.assert_no_handles_since(mark) == 1


def test_interrupted_push(streamga):
    mark = streamga.handle_mark()
    with open("/dev/zero", "rb") as zero:
        proc = streamga.popen("push", "--progress", "-", "/dev/null", stdin=zero)
        wait_for_output(proc, b"MB/s")
        proc.send_signal(signal.SIGINT)
        rc, out, err = finish(proc)
    assert rc == 128 + signal.SIGINT
    assert err.endswith(b"\nstreamga-host: interrupted\n"), err[-300:]
    assert streamga.assert_no_handles_since(mark) == 1


def test_agent_gone_during_pull(make_agent, host_binary, tmp_path):
    proc = make_agent()
    proc.wait_listening()
    host = FileHost("streamga", proc, host_binary, tmp_path)
    client = host.popen("pull", "--progress", "/dev/zero", host.host_dir / "zeros")
    wait_for_output(client, b"MB/s")
    proc.proc.kill()
    rc, out, err = finish(client)
    assert rc == 3, err[-300:]
    assert b"closed the connection" in err or b"connection to the agent lost" in err
    assert listing(host.host_dir) == []


# ---- against a scripted agent: what exactly is sent -----------------------------------

def fake_file_agent(tmp_path, script):
    return FakeAgent(tmp_path / "fake.sock", script).start()


def serve_files(conn, store, log):
    """A minimal agent for the guest-file commands over one in-memory file; log
    gets (command, arguments) for each request."""
    conn.answer_sync()
    pos = 0
    while True:
        req = conn.read_request()
        execute, args = req["execute"], req.get("arguments", {})
        log.append((execute, args))
        if execute == "guest-file-open":
            if args["mode"].startswith("w"):
                store["data"] = b""
            pos, ret = 0, 7
        elif execute == "guest-file-write":
            chunk = base64.b64decode(args["buf-b64"])
            store["data"] += chunk
            ret = {"count": len(chunk), "eof": False}
        elif execute == "guest-file-read":
            chunk = store["data"][pos:pos + args["count"]]
            pos += len(chunk)
            ret = {"count": len(chunk), "buf-b64": base64.b64encode(chunk).decode(),
                   "eof": len(chunk) < args["count"]}
        elif execute == "guest-file-close":
            ret = {}
        else:
            raise AssertionError("unexpected request %r" % req)
        conn.send(json.dumps({"return": ret}).encode() + b"\n")
        if execute == "guest-file-close":
            return


@pytest.mark.parametrize("opts,chunk", [((), DEFAULT_CHUNK), (("--chunk", "4K"), 4096),
                                        (("-c", "1000"), 1000)])
def test_requests_use_the_chunk_size(host_binary, tmp_path, opts, chunk):
    data = os.urandom(2 * DEFAULT_CHUNK + 123)
    local = tmp_path / "src"
    local.write_bytes(data)
    store, log = {}, []
    agent = fake_file_agent(tmp_path, lambda conn: serve_files(conn, store, log))
    r = subprocess.run([host_binary, agent.path, "push", *opts, str(local), "/guest/file"],
                       capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert agent.stop() is None
    assert r.returncode == 0, r.stderr
    assert store["data"] == data
    assert log[0] == ("guest-file-open", {"path": "/guest/file", "mode": "wb"})
    sizes = [len(base64.b64decode(a["buf-b64"])) for c, a in log if c == "guest-file-write"]
    assert sizes == [chunk] * (len(data) // chunk) + [len(data) % chunk]
    assert log[-1] == ("guest-file-close", {"handle": 7})

    log.clear()
    agent = fake_file_agent(tmp_path, lambda conn: serve_files(conn, store, log))
    r = subprocess.run([host_binary, agent.path, "pull", *opts, "/guest/file", str(tmp_path / "back")],
                       capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert agent.stop() is None
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "back").read_bytes() == data
    assert log[0] == ("guest-file-open", {"path": "/guest/file", "mode": "rb"})
    counts = [a["count"] for c, a in log if c == "guest-file-read"]
    assert set(counts) == {chunk} and len(counts) == len(data) // chunk + 1
    assert log[-1] == ("guest-file-close", {"handle": 7})


def bad_read_then_close(reply):
    """Open gives handle 7 and the first read gets reply; the client must then
    resync (0xFF and guest-sync-delimited) and close handle 7."""
    seen = {}

    def script(conn):
        conn.answer_sync()
        assert conn.read_request()["execute"] == "guest-file-open"
        conn.send(b'{"return": 7}\n')
        assert conn.read_request()["execute"] == "guest-file-read"
        conn.send(reply)
        req = conn.read_request()
        assert conn.requests[-1].startswith(b"\xff") and req["execute"] == "guest-sync-delimited"
        conn.send(b"\xff" + json.dumps({"return": req["arguments"]["id"]}).encode() + b"\n")
        seen["close"] = conn.read_request()
        conn.send(b'{"return": {}}\n')
        conn.wait_for_close()
    return script, seen


@pytest.mark.parametrize("reply", [
    b'{"return": {"count": 5, "buf-b64": "AAAA", "eof": false}}\n',     # 3 bytes, not 5
    b'{"return": {"count": 3, "buf-b64": "A*AA", "eof": false}}\n',     # not base64
    b'{"return": {"count": 0, "buf-b64": "", "eof": false}}\n',         # no data, no end
    b'{"return": {"count": 3, "buf-b64": "AAAA"}}\n',                   # no eof
    b'{"return": 42}\n',
    b'{"oops": 1}\n',
    b"garbage\n",
], ids=lambda b: b.decode().strip()[:40])
def test_malformed_read_reply_closes_the_handle(host_binary, tmp_path, reply):
    script, seen = bad_read_then_close(reply)
    agent = fake_file_agent(tmp_path, script)
    local = tmp_path / "dst"
    r = subprocess.run([host_binary, agent.path, "pull", "/guest/file", str(local)],
                       capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert agent.stop() is None
    assert r.returncode == 5, r.stderr
    assert seen["close"] == {"execute": "guest-file-close", "arguments": {"handle": 7}}
    assert listing(tmp_path) == []


def test_read_timeout_closes_the_handle(host_binary, tmp_path):
    seen = {}

    def script(conn):
        conn.answer_sync()
        assert conn.read_request()["execute"] == "guest-file-open"
        conn.send(b'{"return": 7}\n')
        assert conn.read_request()["execute"] == "guest-file-read"
        # No answer until the client gives up and resyncs; then the late
        # reply comes first, as from a slow agent, and the sync's after it.
        req = conn.read_request()
        assert conn.requests[-1].startswith(b"\xff") and req["execute"] == "guest-sync-delimited"
        conn.send(b'{"return": {"count": 0, "buf-b64": "", "eof": true}}\n')
        conn.send(b"\xff" + json.dumps({"return": req["arguments"]["id"]}).encode() + b"\n")
        seen["close"] = conn.read_request()
        conn.send(b'{"return": {}}\n')
        conn.wait_for_close()

    agent = fake_file_agent(tmp_path, script)
    r = subprocess.run([host_binary, "--timeout", "0.5", agent.path, "pull", "/guest/file",
                        str(tmp_path / "dst")], capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert agent.stop() is None
    assert r.returncode == 4, r.stderr
    assert b"timed out" in r.stderr
    assert seen["close"] == {"execute": "guest-file-close", "arguments": {"handle": 7}}
    assert listing(tmp_path) == []


@pytest.mark.parametrize("count,status,message", [
    (100, 1, b"short write: the guest took 100 of 1000 bytes"),
    (1001, 5, b"returned count 1001 for 1000 bytes"),
    (-1, 5, b"returned count -1 for 1000 bytes"),
])
def test_write_count_checked(host_binary, tmp_path, count, status, message):
    seen = {}

    def script(conn):
        conn.answer_sync()
        assert conn.read_request()["execute"] == "guest-file-open"
        conn.send(b'{"return": 7}\n')
        assert conn.read_request()["execute"] == "guest-file-write"
        conn.send(json.dumps({"return": {"count": count, "eof": False}}).encode() + b"\n")
        req = conn.read_request()
        if req["execute"] == "guest-sync-delimited":
            conn.send(b"\xff" + json.dumps({"return": req["arguments"]["id"]}).encode() + b"\n")
            req = conn.read_request()
        seen["close"] = req
        conn.send(b'{"return": {}}\n')
        conn.wait_for_close()

    local = tmp_path / "src"
    local.write_bytes(os.urandom(1000))
    agent = fake_file_agent(tmp_path, script)
    r = subprocess.run([host_binary, agent.path, "push", str(local), "/guest/file"],
                       capture_output=True, timeout=HOST_RUN_TIMEOUT)
    assert agent.stop() is None
    assert r.returncode == status, r.stderr
    assert message in r.stderr
    assert seen["close"] == {"execute": "guest-file-close", "arguments": {"handle": 7}}
