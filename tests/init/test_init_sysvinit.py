"""init/sysvinit/streamga: the LSB script's actions and exit codes, under dash and busybox sh."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from agentproc import AgentConnection, unix_socket_listening

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT_IN = os.path.join(ROOT, "init", "sysvinit", "streamga.in")
TIMEOUT = 30

SHELLS = {"dash": ["/bin/sh"], "busybox": ["/bin/busybox", "sh"]}


class Service:
    """The script made for one build, with a defaults file pointing the agent at tmp."""

    def __init__(self, shell, agent_binary, tmp_path, extra_args=""):
        self.shell = shell
        self.dir = tmp_path
        self.sock = str(tmp_path / "qga.sock")
        self.pidfile = str(tmp_path / "streamga.pid")
        self.script = str(tmp_path / "streamga")
        with open(SCRIPT_IN) as f:
            text = f.read().replace("@SBINDIR@/streamga", agent_binary)
        with open(self.script, "w") as f:
            f.write(text)
        os.chmod(self.script, 0o755)
        self.defaults = str(tmp_path / "defaults")
        statedir = tmp_path / "state"
        statedir.mkdir()
        with open(self.defaults, "w") as f:
            f.write('PIDFILE=%s\nSTOP_TIMEOUT=5\nSTREAMGA_ARGS="-m unix-listen -p %s -t %s %s"\n' % (
                self.pidfile, self.sock, statedir, extra_args))

    def run(self, action):
        env = dict(os.environ, STREAMGA_DEFAULTS=self.defaults)
        return subprocess.run(SHELLS[self.shell] + [self.script, action], env=env,
                              capture_output=True, text=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)

    def pid(self):
        with open(self.pidfile) as f:
            return int(f.read().strip())

    def ping(self):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        with AgentConnection(s) as conn:
            return conn.call("guest-ping")


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(params=sorted(SHELLS))
def service(request, agent_binary, tmp_path):
    if not os.access(SHELLS[request.param][0], os.X_OK):
        pytest.fail("%s is missing (busybox-static is in .ci/packages)" % SHELLS[request.param][0])
    svc = Service(request.param, agent_binary, tmp_path)
    yield svc
    svc.run("stop")
    if os.path.exists(svc.pidfile):
        try:
            os.kill(svc.pid(), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def test_start_status_stop(service):
    r = service.run("start")
    assert r.returncode == 0, r
    pid = service.pid()
    assert alive(pid)
    assert os.readlink("/proc/%d/exe" % pid).endswith("/streamga")
    # -d: the script returned only once the agent was serving.
    assert unix_socket_listening(service.sock)
    assert service.ping() == {"return": {}}

    r = service.run("status")
    assert r.returncode == 0 and str(pid) in r.stdout, r

    r = service.run("stop")
    assert r.returncode == 0, r
    # stop waits for the exit: the agent is gone when it returns.
    assert not alive(pid)
    assert not os.path.exists(service.pidfile)
    assert service.run("status").returncode == 3


def test_second_start_does_not_start_twice(service):
    assert service.run("start").returncode == 0
    pid = service.pid()
    r = service.run("start")
    assert r.returncode == 0 and "already running" in r.stdout, r
    assert service.pid() == pid
    agents = [p for p in os.listdir("/proc") if p.isdigit() and _is_agent_on(int(p), service.sock)]
    assert agents == [str(pid)], agents


def _is_agent_on(pid, sock):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return sock.encode() in f.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_restart_and_force_reload_give_a_new_agent(service):
    assert service.run("start").returncode == 0
    for action in ("restart", "force-reload"):
        old = service.pid()
        r = service.run(action)
        assert r.returncode == 0, r
        new = service.pid()
        assert new != old and not alive(old) and alive(new)
        assert service.ping() == {"return": {}}


def test_stop_when_stopped_succeeds(service):
    r = service.run("stop")
    assert r.returncode == 0 and "not running" in r.stdout, r


def test_stale_pidfile(service):
    # A pid that is alive but not streamga (this test's own process).
    with open(service.pidfile, "w") as f:
        f.write("%d\n" % os.getpid())
    r = service.run("status")
    assert r.returncode == 1, r
    assert service.run("start").returncode == 0
    assert service.pid() != os.getpid()
    assert service.ping() == {"return": {}}


def test_start_failure_is_reported(agent_binary, tmp_path):
    svc = Service("dash", agent_binary, tmp_path, extra_args="--exec-output=sometimes")
    r = svc.run("start")
    assert r.returncode == 1, r
    assert svc.run("status").returncode == 3


def test_stop_kills_an_agent_that_ignores_sigterm(service, tmp_path):
    assert service.run("start").returncode == 0
    pid = service.pid()
    # SIGSTOP: the agent can't act on SIGTERM; stop must end it after STOP_TIMEOUT.
    os.kill(pid, signal.SIGSTOP)
    r = service.run("stop")
    assert r.returncode == 0, r
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


@pytest.mark.parametrize("action, code", [("reload", 3), ("bogus", 2), ("", 2)])
def test_unsupported_actions(service, action, code):
    assert service.run(action).returncode == code
