"""Differential tests of every command streamga implements: same replies as qemu-ga, id echo, -b."""
import glob
import importlib
import os
import signal
import subprocess
import time

import pytest

from diffagents import LEFT, NAMES, OMIT, RIGHT, assert_equivalent, request, single_replies
from diffexec import Conversation, collect, finals, start_both
from diffshape import same_json

# Commands qemu-ga 7.2.22 lists in guest-info (Debian 12, Linux) that streamga
# does not implement yet; streamga answers CommandNotFound "has not been found"
# for them, so they are not differential cases. Generated from qemu-ga's
# guest-info minus streamga's; test_qemu_ga_commands_are_covered_or_listed keeps
# it honest.
QEMU_GA_ONLY_COMMANDS = set()

# streamga's own commands, named by QAPI's rule for downstream extensions
# (docs/exec.md). qemu-ga has no such commands, so they are not differential
# cases: test_extension_commands_are_streamga_only checks them against qemu-ga's
# CommandNotFound, and test_streamga_commands_all_have_differential_cases
# requires every extension streamga lists to be named here.
EXTENSION_PREFIX = "__org.streamga_"
STREAMGA_ONLY_COMMANDS = {
    "__org.streamga_guest-exec-kill",
    "__org.streamga_guest-exec-input",
}

# How far apart the two agents' clocks may read: the two calls are a few
# milliseconds apart, so a few seconds only ever fails on a wrong value.
TIME_TOLERANCE_NS = 5 * 10**9


# Each check gets the two return values, the requests sent ({agent name: request
# as a value}; the same unless the arguments differ per agent) and the pair, for
# commands that leave something to clean up.

def check_ping(sga, qga, sent, pair):
    assert sga == qga == {}


def check_sync(sga, qga, sent, pair):
    assert same_json(sga, sent[LEFT]["arguments"]["id"]) and same_json(qga, sga), (sga, qga)


def check_info(sga, qga, sent, pair):
    qga_commands = {c["name"]: c for c in qga["supported_commands"]}
    names = [c["name"] for c in sga["supported_commands"]]
    assert len(names) == len(set(names)), "streamga lists a command twice: %r" % names
    for cmd in sga["supported_commands"]:
        if cmd["name"] in STREAMGA_ONLY_COMMANDS or cmd["name"] in NEWER_THAN_ORACLE:
            # Listed as qemu-ga lists its own commands, so clients can detect it.
            assert same_json(cmd, {"name": cmd["name"], "enabled": True, "success-response": True}), cmd
            assert cmd["name"] not in qga_commands, cmd
            continue
        assert cmd["name"] in qga_commands, "qemu-ga has no %s" % cmd["name"]
        assert same_json(cmd, qga_commands[cmd["name"]]), (cmd, qga_commands[cmd["name"]])


def check_equal(sga, qga, sent, pair):
    assert same_json(sga, qga), (sga, qga)


def check_time(sga, qga, sent, pair):
    assert isinstance(sga, int) and isinstance(qga, int)
    assert abs(sga - qga) < TIME_TOLERANCE_NS, (sga, qga)
    assert abs(sga - time.time_ns()) < TIME_TOLERANCE_NS, (sga, time.time_ns())


def assert_own_child(agent, pid):
    """pid is a process the agent started (or a zombie it has not reaped yet)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return      # ended and reaped (before or while reading): nothing left to check
    assert ppid == agent.proc.pid, "pid %d has parent %d, not the agent %d" % (
        pid, ppid, agent.proc.pid)


def check_exec(sga, qga, sent, pair):
    """Both hand out the pid of a child of theirs; then both runs are collected alike."""
    pids = {LEFT: sga["pid"], RIGHT: qga["pid"]}
    for name in NAMES:
        assert isinstance(pids[name], int) and pids[name] > 0, (name, pids[name])
        assert_own_child(pair.agents[name], pids[name])
    with Conversation(pair) as conv:
        final = finals(collect(conv, pids))
    assert same_json(final[LEFT], final[RIGHT]), final
    assert same_json(final[LEFT], {"exited": True, "exitcode": 0}), final


def start_sleepers(pair):
    """The status case's arguments: a long sleep started in each agent, so the
    status is of a running program in both whenever it is asked."""
    with Conversation(pair) as conv:
        pids = start_both(conv, {"path": "sleep", "arg": ["120"]})
    return {name: {"pid": pid} for name, pid in pids.items()}


def check_exec_status(sga, qga, sent, pair):
    """Both say running; then the sleepers are killed and both report the signal."""
    assert same_json(sga, {"exited": False}) and same_json(qga, sga), (sga, qga)
    pids = {name: sent[name]["arguments"]["pid"] for name in NAMES}
    for name in NAMES:
        assert_own_child(pair.agents[name], pids[name])
        os.kill(pids[name], signal.SIGKILL)
    with Conversation(pair) as conv:
        final = finals(collect(conv, pids))
    assert same_json(final[LEFT], final[RIGHT]), final
    assert same_json(final[LEFT], {"exited": True, "signal": signal.SIGKILL}), final


# command -> (arguments it needs, or a function of the pair making them per
# agent; check of the two return values)
COMMANDS = {
    "guest-sync-delimited": ({"id": 1234567}, check_sync),
    "guest-sync": ({"id": 7654321}, check_sync),
    "guest-ping": (OMIT, check_ping),
    "guest-info": (OMIT, check_info),
    "guest-get-time": (OMIT, check_time),
    "guest-get-host-name": (OMIT, check_equal),
    "guest-get-timezone": (OMIT, check_equal),
    "guest-get-osinfo": (OMIT, check_equal),
    # No output captured and nothing to wait for: the check collects both runs.
    "guest-exec": ({"path": "true"}, check_exec),
    "guest-exec-status": (start_sleepers, check_exec_status),
}

# The other families keep their cases in cases_<family>.py beside this file, each
# defining COMMANDS in the same form; merged here so the coverage checks below
# see every case. A module may also define NOT_DIFFERENTIAL: {command: where it
# is tested instead}, for commands that must never run on this machine (they
# shut it down, change its clock or passwords, freeze its filesystems), and
# NEWER_THAN_ORACLE: {command: upstream QEMU release}, for upstream commands
# newer than qemu-ga 7.2 (it answers CommandNotFound; the module's family
# compares that and tests streamga's answers in its own test_diff_<family>.py).
NOT_DIFFERENTIAL = {}
NEWER_THAN_ORACLE = {}
for _path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                           "cases_*.py"))):
    _module = importlib.import_module(os.path.basename(_path)[:-3])
    assert not set(_module.COMMANDS) & set(COMMANDS), _path
    COMMANDS.update(_module.COMMANDS)
    NOT_DIFFERENTIAL.update(getattr(_module, "NOT_DIFFERENTIAL", {}))
    NEWER_THAN_ORACLE.update(getattr(_module, "NEWER_THAN_ORACLE", {}))

IDS = {
    "no-id": OMIT,
    "int": 1,
    "zero": 0,
    "negative": -42,
    "int64-max": 2**63 - 1,
    "uint64-max": 2**64 - 1,
    "float": 1.5,
    "string": "abc",
    "empty-string": "",
    "unicode-string": "\u00e9\u2603\U0001F600",
    "escapes-string": "a\"b\\c/d\b\f\n\r\t\u0001",
    "null": None,
    "true": True,
    "false": False,
    "array": [1, "two", None, [3.5]],
    "object": {"a": {"b": [True, None]}, "c": ""},
    "empty-object": {},
}


def build(pair, command, id_name, with_empty_arguments):
    """The payload for each agent, and each as a value: ({name: bytes}, {name: dict})."""
    args, _ = COMMANDS[command]
    per_agent = args(pair) if callable(args) else {name: args for name in NAMES}
    payloads, sent = {}, {}
    for name in NAMES:
        a = per_agent[name]
        if a is OMIT and with_empty_arguments:
            a = {}
        payloads[name] = request(command, a, IDS[id_name])
        sent[name] = {"execute": command}
        if a is not OMIT:
            sent[name]["arguments"] = a
        if IDS[id_name] is not OMIT:
            sent[name]["id"] = IDS[id_name]
    return payloads, sent


def success_cases():
    for command, (args, _) in COMMANDS.items():
        variants = [False] if args is not OMIT else [False, True]
        for with_empty in variants:
            for id_name in IDS:
                suffix = "-empty-arguments" if with_empty else ""
                yield pytest.param(command, id_name, with_empty, id="%s-%s%s" % (
                    command, id_name, suffix))


@pytest.mark.parametrize("command,id_name,with_empty_arguments", list(success_cases()))
def test_command_replies_match(pair, command, id_name, with_empty_arguments):
    payloads, sent = build(pair, command, id_name, with_empty_arguments)
    payload = payloads[LEFT]
    sga, qga = single_replies(pair.exchange_each(payloads), payload)
    assert_equivalent(sga, qga, payload)
    sv, qv = sga.value, qga.value
    assert "return" in sv, sv
    assert sga.delimited == (command == "guest-sync-delimited")
    if "id" in sent[LEFT]:
        assert same_json(sv["id"], sent[LEFT]["id"]), (sv, sent)
    else:
        assert "id" not in sv
    COMMANDS[command][1](sv["return"], qv["return"], sent, pair)


def test_sync_values_are_echoed_alike(pair):
    for command in ("guest-sync", "guest-sync-delimited"):
        for value in (0, -1, 1, 2**31, 2**32 + 5, 2**63 - 1, -2**63):
            payload = request(command, {"id": value})
            sga, qga = single_replies(pair.exchange(payload), payload)
            assert_equivalent(sga, qga, payload)
            assert same_json(sga.value, {"return": value}), sga


def test_streamga_commands_all_have_differential_cases(pair):
    """A command added to streamga must get cases here (and leave QEMU_GA_ONLY_COMMANDS);
    an extension must be named in STREAMGA_ONLY_COMMANDS (and get its own tests)."""
    sga, _ = single_replies(pair.exchange(request("guest-info")))
    names = {c["name"] for c in sga.value["return"]["supported_commands"]}
    extensions = {n for n in names if n.startswith(EXTENSION_PREFIX)}
    upstream = names - extensions
    covered = set(COMMANDS) | set(NOT_DIFFERENTIAL) | set(NEWER_THAN_ORACLE)
    assert upstream <= covered, "no differential cases for %s" % sorted(upstream - covered)
    assert not set(COMMANDS) & set(NOT_DIFFERENTIAL)
    assert extensions == STREAMGA_ONLY_COMMANDS, (
        "extensions streamga lists: %s; STREAMGA_ONLY_COMMANDS: %s" % (
            sorted(extensions), sorted(STREAMGA_ONLY_COMMANDS)))
    assert all(n.startswith(EXTENSION_PREFIX) for n in STREAMGA_ONLY_COMMANDS)
    assert not set(COMMANDS) & STREAMGA_ONLY_COMMANDS


def test_extension_commands_are_streamga_only(pair):
    """qemu-ga does not know them (CommandNotFound); streamga runs them. With no
    process started, streamga's only possible answer is the unknown-pid error."""
    for command in sorted(STREAMGA_ONLY_COMMANDS):
        payload = request(command, {"pid": 1}, "x")
        sga, qga = single_replies(pair.exchange(payload), payload)
        assert same_json(qga.value, {"error": {
            "class": "CommandNotFound", "desc": "The command %s has not been found" % command},
            "id": "x"}), qga
        assert same_json(sga.value, {"error": {
            "class": "GenericError", "desc": "Invalid parameter 'pid'"}, "id": "x"}), sga


def test_qemu_ga_commands_are_covered_or_listed(pair):
    sga, qga = single_replies(pair.exchange(request("guest-info")))
    sga_names = {c["name"] for c in sga.value["return"]["supported_commands"]}
    qga_names = {c["name"] for c in qga.value["return"]["supported_commands"]}
    assert qga_names - sga_names <= QEMU_GA_ONLY_COMMANDS, sorted(qga_names - sga_names
                                                                  - QEMU_GA_ONLY_COMMANDS)
    assert QEMU_GA_ONLY_COMMANDS <= qga_names, sorted(QEMU_GA_ONLY_COMMANDS - qga_names)
    assert not (QEMU_GA_ONLY_COMMANDS & sga_names), sorted(QEMU_GA_ONLY_COMMANDS & sga_names)
    assert not (STREAMGA_ONLY_COMMANDS & qga_names), sorted(STREAMGA_ONLY_COMMANDS & qga_names)
    assert not (set(NEWER_THAN_ORACLE) & qga_names), sorted(set(NEWER_THAN_ORACLE) & qga_names)


def test_help_lists_the_commands_guest_info_lists(pair, agent_binary):
    """`streamga -b help` is the brief's list of implemented commands; it must match guest-info."""
    out = subprocess.run([agent_binary, "-b", "help"], capture_output=True, timeout=10,
                         check=True).stdout.decode().split()
    sga, _ = single_replies(pair.exchange(request("guest-info")))
    assert set(out) == {c["name"] for c in sga.value["return"]["supported_commands"]}


def test_blocked_commands_answer_alike(make_pair):
    pair = make_pair("-b", "guest-get-time,guest-ping")
    for command in ("guest-ping", "guest-get-time"):
        for payload in (request(command), request(command, {}, 17),
                        request(command, {"unexpected": 1}, "s")):
            sga, qga = single_replies(pair.exchange(payload), payload)
            assert_equivalent(sga, qga, payload)
            assert sga.value["error"] == {"class": "CommandNotFound",
                                          "desc": "Command %s has been disabled" % command}

    sga, qga = single_replies(pair.exchange(request("guest-info")))
    assert_equivalent(sga, qga)
    infos = {}
    for name, reply in ((LEFT, sga), (RIGHT, qga)):
        infos[name] = {c["name"]: c for c in reply.value["return"]["supported_commands"]}
        assert infos[name]["guest-ping"]["enabled"] is False, name
        assert infos[name]["guest-get-time"]["enabled"] is False, name
    for cmd_name, cmd in infos[LEFT].items():
        if cmd_name in ("guest-ping", "guest-get-time"):
            assert cmd["enabled"] is False, cmd
        # the others' state is qemu-ga's (some are disabled on Linux in both)
        if cmd_name in STREAMGA_ONLY_COMMANDS or cmd_name in NEWER_THAN_ORACLE:
            assert cmd["enabled"] is True, cmd
            continue
        assert same_json(cmd, infos[RIGHT][cmd_name]), (cmd, infos[RIGHT][cmd_name])

    # What is not blocked still works in both.
    sga, qga = single_replies(pair.exchange(request("guest-get-host-name", id=3)))
    assert_equivalent(sga, qga)
    assert same_json(sga.value, qga.value)
