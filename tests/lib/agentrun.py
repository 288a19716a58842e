"""Run an agent binary as an operator would: one-shot commands, daemons, socket activation.

Used by the agent process tests: every helper bounds its waits, and processes
that outlive the command (daemons) are found through their pidfile and ended
by pid.
"""
import os
import signal
import socket
import subprocess
import time

from agentproc import REPLY_TIMEOUT, AgentConnection
from procinfo import wait_for

# How long a one-shot agent command (-V, -D, a failing start-up) may take.
RUN_TIMEOUT = 20.0
# How long to wait for a process or file to appear or go away.
WAIT_TIMEOUT = 10.0


def agent_env(workdir, **extra):
    """os.environ with QGA_CONF pointing nowhere, so /etc/qemu/qemu-ga.conf never counts."""
    env = dict(os.environ)
    env["QGA_CONF"] = os.path.join(str(workdir), "no-such-qemu-ga.conf")
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_agent(binary, *args, workdir, env=None, cwd=None, timeout=RUN_TIMEOUT):
    """Run the agent to completion; text output. env entries are added to agent_env()."""
    full_env = agent_env(workdir, **(env or {}))
    return subprocess.run([binary, *args], env=full_env, cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def wait_until(predicate, what, timeout=WAIT_TIMEOUT):
    """Poll predicate until it is true; fail the test with `what` after timeout."""
    return wait_for(predicate, timeout, what=what)


def pid_alive(pid):
    """True while pid is a running (not zombie) process; works for non-children."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    # The state follows the parenthesised command name, which may contain spaces.
    return stat[stat.rindex(")") + 2] not in "ZX"


def read_pidfile(path):
    with open(path) as f:
        return int(f.read().strip())


def pid_runs(pid, binary):
    """True when pid is alive and runs binary (not some process that reused the pid)."""
    try:
        exe = os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return False
    return pid_alive(pid) and exe == os.path.realpath(binary)


def kill_pid(pid, sig=signal.SIGTERM, timeout=WAIT_TIMEOUT, binary=None):
    """Signal a process that is not our child and wait until it is gone (SIGKILL as a last resort).

    With binary, a pid that no longer runs it is left alone: cleanup must not
    hit an unrelated process that reused the number."""
    if binary is not None and not pid_runs(pid, binary):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: not pid_alive(pid), "pid %d to die after SIGKILL" % pid)
            raise AssertionError("pid %d ignored signal %d" % (pid, sig))
        time.sleep(0.01)


def sanitizer_log_env(logdir):
    """Environment that makes ASan/UBSan write reports to files under logdir.

    A daemon's stderr is /dev/null, so its sanitizer reports would otherwise be
    lost; for a build without sanitizers these variables are inert."""
    prefix = os.path.join(str(logdir), "sanitizer")
    env = {}
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        old = os.environ.get(var)
        env[var] = (old + ":" if old else "") + "log_path=" + prefix
    return env


def sanitizer_reports(logdir):
    """Contents of every sanitizer report written under logdir."""
    reports = []
    for name in sorted(os.listdir(str(logdir))):
        if name.startswith("sanitizer"):
            with open(os.path.join(str(logdir), name), errors="replace") as f:
                reports.append(f.read())
    return reports


def listening_unix_socket(path):
    """A bound, listening unix socket, as systemd would pass it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.listen(16)
    return sock


# LISTEN_PID must be the agent's own pid: the shell knows its pid and exec keeps it.
ACTIVATION_WRAPPER = ["sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"']


def activation_command(binary, *args):
    return [*ACTIVATION_WRAPPER, binary, *args]


def activation_fd_setup(sock):
    """subprocess arguments that put sock on fd 3 of the child, as systemd does.

    The child closes no descriptors itself (close_fds=False): Python's own are
    close-on-exec anyway, and closing would also close the new fd 3."""
    fd = sock.fileno()

    def put_on_fd3():
        if fd == 3:
            os.set_inheritable(3, True)
        else:
            os.dup2(fd, 3)      # the new descriptor is inheritable
    return {"close_fds": False, "preexec_fn": put_on_fd3}


def write_conf(conf_file, **keys):
    """Write a qemu-ga.conf with a [general] group; key_name=... is written as key-name=...."""
    lines = ["[general]"] + ["%s=%s" % (k.replace("_", "-"), v) for k, v in keys.items()]
    with open(str(conf_file), "w") as f:
        f.write("\n".join(lines) + "\n")
    return str(conf_file)


def connect_unix(path, timeout=None):
    """One connection attempt (no retry: the socket must be serving now) as an AgentConnection."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        raise
    return AgentConnection(sock, REPLY_TIMEOUT if timeout is None else timeout)
