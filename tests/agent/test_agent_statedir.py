"""-t/--statedir: qga.state is created like qemu-ga's, kept when present, and a bad state dir stops start-up."""
import os

from agentproc import AgentProcess
from agentrun import run_agent


def read_keyfile(path):
    groups = {}
    current = None
    with open(path) as f:
        for line in f.read().splitlines():
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                current = groups.setdefault(line[1:-1], {})
            else:
                key, sep, value = line.partition("=")
                assert sep and current is not None, "not a key file line: %r" % line
                current[key] = value
    return groups


def test_state_file_created(agent):
    state = os.path.join(agent.statedir, "qga.state")
    assert read_keyfile(state) == {"global": {"fd_counter": "1000"}}


def test_state_file_same_bytes_as_qemu_ga(agent_binary, qemu_ga_binary, tmp_path):
    files = []
    for name, binary in (("ours", agent_binary), ("qemu-ga", qemu_ga_binary)):
        proc = AgentProcess(binary, tmp_path / name)
        with proc:
            # The socket exists only once start-up, which writes the state file, is done.
            path = os.path.join(proc.statedir, "qga.state")
            assert os.path.isfile(path)
        with open(path, "rb") as f:
            files.append(f.read())
    assert files[0] == files[1]


def test_existing_state_file_kept(agent_binary, tmp_path):
    proc = AgentProcess(agent_binary, tmp_path)
    state = os.path.join(proc.statedir, "qga.state")
    content = b"[global]\nfd_counter=4242\n# an operator's note\n"
    with open(state, "wb") as f:
        f.write(content)
    inode = os.stat(state).st_ino
    with proc:
        with proc.connect() as conn:
            assert conn.call("guest-ping") == {"return": {}}
    assert proc.proc.returncode == 0, proc.stderr()
    with open(state, "rb") as f:
        assert f.read() == content
    assert os.stat(state).st_ino == inode


def start_with_statedir(agent_binary, tmp_path, statedir):
    sock = tmp_path / "agent.sock"
    r = run_agent(agent_binary, "-m", "unix-listen", "-p", str(sock), "-t", str(statedir),
                  workdir=tmp_path)
    return r, sock


def test_missing_state_dir(agent_binary, tmp_path):
    statedir = tmp_path / "no" / "such" / "dir"
    r, sock = start_with_statedir(agent_binary, tmp_path, statedir)
    assert r.returncode == 1
    assert str(statedir) in r.stderr
    assert not sock.exists()
    assert not statedir.exists()


def test_state_dir_is_a_file(agent_binary, tmp_path):
    # Tests run as root, so permissions cannot make a directory unwritable; a file can.
    statedir = tmp_path / "plainfile"
    statedir.write_text("not a directory\n")
    r, sock = start_with_statedir(agent_binary, tmp_path, statedir)
    assert r.returncode == 1
    assert str(statedir) in r.stderr
    assert not sock.exists()
    assert statedir.read_text() == "not a directory\n"


def test_unreadable_state_file(agent_binary, tmp_path):
    # qga.state that is a directory can be neither read nor replaced.
    statedir = tmp_path / "state"
    (statedir / "qga.state").mkdir(parents=True)
    r, sock = start_with_statedir(agent_binary, tmp_path, statedir)
    assert r.returncode == 1
    assert "qga.state" in r.stderr
    assert not sock.exists()
