"""guest-file-open's modes: qemu-ga's fopen() table, its open flags, creation with 0666, truncation."""
import base64
import os
import stat
import time

import pytest

from fileclient import AgentError, FileClient

# POSIX fopen(): what each mode means. qemu-ga accepts exactly these spellings.
MODES = {
    "r": (os.O_RDONLY, "keep", False),
    "rb": (os.O_RDONLY, "keep", False),
    "w": (os.O_WRONLY, "truncate", True),
    "wb": (os.O_WRONLY, "truncate", True),
    "a": (os.O_WRONLY | os.O_APPEND, "keep", True),
    "ab": (os.O_WRONLY | os.O_APPEND, "keep", True),
    "r+": (os.O_RDWR, "keep", False),
    "rb+": (os.O_RDWR, "keep", False),
    "r+b": (os.O_RDWR, "keep", False),
    "w+": (os.O_RDWR, "truncate", True),
    "wb+": (os.O_RDWR, "truncate", True),
    "w+b": (os.O_RDWR, "truncate", True),
    "a+": (os.O_RDWR | os.O_APPEND, "keep", True),
    "ab+": (os.O_RDWR | os.O_APPEND, "keep", True),
    "a+b": (os.O_RDWR | os.O_APPEND, "keep", True),
}
# Modes fopen() itself would take (glibc's extensions) or that look plausible:
# qemu-ga refuses them all.
BAD_MODES = ["", "rw", "R", "W", "r ", " r", "rb+x", "re", "rx", "wx", "w+x", "r+t", "rt",
             "bb", "+", "b", "a++", "r\u00e9", "r\x01", "rrrrrrrr" * 100]


def agent_fd_flags(agent, path):
    """The open flags (fdinfo) of the agent's descriptor for path; fails unless exactly one."""
    pid = agent.proc.pid
    found = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target == str(path):
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                for line in f:
                    if line.startswith("flags:"):
                        found.append(int(line.split()[1], 8))
    assert len(found) == 1, "agent has %d descriptors for %s" % (len(found), path)
    return found[0]


@pytest.mark.parametrize("mode", list(MODES))
def test_mode_open_flags(file_agent, fc, data_dir, mode):
    access, _, _ = MODES[mode]
    path = data_dir / "f"
    path.write_bytes(b"content")
    h = fc.open(path, mode)
    flags = agent_fd_flags(file_agent, path)
    assert flags & (os.O_ACCMODE | os.O_APPEND) == access, oct(flags)
    # Never blocks the agent on a FIFO or device; never leaks into guest-exec children.
    assert flags & os.O_NONBLOCK, oct(flags)
    assert flags & os.O_CLOEXEC, oct(flags)
    fc.close(h)
    assert not [t for t in os.listdir("/proc/%d/fd" % file_agent.proc.pid)
                if os.path.realpath("/proc/%d/fd/%s" % (file_agent.proc.pid, t)) == str(path)]


@pytest.mark.parametrize("mode", list(MODES))
def test_mode_existing_file(fc, data_dir, mode):
    """Truncated by w modes, kept by r and a modes; permissions of an existing file kept."""
    _, existing, _ = MODES[mode]
    path = data_dir / "f"
    path.write_bytes(b"content")
    os.chmod(path, 0o640)
    h = fc.open(path, mode)
    fc.close(h)
    assert path.read_bytes() == (b"" if existing == "truncate" else b"content")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


@pytest.mark.parametrize("mode", list(MODES))
def test_mode_missing_file(file_agent_factory, data_dir, mode):
    """w and a modes create the file with 0666 whatever the agent's umask (as
    qemu-ga); r modes fail with the system's reason."""
    _, _, creates = MODES[mode]
    old = os.umask(0o077)
    try:
        agent = file_agent_factory()
    finally:
        os.umask(old)
    path = data_dir / "new"
    with agent.connect() as conn:
        fc = FileClient(conn)
        if creates:
            h = fc.open(path, mode)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o666
            assert path.read_bytes() == b""
            fc.close(h)
        else:
            with pytest.raises(AgentError) as e:
                fc.open(path, mode)
            assert (e.value.cls, e.value.desc) == (
                "GenericError", "failed to open file '%s' (mode: '%s'): %s"
                % (path, mode, os.strerror(2)))
            assert not path.exists()


def test_mode_defaults_to_r(file_agent, fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(b"x")
    h = fc.call("guest-file-open", {"path": str(path)})
    assert agent_fd_flags(file_agent, path) & (os.O_ACCMODE | os.O_APPEND) == os.O_RDONLY
    fc.close(h)


@pytest.mark.parametrize("mode", BAD_MODES, ids=[repr(m)[:12] for m in BAD_MODES])
def test_bad_mode_refused(file_agent, fc, data_dir, mode):
    """qemu-ga's error, and nothing created or opened."""
    path = data_dir / "f"
    fc.call("guest-ping")       # the agent has accepted this connection by now
    fds_before = len(os.listdir("/proc/%d/fd" % file_agent.proc.pid))
    err = fc.error("guest-file-open", {"path": str(path), "mode": mode})
    assert err == {"class": "GenericError", "desc": "invalid file open mode '%s'" % mode}
    assert not path.exists()
    assert len(os.listdir("/proc/%d/fd" % file_agent.proc.pid)) == fds_before


def test_append_mode_writes_at_the_end_after_a_seek(fc, data_dir):
    path = data_dir / "f"
    path.write_bytes(b"0123")
    h = fc.open(path, "a+")
    assert fc.seek(h, 0, "set") == 0
    assert fc.read(h, 2) == (b"01", False)
    assert fc.write(h, b"XY") == 2
    assert fc.seek(h, 0, "cur") == 6
    fc.close(h)
    assert path.read_bytes() == b"0123XY"


def test_exec_children_do_not_inherit_handles(fc, data_dir):
    """A program started by guest-exec does not get the agent's open files."""
    path = data_dir / "f"
    path.write_bytes(b"x")
    h = fc.open(path, "r+")
    pid = fc.call("guest-exec", {"path": "/bin/sh", "capture-output": True,
                                 "arg": ["-c", "ls -l /proc/self/fd/"]})["pid"]
    deadline = time.monotonic() + 10
    out = b""
    while True:
        st = fc.call("guest-exec-status", {"pid": pid})
        out += base64.b64decode(st.get("out-data", ""))
        if st["exited"]:
            break
        assert time.monotonic() < deadline, "child did not finish"
        time.sleep(0.01)
    assert st.get("exitcode") == 0, st
    assert str(path).encode() not in out, out.decode(errors="replace")
    assert b"/dev/null" in out or b"pipe:" in out, out     # the listing itself worked
    fc.close(h)
