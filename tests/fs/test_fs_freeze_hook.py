"""The -F fsfreeze hook: run with "freeze" before freezing and "thaw" after thawing, with
qemu-ga 7.2's errors when it fails or is missing, its output in the agent's log."""
import os

from freezeenv import marker
from fsenv import call_error, call_ok
from hookscript import hook_calls, write_hook


def hook_agent(env, fs_agents, tmp_path, hook_env=None, extra=()):
    hook, record = write_hook(tmp_path)
    agent_env = {"HOOK_RECORD": record, "HOOK_PROBE": env.path("/mnt/ext4")}
    agent_env.update(hook_env or {})
    logfile = tmp_path / "agent.log"
    agent = env.start(fs_agents, "-F" + hook, "-l", str(logfile), *extra, env=agent_env)
    return agent, record, logfile


def test_hook_brackets_the_freeze(env, fs_agents, tmp_path):
    agent, record, logfile = hook_agent(env, fs_agents, tmp_path, extra=("-v",))
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 1}
        assert hook_calls(record) == [{"arg": "freeze", "argc": 2, "frozen": False}]
        assert call_ok(c, "guest-fsfreeze-thaw") == 1
        assert hook_calls(record)[1:] == [{"arg": "thaw", "argc": 2, "frozen": False}]
    log = logfile.read_text()
    for arg in ("freeze", "thaw"):
        assert "fsfreeze hook (%s): hook says %s on stdout" % (arg, arg) in log
        assert "fsfreeze hook (%s): hook complains %s on stderr" % (arg, arg) in log


def test_failing_freeze_hook_freezes_nothing(env, fs_agents, tmp_path):
    agent, record, logfile = hook_agent(env, fs_agents, tmp_path, {"HOOK_FREEZE_STATUS": "3"})
    with agent.connect() as c:
        assert env.freeze(c) == {"error": {"class": "GenericError",
                                           "desc": "fsfreeze hook has failed with status 3"}}
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(agent))
    assert [h["arg"] for h in hook_calls(record)] == ["freeze"]
    # A failing hook's output is logged as warnings, shown without -v.
    assert "warning: fsfreeze hook (freeze): hook complains freeze on stderr" in logfile.read_text()


def test_failing_thaw_hook_reports_after_thawing(env, fs_agents, tmp_path):
    agent, record, _ = hook_agent(env, fs_agents, tmp_path, {"HOOK_THAW_STATUS": "5"})
    with agent.connect() as c:
        assert env.freeze(c) == {"return": 1}
        assert call_error(c, "guest-fsfreeze-thaw") == {
            "class": "GenericError", "desc": "fsfreeze hook has failed with status 5"}
        assert not env.ext4_frozen
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"
        assert not os.path.exists(marker(agent))
    assert [h["arg"] for h in hook_calls(record)] == ["freeze", "thaw"]


def test_hook_killed_by_a_signal(env, fs_agents, tmp_path):
    agent, _, _ = hook_agent(env, fs_agents, tmp_path, {"HOOK_FREEZE_STATUS": "kill"})
    with agent.connect() as c:
        assert env.freeze(c) == {"error": {"class": "GenericError",
                                           "desc": "fsfreeze hook has terminated abnormally"}}
        assert call_ok(c, "guest-fsfreeze-status") == "thawed"


def test_missing_or_unexecutable_hook(env, fs_agents, tmp_path):
    missing = str(tmp_path / "no-such-hook")
    not_exec = tmp_path / "not-executable"
    not_exec.write_text("#!/bin/sh\nexit 0\n")
    not_exec.chmod(0o644)
    for hook, reason in ((missing, "No such file or directory"),
                         (str(not_exec), "Permission denied")):
        agent = env.start(fs_agents, "--fsfreeze-hook=" + hook)
        with agent.connect() as c:
            desc = "can't access fsfreeze hook '%s': %s" % (hook, reason)
            assert env.freeze(c) == {"error": {"class": "GenericError", "desc": desc}}
            assert not env.ext4_frozen
            # Thaw runs the hook too, so it fails the same way (having thawed).
            assert call_error(c, "guest-fsfreeze-thaw") == {"class": "GenericError",
                                                            "desc": desc}
        agent.stop()


def test_hook_calls_without_a_freeze(env, fs_agents, tmp_path):
    """Thaw always runs the hook; a freeze that froze nothing leaves no "thaw" to run;
    a freeze that failed midway runs it while thawing."""
    agent, record, _ = hook_agent(env, fs_agents, tmp_path)
    with agent.connect() as c:
        assert call_ok(c, "guest-fsfreeze-thaw") == 0
        assert env.freeze(c, ["/mnt/tmpfs"]) == {"return": 0}
        env.set_mounts(["/mnt/missing", "/mnt/ext4"])
        assert "error" in env.freeze(c)
    assert [h["arg"] for h in hook_calls(record)] == ["thaw", "freeze", "freeze", "thaw"]
