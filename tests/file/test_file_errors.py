"""guest-file-* errors: unknown handles, missing files, directories, permissions, bad data and counts, bad arguments."""
import base64
import errno
import os
import shutil
import tempfile

import pytest

from agentproc import AgentProcess
from fileclient import MIB, READ_COUNT_MAX, FileClient

HANDLE_COMMANDS = {
    "guest-file-close": {},
    "guest-file-flush": {},
    "guest-file-read": {"count": 1},
    "guest-file-write": {"buf-b64": "QUI="},
    "guest-file-seek": {"offset": 0, "whence": "set"},
}
UNKNOWN_HANDLES = [0, -1, 1, 999, 1000, 2**63 - 1, -2**63]


def generic(desc):
    return {"class": "GenericError", "desc": desc}


def strerror(code):
    return os.strerror(code)


# ---- unknown handles ------------------------------------------------------------

@pytest.mark.parametrize("command", list(HANDLE_COMMANDS))
@pytest.mark.parametrize("handle", UNKNOWN_HANDLES)
def test_unknown_handle(fc, command, handle):
    args = dict(HANDLE_COMMANDS[command], handle=handle)
    assert fc.error(command, args) == generic("handle '%d' has not been found" % handle)


@pytest.mark.parametrize("command", list(HANDLE_COMMANDS))
def test_closed_handle_is_gone(fc, data_dir, command):
    path = data_dir / "f"
    path.write_bytes(b"x")
    h = fc.open(path, "r+")
    fc.close(h)
    args = dict(HANDLE_COMMANDS[command], handle=h)
    assert fc.error(command, args) == generic("handle '%d' has not been found" % h)


# ---- opening ----------------------------------------------------------------------

def open_error(fc, path, mode):
    return fc.error("guest-file-open", {"path": str(path), "mode": mode})


def open_failed(path, mode, code):
    return generic("failed to open file '%s' (mode: '%s'): %s" % (path, mode, strerror(code)))


@pytest.mark.parametrize("mode", ["r", "r+", "rb"])
def test_missing_file(fc, data_dir, mode):
    path = data_dir / "missing"
    assert open_error(fc, path, mode) == open_failed(path, mode, errno.ENOENT)


@pytest.mark.parametrize("mode", ["r", "w", "a+"])
def test_missing_directory(fc, data_dir, mode):
    path = data_dir / "no-such-dir" / "f"
    assert open_error(fc, path, mode) == open_failed(path, mode, errno.ENOENT)
    assert not (data_dir / "no-such-dir").exists()


def test_empty_path(fc):
    assert open_error(fc, "", "r") == open_failed("", "r", errno.ENOENT)


def test_directory_opens_for_reading_but_does_not_read(fc, data_dir):
    """As qemu-ga: open(2) takes a directory read-only; reading it fails."""
    h = fc.open(data_dir, "r")
    assert fc.error("guest-file-read", {"handle": h}) == generic(
        "failed to read file: %s" % strerror(errno.EISDIR))
    fc.close(h)


@pytest.mark.parametrize("mode", ["w", "a", "r+", "w+"])
def test_directory_does_not_open_for_writing(fc, data_dir, mode):
    assert open_error(fc, data_dir, mode) == open_failed(data_dir, mode, errno.EISDIR)


def test_path_through_a_file(fc, data_dir):
    (data_dir / "plain").write_bytes(b"x")
    path = data_dir / "plain" / "f"
    assert open_error(fc, path, "w") == open_failed(path, "w", errno.ENOTDIR)


def test_permission_denied(fc):
    """Root is refused writing to a read-only sysctl (the kernel checks its mode
    even for root): the open fails and nothing is written."""
    path = "/proc/sys/kernel/osrelease"
    before = open(path).read()
    assert open_error(fc, path, "w") == open_failed(path, "w", errno.EACCES)
    assert open(path).read() == before


def test_permission_denied_unprivileged(agent_binary):
    """Without root's override: an agent run as nobody, files it may not open."""
    if os.geteuid() != 0:
        pytest.skip("needs root to start the agent as another user")
    # pytest's tmp_path is private to root: nobody could not even reach it.
    top = tempfile.mkdtemp(prefix="streamga-file-nobody-")
    try:
        os.chmod(top, 0o755)
        data = os.path.join(top, "data")
        os.mkdir(data, 0o755)
        os.chmod(data, 0o755)
        secret = os.path.join(data, "secret")
        with open(secret, "wb") as f:
            f.write(b"x")
        os.chmod(secret, 0o600)
        agent = AgentProcess("/usr/bin/setpriv", os.path.join(top, "agent"))
        os.chmod(agent.workdir, 0o777)
        os.chmod(agent.statedir, 0o777)
        agent.args = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      agent_binary] + agent.args[1:]
        agent.start()
        try:
            with agent.connect() as conn:
                fc = FileClient(conn)
                assert open_error(fc, secret, "r") == open_failed(secret, "r", errno.EACCES)
                created = os.path.join(data, "new")
                assert open_error(fc, created, "w") == open_failed(created, "w", errno.EACCES)
                assert not os.path.exists(created)
        finally:
            assert agent.stop() == 0, agent.stderr()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_read_only_file_system(agent_binary, tmp_path):
    """In a mount namespace with a read-only bind mount: EROFS for every mode
    that writes or creates, and reading still works."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) for a private read-only bind mount")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "f").write_bytes(b"kept")
    wrapper = tmp_path / "ro-agent.sh"
    wrapper.write_text('#!/bin/sh\nmount --bind -o ro "%s" "%s" || exit 99\nexec "$@"\n' % (ro, ro))
    wrapper.chmod(0o755)
    agent = AgentProcess("/usr/bin/unshare", tmp_path / "agent")
    agent.args = ["/usr/bin/unshare", "-m", "--propagation", "private", str(wrapper),
                  agent_binary] + agent.args[1:]
    agent.start()
    try:
        with agent.connect() as conn:
            fc = FileClient(conn)
            for mode in ("w", "a", "r+", "w+", "a+"):
                assert open_error(fc, ro / "f", mode) == open_failed(ro / "f", mode, errno.EROFS)
            for mode in ("w", "a", "w+", "a+"):
                assert open_error(fc, ro / "new", mode) == open_failed(ro / "new", mode,
                                                                       errno.EROFS)
            h = fc.open(ro / "f")
            assert fc.read(h) == (b"kept", True)
            fc.close(h)
    finally:
        assert agent.stop() == 0, agent.stderr()
    assert (ro / "f").read_bytes() == b"kept" and not (ro / "new").exists()


# ---- reading and writing the wrong way ---------------------------------------------

def test_write_to_read_only_handle(fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(b"x")
    h = fc.open(path, "r")
    assert fc.error("guest-file-write", {"handle": h, "buf-b64": "QUI="}) == generic(
        "failed to write to file: %s" % strerror(errno.EBADF))
    fc.close(h)
    assert path.read_bytes() == b"x"


@pytest.mark.parametrize("mode", ["w", "a"])
def test_read_from_write_only_handle(fc, data_dir, mode):
    h = fc.open(data_dir / "f", mode)
    assert fc.error("guest-file-read", {"handle": h, "count": 4}) == generic(
        "failed to read file: %s" % strerror(errno.EBADF))
    fc.close(h)


def test_write_error_from_the_file(fc):
    """/dev/full refuses every write with ENOSPC."""
    h = fc.open("/dev/full", "w")
    assert fc.error("guest-file-write", {"handle": h, "buf-b64": "QUI="}) == generic(
        "failed to write to file: %s" % strerror(errno.ENOSPC))
    fc.close(h)


# ---- data and counts -----------------------------------------------------------------

@pytest.fixture
def rw_handle(fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(b"0123456789")
    h = fc.open(path, "r+")
    yield h
    fc.close(h)


@pytest.mark.parametrize("text", ["!!", "QUI=*", "QU I=", "QUI=\t", "\u00e9", "QUI=\r\n", "-_"])
def test_invalid_base64(fc, rw_handle, data_dir, text):
    assert fc.error("guest-file-write", {"handle": rw_handle, "buf-b64": text}) == generic(
        "Base64 data contains invalid characters")
    assert (data_dir / "f").read_bytes() == b"0123456789"


def test_base64_newlines_are_accepted(fc, rw_handle, data_dir):
    """As qemu-ga (and glib's decoder): newlines inside the text are skipped."""
    text = base64.encodebytes(b"ABCDEFGHIJ" * 10).decode()
    assert "\n" in text
    r = fc.call("guest-file-write", {"handle": rw_handle, "buf-b64": text})
    assert r == {"count": 100, "eof": False}
    assert (data_dir / "f").read_bytes() == b"ABCDEFGHIJ" * 10


@pytest.mark.parametrize("count", [-1, 3, 100, 2**63 - 1, -2**63])
def test_write_count_beyond_the_data(fc, rw_handle, data_dir, count):
    err = fc.error("guest-file-write", {"handle": rw_handle, "buf-b64": "QUI=", "count": count})
    assert err == generic("value '%d' is invalid for argument count" % count)
    assert (data_dir / "f").read_bytes() == b"0123456789"


def test_base64_is_checked_before_the_count(fc, rw_handle):
    err = fc.error("guest-file-write", {"handle": rw_handle, "buf-b64": "!", "count": -1})
    assert err == generic("Base64 data contains invalid characters")


@pytest.mark.parametrize("count", [-1, -2**63, READ_COUNT_MAX + 1, 2**31, 2**63 - 1])
def test_read_count_out_of_range(fc, rw_handle, count):
    err = fc.error("guest-file-read", {"handle": rw_handle, "count": count})
    assert err == generic("value '%d' is invalid for argument count" % count)
    # Nothing was read.
    assert fc.read(rw_handle, 3) == (b"012", False)


def test_read_count_limits_are_inclusive(fc, rw_handle):
    assert fc.read(rw_handle, 0) == (b"", False)
    assert fc.read(rw_handle, READ_COUNT_MAX) == (b"0123456789", True)


def test_handle_is_checked_before_the_count(fc):
    err = fc.error("guest-file-read", {"handle": 987654321, "count": -1})
    assert err == generic("handle '987654321' has not been found")


# ---- argument types -----------------------------------------------------------------

# command -> {member: (a valid value, its QAPI type name), ...}; the handle is filled in.
MEMBERS = {
    "guest-file-open": {"path": "str", "mode": "str"},
    "guest-file-close": {"handle": "int"},
    "guest-file-flush": {"handle": "int"},
    "guest-file-read": {"handle": "int", "count": "int"},
    "guest-file-write": {"handle": "int", "buf-b64": "str", "count": "int"},
    "guest-file-seek": {"handle": "int", "offset": "int", "whence": "GuestFileWhence"},
}
REQUIRED = {
    "guest-file-open": ["path"],
    "guest-file-close": ["handle"],
    "guest-file-flush": ["handle"],
    "guest-file-read": ["handle"],
    "guest-file-write": ["handle", "buf-b64"],
    "guest-file-seek": ["handle", "offset", "whence"],
}
WRONG = {
    "str": [1, 1.5, True, None, [], {}, ["r"]],
    "int": ["1", 1.5, 1.0, True, None, [1], {}, 2**63, 2**64, -2**63 - 1],
    "GuestFileWhence": [1.5, True, None, [0], {}],
}


def valid_args(command, handle, path):
    return {
        "guest-file-open": {"path": str(path), "mode": "r"},
        "guest-file-close": {"handle": handle},
        "guest-file-flush": {"handle": handle},
        "guest-file-read": {"handle": handle, "count": 1},
        "guest-file-write": {"handle": handle, "buf-b64": "QUI=", "count": 1},
        "guest-file-seek": {"handle": handle, "offset": 0, "whence": "set"},
    }[command]


def wrong_type_cases():
    for command, members in MEMBERS.items():
        for member, kind in members.items():
            for i, value in enumerate(WRONG[kind]):
                yield pytest.param(command, member, value, id="%s-%s-%d" % (command, member, i))


@pytest.mark.parametrize("command,member,value", list(wrong_type_cases()))
def test_wrong_type(fc, rw_handle, data_dir, command, member, value):
    args = valid_args(command, rw_handle, data_dir / "f")
    args[member] = value
    err = fc.error(command, args)
    assert err["class"] == "GenericError" and "'%s'" % member in err["desc"], err
    # Nothing happened to the handle or the file; the agent carries on.
    assert fc.read(rw_handle, 2) == (b"01", False)
    assert fc.seek(rw_handle, 0, "set") == 0


@pytest.mark.parametrize("command,member", [(c, m) for c, ms in REQUIRED.items() for m in ms])
def test_missing_argument(fc, rw_handle, data_dir, command, member):
    args = valid_args(command, rw_handle, data_dir / "f")
    del args[member]
    assert fc.error(command, args) == generic("Parameter '%s' is missing" % member)


@pytest.mark.parametrize("command", list(MEMBERS))
def test_no_arguments(fc, command):
    err = fc.error(command)
    assert err == generic("Parameter '%s' is missing" % REQUIRED[command][0])


@pytest.mark.parametrize("command", list(MEMBERS))
def test_unexpected_argument(fc, rw_handle, data_dir, command):
    args = valid_args(command, rw_handle, data_dir / "f")
    args["extra"] = 1
    assert fc.error(command, args) == generic("Parameter 'extra' is unexpected")
    assert fc.read(rw_handle, 2) == (b"01", False)


def test_agent_survives_a_big_bad_write(fc, rw_handle, data_dir):
    """16 MiB of base64 with one bad character at the end: refused, nothing written."""
    text = base64.b64encode(b"\0" * (12 * MIB)).decode() + "*"
    assert fc.error("guest-file-write", {"handle": rw_handle, "buf-b64": text}) == generic(
        "Base64 data contains invalid characters")
    assert (data_dir / "f").read_bytes() == b"0123456789"
