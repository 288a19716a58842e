"""The control and system commands over unix-listen: exact replies, id echo, values
checked against what Python sees on the same machine."""
import json
import os
import socket
import subprocess
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest


def test_ping_reply_bytes(agent):
    with agent.connect() as c:
        c.send(b'{"execute": "guest-ping"}')
        assert c.read_line() == b'{"return": {}}'


@pytest.mark.parametrize("request_id, wire", [
    ("abc", b'"abc"'),
    (0, b"0"),
    (-17, b"-17"),
    (2 ** 63 - 1, b"9223372036854775807"),
    ({"k": [1, "two", None]}, b'{"k": [1, "two", null]}'),
    (None, b"null"),
    ([1, {"a": False}, []], b'[1, {"a": false}, []]'),
    (True, b"true"),
    ("caf\u00e9 \u2603", b'"caf\\u00E9 \\u2603"'),
], ids=["string", "zero", "negative", "int64-max", "object", "null", "list", "bool", "non-ascii"])
def test_id_is_echoed_for_any_json_type(agent, request_id, wire):
    with agent.connect() as c:
        c.send(json.dumps({"execute": "guest-ping", "id": request_id}))
        line = c.read_line()
        # qemu-style separators, ASCII-only output with \uXXXX escapes
        assert line == b'{"return": {}, "id": ' + wire + b"}"
        assert json.loads(line) == {"return": {}, "id": request_id}


@pytest.mark.parametrize("sync_id", [0, 1, -1, 4294967295, 2 ** 63 - 1, -2 ** 63])
def test_guest_sync_returns_id(agent, sync_id):
    with agent.connect() as c:
        c.send(b'{"execute": "guest-sync", "arguments": {"id": %d}}' % sync_id)
        line = c.read_line()
        assert line == b'{"return": %d}' % sync_id


@pytest.mark.parametrize("sync_id", [0, 12345, 2 ** 63 - 1, -2 ** 63])
def test_guest_sync_delimited_starts_with_ff(agent, sync_id):
    with agent.connect() as c:
        c.send(b'{"execute": "guest-sync-delimited", "arguments": {"id": %d}, "id": "d"}' % sync_id)
        line = c.read_line()
        assert line == b'\xff{"return": %d, "id": "d"}' % sync_id
        # Only the sync reply is delimited: a following ping is plain.
        c.send(b'{"execute": "guest-ping"}')
        assert c.read_line() == b'{"return": {}}'


def test_guest_info(agent, agent_binary):
    listed = subprocess.run([agent_binary, "-b", "help"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=10, check=True)
    help_names = listed.stdout.decode().split()
    assert help_names, "streamga -b help listed no commands"

    with agent.connect() as c:
        reply = c.call("guest-info")
    info = reply["return"]
    assert set(info) == {"version", "supported_commands"}
    assert info["version"] == "7.2.0"
    names = [cmd["name"] for cmd in info["supported_commands"]]
    assert len(names) == len(set(names)), "a command is listed twice: %r" % names
    assert sorted(names) == sorted(help_names)
    for cmd in info["supported_commands"]:
        assert set(cmd) == {"name", "enabled", "success-response"}
        assert isinstance(cmd["enabled"], bool) and isinstance(cmd["success-response"], bool)
    by_name = {cmd["name"]: cmd for cmd in info["supported_commands"]}
    for name in ("guest-sync", "guest-sync-delimited", "guest-ping", "guest-info"):
        assert by_name[name]["enabled"] is True
        assert by_name[name]["success-response"] is True


def test_guest_info_reports_blocked_command_disabled(make_agent):
    agent = make_agent("-b", "guest-get-time")
    with agent.connect() as c:
        info = c.call("guest-info")["return"]
        by_name = {cmd["name"]: cmd for cmd in info["supported_commands"]}
        assert by_name["guest-get-time"]["enabled"] is False
        assert by_name["guest-ping"]["enabled"] is True
        # Blocked commands answer CommandNotFound in qemu-ga 7.2.
        err = c.call("guest-get-time")["error"]
        assert err["class"] == "CommandNotFound"
    assert agent.stop() == 0, agent.stderr()


# ---- guest-get-osinfo ---------------------------------------------------------

def os_release_value(raw):
    """A value as os-release(5) defines it: shell quoting, unquoted up to a blank."""
    import shlex
    words = shlex.split(raw, comments=False, posix=True)
    return words[0] if words else ""


def os_release_fields(path):
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, raw = line.partition("=")
            fields[key] = os_release_value(raw)
    return fields


OSINFO_KEYS = {"id": "ID", "name": "NAME", "pretty-name": "PRETTY_NAME", "version": "VERSION",
               "version-id": "VERSION_ID", "variant": "VARIANT", "variant-id": "VARIANT_ID"}


def osinfo_with(make_agent, os_release_path):
    agent = make_agent(start=False)
    agent.env.pop("QGA_OS_RELEASE", None)
    if os_release_path is not None:
        agent.env["QGA_OS_RELEASE"] = str(os_release_path)
    agent.start()
    with agent.connect() as c:
        ret = c.call("guest-get-osinfo")["return"]
    assert agent.stop() == 0, agent.stderr()
    return ret


def test_osinfo_matches_uname_and_os_release(make_agent):
    ret = osinfo_with(make_agent, None)
    u = os.uname()
    assert ret["kernel-release"] == u.release
    assert ret["kernel-version"] == u.version
    assert ret["machine"] == u.machine
    path = "/etc/os-release" if os.path.exists("/etc/os-release") else "/usr/lib/os-release"
    fields = os_release_fields(path)
    expected = {member: fields[key] for member, key in OSINFO_KEYS.items() if key in fields}
    assert expected, "no os-release fields on this machine to compare with"
    got = {member: ret[member] for member in OSINFO_KEYS if member in ret}
    assert got == expected


def write_os_release(tmp_path, content):
    path = tmp_path / "os-release"
    path.write_bytes(content)
    return path


def os_release_members(ret):
    return {k: v for k, v in ret.items() if k not in ("kernel-release", "kernel-version", "machine")}


def test_osinfo_custom_file_quoting(make_agent, tmp_path):
    path = write_os_release(tmp_path, (
        b'# a comment line: ID=commented\n'
        b'ID=plain\n'
        b'NAME="Quoted \\"Name\\" costs \\$5 \\\\ \\`tick\\`"\n'
        b"PRETTY_NAME='Single Quoted With Spaces'\n"
        b'VERSION=12 (unquoted stops at the blank)\n'
        b'VERSION_ID="12.1"\n'
        b'    # indented comment: VARIANT=no\n'
        b'VARIANT_ID=server;trailer\n'
    ))
    ret = osinfo_with(make_agent, path)
    assert ret["kernel-release"] == os.uname().release
    # Single-quoted values: os-release(5) shell quoting. qemu-ga 7.2 keeps the quote
    # and cuts at the first blank ("'Single") - streamga deliberately follows the spec.
    assert os_release_members(ret) == {
        "id": "plain",
        "name": 'Quoted "Name" costs $5 \\ `tick`',
        "pretty-name": "Single Quoted With Spaces",
        "version": "12",
        "version-id": "12.1",
        "variant-id": "server",
    }


def test_osinfo_custom_file_crlf(make_agent, tmp_path):
    path = write_os_release(tmp_path, b'ID=crlf\r\nNAME="Windows Edited"\r\nVERSION_ID=7\r\n')
    ret = osinfo_with(make_agent, path)
    assert os_release_members(ret) == {"id": "crlf", "name": "Windows Edited", "version-id": "7"}


def test_osinfo_custom_file_missing_keys_are_left_out(make_agent, tmp_path):
    path = write_os_release(tmp_path, b"ID=only-id\nUNRELATED=1\n")
    ret = osinfo_with(make_agent, path)
    assert os_release_members(ret) == {"id": "only-id"}
    assert set(ret) >= {"kernel-release", "kernel-version", "machine"}


def test_osinfo_custom_file_not_utf8(make_agent, tmp_path):
    path = write_os_release(tmp_path, b'ID=latin1\nNAME="caf\xe9"\n')
    ret = osinfo_with(make_agent, path)
    assert os_release_members(ret) == {}
    assert ret["machine"] == os.uname().machine


def test_osinfo_custom_file_missing(make_agent, tmp_path):
    # QGA_OS_RELEASE replaces the default files: a missing one means no os-release data.
    ret = osinfo_with(make_agent, tmp_path / "does-not-exist")
    assert os_release_members(ret) == {}
    assert ret["kernel-release"] == os.uname().release


# ---- host name, time, time zone ----------------------------------------------

def test_host_name(agent):
    with agent.connect() as c:
        assert c.call("guest-get-host-name") == {"return": {"host-name": socket.gethostname()}}


def test_time_is_now(agent):
    with agent.connect() as c:
        before = time.time_ns()
        ret = c.call("guest-get-time")["return"]
        after = time.time_ns()
    assert isinstance(ret, int)
    # ±5 s, so a loaded CI machine still passes; the unit is nanoseconds.
    assert before - 5 * 10 ** 9 <= ret <= after + 5 * 10 ** 9


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_timezone(make_agent, tz):
    agent = make_agent(env={"TZ": tz})
    zone = ZoneInfo(tz)

    def expected():
        now = datetime.now(timezone.utc).astimezone(zone)
        return {"zone": now.tzname(), "offset": int(now.utcoffset().total_seconds())}

    before = expected()
    with agent.connect() as c:
        ret = c.call("guest-get-timezone")["return"]
    after = expected()
    assert agent.stop() == 0, agent.stderr()
    # A DST switch between the two reads would make either answer right.
    assert ret in (before, after)
    if tz == "Asia/Kolkata":
        assert ret == {"zone": "IST", "offset": 19800}
    elif tz == "America/New_York":
        assert ret["offset"] in (-18000, -14400)
    else:
        assert ret == {"zone": "UTC", "offset": 0}
