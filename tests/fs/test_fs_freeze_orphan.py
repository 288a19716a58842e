"""A host that goes away while the guest is frozen: the orphan timeout thaws; a host that
comes back in time cancels it; an agent killed while frozen starts frozen again."""
import os
import signal
import time

from freezeenv import marker
from fsenv import call_error, call_ok, wait_for
from hookscript import hook_calls, write_hook

# How long the tests wait for a thaw the agent does on its own: its timeout
# is 1 s, the rest is slack for a loaded machine.
ORPHAN_WAIT = 30


def test_orphan_timeout_thaws_after_the_host_leaves(env, fs_agents, tmp_path):
    hook, record = write_hook(tmp_path)
    logfile = tmp_path / "agent.log"
    agent = env.start(fs_agents, "--fsfreeze-orphan-timeout=1", "-F" + hook, "-l", str(logfile),
                      env={"HOOK_RECORD": record})
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 1}
    # Nobody is connected now. The warning is the orphan thaw's last step.
    wait_for(lambda: "filesystems were frozen with no host connected for 1 s: thawed 1" in
             logfile.read_text(), "the orphan thaw", ORPHAN_WAIT)
    assert not os.path.exists(marker(agent))
    assert not env.ext4_frozen
    assert [h["arg"] for h in hook_calls(record)] == ["freeze", "thaw"]
    with agent.connect() as c:
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert call_ok(c, "guest-get-fsinfo")


def test_a_host_coming_back_cancels_the_orphan_timeout(env, fs_agents):
    """The host reconnects at once and stays past the timeout: still frozen."""
    timeout = 3
    agent = env.start(fs_agents, "--fsfreeze-orphan-timeout=%d" % timeout)
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 1}
    with agent.connect() as c:
        assert call_ok(c, "guest-fsfreeze-status") == "frozen"
        time.sleep(timeout + 2)
        assert call_ok(c, "guest-fsfreeze-status") == "frozen"
        assert env.ext4_frozen
        assert os.path.exists(marker(agent))
        assert call_ok(c, "guest-fsfreeze-thaw") == 1


def test_killed_while_frozen_restarts_frozen(env, fs_agents, tmp_path):
    """SIGKILL leaves the filesystem frozen and qemu-ga's marker behind. The next
    agent (same state directory) starts frozen: status "frozen", only the allowed
    commands, no log file or pidfile written until the thaw, which thaws for real."""
    first = env.start(fs_agents, name="first")
    with first.connect() as c:
        assert env.freeze(c) == {"return": 1}
    fs_agents.killed(first, signal.SIGKILL)
    assert env.ext4_frozen and os.path.exists(marker(first))

    logfile = tmp_path / "second.log"
    pidfile = tmp_path / "second.pid"
    second = env.start(fs_agents, "-l", str(logfile), "-f", str(pidfile),
                       workdir=first.workdir, socket_name="second.sock")
    with second.connect() as c:
        assert call_ok(c, "guest-fsfreeze-status") == "frozen"
        assert call_error(c, "guest-get-fsinfo") == {
            "class": "CommandNotFound",
            "desc": "Command guest-get-fsinfo has been disabled: the agent is in frozen state"}
        assert call_ok(c, "guest-ping") == {}
        assert not logfile.exists() and not pidfile.exists()
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(second))
        assert call_ok(c, "guest-get-fsinfo")
    # Opened at the thaw, in time for the line that says logging is back.
    assert "logging re-enabled due to filesystem unfreeze" in logfile.read_text()
    assert pidfile.read_text().strip() == str(second.proc.pid)


def test_restarted_frozen_with_no_host_thaws_after_the_timeout(env, fs_agents, tmp_path):
    first = env.start(fs_agents, name="first")
    with first.connect() as c:
        assert env.freeze(c) == {"return": 1}
    fs_agents.killed(first, signal.SIGKILL)
    assert env.ext4_frozen

    logfile = tmp_path / "second.log"
    second = env.start(fs_agents, "--fsfreeze-orphan-timeout=1", "-l", str(logfile),
                       workdir=first.workdir, socket_name="second.sock")
    # The deferred log file is opened once thawed, and says why (the last step).
    wait_for(lambda: logfile.exists() and "thawed 1" in logfile.read_text(), "the orphan thaw",
             ORPHAN_WAIT)
    assert not os.path.exists(marker(second))
    assert not env.ext4_frozen
    with second.connect() as c:
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
