"""Streaming guest-exec-status: live output, whole UTF-8 characters per chunk, reply and buffer sizes, FIREWHEEL's driver."""
import base64
import random
import sys

import pytest

from execclient import ExecClient, ExecResult, bytes_written, wait_stable, wchan
from procinfo import process_state, wait_for

PY = sys.executable
# Default pipe capacity on Linux: what a blocked writer has in flight beyond the agent's buffer.
PIPE_CAPACITY = 65536


def strict_utf8(stream, data, status):
    """check_chunk for collect(): every chunk must decode as UTF-8 by itself."""
    try:
        data.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        raise AssertionError("%s chunk of %d bytes is not UTF-8 by itself: %s"
                             % (stream, len(data), e))


# ---- live output ----------------------------------------------------------------

def test_lines_arrive_while_running(ex):
    script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; sleep 0.2; done"
    r = ex.sh(script, interval=0.02)
    expected = b"".join(b"line %d\n" % i for i in range(1, 11))
    assert r.out == expected
    # The first line came in a status that said the program was still running...
    first = next(st for st in r.statuses if "out-data" in st)
    assert first["exited"] is False
    assert r.out_chunks[0].startswith(b"line 1\n")
    # ...and so did more than one line: output is handed out as it comes, not at exit.
    running_chunks = [st for st in r.statuses if "out-data" in st and not st["exited"]]
    assert len(running_chunks) >= 2


# ---- UTF-8: every chunk decodes by itself -----------------------------------------

# Characters of 1 to 4 bytes in UTF-8.
MIXED_TEXT = "a\u00e9\u20ac\U0001F600 \u65e5\u672c\u8a9e \u0416\u0436 \U00010348\n"

PIECE_WRITER = """
import os, sys, time
data = sys.argv[1].encode() * int(sys.argv[2])
piece = int(sys.argv[3])
pause = float(sys.argv[4])
fd = int(sys.argv[5]) if len(sys.argv) > 5 else 1
for i in range(0, len(data), piece):
    os.write(fd, data[i:i + piece])
    if pause:
        time.sleep(pause)
"""


@pytest.mark.parametrize("piece,repeat,pause", [(4097, 20000, 0.0), (4097, 2000, 0.001),
                                                (7, 3000, 0.0), (1, 25, 0.002)],
                         ids=["4097-flat-out", "4097-paced", "7", "1-byte-paced"])
def test_utf8_chunks_decode_on_their_own(ex, piece, repeat, pause):
    text = MIXED_TEXT * repeat
    # Pieces of 4097 or 7 bytes (or 1) cut characters: MIXED_TEXT is 31 bytes long.
    pid = ex.start(PY, ["-c", PIECE_WRITER, MIXED_TEXT, str(repeat), str(piece), str(pause)])
    r = ex.collect(pid, interval=0.001, check_chunk=strict_utf8, timeout=120)
    assert r.out == text.encode()
    assert r.exitcode == 0


def test_utf8_chunks_on_stderr_and_merged(ex):
    for capture, fd in ((True, 2), ("merged", 2), ("merged", 1)):
        pid = ex.start(PY, ["-c", PIECE_WRITER, MIXED_TEXT, "3000", "4097", "0", str(fd)],
                       capture=capture)
        r = ex.collect(pid, interval=0.001, check_chunk=strict_utf8)
        got = r.err if capture is True else r.out
        assert got == (MIXED_TEXT * 3000).encode()


# Writes argv[1] (hex), waits for the file argv[3] to exist, writes argv[2] (hex).
WRITE_WAIT_WRITE = """
import os, sys, time
os.write(1, bytes.fromhex(sys.argv[1]))
deadline = time.monotonic() + 60
while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
    time.sleep(0.005)
os.write(1, bytes.fromhex(sys.argv[2]))
"""


def poll_until_out(ex, result, want, timeout=10):
    """Poll result.pid until its collected stdout is want; every status must say running."""
    def have():
        st = ex.poll_once(result, check_chunk=strict_utf8)
        assert st["exited"] is False, "the child waits for us; status %r" % st
        return result.out == want
    wait_for(have, timeout, interval=0.005, what="stdout %r" % want)


CUT_CHARACTERS = [("\u00e9", 1), ("\u20ac", 1), ("\u20ac", 2), ("\U0001F600", 1),
                  ("\U0001F600", 2), ("\U0001F600", 3)]


@pytest.mark.parametrize("char,cut", CUT_CHARACTERS,
                         ids=["%d-of-%d" % (c, len(ch.encode())) for ch, c in CUT_CHARACTERS])
def test_partial_character_waits_for_its_rest(ex, tmp_path, char, cut):
    encoded = char.encode()
    first, rest = b"abc" + encoded[:cut], encoded[cut:] + b"def"
    go = str(tmp_path / "go")
    pid = ex.start(PY, ["-c", WRITE_WAIT_WRITE, first.hex(), rest.hex(), go])
    r = ExecResult(pid)
    poll_until_out(ex, r, b"abc")
    # The child is now waiting with the cut character in the agent's hands:
    # later statuses must keep holding it back, not hand out half of it.
    for _ in range(5):
        st = ex.poll_once(r, check_chunk=strict_utf8)
        assert st["exited"] is False and "out-data" not in st, st
    open(go, "w").close()
    rest_result = ex.collect(pid, interval=0.005, check_chunk=strict_utf8)
    assert r.out + rest_result.out == b"abc" + encoded + b"def"


@pytest.mark.parametrize("raw", [b"\xff", b"x\x80\x80", b"\xc0\xaf", b"\xf5\xf6", b"\xfe\xff\xfe",
                                 b"\xe2A", b"\xf0\x9f\x98\x80\xbf"],
                         ids=["ff", "lone-continuations", "overlong", "f5-f6", "fe-ff",
                              "lead-then-ascii", "extra-continuation"])
def test_never_utf8_bytes_are_not_held(ex, tmp_path, raw):
    """Bytes no later byte could turn into a character are handed out while the child still runs."""
    go = str(tmp_path / "go")
    pid = ex.start(PY, ["-c", WRITE_WAIT_WRITE, raw.hex(), b"end".hex(), go])
    r = ExecResult(pid)

    def have():
        st = ex.poll_once(r)
        assert st["exited"] is False, st
        return r.out == raw
    wait_for(have, 10, interval=0.005, what="stdout %r while running" % raw)
    open(go, "w").close()
    assert ex.collect(pid).out == b"end"


@pytest.mark.parametrize("tail", [b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xe0", b"\xf4\x8f"],
                         ids=["2-byte-lead", "3-byte-cut", "4-byte-cut", "e0", "f4-cut"])
def test_cut_character_at_end_of_stream_is_delivered(ex, tail):
    data = b"end of output " + tail
    r = ex.run(PY, ["-c", "import os, sys; os.write(1, bytes.fromhex(sys.argv[1]))", data.hex()])
    assert r.out == data
    assert r.exitcode == 0


def test_binary_output_with_short_polls_is_exact(ex):
    # Random bytes, written in odd pieces: whatever the agent holds back comes later.
    code = ("import os, random\n"
            "r = random.Random(7)\n"
            "data = r.randbytes(3 << 20)\n"
            "i = 0\n"
            "while i < len(data):\n"
            "    n = r.randint(1, 9000)\n"
            "    os.write(1, data[i:i + n])\n"
            "    i += n\n")
    r = ex.run(PY, ["-c", code], interval=0.001)
    assert r.out == random.Random(7).randbytes(3 << 20)


# ---- FIREWHEEL's driver ---------------------------------------------------------

class FirewheelExec:
    """The guest-exec logic of FIREWHEEL's QemuGuestAgentDriver (sandialabs/firewheel,
    src/firewheel/vm_resource_manager/drivers/qemu_guest_agent_driver.py), reimplemented:
    capture-output true, guest-exec-status with a 10 s timeout, each out-data /
    err-data chunk decoded as UTF-8 on its own and appended, and the mere presence
    of out-truncated / err-truncated marking truncation."""

    STATUS_TIMEOUT = 10

    def __init__(self, conn):
        self.conn = conn
        self.output_cache = {}

    def async_exec(self, path, arg=None, env=None, input_data=None, capture_output=True):
        options = {"path": path, "capture-output": capture_output}
        if arg:
            options["arg"] = [arg] if isinstance(arg, str) else arg
        if env:
            options["env"] = env
        if input_data:
            options["input-data"] = str(base64.b64encode(bytes(input_data, "utf-8")),
                                        sys.getdefaultencoding())
        return self.conn.call("guest-exec", options)["return"]["pid"]

    def exec_status(self, pid):
        cache = self.output_cache.get(pid)
        if cache and cache.get("exited"):
            return cache
        result = self.conn.call("guest-exec-status", {"pid": pid},
                                timeout=self.STATUS_TIMEOUT)["return"]
        self.store_captured_output(pid, result)
        return self.output_cache[pid]

    def store_captured_output(self, pid, output):
        cache = self.output_cache.setdefault(pid, {})
        if "exited" in output:
            cache["exited"] = output["exited"]
        if "exitcode" in output:
            cache["exitcode"] = output["exitcode"]
        if "signal" in output:
            cache["signal"] = output["signal"]
        if "out-data" in output:
            cache.setdefault("stdout", "")
            cache["stdout"] += str(base64.b64decode(output["out-data"]), sys.getdefaultencoding())
        if "out-truncated" in output:
            cache["stdout_trunc"] = True
        if "err-data" in output:
            cache.setdefault("stderr", "")
            cache["stderr"] += str(base64.b64decode(output["err-data"]), sys.getdefaultencoding())
        if "err-truncated" in output:
            cache["stderr_trunc"] = True


# Chatty: mixed-width text to both streams, flushed in pieces of arbitrary byte
# sizes (as stdio flushes a full buffer), so writes end inside characters.
CHATTY = """
import os, random, time
r = random.Random(11)
alphabet = "ab\\u00e9\\u00df\\u20ac\\u65e5\\U0001F600\\U00010348 \\n"
for fd, count in ((1, 4000), (2, 2000)):
    data = "".join(r.choice(alphabet) for _ in range(count * 20)).encode()
    i = 0
    while i < len(data):
        n = r.randint(1, 97)
        os.write(fd, data[i:i + n])
        i += n
        if r.random() < 0.1:
            time.sleep(0.0005)
"""


def test_firewheel_driver_sees_whole_characters(ex):
    assert sys.getdefaultencoding() == "utf-8"
    driver = FirewheelExec(ex.conn)
    pid = driver.async_exec(PY, arg=["-c", CHATTY])
    statuses = 0
    while True:
        statuses += 1
        cache = driver.exec_status(pid)     # UnicodeDecodeError here would be the bug
        if cache.get("exited"):
            break
        assert statuses < 200000, "never exited"
    # The same child through the plain byte-collecting client:
    direct = ex.run(PY, ["-c", CHATTY], interval=0.001)
    assert direct.exitcode == 0 and cache["exitcode"] == 0, direct.err[-500:]
    assert cache.get("stdout", "").encode() == direct.out
    assert cache.get("stderr", "").encode() == direct.err
    assert len(direct.out) > 100000 and len(direct.err) > 50000
    assert "stdout_trunc" not in cache and "stderr_trunc" not in cache
    # Polled flat out, the program was seen running many times, in many chunks.
    assert statuses > 10


# ---- reply and buffer sizes -------------------------------------------------------

@pytest.mark.parametrize("reply_size,option", [(1024, "1K"), (4096, "4096"), (65536, "64K")])
def test_reply_size_bounds_each_chunk(exec_agent_factory, reply_size, option):
    agent = exec_agent_factory("--exec-reply-size=" + option)
    size = 300000
    code = ("import os, random\n"
            "os.write(1, random.Random(3).randbytes(%d))\n"
            "os.write(2, random.Random(4).randbytes(%d))\n" % (size, size // 2))
    with agent.connect() as conn:
        ex = ExecClient(conn)
        pid = ex.start(PY, ["-c", code])
        # Let it finish first: everything is then pending at once, more than one reply.
        wait_for(lambda: process_gone_or_zombie(pid), 20, what="child to end")
        r = ex.collect(pid, interval=0)
    assert r.out == random.Random(3).randbytes(size)
    assert r.err == random.Random(4).randbytes(size // 2)
    for chunk in r.out_chunks + r.err_chunks:
        assert len(chunk) <= reply_size
    # Only whole characters are cut off a chunk (at most 3 bytes), so each reply is nearly full.
    for chunk in r.out_chunks[:-1]:
        assert len(chunk) >= reply_size - 3
    # Still running as far as the client knows until the last bytes go out with exited.
    assert all(st["exited"] is False for st in r.statuses[:-1])
    assert r.final["exited"] is True and r.final["exitcode"] == 0
    assert "out-data" in r.final
    assert len(r.statuses) >= size // reply_size


def process_gone_or_zombie(pid):
    try:
        return process_state(pid) in "ZX"
    except OSError:
        return True


@pytest.mark.parametrize("buffer_size,option", [(4096, "4K"), (65536, "64K"), (1 << 20, "1M")])
def test_buffer_size_bounds_what_runs_ahead(exec_agent_factory, buffer_size, option):
    """Without a poll the writer blocks once the buffer and the pipe are full."""
    agent = exec_agent_factory("--exec-buffer-size=" + option)
    total = 8 << 20
    with agent.connect() as conn:
        ex = ExecClient(conn)
        pid = ex.start("dd", ["if=/dev/zero", "bs=4096", "count=%d" % (total // 4096),
                              "status=none"], capture="stdout")
        wait_for(lambda: bytes_written(pid) >= buffer_size, 20, what="dd to fill the buffer")
        written = wait_stable(lambda: bytes_written(pid), 0.5, 20, "bytes written by dd")
        assert written <= buffer_size + PIPE_CAPACITY, written
        assert process_state(pid) == "S"
        where = wchan(pid)
        assert where == "0" or where.endswith("pipe_write"), where
        r = ex.collect(pid, interval=0)
    assert r.out_len == total and r.out == b"\0" * total
