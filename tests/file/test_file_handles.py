"""guest-file handles: numbers from qga.state, one table for the agent (not per connection), a bound, restarts, the frozen state."""
import configparser
import os
import re

import pytest

from agentproc import AgentProcess
from fileclient import AgentError, FileClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def handles_max():
    """SGA_FILE_HANDLES_MAX as src/commands/file.h defines it."""
    with open(os.path.join(ROOT, "src", "commands", "file.h")) as f:
        return int(re.search(r"#define SGA_FILE_HANDLES_MAX (\d+)", f.read()).group(1))


def state_counter(agent):
    """The next handle number as qga.state records it."""
    cp = configparser.ConfigParser()
    cp.read(os.path.join(agent.statedir, "qga.state"))
    return int(cp["global"]["fd_counter"])


def test_handles_come_from_qga_state(file_agent, fc, data_dir):
    """Each open takes the counter qga.state holds and stores the next one."""
    path = data_dir / "f"
    path.write_bytes(b"x")
    handles = []
    for _ in range(5):
        before = state_counter(file_agent)
        h = fc.open(path)
        assert h == before
        assert state_counter(file_agent) == h + 1
        handles.append(h)
    assert handles == sorted(set(handles))
    for h in handles:
        fc.close(h)


def test_failed_open_takes_no_handle(file_agent, fc, data_dir):
    before = state_counter(file_agent)
    with pytest.raises(AgentError):
        fc.open(data_dir / "missing")
    with pytest.raises(AgentError):
        fc.open(data_dir / "f", "bad")
    assert state_counter(file_agent) == before


def test_handles_survive_a_reconnect(file_agent, data_dir):
    """The table belongs to the agent: a host that reconnects carries on with its handles."""
    path = data_dir / "f"
    path.write_bytes(b"0123456789")
    with file_agent.connect() as conn:
        fc = FileClient(conn)
        h = fc.open(path, "r+")
        assert fc.read(h, 4) == (b"0123", False)
    for i in range(3):
        with file_agent.connect() as conn:
            fc = FileClient(conn)
            assert fc.read(h, 2) == ([b"45", b"67", b"89"][i], False)
    with file_agent.connect() as conn:
        fc = FileClient(conn)
        assert fc.write(h, b"AB") == 2
        fc.close(h)
    assert path.read_bytes() == b"0123456789AB"


def test_unique_and_increasing_across_restarts(agent_binary, tmp_path, data_dir):
    """Same statedir: a restarted agent never hands out a number again; the old
    handles are gone with the old process."""
    path = data_dir / "f"
    path.write_bytes(b"x")
    seen = []
    for run in range(3):
        agent = AgentProcess(agent_binary, tmp_path / "agent").start()
        try:
            with agent.connect() as conn:
                fc = FileClient(conn)
                for old in seen:
                    assert fc.error("guest-file-read", {"handle": old}) == {
                        "class": "GenericError", "desc": "handle '%d' has not been found" % old}
                new = [fc.open(path) for _ in range(3)]
                # Left open on purpose: the agent closes them when it stops.
        finally:
            assert agent.stop() == 0, agent.stderr()
        assert all(h > max(seen, default=-1) for h in new), (seen, new)
        assert new == sorted(new)
        seen += new
    assert len(set(seen)) == len(seen)


def test_bounded_number_of_handles(file_agent, fc, data_dir):
    """At most SGA_FILE_HANDLES_MAX open at once: then a clear error and no
    descriptor taken; closing one makes room again."""
    limit = handles_max()
    path = data_dir / "f"
    path.write_bytes(b"x")
    pid = file_agent.proc.pid
    handles = [fc.open(path) for _ in range(limit)]
    assert len(set(handles)) == limit
    fds = len(os.listdir("/proc/%d/fd" % pid))
    counter = state_counter(file_agent)
    for mode in ("r", "w", "a+"):
        err = fc.error("guest-file-open", {"path": str(data_dir / "other"), "mode": mode})
        assert err["class"] == "GenericError", err
        assert "%d" % limit in err["desc"] and "guest-file-close" in err["desc"], err
    assert not (data_dir / "other").exists()
    assert len(os.listdir("/proc/%d/fd" % pid)) == fds
    assert state_counter(file_agent) == counter

    fc.close(handles.pop(limit // 2))
    h = fc.open(path)
    assert h not in handles
    handles.append(h)
    with pytest.raises(AgentError):
        fc.open(path)
    for h in handles:
        fc.close(h)
    assert len(os.listdir("/proc/%d/fd" % pid)) == fds - limit


def test_agent_closes_handles_when_it_stops(file_agent_factory, data_dir):
    """Handles still open when the agent stops do not hold it up: it exits with
    status 0 (sanitizer reports would show there) and the files are released
    (a reader of a FIFO the agent wrote sees its end)."""
    fifo = data_dir / "fifo"
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        agent = file_agent_factory()
        with agent.connect() as conn:
            fc = FileClient(conn)
            h = fc.open(fifo, "w")
            assert fc.write(h, b"bye") == 3
            fc.open(data_dir, "r")
        assert os.read(rfd, 10) == b"bye"
        assert agent.stop() == 0, agent.stderr()
        assert os.read(rfd, 10) == b""     # end of file: no writer left
    finally:
        os.close(rfd)


def test_file_commands_are_refused_while_frozen(file_agent_factory, tmp_path, data_dir):
    """qemu-ga's freeze allow-list has no guest-file-* command: an agent that
    starts with the frozen marker (a previous one left filesystems frozen)
    refuses them until thawed."""
    workdir = tmp_path / "frozen-agent"
    os.makedirs(workdir / "state")
    (workdir / "state" / "qga.state.isfrozen").write_bytes(b"")
    agent = file_agent_factory(workdir=workdir)
    path = data_dir / "f"
    path.write_bytes(b"x")
    with agent.connect() as conn:
        fc = FileClient(conn)
        info = {c["name"]: c for c in fc.call("guest-info")["supported_commands"]}
        for command, args in [("guest-file-open", {"path": str(path)}),
                              ("guest-file-close", {"handle": 1}),
                              ("guest-file-read", {"handle": 1}),
                              ("guest-file-write", {"handle": 1, "buf-b64": ""}),
                              ("guest-file-seek", {"handle": 1, "offset": 0, "whence": 0}),
                              ("guest-file-flush", {"handle": 1})]:
            assert info[command]["enabled"] is False
            err = fc.error(command, args)
            assert err["class"] == "CommandNotFound", err
        assert info["guest-ping"]["enabled"] is True
