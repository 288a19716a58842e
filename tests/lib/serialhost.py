"""The host end of a serial line for transport tests: a pseudo-terminal whose slave
the agent opens (as isa-serial, or as a virtio-serial stand-in) and whose master
the test reads and writes."""
import json
import os
import select
import time
import tty

from agentproc import REPLY_TIMEOUT, AgentProcess


class PtyHost:
    """A pty pair: the test holds the master; the agent opens slave_name."""

    def __init__(self, raw_slave=False):
        self.master, self.slave = os.openpty()
        self.slave_name = os.ttyname(self.slave)
        if raw_slave:
            # For methods that take the line as it is (virtio-serial): no echo, no
            # line discipline, so it behaves as a plain byte pipe.
            tty.setraw(self.slave)
        self.buf = b""

    def close_slave(self):
        """Drop the test's own slave descriptor (the agent keeps its own)."""
        if self.slave is not None:
            os.close(self.slave)
            self.slave = None

    def close(self):
        self.close_slave()
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        deadline = time.monotonic() + REPLY_TIMEOUT
        while view:
            _, writable, _ = select.select([], [self.master], [], max(0.0, deadline - time.monotonic()))
            if not writable:
                raise TimeoutError("the pty did not take our bytes")
            n = os.write(self.master, view)
            view = view[n:]

    def read_available(self, timeout):
        """What arrives within timeout (b"" if nothing); None when the line is gone."""
        readable, _, _ = select.select([self.master], [], [], timeout)
        if not readable:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return None     # EIO: no slave side open any more
        return data if data else None

    def read_line(self, timeout=REPLY_TIMEOUT):
        """The next line exactly as it arrived, terminator included."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no line within timeout; have %r" % self.buf[:200])
            data = self.read_available(remaining)
            if data is None:
                raise EOFError("serial line closed; have %r" % self.buf[:200])
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def read_reply(self, timeout=REPLY_TIMEOUT):
        line = self.read_line(timeout)
        return json.loads(line.lstrip(b"\xff"))

    def nothing_within(self, seconds):
        """True when no byte at all arrives for the given time."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return not self.buf
            data = self.read_available(remaining)
            if data:
                self.buf += data
                return False
            if data is None:
                return not self.buf

    def sync(self, timeout=REPLY_TIMEOUT, retry_every=0.5):
        """Wait until the agent answers on the line, then drop everything before.

        The agent discards input that was waiting before it opened the line, so
        the first requests may be lost: repeat 0xFF + guest-sync-delimited until
        one is answered, then once more with a fresh id to drain stale replies."""
        deadline = time.monotonic() + timeout
        sync_id = 1000
        while True:
            sync_id += 1
            self.send(b'\xff{"execute": "guest-sync-delimited", "arguments": {"id": %d}}' % sync_id)
            try:
                line = self.read_line(min(retry_every, max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the agent never answered on %s" % self.slave_name)
                continue
            if line.startswith(b"\xff"):
                break
        final = 987654321
        self.send(b'\xff{"execute": "guest-sync-delimited", "arguments": {"id": %d}}' % final)
        while True:
            line = self.read_line(max(0.01, deadline - time.monotonic()))
            if line.startswith(b"\xff") and json.loads(line[1:]).get("return") == final:
                return


def serial_agent(binary, workdir, path, *extra_args, method="isa-serial", env=None):
    """An AgentProcess on a device path instead of a socket (started with start(wait=False))."""
    return AgentProcess(binary, workdir, extra_args=extra_args, env=env, method=method,
                        socket_name=os.path.abspath(path))
