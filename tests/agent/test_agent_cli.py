"""streamga's command line as an operator meets it: -V, -h, bad options, -b/-a help."""
import re

import pytest

from agentproc import AgentProcess
from agentrun import run_agent

# Every option qemu-ga 7.2 documents, plus -c and -a which streamga adds.
DOCUMENTED_OPTIONS = ["-m", "-p", "-c", "-l", "-f", "-F", "-t", "-v", "-V", "-d", "-b", "-a",
                      "-D", "-r", "-h"]


@pytest.mark.parametrize("opt", ["-V", "--version"])
def test_version(agent_binary, tmp_path, opt):
    r = run_agent(agent_binary, opt, workdir=tmp_path)
    assert r.returncode == 0, r.stderr
    # Scripts parse qemu-ga's "QEMU Guest Agent X.Y.Z" prefix.
    assert re.fullmatch(r"QEMU Guest Agent 7\.2\.0 \(streamga \d+\.\d+\.\d+\)\n", r.stdout), r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_help_lists_every_option(agent_binary, tmp_path, opt):
    r = run_agent(agent_binary, opt, workdir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: ")
    for o in DOCUMENTED_OPTIONS:
        assert re.search(r"^\s+%s, --[a-z-]+" % re.escape(o), r.stdout, re.M), \
            "help does not document %s:\n%s" % (o, r.stdout)


@pytest.mark.parametrize("args, named", [
    (["--no-such-option"], "--no-such-option"),
    (["-z"], "-- 'z'"),
    (["-m"], "-- 'm'"),     # missing required argument
])
def test_unknown_option_fails_and_points_to_help(agent_binary, tmp_path, args, named):
    r = run_agent(agent_binary, *args, workdir=tmp_path)
    assert r.returncode != 0
    assert "--help" in r.stderr
    assert named in r.stderr
    assert r.stdout == ""


def test_bogus_method(agent_binary, tmp_path):
    r = run_agent(agent_binary, "-m", "bogus", "-p", str(tmp_path / "s"), workdir=tmp_path)
    assert r.returncode == 1
    assert "unsupported channel method/type" in r.stderr
    assert "bogus" in r.stderr


@pytest.mark.parametrize("method", ["unix-listen", "vsock-listen"])
def test_listen_method_needs_a_path(agent_binary, tmp_path, method):
    r = run_agent(agent_binary, "-m", method, "-t", str(tmp_path), workdir=tmp_path)
    assert r.returncode == 1
    assert "must specify a path" in r.stderr


def test_bad_vsock_address(agent_binary, tmp_path):
    r = run_agent(agent_binary, "-m", "vsock-listen", "-p", "nocolon", "-t", str(tmp_path),
                  workdir=tmp_path)
    assert r.returncode == 1
    assert "nocolon" in r.stderr


def test_positional_argument_is_ignored_with_a_warning(agent_binary, tmp_path):
    # qemu-ga ignores words that are not options ("-F /path" leaves /path over);
    # streamga does too, so an image built around that keeps its agent, but says so.
    proc = AgentProcess(agent_binary, tmp_path, extra_args=["stray"]).start()
    try:
        proc.wait_listening()
        with proc.connect() as conn:
            assert conn.call("guest-ping") == {"return": {}}
    finally:
        assert proc.stop() == 0
    assert "ignoring argument 'stray'" in proc.stderr()


def supported_command_names(agent):
    with agent.connect() as conn:
        info = conn.call("guest-info")["return"]
    return [c["name"] for c in info["supported_commands"]]


@pytest.mark.parametrize("args", [["-b", "help"], ["-a", "help"], ["-b", "?"],
                                  ["--block-rpcs=help"], ["--allow-rpcs", "help"],
                                  ["--blacklist", "help"]])
def test_rpc_help_lists_guest_info_commands(agent_binary, tmp_path, agent, args):
    r = run_agent(agent_binary, *args, workdir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("\n")
    listed = r.stdout.splitlines()
    assert listed, "no commands listed"
    assert sorted(listed) == sorted(supported_command_names(agent))
    assert len(set(listed)) == len(listed)
