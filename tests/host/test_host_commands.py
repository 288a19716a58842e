"""streamga-host's subcommands against real agents, streamga and Debian's qemu-ga: output checked against the agent's own replies."""
import json
import re

import pytest

from agentrun import wait_until
from hostrun import BLOCKED_COMMAND


def ok(r):
    assert r.returncode == 0, "exit %d; stderr: %s" % (r.returncode, r.stderr)
    assert r.stderr == ""
    return r.stdout


def test_ping_text(target):
    out = ok(target.host("ping"))
    assert re.fullmatch(r"guest agent answered in \d+\.\d ms\n", out), out


@pytest.mark.parametrize("opt", ["--json", "-j"])
def test_ping_json(target, opt):
    assert ok(target.host("ping", opts=[opt])) == "{}\n"


def test_info_json_is_guest_info(target):
    out = ok(target.host("info", opts=["--json"]))
    assert out.endswith("\n") and out.count("\n") == 1, "not a single line of JSON"
    assert json.loads(out) == target.call("guest-info")["return"]


def test_info_text(target):
    out = ok(target.host("info"))
    info = target.call("guest-info")["return"]
    lines = out.splitlines()
    assert lines[0] == "version: %s" % info["version"]
    assert re.fullmatch(r"COMMAND\s+ENABLED\s+REPLIES", lines[1]), lines[1]
    rows = [line.split() for line in lines[2:]]
    expected = [[c["name"], "yes" if c["enabled"] else "no", "yes" if c["success-response"] else "no"]
                for c in info["supported_commands"]]
    assert rows == expected
    assert [BLOCKED_COMMAND, "no", "yes"] in rows


def test_osinfo_json(target):
    out = ok(target.host("osinfo", opts=["--json"]))
    assert json.loads(out) == target.call("guest-get-osinfo")["return"]


def test_osinfo_text(target):
    out = ok(target.host("osinfo"))
    osinfo = target.call("guest-get-osinfo")["return"]
    printed = {}
    for line in out.splitlines():
        field, sep, value = line.partition(" ")
        assert sep, "not a 'field value' line: %r" % line
        printed[field] = value.strip()
    assert printed == {k: v for k, v in osinfo.items() if isinstance(v, str)}


@pytest.mark.parametrize("opts", [[], ["--json"]])
def test_call_guest_sync(target, opts):
    assert ok(target.host("call", "guest-sync", '{"id": 42}', opts=opts)) == "42\n"


def test_call_without_arguments(target):
    out = ok(target.host("call", "guest-get-host-name"))
    assert json.loads(out) == target.call("guest-get-host-name")["return"]


def test_call_json_output_is_one_line(target):
    out = ok(target.host("call", "guest-get-osinfo", "{}", opts=["-j"]))
    assert out.count("\n") == 1
    assert json.loads(out) == target.call("guest-get-osinfo")["return"]


def test_raw_prints_whole_reply(target):
    out = ok(target.host("raw", '{"execute": "guest-sync", "arguments": {"id": 7}, "id": "req-1"}'))
    assert json.loads(out) == {"return": 7, "id": "req-1"}


def test_bare_json_is_raw(target):
    out = ok(target.host('{"execute": "guest-ping"}'))
    assert json.loads(out) == {"return": {}}


def test_raw_json_output(target):
    out = ok(target.host("raw", '{"execute": "guest-ping"}', opts=["--json"]))
    assert out == '{"return": {}}\n'


@pytest.mark.parametrize("how", ["raw", "bare"])
def test_raw_error_reply_exits_1(target, how):
    request = '{"execute": "guest-no-such-command"}'
    r = target.host(*(["raw", request] if how == "raw" else [request]))
    assert r.returncode == 1, r.stderr
    reply = json.loads(r.stdout)
    assert reply["error"]["class"] == "CommandNotFound"
    assert "guest-no-such-command" in reply["error"]["desc"]


def test_call_unknown_command_exits_1(target):
    r = target.host("call", "guest-no-such-command")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("streamga-host: CommandNotFound: ")
    assert "guest-no-such-command" in r.stderr


def test_call_blocked_command_exits_1(target):
    r = target.host("call", BLOCKED_COMMAND)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == "streamga-host: CommandNotFound: Command %s has been disabled\n" % BLOCKED_COMMAND


def test_call_bad_arguments_exits_1(target):
    r = target.host("call", "guest-sync", '{"id": "not a number"}')
    assert r.returncode == 1
    assert r.stderr.startswith("streamga-host: GenericError: ")


@pytest.mark.parametrize("opt", ["-n", "--no-reply"])
def test_no_reply_sends_and_returns(target, opt):
    marker = 900000 + len(opt)
    r = target.host("raw", '{"execute": "guest-sync", "arguments": {"id": %d}}' % marker, opts=[opt])
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    # The agent got the request: with -v both agents log it (qemu-ga the request, streamga its reply).
    wait_until(lambda: str(marker).encode() in target.logfile.read_bytes(), "the agent to log the request")
    if target.kind == "streamga":
        # An unread reply is no reason for streamga to stop serving.
        assert target.call("guest-ping") == {"return": {}}
