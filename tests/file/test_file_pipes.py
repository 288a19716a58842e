"""FIFOs and devices: the agent never blocks on them, and reports what it could move."""
import errno
import os

import pytest

from fileclient import MIB

EAGAIN_DESC = os.strerror(errno.EAGAIN)


@pytest.fixture
def fifo(data_dir):
    path = data_dir / "fifo"
    os.mkfifo(path)
    return path


def test_fifo_without_writer_reads_eof(fc, fifo):
    h = fc.open(fifo, "r")
    assert fc.read(h, 100) == (b"", True)
    fc.close(h)


def test_idle_fifo_does_not_block_the_agent(fc, fifo):
    """A writer that sends nothing: the read fails at once with EAGAIN, as
    qemu-ga's does; the agent goes on answering."""
    h = fc.open(fifo, "r")
    wfd = os.open(fifo, os.O_WRONLY)
    try:
        assert fc.error("guest-file-read", {"handle": h, "count": 10}) == {
            "class": "GenericError", "desc": "failed to read file: %s" % EAGAIN_DESC}
        assert fc.call("guest-ping") == {}
        os.write(wfd, b"abc")
        # What the pipe holds comes back, without eof: the writer is still there.
        # (qemu-ga's stdio drops it and reports EAGAIN when the count is not filled.)
        assert fc.read(h, 10) == (b"abc", False)
        os.write(wfd, b"defgh")
        assert fc.read(h, 2) == (b"de", False)
        assert fc.read(h, 10) == (b"fgh", False)
    finally:
        os.close(wfd)
    assert fc.read(h, 10) == (b"", True)
    fc.close(h)


def test_fifo_open_for_writing_without_reader(fc, fifo):
    err = fc.error("guest-file-open", {"path": str(fifo), "mode": "w"})
    assert err == {"class": "GenericError", "desc": "failed to open file '%s' (mode: 'w'): %s"
                   % (fifo, os.strerror(errno.ENXIO))}


def test_full_fifo_takes_what_fits(fc, fifo):
    """A write larger than the pipe's room returns the count that went; a write
    when nothing fits fails with EAGAIN; the agent never waits for the reader."""
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        h = fc.open(fifo, "w")
        data = bytes(range(256)) * (4 * 1024)     # 1 MiB, more than a pipe holds
        written = fc.write(h, data)
        assert 0 < written < len(data)
        assert fc.error("guest-file-write", {"handle": h, "buf-b64": "QUI="}) == {
            "class": "GenericError", "desc": "failed to write to file: %s" % EAGAIN_DESC}
        got = b""
        while True:
            try:
                chunk = os.read(rfd, MIB)
            except BlockingIOError:
                break
            got += chunk
        assert got == data[:written]
        # Room again: the rest goes.
        assert fc.write(h, data[written:written + 1000]) == 1000
        assert os.read(rfd, MIB) == data[written:written + 1000]
        fc.close(h)
    finally:
        os.close(rfd)


def test_read_write_fifo_switches_direction(fc, fifo):
    """A FIFO opened r+ is both ends: what is written can be read back, read
    after write and write after read (qemu-ga's stdio cannot switch direction
    on a pipe: it fails to seek)."""
    h = fc.open(fifo, "r+")
    assert fc.write(h, b"ping") == 4
    assert fc.read(h, 4) == (b"ping", False)
    assert fc.write(h, b"pong") == 4
    assert fc.read(h, 10) == (b"pong", False)
    fc.close(h)


def test_character_devices(fc):
    h = fc.open("/dev/zero", "r")
    assert fc.read(h, 100000) == (b"\0" * 100000, False)
    fc.close(h)
    h = fc.open("/dev/null", "r+")
    assert fc.read(h, 10) == (b"", True)
    assert fc.write(h, b"x" * 1000) == 1000
    fc.close(h)
