"""A scripted stand-in for a guest agent on a unix socket, to drive a host client into error paths.

A thread accepts one connection and runs a script against it; the script
reads the client's requests and answers (or not) however the test wants. Every
read has a timeout, and stop() unblocks and joins the thread.
"""
import json
import os
import socket
import threading

# Longest any scripted step waits for the client.
STEP_TIMEOUT = 10.0
# How often a waiting accept checks whether the test has stopped the fake agent.
ACCEPT_POLL = 0.05


class ClientGone(Exception):
    """The client closed the connection."""


class FakeConnection:
    """The agent side of one client connection."""

    def __init__(self, sock, stop_event):
        self.sock = sock
        self.stop_event = stop_event
        self.buf = b""
        self.requests = []      # every request line received, raw bytes

    def read_request(self, timeout=STEP_TIMEOUT):
        """The next newline-terminated request as parsed JSON (a leading 0xFF removed)."""
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("the client sent no complete request; have %r" % self.buf)
            if not chunk:
                raise ClientGone()
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        self.requests.append(line)
        return json.loads(line.lstrip(b"\xff"))

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def answer_sync(self):
        """Read the client's guest-sync-delimited and answer it as an agent does."""
        req = self.read_request()
        if req.get("execute") != "guest-sync-delimited":
            raise AssertionError("expected guest-sync-delimited first, got %r" % req)
        sync_id = req["arguments"]["id"]
        self.send(b"\xff" + json.dumps({"return": sync_id}).encode() + b"\n")
        return sync_id

    def wait_for_close(self, timeout=STEP_TIMEOUT):
        """Hold the connection open, unanswered, until the client leaves or the test stops us."""
        self.sock.settimeout(0.05)
        waited = 0.0
        while not self.stop_event.is_set() and waited < timeout:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                waited += 0.05
                continue
            if not chunk:
                return
            self.buf += chunk


class FakeAgent:
    """Listen on path; run script(conn) for the first client in a thread."""

    def __init__(self, path, script):
        self.path = str(path)
        self.script = script
        self.stop_event = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        self.listener.settimeout(ACCEPT_POLL)
        self.conn = None            # the FakeConnection, once a client connected
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _accept(self):
        """The first client, or None when stopped first; polls so that stop() is prompt."""
        waited = 0.0
        while not self.stop_event.is_set():
            try:
                return self.listener.accept()[0]
            except socket.timeout:
                waited += ACCEPT_POLL
                if waited > STEP_TIMEOUT:
                    raise TimeoutError("no client connected to the fake agent")
        return None

    def _serve(self):
        try:
            sock = self._accept()
        except OSError as e:            # includes TimeoutError
            self.error = e
            return
        if sock is None:
            return
        with sock:
            self.conn = FakeConnection(sock, self.stop_event)
            try:
                self.script(self.conn)
            except ClientGone:
                pass
            except Exception as e:      # reported by stop()
                self.error = e

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        """End the script and return the exception it raised, if any."""
        self.stop_event.set()
        self.thread.join(STEP_TIMEOUT + 5)
        self.listener.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
        if self.thread.is_alive():
            raise AssertionError("fake agent thread did not finish")
        return self.error

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
