"""Run the same guest-exec in streamga and qemu-ga and collect every status until each says exited.

Both agents are polled alternately at the same interval over one connection
each, so they see the same poll pattern. What a test may compare is the order
and shape of the statuses and their values, never how many polls it took: that
depends on the machine's speed.
"""
import base64
import os
import time

from diffagents import LEFT, NAMES, Reply, request

# Between two rounds of status requests.
POLL_INTERVAL = 0.02
# Generous: the biggest programs write 20 MiB through qemu-ga's 4 KiB reads,
# maybe under ASan on a loaded machine.
EXEC_TIMEOUT = 120.0
# A status reply holding 16 MiB as base64 is ~22 MB of JSON to build and send.
STATUS_REPLY_TIMEOUT = 60.0

# Replaced in a program's arguments by the path of the run's gate file.
GATE = "@GATE@"
# A shell loop that holds the program until the gate file exists.
WAIT_FOR_GATE = 'while [ ! -e "%s" ]; do sleep 0.01; done' % GATE

INVALID_PID = {"class": "GenericError", "desc": "Invalid parameter 'pid'"}


class Conversation:
    """One open connection to each agent of a pair, for exchanges of many requests.

    Every request's reply is read before the next is sent, so closing never
    leaves replies unread (qemu-ga exits when a client does that). A failure
    marks the pair dirty, so the next test gets fresh agents.
    """

    def __init__(self, pair):
        self.pair = pair
        self.conns = {}

    def __enter__(self):
        try:
            for name in NAMES:
                self.conns[name] = self.pair.agents[name].connect()
        except BaseException:
            self.pair.dirty = True
            self._close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.pair.dirty = True
        self._close()

    def _close(self):
        for conn in self.conns.values():
            conn.close()
        self.conns = {}

    def call(self, name, payload, timeout=None):
        """Send one request to one agent and return its Reply."""
        conn = self.conns[name]
        conn.send(payload)
        line = conn.read_line(timeout)
        if line is None:
            raise EOFError("%s closed the connection after %r" % (name, payload[:200]))
        return Reply(line)

    def call_both(self, payload):
        """The same request to both: {name: Reply}."""
        return {name: self.call(name, payload) for name in NAMES}


class ExecRun:
    """One agent's side of a run: the guest-exec reply and every status after it."""

    def __init__(self, name, start, pid=None):
        self.name = name
        self.start = start          # Reply to guest-exec (None when started elsewhere)
        self._pid = pid
        self.statuses = []          # Reply to each guest-exec-status, in order
        self.after = None           # Reply to one more status after exited:true

    @property
    def pid(self):
        return self._pid if self.start is None else self.start.value["return"]["pid"]

    @property
    def started(self):
        return "return" in self.start.value

    @property
    def returns(self):
        """The return value of every status (they are all successes in a finished run)."""
        out = []
        for reply in self.statuses:
            assert "return" in reply.value, "%s: status failed: %r" % (self.name, reply)
            out.append(reply.value["return"])
        return out

    @property
    def final(self):
        return self.returns[-1]

    @property
    def running(self):
        """The statuses before the final one."""
        return self.returns[:-1]

    def chunks(self, member):
        """The decoded out-data or err-data of each status that carried one."""
        return [base64.b64decode(r[member], validate=True) for r in self.returns if member in r]

    def data(self, member):
        """Everything the statuses carried for member, concatenated."""
        return b"".join(self.chunks(member))


def with_gate(arguments, gate_path):
    """The guest-exec arguments with the gate placeholder replaced."""
    out = dict(arguments)
    if "arg" in out:
        out["arg"] = [a.replace(GATE, gate_path) for a in out["arg"]]
    return out


def run_exec(conv, arguments, streamga_arguments=None, gate_dir=None, running_polls=3,
             timeout=EXEC_TIMEOUT):
    """Start the program in both agents, poll both until each says exited, and ask
    once more (the pid must be forgotten then). Returns {name: ExecRun}.

    streamga_arguments are added to streamga's guest-exec only (its extensions).
    With gate_dir, the program's GATE placeholder names a file there that does
    not exist yet: both agents are polled running_polls times while the program
    waits for it (so those statuses are of a running program, whatever the
    machine's speed), then the gate opens. A program that fails to start in
    either agent is still followed in the other, so no run is left behind.
    """
    gate_path = None
    if gate_dir is not None:
        gate_path = os.path.join(str(gate_dir), "gate")
        assert not os.path.exists(gate_path), gate_path
        arguments = with_gate(arguments, gate_path)
    runs = {}
    for name in NAMES:
        args = dict(arguments)
        if name == LEFT and streamga_arguments:
            args.update(streamga_arguments)
        runs[name] = ExecRun(name, conv.call(name, request("guest-exec", args)))
    live = [name for name in NAMES if runs[name].started]

    def status(name):
        reply = conv.call(name, request("guest-exec-status", {"pid": runs[name].pid}),
                          timeout=STATUS_REPLY_TIMEOUT)
        runs[name].statuses.append(reply)
        return reply

    if gate_path is not None:
        for _ in range(running_polls):
            for name in live:
                reply = status(name)
                assert reply.value.get("return", {}).get("exited") is False, (
                    "%s: the program waits for its gate, yet: %r" % (name, reply))
            time.sleep(POLL_INTERVAL)
        with open(gate_path, "w"):
            pass

    deadline = time.monotonic() + timeout
    while live:
        for name in list(live):
            value = status(name).value
            if "return" not in value or value["return"].get("exited") is not False:
                live.remove(name)
        if live:
            if time.monotonic() > deadline:
                raise TimeoutError("still running after %.0f s in %s: %r" % (
                    timeout, live, arguments))
            time.sleep(POLL_INTERVAL)

    for name in NAMES:
        if runs[name].started:
            runs[name].after = conv.call(name, request("guest-exec-status",
                                                       {"pid": runs[name].pid}))
    return runs


def start_both(conv, arguments):
    """guest-exec in both agents; returns {name: pid} (both must start)."""
    pids = {}
    for name in NAMES:
        reply = conv.call(name, request("guest-exec", arguments))
        assert "return" in reply.value, "%s: %r" % (name, reply)
        pids[name] = reply.value["return"]["pid"]
    return pids


def collect(conv, pids, timeout=EXEC_TIMEOUT):
    """Poll each agent's pid ({name: pid}, one agent or both) until exited;
    return {name: ExecRun} with every status (streamed output is spread over them)."""
    runs = {name: ExecRun(name, None, pid) for name, pid in pids.items()}
    live = [name for name in NAMES if name in pids]
    deadline = time.monotonic() + timeout
    while live:
        for name in list(live):
            reply = conv.call(name, request("guest-exec-status", {"pid": pids[name]}),
                              timeout=STATUS_REPLY_TIMEOUT)
            runs[name].statuses.append(reply)
            assert "return" in reply.value, "%s: %r" % (name, reply)
            if reply.value["return"]["exited"]:
                live.remove(name)
        if live:
            if time.monotonic() > deadline:
                raise TimeoutError("not exited after %.0f s: %r" % (timeout, pids))
            time.sleep(POLL_INTERVAL)
    return runs


def finals(runs):
    """{name: final status value} of collected runs."""
    return {name: run.final for name, run in runs.items()}
