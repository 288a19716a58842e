"""Start a guest agent (streamga or Debian's qemu-ga) on a unix socket and talk to it.

Shared by the protocol, differential and benchmark suites so that every suite
starts agents and reads replies the same way.
"""
import json
import os
import shutil
import socket
import subprocess
import threading
import time

# How long a test waits for any single reply before calling the agent hung.
REPLY_TIMEOUT = 10.0
# qemu-ga refuses connections for a moment after a client leaves.
CONNECT_RETRY_SECONDS = 5.0

QEMU_GA = shutil.which("qemu-ga") or "/usr/sbin/qemu-ga"


# /proc/net/unix flag of a listening socket (__SO_ACCEPTCON).
_SO_ACCEPTCON = 0x10000


def unix_socket_listening(path):
    """True when a socket bound to path is listening; asks /proc/net/unix, so no connection is made."""
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.rstrip("\n").split(None, 7)
            if len(fields) == 8 and fields[7] == path and int(fields[3], 16) & _SO_ACCEPTCON:
                return True
    return False


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
            self._wait_alive(lambda: os.path.exists(self.socket_path), "create its socket")
        return self

    def _wait_alive(self, predicate, what, timeout=REPLY_TIMEOUT):
        """Poll predicate while the agent runs; fail when it exits or times out."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited with %s: %s" % (self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                raise RuntimeError("agent did not " + what)
            time.sleep(0.01)

    def wait_listening(self, timeout=REPLY_TIMEOUT):
        """Wait until the socket file is not just bound but listening, without connecting.

        start() returns once the file exists, which is before listen(): a client
        that must not retry (a subprocess under test) should wait for this."""
        self._wait_alive(lambda: unix_socket_listening(self.socket_path), "listen on its socket",
                         timeout)
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


# /proc/net/tcp state of a listening socket.
_TCP_LISTEN = "0A"


def tcp_port_listening(port):
    """True when a socket listens on the IPv4 port; asks /proc, so no connection is made."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[3] == _TCP_LISTEN and int(fields[1].split(":")[1], 16) == port:
                return True
    return False


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpAgentProcess(AgentProcess):
    """An agent listening on a free TCP loopback port (-m tcp-listen, streamga's
    extension). launcher runs the binary (e.g. ["wine"]); agent_path turns a
    local path into the agent's own spelling of it."""

    def __init__(self, binary, workdir, extra_args=(), env=None, launcher=(), agent_path=str):
        super().__init__(binary, workdir, extra_args=extra_args, env=env)
        self.port = free_tcp_port()
        self.address = "127.0.0.1:%d" % self.port
        self.args = [*launcher, binary, "-m", "tcp-listen", "-p", self.address,
                     "-t", agent_path(self.statedir), *extra_args]

    def start(self, wait=True):
        super().start(wait=False)
        if wait:
            self.wait_listening()
        return self

    def wait_listening(self, timeout=REPLY_TIMEOUT * 3):
        self._wait_alive(lambda: tcp_port_listening(self.port), "listen on " + self.address, timeout)
        return self

    def connect(self, timeout=REPLY_TIMEOUT):
        deadline = time.monotonic() + CONNECT_RETRY_SECONDS
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return AgentConnection(s, timeout)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def stop_all_cleanly(procs):
    """Stop every agent, then fail if any did not exit 0: a clean SIGTERM exit is
    part of the contract, and sanitizer reports end there too. An agent never
    started (stop() gives None) has nothing to report."""
    failures = []
    for proc in procs:
        rc = proc.stop()
        if rc is not None and rc != 0:
            failures.append("agent exit status %s; stderr:\n%s" % (rc, proc.stderr()))
    assert not failures, "\n".join(failures)


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
            chunk = self._recv_until(deadline)
            if chunk is None:
                raise TimeoutError("no reply within timeout; have %r" % self.buf[:200])
            if not chunk:
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def _recv_until(self, deadline):
        """The next bytes from the agent (b"" at EOF), or None when deadline passes."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                return self.sock.recv(1 << 20)
            except socket.timeout:
                continue

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

    def call_ok(self, execute, arguments=None, timeout=None):
        """call(), failing the test unless the reply is a success; its "return" value."""
        reply = self.call(execute, arguments, timeout=timeout)
        assert "return" in reply, (execute, arguments, reply)
        return reply["return"]

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

    def read_lines(self, count, timeout=None):
        """The next count reply lines (without newlines), read in bulk: for tests that
        read hundreds of thousands of replies, where read_line's copying is too slow.
        Raises EOFError if the agent closes first, TimeoutError after timeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        lines = []
        pieces = [self.buf]
        self.buf = b""
        pending = b""
        while True:
            if pieces:
                data = pending + b"".join(pieces)
                pieces = []
                parts = data.split(b"\n")
                pending = parts.pop()
                lines.extend(parts)
                if len(lines) >= count:
                    rest = lines[count:]
                    self.buf = b"".join(line + b"\n" for line in rest) + pending
                    return lines[:count]
            chunk = self._recv_until(deadline)
            if chunk is None:
                self.buf = b"".join(line + b"\n" for line in lines) + pending
                raise TimeoutError("%d of %d lines within timeout" % (len(lines), count))
            if not chunk:
                self.buf = b"".join(line + b"\n" for line in lines) + pending
                raise EOFError("agent closed the connection after %d of %d lines"
                               % (len(lines), count))
            pieces.append(chunk)

    def send_timed(self, data, timeout=None):
        """Send everything, or raise TimeoutError when that takes longer than timeout
        (the agent stopped reading); send() itself has no timeout of its own."""
        if isinstance(data, str):
            data = data.encode()
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        self.sock.sendall(data)

    def send_in_background(self, data, stall_timeout=None):
        """Send data from a thread, so that this thread can read replies meanwhile
        (an agent that stops reading while its replies are unread would otherwise
        deadlock a plain send). Returns a BackgroundSend."""
        if isinstance(data, str):
            data = data.encode()
        # The sender's socket shares the file description, whose O_NONBLOCK a timeout
        # sets: give this object a timeout as well, so that it never sees EAGAIN.
        if self.sock.gettimeout() is None:
            self.sock.settimeout(self.timeout)
        return BackgroundSend(self.sock.dup(), data,
                              self.timeout if stall_timeout is None else stall_timeout)


class BackgroundSend:
    """A send running in its own thread; `sent` counts the bytes gone so far."""

    CHUNK = 64 * 1024

    def __init__(self, sock, data, stall_timeout):
        self.sock = sock
        self.data = memoryview(data)
        self.stall_timeout = stall_timeout
        self.sent = 0
        self.error = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            # The agent may pause reading (backpressure) for a while, but not for
            # longer than stall_timeout; short waits let stop() end the thread.
            self.sock.settimeout(0.05)
            last_progress = time.monotonic()
            while self.sent < len(self.data) and not self.stopping:
                try:
                    self.sent += self.sock.send(self.data[self.sent:self.sent + self.CHUNK])
                    last_progress = time.monotonic()
                except socket.timeout:
                    if time.monotonic() - last_progress > self.stall_timeout:
                        raise TimeoutError("agent read nothing for %.0f s" % self.stall_timeout)
        except Exception as e:  # reported by join()
            self.error = e
        finally:
            self.sock.close()

    def stop(self, timeout=REPLY_TIMEOUT):
        """Give up sending and release the thread's descriptor, so that closing the
        connection really disconnects; returns the bytes sent."""
        self.stopping = True
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError("background sender did not stop")
        return self.sent

    @property
    def done(self):
        return not self.thread.is_alive()

    def wait_stalled(self, quiet_seconds, timeout):
        """Wait until no byte has gone for quiet_seconds; True if stalled, False if the
        whole buffer went first. Raises TimeoutError if it neither stalls nor ends."""
        deadline = time.monotonic() + timeout
        last, last_change = self.sent, time.monotonic()
        while not self.done:
            now = time.monotonic()
            if self.sent != last:
                last, last_change = self.sent, now
            elif now - last_change >= quiet_seconds:
                return True
            if now > deadline:
                raise TimeoutError("sender neither stalled nor finished")
            time.sleep(0.02)
        return False

    def join(self, timeout=REPLY_TIMEOUT):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError("background send did not finish (%d of %d bytes sent)"
                               % (self.sent, len(self.data)))
        if self.error is not None:
            raise self.error
        return self.sent
