"""streamga's own settings: --exec-* options and the [streamga] config group, shown by -D."""
import pytest

from agentrun import run_agent
from test_agent_dump_conf import dump, parse_keyfile

STREAMGA_DEFAULTS = [("exec-output", "stream"), ("exec-buffer-size", "4194304"),
                     ("exec-reply-size", "1048576"), ("file-read-count", "4096"),
                     ("fsfreeze-orphan-timeout", "60")]


def write_text(path, text):
    path.write_text(text)
    return str(path)


def streamga_group(text):
    groups = dict(parse_keyfile(text))
    assert list(parse_keyfile(text))[-1][0] == "streamga", "[streamga] must follow [general]"
    return groups["streamga"]


def test_defaults_are_dumped(agent_binary, tmp_path):
    assert streamga_group(dump(agent_binary, tmp_path)) == STREAMGA_DEFAULTS


@pytest.mark.parametrize("args, expected", [
    (["--exec-output=at-exit"], ("exec-output", "at-exit")),
    (["--exec-output", "stream"], ("exec-output", "stream")),
    (["--exec-buffer-size=64K"], ("exec-buffer-size", "65536")),
    (["--exec-buffer-size", "8m"], ("exec-buffer-size", "8388608")),
    (["--exec-reply-size=4096"], ("exec-reply-size", "4096")),
    (["--exec-reply-size=16M"], ("exec-reply-size", "16777216")),
    (["--file-read-count=1M"], ("file-read-count", "1048576")),
    (["--file-read-count=48M"], ("file-read-count", "50331648")),
    (["--fsfreeze-orphan-timeout=0"], ("fsfreeze-orphan-timeout", "0")),
    (["--fsfreeze-orphan-timeout", "600"], ("fsfreeze-orphan-timeout", "600")),
    (["--system-root=/srv/guest"], ("system-root", "/srv/guest")),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_options_reflected(agent_binary, tmp_path, args, expected):
    group = dict(streamga_group(dump(agent_binary, tmp_path, *args)))
    assert group[expected[0]] == expected[1]


@pytest.mark.parametrize("args", [
    ["--exec-output=later"], ["--exec-buffer-size=1K"], ["--exec-buffer-size=1T"],
    ["--exec-buffer-size=12Q"], ["--exec-buffer-size="], ["--exec-reply-size=17M"],
    ["--exec-reply-size=-5"], ["--exec-reply-size=10"],
    ["--file-read-count=0"], ["--file-read-count=49M"], ["--file-read-count=x"],
    ["--fsfreeze-orphan-timeout=-1"], ["--fsfreeze-orphan-timeout=1h"],
    ["--fsfreeze-orphan-timeout=86401"], ["--system-root=relative/dir"],
])
def test_bad_values_refused(agent_binary, tmp_path, args):
    r = run_agent(agent_binary, "-m", "unix-listen", "-p", str(tmp_path / "s"), *args,
                  workdir=tmp_path)
    assert r.returncode == 1, r
    assert args[0].split("=")[0].lstrip("-") in r.stderr


def test_config_group_read_and_overridden(agent_binary, tmp_path):
    conf = write_text(tmp_path / "qemu-ga.conf", "[general]\nmethod=unix-listen\npath=/x\n"
                      "[streamga]\nexec-output=at-exit\nexec-buffer-size=1M\n")
    group = dict(streamga_group(dump(agent_binary, tmp_path, "-c", conf)))
    assert group == {"exec-output": "at-exit", "exec-buffer-size": "1048576",
                     "exec-reply-size": "1048576", "file-read-count": "4096",
                     "fsfreeze-orphan-timeout": "60"}
    group = dict(streamga_group(dump(agent_binary, tmp_path, "-c", conf, "--exec-output=stream")))
    assert group["exec-output"] == "stream"


def test_qemu_ga_reads_a_dump_with_the_streamga_group(agent_binary, qemu_ga_binary, tmp_path):
    # The dump stays a valid qemu-ga.conf: qemu-ga ignores the extra group.
    text = dump(agent_binary, tmp_path, "-m", "unix-listen", "-p", "/srv/x")
    conf = write_text(tmp_path / "dumped.conf", text)
    r = run_agent(qemu_ga_binary, "-D", workdir=tmp_path, env={"QGA_CONF": conf})
    assert r.returncode == 0, r.stderr
    assert "method=unix-listen\n" in r.stdout and "path=/srv/x\n" in r.stdout
