"""Start a guest agent (streamga or Debian's qemu-ga) on a unix socket and talk to it.

Shared by the protocol, differential and benchmark suites so that every suite
starts agents and reads replies the same way.
"""
import json
import os
import shutil
import socket
import subprocess
import time

# How long a test waits for any single reply before calling the agent hung.
REPLY_TIMEOUT = 10.0
# qemu-ga refuses connections for a moment after a client leaves.
CONNECT_RETRY_SECONDS = 5.0

QEMU_GA = shutil.which("qemu-ga") or "/usr/sbin/qemu-ga"


class AgentProcess:
    """One agent process listening on a unix socket in its own directory."""

    def __init__(self, binary, workdir, extra_args=(), env=None, method="unix-listen",
                 socket_name="agent.sock"):
        self.binary = binary
        self.workdir = str(workdir)
        self.socket_path = os.path.join(self.workdir, socket_name)
        self.statedir = os.path.join(self.workdir, "state")
        os.makedirs(self.statedir, exist_ok=True)
        self.pidfile = os.path.join(self.workdir, "agent.pid")
        self.logfile = os.path.join(self.workdir, "agent.log")
        self.args = [binary, "-m", method, "-p", self.socket_path,
                     "-t", self.statedir, "-f", self.pidfile, *extra_args]
        self.env = dict(os.environ)
        # Never let a developer's /etc/qemu/qemu-ga.conf change what a test sees.
        self.env.setdefault("QGA_CONF", os.path.join(self.workdir, "no-such.conf"))
        if env:
            self.env.update(env)
        self.proc = None
        self._stderr = None

    def start(self, wait=True):
        self._stderr = open(os.path.join(self.workdir, "stderr.txt"), "wb")
        self.proc = subprocess.Popen(self.args, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._stderr)
        if wait:
            deadline = time.monotonic() + REPLY_TIMEOUT
            while not os.path.exists(self.socket_path):
                if self.proc.poll() is not None:
                    raise RuntimeError("agent exited with %s: %s" % (self.proc.returncode, self.stderr()))
                if time.monotonic() > deadline:
                    raise RuntimeError("agent did not create its socket")
                time.sleep(0.01)
        return self

    def stderr(self):
        try:
            with open(os.path.join(self.workdir, "stderr.txt"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connect(self, timeout=REPLY_TIMEOUT):
        deadline = time.monotonic() + CONNECT_RETRY_SECONDS
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.socket_path)
                return AgentConnection(s, timeout)
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self, sig=None):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=REPLY_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class AgentConnection:
    """A client connection: raw byte writes and newline-framed JSON replies."""

    def __init__(self, sock, timeout=REPLY_TIMEOUT):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def read_line(self, timeout=None):
        """Return the next reply line (without the newline), or None on EOF."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no reply within timeout; have %r" % self.buf[:200])
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            if not chunk:
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def read_reply(self, timeout=None):
        line = self.read_line(timeout)
        if line is None:
            raise EOFError("agent closed the connection")
        if line.startswith(b"\xff"):
            line = line[1:]
        return json.loads(line)

    def no_reply_within(self, seconds):
        """True when nothing at all arrives for the given time."""
        try:
            line = self.read_line(seconds)
        except TimeoutError:
            return True
        raise AssertionError("unexpected reply: %r" % line)

    def call(self, execute, arguments=None, id=None, timeout=None):
        req = {"execute": execute}
        if arguments is not None:
            req["arguments"] = arguments
        if id is not None:
            req["id"] = id
        self.send(json.dumps(req))
        return self.read_reply(timeout)

    def resync(self, sync_id=0x5eed, timeout=None):
        """0xFF + guest-sync-delimited; discard everything before the delimited reply."""
        self.send(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                        "arguments": {"id": sync_id}}).encode())
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no delimited sync reply")
            line = self.read_line(remaining)
            if line is None:
                raise EOFError("agent closed the connection during resync")
            if b"\xff" in line:
                reply = json.loads(line[line.index(b"\xff") + 1:])
                if reply.get("return") == sync_id:
                    return reply
