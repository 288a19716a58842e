"""The filesystems and disks family of streamga.exe under wine: guest-get-fsinfo, guest-get-disks, guest-fstrim.

What the agent reports is compared with wine's own records: its volumes and
drive letters (HKLM\\SYSTEM\\MountedDevices, which mountmgr keeps as Windows
does), the Linux directories behind the drives (the prefix's dosdevices links)
and their sizes (os.statvfs), the drive types wine is told (HKLM\\Software\\
Wine\\Drives). guest-fstrim runs defrag.exe from the system directory: wine
has none, so without a fake root every volume reports the spawn error; a
stand-in (tests/windows/progs/sga-defrag.c) put there for a test shows the
command line and the parsing of defrag's report. Under --system-root the runs
are recorded instead. Windows versions are chosen per program through wine's
AppDefaults (qemu-ga trims on Windows 8 and later only).

Wine cannot show: disk extents (it answers IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS
with none, so every volume's "disk" list is empty), disk device interfaces
(SetupDi lists none, so guest-get-disks is empty), volumes mounted nowhere.
"""
import os
import re
import shutil
import time

import pytest

from systemtree import SystemTree
from wineagent import win_path

MOUNTED_DEVICES_KEY = r"HKLM\SYSTEM\MountedDevices"
WINE_DRIVES_KEY = r"HKLM\Software\Wine\Drives"
APP_DEFAULTS_KEY = r"HKCU\Software\Wine\AppDefaults\%s"
# GUID_DEVINTERFACE_DISK's registrations, which SetupDi enumerates
DISK_INTERFACES_KEY = r"HKLM\System\CurrentControlSet\Control\DeviceClasses\{53F56307-B6BF-11D0-94F2-00A0C91EFB8B}"

VOLUME_NAME = re.compile(r"^\\\\\?\\Volume\{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}\\$")
# What wine's GetVolumeInformation names the filesystem of a drive on a Linux
# directory, by the type wine is told for the drive (measured, wine 8.0).
WINE_FS_TYPES = {"hd": "NTFS", "cdrom": "CDFS"}
# Disk usage moves while the agent and statvfs look at it (other processes
# write): used bytes are checked against statvfs before and after, this far out.
USED_BYTES_SLACK = 256 << 20
# glib's words for a program that could not be started (qemu-ga's g_spawn_sync)
SPAWN_NOENT = "Failed to execute child process (No such file or directory)"
DEFRAG_FAILURE = "The operation requested is not supported by the hardware backing the volume. (0x8900002A)"
FSFREEZE_COMMANDS = ["guest-fsfreeze-status", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list",
                     "guest-fsfreeze-thaw"]
WAIT_TIMEOUT = 60.0


def reg_lines(prefix, key):
    """`wine reg query key`'s value lines as (name, type, data), or None when the key is absent."""
    proc = prefix.run("reg", "query", key)
    if proc.returncode != 0:
        return None
    values = []
    for line in proc.stdout.decode("utf-8", "replace").replace("\r", "").splitlines():
        m = re.match(r"^    (\S.*?)    (REG_\w+)    ?(.*)$", line)
        if m:
            values.append(m.groups())
    return values


def wine_volumes(prefix):
    """Wine's volumes in its own order: [(volume GUID path, "X:\\")], from the
    MountedDevices records (a volume and its drive letter share their data)."""
    values = reg_lines(prefix, MOUNTED_DEVICES_KEY) or []
    letters = {data: name[len("\\DosDevices\\"):] for name, _, data in values
               if name.startswith("\\DosDevices\\")}
    volumes = []
    for name, _, data in values:
        if name.startswith("\\??\\Volume{"):
            assert data in letters, "volume %s has no drive letter in %r" % (name, values)
            volumes.append(("\\\\?\\" + name[len("\\??\\"):] + "\\", letters[data] + "\\"))
    return volumes


def drive_types(prefix):
    """The types wine is told for drives ({"d:": "cdrom"}); the others are hard disks."""
    return {name.lower(): data for name, _, data in reg_lines(prefix, WINE_DRIVES_KEY) or []}


def drive_dir(prefix, mountpoint):
    """The Linux directory behind a drive ("C:\\"), from the prefix's dosdevices link."""
    return os.path.realpath(os.path.join(prefix.path, "dosdevices", mountpoint[0].lower() + ":"))


def used_bytes(path):
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bavail) * st.f_frsize


def wait_for(predicate, what):
    deadline = time.monotonic() + WAIT_TIMEOUT
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.2)


@pytest.fixture
def windows_version(wine_prefix, win_exe):
    """Set the Windows version wine shows streamga.exe (AppDefaults) for one test."""
    program = os.path.basename(win_exe)

    def set_version(version):
        wine_prefix.run("reg", "add", APP_DEFAULTS_KEY % program, "/v", "Version", "/d", version, "/f",
                        check=True)

    yield set_version
    wine_prefix.run("reg", "delete", APP_DEFAULTS_KEY % program, "/f")


@pytest.fixture
def cdrom_drive(wine_prefix, tmp_path):
    """A CD-ROM drive on a Linux directory, for one test: a dosdevices link, its
    type in wine's Drives key, and a restart of the wineserver so that mountmgr
    makes a volume of it. Undone (and the volume gone) afterwards."""
    dosdevices = os.path.join(wine_prefix.path, "dosdevices")
    letter = next(c for c in "yxwvutsrqponmlkjihgfed" if not os.path.lexists(os.path.join(dosdevices, c + ":")))
    link = os.path.join(dosdevices, letter + ":")
    backing = tmp_path / "cdrom"
    backing.mkdir()
    mountpoint = letter.upper() + ":\\"

    def mounted():
        return any(m == mountpoint for _, m in wine_volumes(wine_prefix))

    os.symlink(str(backing), link)
    try:
        wine_prefix.run("reg", "add", WINE_DRIVES_KEY, "/v", letter + ":", "/d", "cdrom", "/f", check=True)
        wine_prefix.kill()
        wait_for(mounted, "wine to mount " + mountpoint)
        yield mountpoint
    finally:
        os.unlink(link)
        wine_prefix.run("reg", "delete", WINE_DRIVES_KEY, "/v", letter + ":", "/f")
        wine_prefix.kill()
        wait_for(lambda: not mounted(), "wine to forget " + mountpoint)


@pytest.fixture
def fake_defrag(wine_prefix, win_build_dir, tmp_path):
    """The defrag.exe stand-in in the prefix's system directory for one test;
    yields the environment that makes it log its arguments (the log's path is
    env["log"], not passed on)."""
    src = os.path.join(win_build_dir, "tests", "windows", "sga-defrag.exe")
    assert os.path.isfile(src), "%s is not built" % src
    dest = os.path.join(wine_prefix.path, "drive_c", "windows", "system32", "defrag.exe")
    assert not os.path.exists(dest), "wine has a defrag.exe of its own: " + dest
    log = tmp_path / "defrag.log"
    shutil.copyfile(src, dest)
    try:
        yield {"SGA_DEFRAG_LOG": win_path(log)}, log
    finally:
        os.unlink(dest)


def defrag_runs(log):
    try:
        return [line.split("|") for line in log.read_text(encoding="utf-8").splitlines()]
    except FileNotFoundError:
        return []


# ---- which commands there are ------------------------------------------------------------


def test_guest_info_enables_fsinfo_disks_fstrim_not_fsfreeze(win_agent):
    with win_agent.connect() as conn:
        info = conn.call_ok("guest-info")
    enabled = {c["name"]: c["enabled"] for c in info["supported_commands"]}
    for command in ["guest-get-fsinfo", "guest-get-disks", "guest-fstrim"]:
        assert enabled[command] is True, command
    # No VSS provider: the freeze family stays off, as in a qemu-ga without VSS.
    for command in FSFREEZE_COMMANDS:
        assert enabled[command] is False, command


@pytest.mark.parametrize("command", FSFREEZE_COMMANDS)
def test_fsfreeze_commands_are_disabled(win_agent, command):
    with win_agent.connect() as conn:
        reply = conn.call(command)
    assert reply == {"error": {"class": "CommandNotFound", "desc": "Command %s has been disabled" % command}}


# ---- guest-get-fsinfo ---------------------------------------------------------------------


def check_fsinfo(prefix, before, reply, after, types):
    """reply against wine's volumes: names, mount points, types, sizes, order."""
    volumes = wine_volumes(prefix)
    assert volumes, "wine records no volume"
    # qemu-ga lists the last volume found first.
    assert [(fs["name"], fs["mountpoint"]) for fs in reply] == volumes[::-1]
    for fs in reply:
        assert VOLUME_NAME.match(fs["name"]), fs["name"]
        assert set(fs) == {"name", "mountpoint", "type", "used-bytes", "total-bytes", "disk"}, fs
        drive = fs["mountpoint"][:2].lower()
        assert fs["type"] == WINE_FS_TYPES[types.get(drive, "hd")], fs
        path = drive_dir(prefix, fs["mountpoint"])
        st = os.statvfs(path)
        # GetDiskFreeSpaceEx under wine: the filesystem's size, and as free
        # what users other than root may still fill.
        assert fs["total-bytes"] == st.f_blocks * st.f_frsize, (fs, path)
        low = min(before[path], after[path]) - USED_BYTES_SLACK
        high = max(before[path], after[path]) + USED_BYTES_SLACK
        assert low <= fs["used-bytes"] <= high, (fs, path, before[path], after[path])
        # wine's volumes have no disk extents to follow
        assert fs["disk"] == [], fs


def fsinfo_with_usage(prefix, conn):
    dirs = [drive_dir(prefix, m) for _, m in wine_volumes(prefix)]
    before = {d: used_bytes(d) for d in dirs}
    reply = conn.call_ok("guest-get-fsinfo")
    after = {d: used_bytes(d) for d in dirs}
    return before, reply, after


def test_fsinfo_lists_wine_drives(win_agent, wine_prefix):
    """C: (the prefix's drive_c) and Z: (the Linux root) at least, each under
    its volume GUID path, NTFS to wine, sized as its Linux directory."""
    with win_agent.connect() as conn:
        before, reply, after = fsinfo_with_usage(wine_prefix, conn)
    assert {"C:\\", "Z:\\"} <= {fs["mountpoint"] for fs in reply}
    check_fsinfo(wine_prefix, before, reply, after, drive_types(wine_prefix))


def test_fsinfo_lists_a_cdrom_drive(cdrom_drive, make_win_agent, wine_prefix):
    with make_win_agent().connect() as conn:
        before, reply, after = fsinfo_with_usage(wine_prefix, conn)
    cdrom = [fs for fs in reply if fs["mountpoint"] == cdrom_drive]
    assert len(cdrom) == 1 and cdrom[0]["type"] == "CDFS", reply
    check_fsinfo(wine_prefix, before, reply, after, drive_types(wine_prefix))


def test_fsinfo_ignores_system_root(make_win_agent, wine_prefix, tmp_path):
    """Volumes are read from the system, there is no file to relocate: a fake
    root changes nothing."""
    root = tmp_path / "root"
    root.mkdir()
    with make_win_agent("--system-root=" + win_path(root)).connect() as conn:
        before, reply, after = fsinfo_with_usage(wine_prefix, conn)
    check_fsinfo(wine_prefix, before, reply, after, drive_types(wine_prefix))


# ---- guest-get-disks ----------------------------------------------------------------------


def test_disks_are_the_disk_interfaces(win_agent, wine_prefix):
    """qemu-ga lists the disks SetupDi enumerates under the disk interface
    class; wine registers none, so there are none."""
    assert reg_lines(wine_prefix, DISK_INTERFACES_KEY) is None, "wine now registers disk interfaces"
    with win_agent.connect() as conn:
        assert conn.call_ok("guest-get-disks") == []
        # and the agent goes on
        assert conn.call_ok("guest-ping") == {}


# ---- guest-fstrim ---------------------------------------------------------------------------


def fixed_mountpoints(prefix):
    """What guest-fstrim trims, in wine's order: the drives on a hard disk."""
    types = drive_types(prefix)
    return [m for _, m in wine_volumes(prefix) if types.get(m[:2].lower(), "hd") == "hd"]


@pytest.mark.parametrize("version", ["win7", "vista"])
def test_fstrim_needs_windows_8(make_win_agent, windows_version, version):
    windows_version(version)
    with make_win_agent().connect() as conn:
        reply = conn.call("guest-fstrim")
    assert reply == {"error": {"class": "GenericError", "desc": "fstrim is only supported for Win8+"}}


@pytest.mark.parametrize("version", ["win8", "win10"])
def test_fstrim_without_defrag_reports_the_spawn_error(make_win_agent, windows_version, wine_prefix,
                                                        version):
    """Wine has no defrag.exe: every fixed volume reports what glib says of a
    program it could not start, listed last volume first."""
    assert not os.path.exists(os.path.join(wine_prefix.path, "drive_c", "windows", "system32", "defrag.exe"))
    windows_version(version)
    with make_win_agent().connect() as conn:
        reply = conn.call_ok("guest-fstrim", {"minimum": 4096})
    expected = fixed_mountpoints(wine_prefix)[::-1]
    assert {"C:\\", "Z:\\"} <= set(expected)
    assert reply == {"paths": [{"path": p, "error": SPAWN_NOENT} for p in expected]}


def test_fstrim_runs_defrag_retrim_per_fixed_volume(make_win_agent, windows_version, wine_prefix,
                                                    fake_defrag):
    """defrag /L <mount path>, once per fixed volume in the system's order; a
    report without an error line is a success (path alone: no trimmed or
    minimum), whatever defrag writes to stderr."""
    env, log = fake_defrag
    windows_version("win10")
    with make_win_agent(env=env).connect() as conn:
        reply = conn.call_ok("guest-fstrim")
    fixed = fixed_mountpoints(wine_prefix)
    assert defrag_runs(log) == [["/L", m] for m in fixed]
    assert reply == {"paths": [{"path": m} for m in fixed[::-1]]}


def test_fstrim_reports_defrag_error_line(make_win_agent, windows_version, wine_prefix, fake_defrag):
    """defrag always exits 0; the line of its report holding "(0x" is the
    volume's error. Output far beyond what the agent keeps neither blocks
    defrag nor hides a line that came first."""
    env, log = fake_defrag
    env = dict(env, SGA_DEFRAG_FAIL="Z:\\", SGA_DEFRAG_CHATTER=str(1 << 20))
    windows_version("win10")
    with make_win_agent(env=env).connect() as conn:
        reply = conn.call_ok("guest-fstrim")
        assert conn.call_ok("guest-ping") == {}
    fixed = fixed_mountpoints(wine_prefix)
    assert "Z:\\" in fixed
    assert len(defrag_runs(log)) == len(fixed)
    assert reply == {"paths": [{"path": m, "error": DEFRAG_FAILURE} if m == "Z:\\" else {"path": m}
                               for m in fixed[::-1]]}


def test_fstrim_skips_cdrom(cdrom_drive, make_win_agent, windows_version, wine_prefix, fake_defrag):
    env, log = fake_defrag
    windows_version("win10")
    with make_win_agent(env=env).connect() as conn:
        reply = conn.call_ok("guest-fstrim")
    fixed = fixed_mountpoints(wine_prefix)
    assert cdrom_drive not in fixed and {"C:\\", "Z:\\"} <= set(fixed)
    assert [run[-1] for run in defrag_runs(log)] == fixed
    assert reply == {"paths": [{"path": m} for m in fixed[::-1]]}


def test_fstrim_under_system_root_records_defrag(make_win_agent, windows_version, wine_prefix,
                                                 fake_defrag, tmp_path):
    """With a fake root defrag is not run: each run it would make is recorded."""
    env, log = fake_defrag
    root = SystemTree(tmp_path / "root")
    os.makedirs(root.path)
    windows_version("win10")
    with make_win_agent("--system-root=" + win_path(root.path), env=env).connect() as conn:
        reply = conn.call_ok("guest-fstrim", {"minimum": 1})
    fixed = fixed_mountpoints(wine_prefix)
    assert root.actions() == ["exec defrag /L " + m for m in fixed]
    assert defrag_runs(log) == []
    assert reply == {"paths": [{"path": m} for m in fixed[::-1]]}


def test_fstrim_arguments_checked(win_agent):
    """The same argument spec as on Linux, with qemu's words."""
    with win_agent.connect() as conn:
        assert conn.call("guest-fstrim", {"minimum": "x"}) == {"error": {
            "class": "GenericError", "desc": "Invalid parameter type for 'minimum', expected: integer"}}
        assert conn.call("guest-fstrim", {"bogus": 1}) == {"error": {
            "class": "GenericError", "desc": "Parameter 'bogus' is unexpected"}}
