"""guest-fsfreeze-freeze, -freeze-list, -thaw and -status on test filesystems (freezeenv.py).

Counting as qemu-ga 7.2: freeze counts the filesystems it froze (a tmpfs
refuses with EOPNOTSUPP and a second mount of a frozen filesystem answers
EBUSY: both skipped); thaw counts the mounts at least one FITHAW thawed. The
holder checks with its own FIFREEZE probe whether the ext4 image is frozen.
"""
import os

from freezeenv import marker
from fsenv import call_error, call_ok

DISABLED_WHILE_FROZEN = "Command %s has been disabled: the agent is in frozen state"
# The commands qemu-ga's ga_freeze_allowlist keeps while frozen.
ALLOWED_WHILE_FROZEN = {"guest-ping", "guest-info", "guest-sync", "guest-sync-delimited",
                        "guest-fsfreeze-status", "guest-fsfreeze-thaw"}


def test_freeze_and_thaw(env, fs_agents):
    agent = env.start(fs_agents)
    with agent.connect() as c:
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(agent))
        assert env.freeze(c) == {"return": 1}
        assert env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "frozen"
        # qemu-ga's marker, so a restarted agent knows.
        assert os.path.exists(marker(agent))
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(agent))
        # Again: nothing is left over from the first round.
        assert env.freeze(c) == {"return": 1}
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        assert call_ok(c, "guest-fsfreeze-thaw") == 0


def test_freeze_list_freezes_only_the_listed(env, fs_agents):
    agent = env.start(fs_agents)
    with agent.connect() as c:
        # A filesystem that cannot freeze: nothing frozen, so not frozen at all.
        assert env.freeze(c, ["/mnt/tmpfs"]) == {"return": 0}
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(agent))
        # Unknown mount points are ignored; an empty list freezes nothing.
        assert env.freeze(c, ["/nowhere", "/mnt"]) == {"return": 0}
        assert env.freeze(c, []) == {"return": 0}
        assert not env.ext4_frozen
        # The second mount of the filesystem reaches it too.
        assert env.freeze(c, ["/mnt/ext4-bind", "/nowhere"]) == {"return": 1}
        assert env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "frozen"
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        assert not env.ext4_frozen


def test_only_the_allowed_commands_run_while_frozen(env, fs_agents):
    agent = env.start(fs_agents)
    with agent.connect() as c:
        before = {i["name"]: i["enabled"] for i in call_ok(c, "guest-info")["supported_commands"]}
        assert env.freeze(c) == {"return": 1}
        info = {i["name"]: i["enabled"] for i in call_ok(c, "guest-info")["supported_commands"]}
        assert {n for n, enabled in info.items() if enabled} == ALLOWED_WHILE_FROZEN & set(before)
        for command in ("guest-get-fsinfo", "guest-fsfreeze-freeze", "guest-get-time",
                        "guest-exec"):
            assert call_error(c, command) == {"class": "CommandNotFound",
                                              "desc": DISABLED_WHILE_FROZEN % command}
        assert call_error(c, "guest-fsfreeze-freeze-list", {"mountpoints": ["/mnt/ext4"]}) == {
            "class": "CommandNotFound",
            "desc": DISABLED_WHILE_FROZEN % "guest-fsfreeze-freeze-list"}
        assert call_ok(c, "guest-ping") == {}
        assert call_ok(c, "guest-sync", {"id": 7}) == 7
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        after = {i["name"]: i["enabled"] for i in call_ok(c, "guest-info")["supported_commands"]}
        assert after == before
        assert call_ok(c, "guest-get-fsinfo")


def test_a_failed_freeze_thaws_what_it_froze(env, fs_agents):
    """Frozen latest mount first: the ext4 freezes, then the earlier mount point
    cannot be opened: the error, and the ext4 thawed again."""
    env.set_mounts(["/mnt/missing", "/mnt/ext4"])
    agent = env.start(fs_agents)
    with agent.connect() as c:
        assert env.freeze(c) == {"error": {
            "class": "GenericError",
            "desc": "failed to open /mnt/missing: No such file or directory"}}
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(agent))
        assert call_ok(c, "guest-get-fsinfo")
        # Latest mount first: of two that fail, the later one is reported.
        env.set_mounts(["/mnt/missing", "/mnt/missing2"])
        assert env.freeze(c)["error"]["desc"] == \
            "failed to open /mnt/missing2: No such file or directory"


def test_a_plain_directory_under_a_fake_root_is_never_frozen(env, fs_agents):
    """A fake mount table naming a directory that is not a mount point would reach
    whatever filesystem holds the tree: refused, as a mount point that cannot be opened.
    (It is on a test tmpfs here, so a failing guard could not freeze anything real.)"""
    env.set_mounts(["/mnt/tmpfs/plain"])
    agent = env.start(fs_agents)
    with agent.connect() as c:
        assert env.freeze(c) == {"error": {
            "class": "GenericError",
            "desc": "failed to open /mnt/tmpfs/plain: not a mount point under the system root"}}
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"


def test_thaw_thaws_what_someone_else_froze(env, fs_agents):
    """Like qemu-ga, thaw issues FITHAW on every mount, frozen by the agent or not."""
    agent = env.start(fs_agents)
    env.holder.freeze(env.path("/mnt/ext4"))
    assert env.ext4_frozen
    with agent.connect() as c:
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-thaw") == 0


def test_freeze_when_another_tool_froze_first(env, fs_agents):
    """EBUSY (already frozen) is skipped, not counted: nothing frozen by this call."""
    agent = env.start(fs_agents)
    env.holder.freeze(env.path("/mnt/ext4"))
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 0}
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
    env.holder.thaw_all()


def test_agent_thaws_when_it_exits(env, fs_agents):
    agent = env.start(fs_agents)
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 1}
    assert agent.stop() == 0, agent.stderr()
    assert not env.ext4_frozen
    assert not os.path.exists(marker(agent))


def test_logging_stops_while_frozen(env, fs_agents, tmp_path):
    logfile = tmp_path / "agent.log"
    agent = env.start(fs_agents, "-v", "-l", str(logfile))
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 1}
        frozen_log = logfile.read_text()
        assert frozen_log.rstrip("\n").endswith("disabling logging due to filesystem freeze")
        for _ in range(3):
            call_ok(c, "guest-ping")
            call_error(c, "guest-get-fsinfo")
        assert call_ok(c, "guest-fsfreeze-status") == "frozen"
        assert logfile.read_text() == frozen_log
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        call_ok(c, "guest-ping")
    text = logfile.read_text()
    assert text.startswith(frozen_log)
    assert "logging re-enabled due to filesystem unfreeze" in text[len(frozen_log):]


def test_freeze_argument_errors(env, fs_agents):
    """The texts qemu-ga 7.2.22 gives (measured once by hand: sending these to the
    system's qemu-ga risks freezing this machine should one be accepted)."""
    agent = env.start(fs_agents)
    cases = [
        ("guest-fsfreeze-freeze-list", {"mountpoints": "/mnt/ext4"},
         "Invalid parameter type for 'mountpoints', expected: array"),
        ("guest-fsfreeze-freeze-list", {"mountpoints": [1]},
         "Invalid parameter type for 'mountpoints[0]', expected: string"),
        ("guest-fsfreeze-freeze-list", {"mountpoints": ["/mnt/ext4", None]},
         "Invalid parameter type for 'mountpoints[1]', expected: string"),
        ("guest-fsfreeze-freeze-list", {"mountpoints": {}},
         "Invalid parameter type for 'mountpoints', expected: array"),
        ("guest-fsfreeze-freeze-list", {"mountpoints": [], "x": 1}, "Parameter 'x' is unexpected"),
        ("guest-fsfreeze-freeze", {"mountpoints": []}, "Parameter 'mountpoints' is unexpected"),
        ("guest-fsfreeze-thaw", {"x": 1}, "Parameter 'x' is unexpected"),
        ("guest-fsfreeze-status", {"x": 1}, "Parameter 'x' is unexpected"),
    ]
    with agent.connect() as c:
        env.assert_sees_only_test_mounts(c)
        for command, args, desc in cases:
            assert call_error(c, command, args) == {"class": "GenericError", "desc": desc}, command
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
