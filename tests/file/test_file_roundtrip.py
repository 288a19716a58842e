"""guest-file-write and guest-file-read carry bytes exactly: empty, every byte value, 256 MiB by sha256."""
import base64
import hashlib
import os
import random

import pytest

from fileclient import MIB, READ_COUNT_MAX, FileClient
from procinfo import lean_sanitizer_env, status_kib

ALL_BYTES = bytes(range(256))
BIG = 256 * MIB
# Chunk sizes for the big transfer: a size FIREWHEEL uses, and qemu-ga's largest read.
WRITE_CHUNK = 16 * MIB


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


def test_empty_file_round_trip(fc, data_dir):
    path = data_dir / "empty"
    h = fc.open(path, "w")
    assert fc.write(h, b"") == 0
    fc.close(h)
    assert path.read_bytes() == b""

    h = fc.open(path)
    r = fc.read_reply(h)
    assert r == {"count": 0, "buf-b64": "", "eof": True}
    fc.close(h)


def test_every_byte_value_round_trip(fc, data_dir):
    path = data_dir / "bytes"
    data = ALL_BYTES * 3 + ALL_BYTES[::-1]
    h = fc.open(path, "wb")
    assert fc.write(h, data) == len(data)
    fc.close(h)
    assert path.read_bytes() == data

    path.write_bytes(ALL_BYTES[::-1] + ALL_BYTES)
    h = fc.open(path, "rb")
    got, eof = fc.read(h, 4096)
    assert got == ALL_BYTES[::-1] + ALL_BYTES and eof is True
    fc.close(h)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 7, 4095, 4096, 4097, 65537])
def test_sizes_around_base64_groups(fc, data_dir, size):
    """Every remainder of size mod 3 (base64 padding), and sizes around page and pipe sizes."""
    data = random.Random(size).randbytes(size)
    path = data_dir / "f"
    h = fc.open(path, "w+")
    assert fc.write(h, data) == size
    assert path.read_bytes() == data
    assert fc.seek(h, 0, "set") == 0
    r = fc.read_reply(h, size + 1)
    assert r["count"] == size and r["eof"] is True
    assert r["buf-b64"] == base64.b64encode(data).decode()
    fc.close(h)


def test_write_count_takes_a_prefix(fc, data_dir):
    path = data_dir / "f"
    h = fc.open(path, "w")
    assert fc.write(h, b"0123456789", count=4) == 4
    assert fc.write(h, b"abc", count=0) == 0
    assert fc.write(h, b"xyz", count=3) == 3
    fc.close(h)
    assert path.read_bytes() == b"0123xyz"


def test_big_file_written_through_the_agent(fc, data_dir):
    """256 MiB in 16 MiB writes; the file on disk has the same sha256 as what was sent."""
    path = data_dir / "big-written"
    rng = random.Random(1)
    sent = hashlib.sha256()
    h = fc.open(path, "wb")
    for _ in range(BIG // WRITE_CHUNK):
        chunk = rng.randbytes(WRITE_CHUNK)
        sent.update(chunk)
        assert fc.write(h, chunk) == WRITE_CHUNK
    fc.close(h)
    assert os.path.getsize(path) == BIG
    assert sha256_file(path) == sent.hexdigest()


def test_big_file_read_through_the_agent(fc, data_dir):
    """256 MiB read with the largest count; the data has the file's sha256, and
    eof comes with the read that finds the end."""
    path = data_dir / "big-read"
    rng = random.Random(2)
    with open(path, "wb") as f:
        for _ in range(BIG // WRITE_CHUNK):
            f.write(rng.randbytes(WRITE_CHUNK))
    received = hashlib.sha256()
    total = 0
    h = fc.open(path, "rb")
    while True:
        data, eof = fc.read(h, READ_COUNT_MAX)
        received.update(data)
        total += len(data)
        if eof:
            break
        assert len(data) == READ_COUNT_MAX
    fc.close(h)
    assert total == BIG
    assert received.hexdigest() == sha256_file(path)


def test_read_count_default_is_qemu_gas(fc, data_dir):
    """Without a count, 4096 bytes (QGA_READ_COUNT_DEFAULT), as qemu-ga."""
    path = data_dir / "f"
    path.write_bytes(ALL_BYTES * 20)
    h = fc.open(path)
    data, eof = fc.read(h)
    assert data == (ALL_BYTES * 20)[:4096] and eof is False
    data, eof = fc.read(h)
    assert data == (ALL_BYTES * 20)[4096:] and eof is True
    fc.close(h)


def test_eof_only_when_the_end_was_met(fc, data_dir):
    """Reading exactly what is left does not say eof (qemu-ga's fread semantics);
    the next read finds the end: count 0, eof. A count of 0 never says eof."""
    path = data_dir / "f"
    path.write_bytes(b"0123456789")
    h = fc.open(path)
    assert fc.read(h, 0) == (b"", False)
    assert fc.read(h, 4) == (b"0123", False)
    assert fc.read(h, 6) == (b"456789", False)
    assert fc.read(h, 0) == (b"", False)
    assert fc.read(h, 6) == (b"", True)
    assert fc.read(h, 6) == (b"", True)
    fc.close(h)


def test_reads_and_writes_share_one_position(fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(b"0123456789")
    h = fc.open(path, "r+")
    assert fc.read(h, 3) == (b"012", False)
    assert fc.write(h, b"AB") == 2
    assert fc.read(h, 2) == (b"56", False)
    assert fc.seek(h, 0, "cur") == 7
    fc.close(h)
    assert path.read_bytes() == b"012AB56789"


def test_writes_reach_the_file_before_flush(fc, data_dir):
    """streamga does not buffer: data is in the file when guest-file-write answers
    (qemu-ga's stdio keeps it until flush or close); flush then has nothing to do."""
    path = data_dir / "f"
    h = fc.open(path, "w")
    fc.write(h, b"hello")
    assert path.read_bytes() == b"hello"
    fc.flush(h)
    assert path.read_bytes() == b"hello"
    fc.close(h)


def test_largest_read_memory_is_bounded(file_agent_factory, build_dir, data_dir):
    """A 48 MiB read is 64 MiB of base64: the agent's peak RSS stays within
    three such texts (the read buffer that becomes the text, the reply value,
    the serialized reply) and its start-up size; an extra copy or a buffer that
    grows without bound would go past it. ASan's quarantine is off so RSS
    measures the agent."""
    path = data_dir / "f"
    with open(path, "wb") as f:
        rng = random.Random(4)
        for _ in range(READ_COUNT_MAX // WRITE_CHUNK):
            f.write(rng.randbytes(WRITE_CHUNK))
    agent = file_agent_factory(env=lean_sanitizer_env(build_dir))
    pid = agent.proc.pid
    with agent.connect() as conn:
        fc = FileClient(conn)
        fc.call("guest-ping")
        start_kib = status_kib(pid, "VmHWM")
        h = fc.open(path)
        for _ in range(3):
            data, eof = fc.read(h, READ_COUNT_MAX)
            assert len(data) == READ_COUNT_MAX and eof is False
            assert fc.seek(h, 0, "set") == 0
        fc.close(h)
    text_kib = READ_COUNT_MAX * 4 // 3 // 1024
    assert status_kib(pid, "VmHWM") < start_kib + 3 * text_kib, (start_kib, text_kib)
