"""A streamga inside a throwaway PID+mount namespace whose PID 1 is fakeinit.py.

The agent there runs with the real system root, so it really signals its PID 1,
writes to its init's FIFO, runs /sbin/shutdown or calls reboot(2); all of that
stays inside the namespace (reboot(2) there only ends the namespace's init,
which its parent sees as killed by SIGINT for power-off and halt, SIGHUP for
restart: reboot(2), "Behavior inside PID namespaces").
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))

from agentproc import REPLY_TIMEOUT, AgentProcess, unix_socket_listening  # noqa: E402

FAKEINIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakeinit.py")
PYTHON = "/usr/bin/python3"

# What the parent of a namespace's init sees when reboot(2) ends the namespace.
REBOOT_SIGNALS = {"powerdown": signal.SIGINT, "halt": signal.SIGINT, "reboot": signal.SIGHUP}

# How long a namespace may take to come up or go down (python start, ASan start).
NS_TIMEOUT = 20.0


# PID 1 is Debian's busybox itself, run as init. The script refuses unless it
# is PID 1 of the new namespace, hides the machine's /run, /usr/sbin and /etc
# (busybox init without an inittab would run its default shutdown actions,
# among them `swapoff -a`, which no namespace confines), writes an inittab that
# starts the agent and records the shutdown actions, and becomes init. CONSOLE
# keeps init's terminal set-up off the machine's console.
BUSYBOX_INIT_SCRIPT = """#!/bin/sh
set -e
if [ "$$" -ne 1 ]; then echo "refused not pid 1" >> '%(record)s'; exit 97; fi
for d in /run /usr/sbin /etc; do mount -t tmpfs -o mode=755 tmpfs $d; done
printf '%%s\\n' '::once:%(agent)s' \\
    "::shutdown:/bin/sh -c 'echo shutdown-action >> %(record)s'" > /etc/inittab
test -s /etc/inittab
ln -s %(busybox)s /run/init
echo ready >> '%(record)s'
CONSOLE=/dev/null exec /run/init
"""
BUSYBOX = "/bin/busybox"


class NamespacedAgent:
    """unshare + fakeinit (or busybox init: kind "real-busybox") + streamga;
    connect() talks to the agent from outside (its unix socket is in a
    directory both sides see)."""

    def __init__(self, agent_binary, workdir, kind, binary="none", exec_agent=False, uid=None):
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.record_path = os.path.join(self.workdir, "record.txt")
        open(self.record_path, "w").close()
        # argv, socket, statedir and pidfile exactly as AgentProcess lays them out
        self.layout = AgentProcess(agent_binary, self.workdir)
        if uid is not None:
            for path in (self.workdir, self.layout.statedir, self.record_path):
                os.chown(path, uid, uid)
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", "--mount", "--kill-child", "--"]
        if kind == "real-busybox":
            script = os.path.join(self.workdir, "busybox-init.sh")
            with open(script, "w") as f:
                f.write(BUSYBOX_INIT_SCRIPT % {"record": self.record_path, "busybox": BUSYBOX,
                                               "agent": " ".join(self.layout.args)})
            os.chmod(script, 0o755)
            self.cmd = cmd + [script]
            return
        cmd += [PYTHON, FAKEINIT, "--kind", kind, "--record", self.record_path, "--binary", binary]
        if exec_agent:
            cmd.append("--exec")
        if uid is not None:
            cmd += ["--uid", str(uid)]
        self.cmd = cmd + ["--"] + self.layout.args
        self.proc = None
        self._stderr = None

    @property
    def socket_path(self):
        return self.layout.socket_path

    def start(self):
        self._stderr = open(os.path.join(self.workdir, "stderr.txt"), "wb")
        self.proc = subprocess.Popen(self.cmd, env=self.layout.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._stderr)
        deadline = time.monotonic() + NS_TIMEOUT
        while not unix_socket_listening(self.socket_path):
            if self.proc.poll() is not None:
                raise RuntimeError("namespace ended with %s before the agent listened:\n%s\n%s"
                                   % (self.proc.returncode, self.record(), self.stderr()))
            if any(line.startswith("refused") for line in self.record()):
                raise RuntimeError("fakeinit refused: %s" % self.record())
            if time.monotonic() > deadline:
                raise RuntimeError("agent did not listen:\n%s\n%s" % (self.record(), self.stderr()))
            time.sleep(0.02)
        assert self.record()[0] == "ready", self.record()
        return self

    def connect(self):
        return self.layout.connect()

    def record(self):
        with open(self.record_path) as f:
            return f.read().splitlines()

    def stderr(self):
        try:
            with open(os.path.join(self.workdir, "stderr.txt"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_record(self, predicate, what, timeout=NS_TIMEOUT):
        """Wait until some record line satisfies predicate; return that line."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.record():
                if predicate(line):
                    return line
            if time.monotonic() > deadline:
                raise AssertionError("no %s in the record within %.0f s: %r\nstderr:\n%s"
                                     % (what, timeout, self.record(), self.stderr()))
            time.sleep(0.02)

    def wait_ended(self, timeout=NS_TIMEOUT):
        """The namespace's end: unshare's status (negative: the signal that ended its init)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("the namespace did not end:\n%r\n%s"
                                 % (self.record(), self.stderr())) from None

    def stop(self):
        """Kill the namespace: unshare ignores SIGTERM while it waits for its child,
        so it gets SIGKILL, and --kill-child passes that on to the namespace's init,
        whose end takes every process of the namespace with it."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(REPLY_TIMEOUT)
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        return self.proc.returncode


def ended_by(status, signo):
    """unshare re-raises the signal that ended the namespace's init on itself."""
    return status in (-signo, 128 + signo)
