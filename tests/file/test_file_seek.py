"""guest-file-seek: numeric and named whence, cur/end, negative offsets, past the end, bad codes, pipes."""
import errno
import os

import pytest

CONTENT = b"0123456789"
# QGASeek: each name and its numeric code (0, 1, 2: the protocol's, not the OS's).
WHENCE = [("set", 0), ("cur", 1), ("end", 2)]


@pytest.fixture
def handle(fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(CONTENT)
    h = fc.open(path, "r+")
    yield h
    fc.close(h)


@pytest.mark.parametrize("name,code", WHENCE)
def test_names_and_codes_agree(fc, handle, name, code):
    assert fc.seek(handle, 4, "set") == 4
    by_name = fc.seek(handle, 2, name)
    assert fc.seek(handle, 4, "set") == 4
    by_code = fc.seek(handle, 2, code)
    expected = {"set": 2, "cur": 6, "end": len(CONTENT) + 2}[name]
    assert by_name == by_code == expected


def test_seek_then_read(fc, handle):
    assert fc.seek(handle, 7, "set") == 7
    assert fc.read(handle, 2) == (b"78", False)
    assert fc.seek(handle, -5, "cur") == 4
    assert fc.read(handle, 2) == (b"45", False)
    assert fc.seek(handle, -3, "end") == 7
    assert fc.read(handle, 10) == (b"789", True)


def test_tell_is_seek_cur_zero(fc, handle):
    assert fc.read(handle, 3) == (b"012", False)
    assert fc.seek(handle, 0, 1) == 3
    assert fc.seek(handle, 0, "cur") == 3


@pytest.mark.parametrize("offset,whence", [(-1, "set"), (-1, "cur"), (-11, "end"),
                                           (-2**63, "set"), (-2**63, "end")])
def test_before_the_start_is_refused(fc, handle, offset, whence):
    err = fc.error("guest-file-seek", {"handle": handle, "offset": offset, "whence": whence})
    assert err == {"class": "GenericError",
                   "desc": "failed to seek file: %s" % os.strerror(errno.EINVAL)}
    # The position did not move.
    assert fc.seek(handle, 0, "cur") == 0


@pytest.mark.parametrize("offset,whence", [(2**63 - 1, "cur"), (2**63 - 1, "end")])
def test_overflowing_position_is_refused(fc, handle, offset, whence):
    assert fc.seek(handle, 1, "set") == 1
    err = fc.error("guest-file-seek", {"handle": handle, "offset": offset, "whence": whence})
    assert err["class"] == "GenericError" and err["desc"].startswith("failed to seek file: "), err


def test_past_the_end(fc, handle, data_dir):
    """Seeking past the end is allowed: a read there finds the end, a write leaves a hole."""
    assert fc.seek(handle, 100, "set") == 100
    assert fc.read(handle, 5) == (b"", True)
    assert fc.seek(handle, 5, "end") == 15
    assert fc.write(handle, b"X") == 1
    assert (data_dir / "f").read_bytes() == CONTENT + b"\0" * 5 + b"X"


@pytest.mark.parametrize("code", [3, 4, -1, 255, 2**31, 2**63 - 1, -2**63])
def test_unknown_whence_code(fc, handle, code):
    err = fc.error("guest-file-seek", {"handle": handle, "offset": 0, "whence": code})
    assert err == {"class": "GenericError", "desc": "invalid whence code %d" % code}


@pytest.mark.parametrize("name", ["SET", "begin", "", "0", "seek_set", "curr"])
def test_unknown_whence_name(fc, handle, name):
    err = fc.error("guest-file-seek", {"handle": handle, "offset": 0, "whence": name})
    assert err == {"class": "GenericError",
                   "desc": "Parameter 'whence' does not accept value '%s'" % name}


def test_bad_handle_comes_before_bad_whence(fc):
    """As qemu-ga: the handle is looked up first, the numeric code checked after."""
    err = fc.error("guest-file-seek", {"handle": 123456789, "offset": 0, "whence": 7})
    assert err == {"class": "GenericError", "desc": "handle '123456789' has not been found"}


def test_pipe_cannot_seek(fc, data_dir):
    fifo = data_dir / "fifo"
    os.mkfifo(fifo)
    h = fc.open(fifo, "r")
    err = fc.error("guest-file-seek", {"handle": h, "offset": 0, "whence": "cur"})
    assert err == {"class": "GenericError",
                   "desc": "failed to seek file: %s" % os.strerror(errno.ESPIPE)}
    fc.close(h)
