"""-l/--logfile and -v: qemu-ga's timestamped line format, and reopening on SIGHUP for logrotate."""
import os
import re
import signal
import time

from agentrun import wait_until

LOG_LINE = re.compile(r"(\d+)\.(\d{6}): (error|critical|warning|message|info|debug): .*")


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def ping(agent):
    with agent.connect() as conn:
        assert conn.call("guest-ping") == {"return": {}}


def test_verbose_log_lines(make_agent, tmp_path):
    logfile = tmp_path / "ga.log"
    agent = make_agent("-v", "-l", str(logfile))
    ping(agent)
    assert agent.stop() == 0, agent.stderr()
    lines = read_lines(logfile)
    assert lines, "nothing logged with -v"
    for line in lines:
        m = LOG_LINE.fullmatch(line)
        assert m, "badly formed log line: %r" % line
        # A wall-clock timestamp, not a monotonic one: within a day of now.
        assert abs(int(m.group(1)) - time.time()) < 86400, line
    assert any(LOG_LINE.fullmatch(line).group(3) == "debug" for line in lines)
    # Nothing went to stderr: the log file took it all.
    assert agent.stderr() == ""


def test_long_logfile_option(make_agent, tmp_path):
    logfile = tmp_path / "long.log"
    agent = make_agent("--verbose", "--logfile=%s" % logfile)
    ping(agent)
    assert agent.stop() == 0
    assert any(": debug: " in line for line in read_lines(logfile))


def test_no_debug_lines_without_verbose(make_agent, tmp_path):
    logfile = tmp_path / "quiet.log"
    agent = make_agent("-l", str(logfile))
    ping(agent)
    assert agent.stop() == 0
    # The file is created at start-up even when nothing is worth logging.
    assert logfile.exists()
    assert not [line for line in read_lines(logfile) if ": debug: " in line]


def test_unopenable_logfile(make_agent, tmp_path):
    logfile = tmp_path / "no-such-dir" / "ga.log"
    agent = make_agent("-l", str(logfile), start=False)
    agent.start(wait=False)
    rc = agent.proc.wait(timeout=20)
    assert rc == 1
    assert str(logfile) in agent.stderr()
    assert not os.path.exists(agent.socket_path)


def test_sighup_reopens_moved_logfile(make_agent, tmp_path):
    logfile = tmp_path / "ga.log"
    rotated = tmp_path / "ga.log.1"
    agent = make_agent("-v", "-l", str(logfile))
    ping(agent)
    os.rename(logfile, rotated)
    agent.proc.send_signal(signal.SIGHUP)
    wait_until(logfile.exists, "the agent to create a new log file after SIGHUP")
    size_at_reopen = rotated.stat().st_size
    ping(agent)
    assert agent.stop() == 0, agent.stderr()
    new_lines = read_lines(logfile)
    assert new_lines, "nothing was logged to the reopened file"
    assert all(LOG_LINE.fullmatch(line) for line in new_lines), new_lines
    assert any("connected" in line for line in new_lines), new_lines
    # The rotated file got nothing after the reopen.
    assert rotated.stat().st_size == size_at_reopen
    assert agent.alive() is False


def test_sighup_without_logfile_keeps_running(agent):
    agent.proc.send_signal(signal.SIGHUP)
    ping(agent)
    assert agent.alive()
