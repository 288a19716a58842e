"""A guest-file client for the file suites: one request at a time, replies of any size read in linear time."""
import base64
import json
import socket
import time

from agentproc import REPLY_TIMEOUT

MIB = 1 << 20
# qemu-ga's (and streamga's) largest guest-file-read count.
READ_COUNT_MAX = 48 * MIB
# A 48 MiB read is a 64 MiB reply: generous for an ASan build on a busy machine.
BIG_REPLY_TIMEOUT = 120.0


class AgentError(Exception):
    """The agent answered with an error: its class and desc."""

    def __init__(self, error):
        super().__init__("%s: %s" % (error.get("class"), error.get("desc")))
        self.cls = error.get("class")
        self.desc = error.get("desc")


class FileClient:
    """Wraps an AgentConnection; reads replies itself so that a 64 MB reply is
    not copied and rescanned once per received chunk."""

    def __init__(self, conn):
        self.conn = conn
        self.buf = bytearray(conn.buf)
        conn.buf = b""
        self.scanned = 0

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            i = self.buf.find(b"\n", self.scanned)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                self.scanned = 0
                return line
            self.scanned = len(self.buf)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete reply within %.0f s (%d bytes so far)"
                                   % (timeout, len(self.buf)))
            self.conn.sock.settimeout(remaining)
            try:
                chunk = self.conn.sock.recv(4 * MIB)
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError("agent closed the connection")
            self.buf += chunk

    def request(self, execute, arguments=None, timeout=REPLY_TIMEOUT):
        """Send one request; return the whole reply as a value."""
        req = {"execute": execute}
        if arguments is not None:
            req["arguments"] = arguments
        self.conn.sock.settimeout(timeout)
        self.conn.sock.sendall(json.dumps(req).encode())
        return json.loads(self._read_line(timeout))

    def call(self, execute, arguments=None, timeout=REPLY_TIMEOUT):
        """The reply's return value; AgentError for an error reply."""
        reply = self.request(execute, arguments, timeout)
        if "error" in reply:
            raise AgentError(reply["error"])
        assert set(reply) == {"return"}, reply
        return reply["return"]

    def error(self, execute, arguments=None):
        """The error an erroneous request gets (fails when it succeeds)."""
        reply = self.request(execute, arguments)
        assert "error" in reply and "return" not in reply, "expected an error: %r" % reply
        assert set(reply["error"]) == {"class", "desc"}, reply
        return reply["error"]

    def open(self, path, mode=None):
        args = {"path": str(path)}
        if mode is not None:
            args["mode"] = mode
        handle = self.call("guest-file-open", args)
        assert isinstance(handle, int) and not isinstance(handle, bool), handle
        return handle

    def close(self, handle):
        assert self.call("guest-file-close", {"handle": handle}) == {}

    def flush(self, handle):
        assert self.call("guest-file-flush", {"handle": handle}) == {}

    def read_reply(self, handle, count=None):
        """guest-file-read's return value, checked for its members and consistency."""
        args = {"handle": handle}
        if count is not None:
            args["count"] = count
        r = self.call("guest-file-read", args, timeout=BIG_REPLY_TIMEOUT)
        assert list(r) == ["count", "buf-b64", "eof"], r
        assert isinstance(r["eof"], bool)
        assert len(base64.b64decode(r["buf-b64"], validate=True)) == r["count"], r["count"]
        return r

    def read(self, handle, count=None):
        """(data, eof)."""
        r = self.read_reply(handle, count)
        return base64.b64decode(r["buf-b64"]), r["eof"]

    def write(self, handle, data, count=None):
        """The count written."""
        args = {"handle": handle, "buf-b64": base64.b64encode(data).decode()}
        if count is not None:
            args["count"] = count
        r = self.call("guest-file-write", args, timeout=BIG_REPLY_TIMEOUT)
        assert list(r) == ["count", "eof"] and r["eof"] is False, r
        return r["count"]

    def seek(self, handle, offset, whence):
        """The new position."""
        r = self.call("guest-file-seek", {"handle": handle, "offset": offset, "whence": whence})
        assert list(r) == ["eof", "position"] and r["eof"] is False, r
        return r["position"]
