"""The configuration file (-c FILE or $QGA_CONF): errors, and keys that change what the running agent does."""
import os
import re

import pytest

from agentproc import AgentProcess
from agentrun import read_pidfile, run_agent, write_conf

COMMAND_NOT_FOUND = "CommandNotFound"


def test_missing_config_file_given_with_c(agent_binary, tmp_path):
    missing = tmp_path / "missing.conf"
    r = run_agent(agent_binary, "-c", str(missing), "-D", workdir=tmp_path)
    assert r.returncode == 1
    assert str(missing) in r.stderr
    assert r.stdout == ""


def test_missing_qga_conf_is_not_an_error(agent_binary, tmp_path):
    # qemu-ga ignores a missing default/$QGA_CONF file: only -c makes it required.
    r = run_agent(agent_binary, "-D", workdir=tmp_path, env={"QGA_CONF": str(tmp_path / "none")})
    assert r.returncode == 0, r.stderr
    assert "method=virtio-serial" in r.stdout


def test_c_wins_over_qga_conf(agent_binary, tmp_path):
    env_conf = write_conf(tmp_path / "env.conf", method="isa-serial")
    c_conf = write_conf(tmp_path / "c.conf", method="unix-listen", path="/from/c")
    r = run_agent(agent_binary, "-c", c_conf, "-D", workdir=tmp_path, env={"QGA_CONF": env_conf})
    assert r.returncode == 0, r.stderr
    assert "method=unix-listen\npath=/from/c\n" in r.stdout


def test_long_config_option(agent_binary, tmp_path):
    conf = write_conf(tmp_path / "ga.conf", statedir="/from/long/option")
    r = run_agent(agent_binary, "--config=" + conf, "-D", workdir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "statedir=/from/long/option\n" in r.stdout


@pytest.mark.parametrize("key", ["daemon", "verbose", "retry-path"])
@pytest.mark.parametrize("how", ["-c", "QGA_CONF"])
def test_invalid_boolean(agent_binary, tmp_path, key, how):
    conf = write_conf(tmp_path / "bad.conf", **{key.replace("-", "_"): "maybe"})
    if how == "-c":
        r = run_agent(agent_binary, "-c", conf, "-D", workdir=tmp_path)
    else:
        r = run_agent(agent_binary, "-D", workdir=tmp_path, env={"QGA_CONF": conf})
    assert r.returncode == 1
    assert conf in r.stderr
    assert key in r.stderr
    assert r.stdout == ""


def test_malformed_config_file(agent_binary, tmp_path):
    conf = tmp_path / "garbage.conf"
    conf.write_text("this is not a key file\n")
    r = run_agent(agent_binary, "-c", str(conf), "-D", workdir=tmp_path)
    assert r.returncode == 1
    assert str(conf) in r.stderr


def test_blacklist_key_warns_and_is_used(agent_binary, tmp_path):
    conf = write_conf(tmp_path / "ga.conf", blacklist="guest-get-time")
    r = run_agent(agent_binary, "-c", conf, "-D", workdir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "block-rpcs=guest-get-time\n" in r.stdout
    assert "deprecated 'blacklist' key" in r.stderr


# ---- keys that take effect on a running agent ------------------------------------

def agent_from_conf(agent_binary, tmp_path, *extra_args, **keys):
    """An agent whose unix socket and state dir come from the config file only."""
    proc = AgentProcess(agent_binary, tmp_path)
    conf = write_conf(tmp_path / "ga.conf", method="unix-listen", path=proc.socket_path,
                      statedir=proc.statedir, **keys)
    proc.args = [agent_binary, "-c", conf, *extra_args]
    return proc


def enabled_map(conn):
    info = conn.call("guest-info")["return"]
    return {c["name"]: c["enabled"] for c in info["supported_commands"]}


@pytest.fixture
def conf_agent(agent_binary, tmp_path):
    procs = []

    def make(*extra_args, **keys):
        proc = agent_from_conf(agent_binary, tmp_path / ("a%d" % len(procs)), *extra_args, **keys)
        procs.append(proc)
        return proc.start()
    yield make
    for p in procs:
        rc = p.stop()
        assert rc == 0, "agent exit status %s; stderr:\n%s" % (rc, p.stderr())


def test_method_path_statedir_from_config(conf_agent):
    agent = conf_agent()
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    assert os.path.isfile(os.path.join(agent.statedir, "qga.state"))


@pytest.mark.parametrize("key", ["block-rpcs", "blacklist"])
def test_block_rpcs_from_config(conf_agent, key):
    agent = conf_agent(**{key.replace("-", "_"): "guest-ping,guest-get-time"})
    with agent.connect() as conn:
        r = conn.call("guest-ping")
        assert r["error"]["class"] == COMMAND_NOT_FOUND
        assert r["error"]["desc"] == "Command guest-ping has been disabled"
        r = conn.call("guest-get-time")
        assert r["error"]["desc"] == "Command guest-get-time has been disabled"
        enabled = enabled_map(conn)
        assert enabled["guest-ping"] is False
        assert enabled["guest-get-time"] is False
        assert enabled["guest-info"] is True
        assert enabled["guest-get-host-name"] is True
        assert "return" in conn.call("guest-get-host-name")


def test_allow_rpcs_from_config(conf_agent):
    agent = conf_agent(allow_rpcs="guest-ping,guest-info")
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
        r = conn.call("guest-get-time")
        assert r["error"]["class"] == COMMAND_NOT_FOUND
        assert r["error"]["desc"] == "Command guest-get-time has been disabled: the command is not allowed"
        enabled = enabled_map(conn)
        assert enabled["guest-get-time"] is False
        assert enabled["guest-get-osinfo"] is False
        assert enabled["guest-ping"] is True
        assert enabled["guest-info"] is True


def test_command_line_block_adds_to_config_block(conf_agent):
    agent = conf_agent("-b", "guest-get-host-name", block_rpcs="guest-get-time")
    with agent.connect() as conn:
        enabled = enabled_map(conn)
    assert enabled["guest-get-time"] is False
    assert enabled["guest-get-host-name"] is False
    assert enabled["guest-ping"] is True


def test_pidfile_key_writes_pidfile(conf_agent, tmp_path):
    pidfile = tmp_path / "from-conf.pid"
    agent = conf_agent(pidfile=str(pidfile))
    assert read_pidfile(pidfile) == agent.proc.pid
    agent.stop()
    assert not pidfile.exists()


def test_logfile_and_verbose_from_config(conf_agent, tmp_path):
    logfile = tmp_path / "from-conf.log"
    agent = conf_agent(logfile=str(logfile), verbose="true")
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}
    agent.stop()
    lines = logfile.read_text().splitlines()
    assert any(re.match(r"\d+\.\d{6}: debug: ", line) for line in lines), lines
