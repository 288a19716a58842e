"""-D/--dump-conf: a valid qemu-ga.conf, keys in qemu-ga's order, checked against Debian's qemu-ga -D."""
import re

import pytest

from agentrun import run_agent, write_conf

QEMU_GA_KEY_ORDER = ["daemon", "method", "path", "logfile", "pidfile", "fsfreeze-hook",
                     "statedir", "verbose", "retry-path", "block-rpcs"]
# Keys qemu-ga writes whatever the options; path, logfile and fsfreeze-hook only when set.
ALWAYS_KEYS = ["daemon", "method", "pidfile", "statedir", "verbose", "retry-path", "block-rpcs"]

DEFAULTS = {
    "daemon": "false",
    "method": "virtio-serial",
    "path": "/dev/virtio-ports/org.qemu.guest_agent.0",
    "pidfile": "/var/run/qemu-ga.pid",
    "statedir": "/var/run",
    "verbose": "false",
    "retry-path": "false",
    "block-rpcs": "",
}


def parse_keyfile(text):
    """GLib key file text -> [(group, [(key, raw value), ...])]; asserts it is well formed."""
    groups = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[([^\[\]]+)\]", line)
        if m:
            groups.append((m.group(1), []))
            continue
        m = re.fullmatch(r"([A-Za-z0-9-]+)=(.*)", line)
        assert m and groups, "not a key file line: %r" % line
        groups[-1][1].append((m.group(1), m.group(2)))
    return groups


def general(text):
    """The [general] group of a dump as an ordered list of (key, raw value). It comes
    first; streamga's own settings follow in [streamga], which qemu-ga ignores."""
    groups = parse_keyfile(text)
    assert [g for g, _ in groups] in (["general"], ["general", "streamga"]), text
    keys = [k for k, _ in groups[0][1]]
    assert len(keys) == len(set(keys)), "duplicate keys:\n" + text
    return groups[0][1]


def dump(binary, tmp_path, *args, env=None):
    r = run_agent(binary, *args, "-D", workdir=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def dump_dict(binary, tmp_path, *args, env=None):
    return dict(general(dump(binary, tmp_path, *args, env=env)))


def test_defaults(agent_binary, tmp_path):
    entries = general(dump(agent_binary, tmp_path))
    assert [k for k, _ in entries] == [k for k in QEMU_GA_KEY_ORDER if k in DEFAULTS]
    assert dict(entries) == DEFAULTS


def test_every_option_in_qemu_ga_order(agent_binary, tmp_path):
    entries = general(dump(agent_binary, tmp_path, "-d", "-m", "unix-listen", "-p", "/x/agent.sock",
                           "-l", "/x/log", "-f", "/x/pid", "-F", "-t", "/x/state", "-v", "-r",
                           "-b", "guest-ping"))
    assert entries == [
        ("daemon", "true"),
        ("method", "unix-listen"),
        ("path", "/x/agent.sock"),
        ("logfile", "/x/log"),
        ("pidfile", "/x/pid"),
        ("fsfreeze-hook", "/etc/qemu/fsfreeze-hook"),
        ("statedir", "/x/state"),
        ("verbose", "true"),
        ("retry-path", "true"),
        ("block-rpcs", "guest-ping"),
    ]


@pytest.mark.parametrize("args, changed", [
    (["-d"], {"daemon": "true"}),
    (["--daemonize"], {"daemon": "true"}),
    (["-m", "isa-serial"], {"method": "isa-serial", "path": "/dev/ttyS0"}),
    (["--method=vsock-listen", "-p", "3:4000"], {"method": "vsock-listen", "path": "3:4000"}),
    (["-p", "/dev/vport1p1"], {"path": "/dev/vport1p1"}),
    (["--path", "/dev/vport2p1"], {"path": "/dev/vport2p1"}),
    (["-l", "/var/log/ga.log"], {"logfile": "/var/log/ga.log"}),
    (["--logfile=/var/log/x.log"], {"logfile": "/var/log/x.log"}),
    (["-f", "/run/ga.pid"], {"pidfile": "/run/ga.pid"}),
    (["--pidfile", "/run/x.pid"], {"pidfile": "/run/x.pid"}),
    (["-F"], {"fsfreeze-hook": "/etc/qemu/fsfreeze-hook"}),
    (["-F/x/y"], {"fsfreeze-hook": "/x/y"}),
    (["--fsfreeze-hook"], {"fsfreeze-hook": "/etc/qemu/fsfreeze-hook"}),
    (["--fsfreeze-hook=/x/y"], {"fsfreeze-hook": "/x/y"}),
    (["-t", "/srv/state"], {"statedir": "/srv/state"}),
    (["--statedir", "/srv/s2"], {"statedir": "/srv/s2"}),
    (["-v"], {"verbose": "true"}),
    (["--verbose"], {"verbose": "true"}),
    (["-r"], {"retry-path": "true"}),
    (["--retry-path"], {"retry-path": "true"}),
    (["-b", "guest-ping"], {"block-rpcs": "guest-ping"}),
    (["--block-rpcs", "guest-info"], {"block-rpcs": "guest-info"}),
    (["--blacklist", "guest-get-time"], {"block-rpcs": "guest-get-time"}),
    (["-a", "guest-ping"], {"allow-rpcs": "guest-ping"}),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_option_reflected(agent_binary, tmp_path, args, changed):
    # The option changes its own keys and nothing else.
    assert dump_dict(agent_binary, tmp_path, *args) == dict(DEFAULTS, **changed)


def test_fsfreeze_hook_separate_word_is_not_its_argument(agent_binary, tmp_path):
    # -F takes an optional argument: "-F /x/y" is -F (default hook) and a stray
    # word, which qemu-ga ignores; streamga ignores it too but warns.
    r = run_agent(agent_binary, "-F", "/x/y", "-D", workdir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "fsfreeze-hook=/etc/qemu/fsfreeze-hook\n" in r.stdout
    assert "ignoring argument '/x/y'" in r.stderr


def test_block_rpcs_accumulate(agent_binary, tmp_path):
    d = dump_dict(agent_binary, tmp_path, "-b", "guest-ping,guest-info", "-b", "guest-get-time")
    assert sorted(d["block-rpcs"].split(",")) == ["guest-get-time", "guest-info", "guest-ping"]


def test_allow_rpcs_only_when_given(agent_binary, tmp_path):
    assert "allow-rpcs" not in dump_dict(agent_binary, tmp_path)
    entries = general(dump(agent_binary, tmp_path, "-a", "guest-ping,guest-info", "-b", "guest-info"))
    assert [k for k, _ in entries][-2:] == ["block-rpcs", "allow-rpcs"]
    assert sorted(dict(entries)["allow-rpcs"].split(",")) == ["guest-info", "guest-ping"]
    d = dump_dict(agent_binary, tmp_path, "--allow-rpcs=guest-get-time")
    assert d["allow-rpcs"] == "guest-get-time"


FULL_CONF = dict(daemon="true", method="isa-serial", path="/dev/ttyS1", logfile="/x/conf.log",
                 pidfile="/x/conf.pid", fsfreeze_hook="/x/hook", statedir="/x/conf-state",
                 verbose="true", retry_path="true", block_rpcs="guest-get-time")


def test_config_file_values_reflected(agent_binary, tmp_path):
    conf = write_conf(tmp_path / "ga.conf", **FULL_CONF)
    expected = [(k.replace("_", "-"), v) for k, v in FULL_CONF.items()]
    assert general(dump(agent_binary, tmp_path, "-c", conf)) == expected
    # QGA_CONF names the same file for qemu-ga compatibility.
    assert general(dump(agent_binary, tmp_path, env={"QGA_CONF": conf})) == expected


def test_allow_rpcs_from_config_file(agent_binary, tmp_path):
    conf = write_conf(tmp_path / "ga.conf", allow_rpcs="guest-ping,guest-info", block_rpcs="guest-info")
    entries = general(dump(agent_binary, tmp_path, "-c", conf))
    assert entries[-2:] == [("block-rpcs", "guest-info"), ("allow-rpcs", "guest-ping,guest-info")]
    # -a adds to the file's allow list.
    d = dump_dict(agent_binary, tmp_path, "-c", conf, "-a", "guest-get-time")
    assert names(d["allow-rpcs"]) == ["guest-get-time", "guest-info", "guest-ping"]


def test_command_line_overrides_config_file(agent_binary, tmp_path):
    conf = write_conf(tmp_path / "ga.conf", **dict(FULL_CONF, daemon="false", verbose="false",
                                                   retry_path="false"))
    d = dump_dict(agent_binary, tmp_path, "-c", conf, "-d", "-m", "unix-listen", "-p", "/cli/sock",
                  "-l", "/cli/log", "-f", "/cli/pid", "-F/cli/hook", "-t", "/cli/state", "-v", "-r",
                  "-b", "guest-ping")
    assert d["daemon"] == "true"
    assert d["method"] == "unix-listen"
    assert d["path"] == "/cli/sock"
    assert d["logfile"] == "/cli/log"
    assert d["pidfile"] == "/cli/pid"
    assert d["fsfreeze-hook"] == "/cli/hook"
    assert d["statedir"] == "/cli/state"
    assert d["verbose"] == "true"
    assert d["retry-path"] == "true"
    # qemu-ga appends -b to the file's list rather than replacing it.
    assert sorted(d["block-rpcs"].split(",")) == ["guest-get-time", "guest-ping"]


@pytest.mark.parametrize("args", [
    [],
    ["-d", "-m", "unix-listen", "-p", "/x/s", "-l", "/x/l", "-f", "/x/p", "-F", "-t", "/x/t",
     "-v", "-r", "-b", "guest-ping,guest-info,guest-get-time"],
    ["-m", "vsock-listen", "-p", "3:1234", "-a", "guest-ping,guest-sync", "-b", "guest-info"],
    ["-p", " leading space\\and backslash", "-F/x y/hook", "-l", "/tmp/log\twith tab"],
])
def test_round_trip(agent_binary, tmp_path, args):
    first = dump(agent_binary, tmp_path, *args)
    conf = tmp_path / "dumped.conf"
    conf.write_text(first)
    assert dump(agent_binary, tmp_path, "-c", str(conf)) == first
    assert dump(agent_binary, tmp_path, env={"QGA_CONF": str(conf)}) == first


# ---- against Debian's qemu-ga -D ---------------------------------------------------

def names(value):
    return sorted(n for n in value.split(",") if n)


def assert_same_dump(ours, theirs):
    """Same keys in the same order and the same values, byte for byte.

    One deliberate exception: qemu-ga 7.2 stores each -b list reversed (it
    prepends while splitting) and keeps empty names, so its block-rpcs order is
    an accident that would not survive its own round trip. When the list has
    several names, block-rpcs must hold the same names."""
    ours_e, theirs_e = general(ours), general(theirs)
    assert [k for k, _ in ours_e] == [k for k, _ in theirs_e], "ours:\n%s\nqemu-ga:\n%s" % (ours, theirs)
    for (key, ov), (_, tv) in zip(ours_e, theirs_e):
        if key == "block-rpcs" and len(names(tv)) > 1:
            assert names(ov) == names(tv), (ov, tv)
        else:
            assert ov == tv, "%s: ours %r, qemu-ga %r" % (key, ov, tv)
    if all(k != "block-rpcs" or len(names(v)) <= 1 for k, v in theirs_e):
        assert general_text(ours) == theirs


def general_text(dump_text):
    """A dump without streamga's own [streamga] group, which qemu-ga does not write."""
    return dump_text.split("\n[streamga]\n")[0]


DIFFERENTIAL_ARGS = [
    [],
    ["-d"],
    ["-m", "unix-listen", "-p", "/x/agent.sock"],
    ["-m", "isa-serial"],
    ["-m", "vsock-listen", "-p", "3:1234"],
    ["-l", "/x/log", "-f", "/x/pid", "-t", "/x/state"],
    ["-F"],
    ["-F/x/y"],
    ["--fsfreeze-hook=/x/y"],
    ["-v", "-r"],
    ["-b", "guest-ping"],
    ["--blacklist", "guest-info"],
    ["-b", "guest-ping,guest-info", "-b", "guest-get-time"],
    ["-p", " leading space\\and backslash", "-l", "/tmp/log\twith tab", "-F/x y/hook"],
    ["-p", "/caf\u00e9/\u00fcn\u00efcode"],
    ["-d", "-m", "unix-listen", "-p", "/x/s", "-l", "/x/l", "-f", "/x/p", "-F", "-t", "/x/t",
     "-v", "-r", "-b", "guest-ping"],
]


@pytest.mark.parametrize("args", DIFFERENTIAL_ARGS, ids=lambda a: " ".join(a) or "defaults")
def test_same_as_qemu_ga(agent_binary, qemu_ga_binary, tmp_path, args):
    assert_same_dump(dump(agent_binary, tmp_path, *args), dump(qemu_ga_binary, tmp_path, *args))


CONF_CASES = {
    "full": FULL_CONF,
    "unix": dict(method="unix-listen", path="/x/s", block_rpcs="guest-ping"),
    "booleans-spelled": dict(daemon="1", verbose="0", retry_path="true"),
    "blacklist-only": dict(blacklist="guest-info"),
    "blacklist-and-block-rpcs": dict(blacklist="guest-info", block_rpcs="guest-ping"),
}


@pytest.mark.parametrize("case", sorted(CONF_CASES))
def test_config_file_same_as_qemu_ga(agent_binary, qemu_ga_binary, tmp_path, case):
    conf = write_conf(tmp_path / "ga.conf", **CONF_CASES[case])
    env = {"QGA_CONF": conf}
    theirs = dump(qemu_ga_binary, tmp_path, env=env)
    # qemu-ga 7.2 only reads QGA_CONF; streamga must give the same through both.
    assert_same_dump(dump(agent_binary, tmp_path, env=env), theirs)
    assert_same_dump(dump(agent_binary, tmp_path, "-c", conf), theirs)


def test_config_file_and_options_same_as_qemu_ga(agent_binary, qemu_ga_binary, tmp_path):
    conf = write_conf(tmp_path / "ga.conf", **FULL_CONF)
    args = ["-m", "unix-listen", "-p", "/cli/s", "-F", "-b", "guest-ping"]
    env = {"QGA_CONF": conf}
    assert_same_dump(dump(agent_binary, tmp_path, *args, env=env),
                     dump(qemu_ga_binary, tmp_path, *args, env=env))
