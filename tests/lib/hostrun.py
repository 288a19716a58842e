"""Run streamga-host, against a real agent or any socket; shared by the host client tests."""
import subprocess
import time

from agentproc import CONNECT_RETRY_SECONDS

# The client's own timeouts are far below this; it only catches a hung client.
HOST_RUN_TIMEOUT = 60.0

# Both agents run with one command blocked, so the client meets a disabled command.
BLOCKED_COMMAND = "guest-get-time"


def run_host(host_binary, *args, timeout=HOST_RUN_TIMEOUT):
    return subprocess.run([host_binary, *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


class Target:
    """A real agent for the client, and how to run the client against it."""

    def __init__(self, kind, proc, host_binary, logfile=None):
        self.kind = kind            # "streamga" or "qemu-ga"
        self.proc = proc            # a started AgentProcess
        self.host_binary = host_binary
        self.socket = proc.socket_path
        self.logfile = logfile      # the agent's -l file, if it has one

    def host(self, *args, opts=()):
        """Run `streamga-host OPTS SOCKET ARGS...`.

        qemu-ga refuses connections for a moment after a client leaves (see
        oracle-facts.md), so for it alone a refused connect is retried."""
        deadline = time.monotonic() + CONNECT_RETRY_SECONDS
        while True:
            r = run_host(self.host_binary, *opts, self.socket, *args)
            if not (self.kind == "qemu-ga" and r.returncode == 3 and "refused" in r.stderr
                    and time.monotonic() < deadline):
                return r
            time.sleep(0.05)

    def call(self, execute, arguments=None):
        """A request over a plain connection, to check the client's output against."""
        with self.proc.connect() as conn:
            return conn.call(execute, arguments)
