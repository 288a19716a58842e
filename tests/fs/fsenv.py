"""Helpers of the filesystem suite: the mount-namespace holder, and agents run under a fake root.

Safety rules these helpers enforce, because a freeze of a real filesystem
would hang this machine:
- every agent here runs with --system-root pointing at a tree the test built,
  whose mount table lists only test filesystems;
- filesystems that may really be frozen are ext4 images on loop devices,
  mounted only inside a private mount namespace (NsHolder), never seen by
  anything else on the machine; NsHolder checks each is a mount point on a
  loop device, and thaws them whatever happens to the test;
- every wait has a timeout.
"""
import json
import os
import select
import subprocess
import sys
import time

from agentproc import REPLY_TIMEOUT, AgentProcess

HERE = os.path.dirname(os.path.abspath(__file__))
HOLDER = os.path.join(HERE, "nsholder.py")
# Generous: mkfs and mount of a loop device take well under a second, but a
# loaded machine (two sanitizer builds running) can be slow.
HOLDER_TIMEOUT = 60.0
# The holder thaws and unmounts on its own after this long, should the test
# process vanish without closing its input.
HOLDER_LIFETIME = 900
EXT4_IMAGE_MB = 32


def make_ext4_image(path):
    """A sparse ext4 image file (the filesystem freeze and trim tests act on)."""
    with open(path, "wb") as f:
        f.truncate(EXT4_IMAGE_MB << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "nodiscard", str(path)], check=True,
                   timeout=HOLDER_TIMEOUT, capture_output=True)


class NsHolder:
    """A process holding a private mount namespace with the given mounts (see nsholder.py)."""

    def __init__(self, mounts):
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", sys.executable, HOLDER],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            reply = self._exchange({"mounts": mounts, "lifetime": HOLDER_LIFETIME})
        except BaseException:
            self.close()
            raise
        if not reply.get("ok"):
            self.close()
            raise RuntimeError("mount namespace holder failed: %s" % reply.get("error"))
        self.pid = reply["pid"]
        assert self.pid == self.proc.pid, (self.pid, self.proc.pid)
        self.mounts = {m["path"]: m for m in reply["mounts"]}

    def _exchange(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + HOLDER_TIMEOUT
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("mount namespace holder did not answer %r" % obj)
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise EOFError("mount namespace holder exited: %s"
                                   % self.proc.stderr.read().decode(errors="replace"))
                line += chunk
        return json.loads(line)

    def request(self, op, **args):
        reply = self._exchange({"op": op, **args})
        if not reply.get("ok"):
            raise RuntimeError("holder %s failed: %s" % (op, reply.get("error")))
        return reply

    def frozen(self, path):
        return self.request("frozen", path=path)["frozen"]

    def freeze(self, path):
        self.request("freeze", path=path)

    def thaw_all(self):
        return self.request("thaw_all")["thawed"]

    def statvfs(self, path):
        return self.request("statvfs", path=path)["statvfs"]

    def close(self):
        """End of input: the holder thaws, unmounts and exits."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=HOLDER_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.terminate()   # still thaws (SIGTERM handler)
                try:
                    self.proc.wait(timeout=HOLDER_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        return self.proc.returncode


class FsAgents:
    """Starts streamga under a fake root, inside a holder's namespace when given one."""

    def __init__(self, agent_binary, tmp_path):
        self.agent_binary = agent_binary
        self.tmp_path = tmp_path
        self.procs = []
        self.expect_clean = {}

    def start(self, root, *extra_args, holder=None, name=None, workdir=None, socket_name="agent.sock",
              env=None, start=True):
        """An agent with --system-root=root; workdir reuses another agent's directory
        (and so its statedir), for restarts."""
        if workdir is None:
            workdir = self.tmp_path / (name or "agent%d" % len(self.procs))
            workdir.mkdir()
        proc = AgentProcess(self.agent_binary, workdir, socket_name=socket_name, env=env,
                            extra_args=("--system-root=%s" % root,) + tuple(extra_args))
        assert any(a.startswith("--system-root=") for a in proc.args)
        if holder is not None:
            proc.args = ["nsenter", "-t", str(holder.pid), "-m", "--"] + proc.args
        self.procs.append(proc)
        self.expect_clean[id(proc)] = True
        return proc.start() if start else proc

    def killed(self, proc, sig):
        """Stop proc with sig; its exit status is then not checked."""
        self.expect_clean[id(proc)] = False
        return proc.stop(sig)

    def stop_all(self):
        """Stop every agent; the exit statuses that should have been clean but were not."""
        problems = []
        for p in self.procs:
            rc = p.stop()
            if self.expect_clean[id(p)] and rc != 0:
                problems.append("agent %s exited with %s:\n%s" % (p.workdir, rc, p.stderr()))
        return problems


def call_ok(conn, command, arguments=None):
    """The return value of a command that must succeed."""
    reply = conn.call(command, arguments)
    assert "return" in reply, (command, arguments, reply)
    return reply["return"]


def call_error(conn, command, arguments=None):
    reply = conn.call(command, arguments)
    assert "error" in reply and "return" not in reply, (command, arguments, reply)
    return reply["error"]


def wait_for(predicate, what, timeout=REPLY_TIMEOUT):
    """Poll predicate until true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)
