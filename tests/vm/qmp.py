"""A minimal QMP client for the test VM's monitor: commands and events."""
import json
import socket
import time

QMP_TIMEOUT = 30.0


class QMP:
    def __init__(self, path, timeout=QMP_TIMEOUT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.events = []
        greeting = self._read()
        assert "QMP" in greeting, greeting
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def execute(self, command, **arguments):
        """Run a command; return its "return" value, raise on an "error" reply."""
        req = {"execute": command}
        if arguments:
            req["arguments"] = arguments
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
            elif "error" in msg:
                raise RuntimeError("QMP %s failed: %s" % (command, msg["error"]))
            else:
                return msg["return"]

    def wait_event(self, name, timeout=QMP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            if time.monotonic() > deadline:
                raise TimeoutError("no QMP event %s within %.0f s" % (name, timeout))
            self.events.append(self._read())

    def close(self):
        self.file.close()
        self.sock.close()
