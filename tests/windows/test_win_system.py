"""The system, clock, power and users families of streamga.exe under wine, against what wine and Linux report.

guest-get-host-name, -osinfo, -time and -timezone are read from the system
and compared with wine's own answers (its registry, `ver`, the Linux host
name and clock, `date` under the same TZ). The commands that would change the
machine run under --system-root, where they write what they would have done
to <root>/streamga-actions instead: SetSystemTime, ExitWindowsEx,
SetSuspendState and NetUserSetInfo are never called for real here (under
wine NetUserSetInfo is unimplemented and aborts the process). Only paths that
fail before reaching the system run without a fake root.
"""
import os
import platform
import re
import socket
import subprocess
import time

import pytest

from systemtree import SystemTree
from wineagent import win_path

# Time for an action taken after the (absent) reply to reach the record:
# guest-shutdown waits 100 ms, a suspend the next idle moment of the loop.
RECORD_TIMEOUT = 10.0
# guest-get-time and Python read the same clock; the bound only absorbs the
# round trip through wine (it is not a speed requirement).
SAME_CLOCK_SLACK_NS = 2 * 10**9

CURRENT_VERSION_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
PRODUCT_OPTIONS_KEY = r"HKLM\System\CurrentControlSet\Control\ProductOptions"
COMPUTER_NAME_KEY = r"HKLM\System\CurrentControlSet\Control\ComputerName\ComputerName"
APP_DEFAULTS_KEY = r"HKCU\Software\Wine\AppDefaults\%s"

OSINFO_KEYS = {"kernel-release", "kernel-version", "machine", "id", "name", "pretty-name",
               "version", "version-id", "variant", "variant-id"}
UNSUPPORTED = "this feature or command is not currently supported"


def reg_values(prefix, key):
    """The values of a registry key as `wine reg query` lists them: {name: data}."""
    out = prefix.run("reg", "query", key, check=True).stdout.decode("utf-8", "replace")
    values = {}
    for line in out.replace("\r", "").splitlines():
        m = re.match(r"^    (\S.*?)    (REG_\w+)    ?(.*)$", line)
        if m:
            values[m.group(1)] = m.group(3)
    return values


def fake_root(tmp_path):
    root = SystemTree(tmp_path / "root")
    os.makedirs(root.path)
    return root


def rooted_agent(make_win_agent, root):
    return make_win_agent("--system-root=" + win_path(root.path))


def wait_actions(root, count):
    """The record once it holds count lines (it is written after the command returns)."""
    deadline = time.monotonic() + RECORD_TIMEOUT
    while len(root.actions()) < count:
        assert time.monotonic() < deadline, "recorded %r, expected %d lines" % (root.actions(), count)
        time.sleep(0.05)
    return root.actions()


def error_of(reply):
    assert "error" in reply, reply
    return reply["error"]["class"], reply["error"]["desc"]


# --- guest-get-host-name ----------------------------------------------------

def test_host_name_is_the_computer_name(win_agent, wine_prefix):
    """qemu-ga reports GetComputerNameW: the NetBIOS name, which wine makes of
    the Linux host name (first label, upper case, at most 15 characters) and
    keeps in the registry."""
    with win_agent.connect() as c:
        name = c.call("guest-get-host-name")["return"]["host-name"]
    assert name == reg_values(wine_prefix, COMPUTER_NAME_KEY)["ComputerName"]
    assert name == socket.gethostname().split(".")[0].upper()[:15]


# --- guest-get-osinfo -------------------------------------------------------

def test_osinfo_from_the_registry_and_ntdll(win_agent, wine_prefix):
    with win_agent.connect() as c:
        info = c.call("guest-get-osinfo")["return"]
    assert set(info) == OSINFO_KEYS
    assert all(isinstance(v, str) for v in info.values()), info
    current = reg_values(wine_prefix, CURRENT_VERSION_KEY)
    product = reg_values(wine_prefix, PRODUCT_OPTIONS_KEY)
    assert info["id"] == "mswindows"
    assert info["name"] == "Microsoft Windows"
    assert info["pretty-name"] == current["ProductName"]
    assert info["kernel-release"] == current["CurrentBuildNumber"]
    assert info["kernel-version"] == current["CurrentVersion"]
    # a 64-bit wine on this Linux machine: the same architecture, in uname's words
    assert info["machine"] == platform.machine()
    variant = "client" if product["ProductType"] == "WinNT" else "server"
    assert info["variant"] == info["variant-id"] == variant


def windows_ver(prefix):
    """major.minor and build of the version `ver` (cmd.exe) reports."""
    out = prefix.run("cmd", "/c", "ver", check=True).stdout.decode("utf-8", "replace")
    m = re.search(r"(\d+\.\d+)\.(\d+)", out)
    assert m, out
    return m.group(1), m.group(2)


# The names qemu-ga's tables (qga/commands-win32.c) give a version: by
# major.minor and server-ness, and for 10.0 by the first build of each.
QEMU_GA_RELEASES = {
    ("5.0", False): ("Microsoft Windows 2000", "2000"),
    ("5.1", False): ("Microsoft Windows XP", "xp"),
    ("6.0", False): ("Microsoft Windows Vista", "vista"),
    ("6.1", False): ("Microsoft Windows 7", "7"),   # qemu-ga 7.2 lacks a comma: "...77", no id
    ("6.2", False): ("Microsoft Windows 8", "8"),
    ("6.3", False): ("Microsoft Windows 8.1", "8.1"),
    ("5.2", True): ("Microsoft Windows Server 2003", "2003"),
    ("6.0", True): ("Microsoft Windows Server 2008", "2008"),
    ("6.1", True): ("Microsoft Windows Server 2008 R2", "2008r2"),
    ("6.2", True): ("Microsoft Windows Server 2012", "2012"),
    ("6.3", True): ("Microsoft Windows Server 2012 R2", "2012r2"),
}
QEMU_GA_BUILDS_10 = {
    False: [(10240, "Microsoft Windows 10", "10"), (22000, "Microsoft Windows 11", "11")],
    True: [(14393, "Microsoft Windows Server 2016", "2016"), (17763, "Microsoft Windows Server 2019", "2019"),
           (20344, "Microsoft Windows Server 2022", "2022")],
}


def qemu_ga_names(kernel_version, build, server):
    """version and version-id for a release; "N/A" where qemu-ga's tables have none."""
    if kernel_version == "10.0":
        names = [(v, i) for first, v, i in QEMU_GA_BUILDS_10[server] if int(build) >= first]
        return names[-1] if names else ("N/A", "N/A")
    return QEMU_GA_RELEASES.get((kernel_version, server), ("N/A", "N/A"))


def test_osinfo_version_names_of_the_prefix(win_agent, wine_prefix):
    """The prefix's own version (wine's default), as its registry states it."""
    with win_agent.connect() as c:
        info = c.call("guest-get-osinfo")["return"]
    current = reg_values(wine_prefix, CURRENT_VERSION_KEY)
    product = reg_values(wine_prefix, PRODUCT_OPTIONS_KEY)
    server = product["ProductType"] != "WinNT"
    assert (info["version"], info["version-id"]) == qemu_ga_names(
        current["CurrentVersion"], current["CurrentBuildNumber"], server)


# wine's version settings (per program, HKCU\Software\Wine\AppDefaults) and
# whether wine makes each a server. Left out: win7 and win2008r2, whose
# server-ness wine 8 swaps when set per program (win7 comes out a server).
WINE_VERSIONS = [
    ("win10", False),
    ("win81", False),
    ("win8", False),
    ("vista", False),
    ("win2008", True),
    ("win2003", True),
    ("winxp64", False),     # 5.2 workstation: in neither of qemu-ga's tables
]


@pytest.mark.parametrize("wine_version,server", WINE_VERSIONS, ids=[v[0] for v in WINE_VERSIONS])
def test_osinfo_names_the_running_version(make_win_agent, wine_prefix, win_exe, wine_version,
                                          server):
    """With wine told to be another Windows for streamga.exe and cmd.exe alone,
    the agent's numbers are those `ver` shows and its names those of qemu-ga's
    tables; pretty-name stays the registry's."""
    programs = [os.path.basename(win_exe), "cmd.exe"]
    try:
        for program in programs:
            wine_prefix.run("reg", "add", APP_DEFAULTS_KEY % program, "/v", "Version", "/d",
                            wine_version, "/f", check=True)
        kernel_version, build = windows_ver(wine_prefix)
        # the setting took: none of these is the prefix's own version
        assert kernel_version != reg_values(wine_prefix, CURRENT_VERSION_KEY)["CurrentVersion"]
        with make_win_agent().connect() as c:
            info = c.call("guest-get-osinfo")["return"]
    finally:
        for program in programs:
            wine_prefix.run("reg", "delete", APP_DEFAULTS_KEY % program, "/f")
    assert (info["kernel-version"], info["kernel-release"]) == (kernel_version, build)
    assert (info["version"], info["version-id"]) == qemu_ga_names(kernel_version, build, server)
    assert info["variant"] == info["variant-id"] == ("server" if server else "client")
    assert info["pretty-name"] == reg_values(wine_prefix, CURRENT_VERSION_KEY)["ProductName"]


# --- guest-get-time, guest-get-timezone --------------------------------------

def test_time_is_the_linux_clock(win_agent):
    with win_agent.connect() as c:
        before = time.time_ns()
        now = c.call("guest-get-time")["return"]
        after = time.time_ns()
    assert isinstance(now, int)
    assert before - SAME_CLOCK_SLACK_NS <= now <= after + SAME_CLOCK_SLACK_NS


def linux_zone(tz):
    """(abbreviation, offset in seconds) that Linux's date gives under TZ (None: unset)."""
    env = dict(os.environ)
    env.pop("TZ", None)
    if tz is not None:
        env["TZ"] = tz
    out = subprocess.run(["date", "+%z %Z"], env=env, capture_output=True, text=True, check=True,
                         timeout=30).stdout.split()
    sign = -1 if out[0][0] == "-" else 1
    offset = sign * (int(out[0][1:3]) * 3600 + int(out[0][3:5]) * 60)
    return out[1], offset


@pytest.mark.parametrize("tz", ["IST-5:30", "<+0330>-3:30", "EST5EDT,M3.2.0,M11.1.0",
                                "NZST-12NZDT,M9.5.0,M4.1.0/3", "UTC0"])
def test_timezone_follows_a_posix_tz(make_win_agent, tz):
    """glib reads TZ on Windows as elsewhere (for POSIX rules; it has no zoneinfo
    there): the zone and offset are those Linux gives the same TZ now."""
    agent = make_win_agent(env={"TZ": tz})
    with agent.connect() as c:
        reply = c.call("guest-get-timezone")["return"]
    zone, offset = linux_zone(tz)
    assert reply == {"zone": zone, "offset": offset}


def test_timezone_without_tz_is_wines(make_win_agent):
    """Without TZ, glib asks Windows, whose zone wine takes from the Linux host's."""
    agent = make_win_agent(start=False)
    agent.env.pop("TZ", None)
    agent.start()
    with agent.connect() as c:
        reply = c.call("guest-get-timezone")["return"]
    assert set(reply) == {"zone", "offset"}
    assert isinstance(reply["zone"], str) and reply["zone"]
    assert reply["offset"] == linux_zone(None)[1]


# --- guest-set-time ---------------------------------------------------------

@pytest.mark.parametrize("time_ns,recorded", [
    (1000000000123456789, "clock_settime 1000000000.123456000"),
    (0, "clock_settime 0.000000000"),
    # no year window on Windows (qemu-ga's Linux code stops at 2070)
    (4102444800 * 10**9, "clock_settime 4102444800.000000000"),
    (2**63 - 1, "clock_settime 9223372036.854775000"),
])
def test_set_time_is_recorded_not_set(make_win_agent, tmp_path, time_ns, recorded):
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        assert c.call("guest-set-time", {"time": time_ns}) == {"return": {}}
        before = time.time_ns()
        now = c.call("guest-get-time")["return"]
        after = time.time_ns()
    assert root.actions() == [recorded]
    # the clock is untouched: still Linux's
    assert before - SAME_CLOCK_SLACK_NS <= now <= after + SAME_CLOCK_SLACK_NS


def test_set_time_without_time_records_a_resync(make_win_agent, tmp_path):
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        assert c.call("guest-set-time") == {"return": {}}
    assert root.actions() == ["exec w32tm /resync /nowait"]


def test_set_time_refusals(make_win_agent, tmp_path):
    """qemu-ga's Windows check and words (sic: no space before "is"); nothing recorded."""
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        assert error_of(c.call("guest-set-time", {"time": -1})) == (
            "GenericError", "Time -1is invalid")
        assert error_of(c.call("guest-set-time", {"time": -(2**63)})) == (
            "GenericError", "Time -9223372036854775808is invalid")
        assert error_of(c.call("guest-set-time", {"time": "1"})) == (
            "GenericError", "Invalid parameter type for 'time', expected: integer")
        assert error_of(c.call("guest-set-time", {"time": 1.5})) == (
            "GenericError", "Invalid parameter type for 'time', expected: integer")
    assert root.actions() == []


def test_resync_without_w32tm_fails(win_agent):
    """Without a fake root the agent runs <system32>\\w32tm.exe, which wine lacks:
    qemu-ga's words for a w32tm that could not run, with the system's reason.
    (A resync request, not a setting: the clock is not touched either way.)"""
    with win_agent.connect() as c:
        cls, desc = error_of(c.call("guest-set-time"))
    assert cls == "GenericError"
    assert desc.startswith("system(...) failed: ") and len(desc) > len("system(...) failed: ")


# --- guest-shutdown ---------------------------------------------------------

@pytest.mark.parametrize("arguments,recorded", [
    (None, "reboot POWER_OFF"),
    ({"mode": "powerdown"}, "reboot POWER_OFF"),
    ({"mode": "halt"}, "reboot HALT_SYSTEM"),
    ({"mode": "reboot"}, "reboot AUTOBOOT"),
])
def test_shutdown_is_recorded(make_win_agent, tmp_path, arguments, recorded):
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        c.send(b'{"execute": "guest-shutdown"%s}' % (
            b', "arguments": {"mode": "%s"}' % arguments["mode"].encode() if arguments else b""))
        assert wait_actions(root, 1) == [recorded]
        # no reply of its own; the agent (nothing was shut down) answers on
        assert c.call("guest-ping", id=1) == {"return": {}, "id": 1}
    assert root.actions() == [recorded]


def test_shutdown_mode_errors(make_win_agent, tmp_path):
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        # qemu-ga's Windows words (its Linux code says "mode is invalid ...")
        assert error_of(c.call("guest-shutdown", {"mode": "sleep"})) == (
            "GenericError", "Parameter 'mode' expects 'halt', 'powerdown', or 'reboot'")
        assert error_of(c.call("guest-shutdown", {"mode": 1})) == (
            "GenericError", "Invalid parameter type for 'mode', expected: string")
        assert c.no_reply_within(0.5)
    assert root.actions() == []


# --- guest-suspend-ram, -disk, -hybrid --------------------------------------

@pytest.mark.parametrize("command,recorded", [
    ("guest-suspend-ram", "SetSuspendState ram"),
    ("guest-suspend-disk", "SetSuspendState disk"),
])
def test_suspend_is_recorded(make_win_agent, tmp_path, command, recorded):
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        c.send(b'{"execute": "%s"}' % command.encode())
        assert wait_actions(root, 1) == [recorded]
        assert c.call("guest-ping", id=2) == {"return": {}, "id": 2}
    assert root.actions() == [recorded]


def test_suspend_ram_follows_the_power_capabilities(win_agent):
    """Without a fake root the machine's capabilities decide: wine 8's
    GetPwrCapabilities offers no S3, so qemu-ga's refusal comes back before
    anything is attempted (wine's SetSuspendState is a stub besides)."""
    with win_agent.connect() as c:
        assert error_of(c.call("guest-suspend-ram")) == (
            "GenericError", "Guest agent command failed, error was 'suspend-to-ram not supported by OS'")


def test_suspend_commands_in_guest_info(win_agent):
    """ram and disk are enabled; hybrid is not a Windows command (qemu-ga blocks it)."""
    with win_agent.connect() as c:
        info = c.call("guest-info")["return"]
        hybrid = c.call("guest-suspend-hybrid")
    enabled = {cmd["name"]: cmd["enabled"] for cmd in info["supported_commands"]}
    success_response = {cmd["name"]: cmd["success-response"] for cmd in info["supported_commands"]}
    assert enabled["guest-suspend-ram"] and enabled["guest-suspend-disk"]
    assert not success_response["guest-suspend-ram"] and not success_response["guest-suspend-disk"]
    assert not enabled.get("guest-suspend-hybrid", False)
    assert error_of(hybrid)[0] == "CommandNotFound"


# --- guest-get-users, guest-set-user-password --------------------------------

def test_users_are_listed_with_the_schemas_keys(win_agent):
    """WTS sessions' users: {user, domain, login-time}. Wine has no sessions to
    enumerate, so the list is empty there; each entry is checked all the same."""
    with win_agent.connect() as c:
        users = c.call("guest-get-users")["return"]
    assert isinstance(users, list)
    for user in users:
        assert set(user) == {"user", "domain", "login-time"}
        assert isinstance(user["user"], str) and user["user"]
        assert isinstance(user["domain"], str)
        assert isinstance(user["login-time"], (int, float))
    assert len({u["user"] for u in users}) == len(users)


def test_crypted_password_is_unsupported(make_win_agent, tmp_path):
    """qemu-ga refuses a hash on Windows before reading anything else (the
    base64 here is invalid too); nothing is recorded."""
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        for password in ("cGFzcw==", "!!not base64"):
            assert error_of(c.call("guest-set-user-password", {
                "username": "Administrator", "password": password, "crypted": True})) == (
                "GenericError", UNSUPPORTED)
    assert root.actions() == []


def test_crypted_password_is_unsupported_without_a_fake_root(win_agent):
    with win_agent.connect() as c:
        assert error_of(c.call("guest-set-user-password", {
            "username": "Administrator", "password": "cGFzcw==", "crypted": True})) == (
            "GenericError", UNSUPPORTED)


def test_password_is_recorded_without_the_password(make_win_agent, tmp_path):
    """The plain password goes to NetUserSetInfo level 1003; recorded, only the
    user is written down (escaped to one line). Windows has no chpasswd line
    format to protect: newlines and colons pass."""
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        assert c.call("guest-set-user-password", {
            "username": "Administrator", "password": "c2VjcmV0OnBhc3MK", "crypted": False}) == {
            "return": {}}
        assert c.call("guest-set-user-password", {
            "username": "we:ird\nname", "password": "c2VjcmV0", "crypted": False}) == {
            "return": {}}
    assert root.actions() == ["NetUserSetInfo Administrator 1003", "NetUserSetInfo we:ird\\nname 1003"]
    with open(os.path.join(root.path, "streamga-actions"), "rb") as f:
        assert b"secret" not in f.read()


def test_password_errors(make_win_agent, tmp_path):
    root = fake_root(tmp_path)
    agent = rooted_agent(make_win_agent, root)
    with agent.connect() as c:
        # qemu-ga converts the password to UTF-16 and reports glib's reason
        assert error_of(c.call("guest-set-user-password", {
            "username": "Administrator", "password": "/w==", "crypted": False})) == (
            "GenericError", "Guest agent command failed, error was "
                            "'Invalid byte sequence in conversion input'")
        assert error_of(c.call("guest-set-user-password", {
            "username": "Administrator", "password": "!!", "crypted": False})) == (
            "GenericError", "Base64 data contains invalid characters")
        assert error_of(c.call("guest-set-user-password", {
            "username": "Administrator", "password": "cGFzcw=="})) == (
            "GenericError", "Parameter 'crypted' is missing")
    assert root.actions() == []
