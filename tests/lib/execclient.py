"""guest-exec from the host side: start a program, poll its statuses, collect out/err bytes and chunks.

Used by the exec suites: every poll loop has an interval and an overall
timeout, and every status reply is kept (without its data) so that tests can
check which members each reply had.
"""
import base64
import json
import os
import time

# How long a program the tests start may take, unless a test says otherwise.
EXEC_TIMEOUT = 60.0

KILL = "__org.streamga_guest-exec-kill"
INPUT = "__org.streamga_guest-exec-input"
OUTPUT_MODE = "__org.streamga_output-mode"
TIMEOUT = "__org.streamga_timeout"
TIMED_OUT = "__org.streamga_timed-out"
KEEP_STDIN = "__org.streamga_keep-stdin"


class AgentError(Exception):
    """The agent answered with an error; .cls and .desc are its class and description."""

    def __init__(self, error):
        self.cls = error.get("class")
        self.desc = error.get("desc")
        super().__init__("%s: %s" % (self.cls, self.desc))


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    # validate: a reply that is not strict base64 is a bug, not something to skip.
    return base64.b64decode(text, validate=True)


class ExecResult:
    """Everything a poll loop saw for one program."""

    def __init__(self, pid):
        self.pid = pid
        self.out_chunks = []    # each out-data, decoded, in arrival order
        self.err_chunks = []
        # each status reply's "return", its data members replaced by their length
        self.statuses = []
        self.out_len = 0
        self.err_len = 0

    @property
    def out(self):
        return b"".join(self.out_chunks)

    @property
    def err(self):
        return b"".join(self.err_chunks)

    @property
    def final(self):
        return self.statuses[-1]

    @property
    def exitcode(self):
        return self.final.get("exitcode")

    @property
    def signal(self):
        return self.final.get("signal")

    def members(self):
        """The set of members seen in any status reply."""
        seen = set()
        for st in self.statuses:
            seen.update(st)
        return seen


class ExecClient:
    """guest-exec, guest-exec-status and streamga's extensions over one AgentConnection."""

    def __init__(self, conn):
        self.conn = conn

    def request(self, execute, arguments=None, timeout=None):
        """The "return" of a request; AgentError for an error reply."""
        reply = self.conn.call(execute, arguments, timeout=timeout)
        if "error" in reply:
            raise AgentError(reply["error"])
        assert set(reply) == {"return"}, "unexpected reply %r" % reply
        return reply["return"]

    def exec_args(self, path, arg=None, env=None, input_data=None, capture=True, **extra):
        """guest-exec arguments; input_data is bytes, extra keys are passed as they are."""
        args = {"path": path}
        if arg is not None:
            args["arg"] = list(arg)
        if env is not None:
            args["env"] = list(env)
        if input_data is not None:
            args["input-data"] = b64(input_data)
        if capture is not None:
            args["capture-output"] = capture
        args.update(extra)
        return args

    def start(self, path, arg=None, env=None, input_data=None, capture=True, extra=None,
              timeout=None):
        """Start a program; its pid. extra: more guest-exec arguments (extensions)."""
        args = self.exec_args(path, arg, env, input_data, capture, **(extra or {}))
        ret = self.request("guest-exec", args, timeout=timeout)
        assert set(ret) == {"pid"} and isinstance(ret["pid"], int), ret
        return ret["pid"]

    def status(self, pid, timeout=None):
        return self.request("guest-exec-status", {"pid": pid}, timeout=timeout)

    def pipeline(self, requests, timeout=None):
        """Send several requests ([(execute, arguments)]) in one write, then read
        their replies in order (whole replies: "return" or "error")."""
        self.conn.send("".join(json.dumps({"execute": e, "arguments": a}) for e, a in requests))
        return [self.conn.read_reply(timeout) for _ in requests]

    def start_many(self, arg_sets, timeout=None):
        """guest-exec for each of arg_sets (dicts of start()'s keywords) in one
        pipelined write; their pids, in order."""
        requests = []
        for a in arg_sets:
            a = dict(a)
            extra = a.pop("extra", None) or {}
            requests.append(("guest-exec", self.exec_args(**a, **extra)))
        replies = self.pipeline(requests, timeout)
        pids = []
        for reply in replies:
            if "error" in reply:
                raise AgentError(reply["error"])
            pids.append(reply["return"]["pid"])
        return pids

    def kill(self, pid, signal=None):
        args = {"pid": pid}
        if signal is not None:
            args["signal"] = signal
        return self.request(KILL, args)

    def input(self, pid, data=None, close=None):
        args = {"pid": pid}
        if data is not None:
            args["input-data"] = b64(data)
        if close is not None:
            args["close"] = close
        return self.request(INPUT, args)

    def poll_once(self, result, sink=None, keep=True, check_chunk=None):
        """One guest-exec-status for result.pid, recorded in result; the status (data as bytes)."""
        st = self.status(result.pid)
        recorded = dict(st)
        for member, stream in (("out-data", "out"), ("err-data", "err")):
            if member in st:
                data = unb64(st[member])
                st[member] = data
                recorded[member] = len(data)
                if check_chunk is not None:
                    check_chunk(stream, data, st)
                if sink is not None:
                    sink(stream, data)
                if stream == "out":
                    result.out_len += len(data)
                    if keep:
                        result.out_chunks.append(data)
                else:
                    result.err_len += len(data)
                    if keep:
                        result.err_chunks.append(data)
        result.statuses.append(recorded)
        return st

    def collect(self, pid, interval=0.01, timeout=EXEC_TIMEOUT, sink=None, keep=True,
                check_chunk=None, on_status=None):
        """Poll until exited is true; an ExecResult.

        interval: pause between polls that brought no data (polls that brought
        data are followed at once, as a client keeping up would). sink(stream,
        bytes) sees each chunk; keep=False stores only lengths (for huge outputs);
        check_chunk(stream, bytes, status) may assert on each chunk; on_status(status)
        runs after each status. TimeoutError when the program is not done in time."""
        result = ExecResult(pid)
        deadline = time.monotonic() + timeout
        while True:
            st = self.poll_once(result, sink, keep, check_chunk)
            if on_status is not None:
                on_status(st)
            if st["exited"]:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError("pid %d not exited within %.0f s (%d statuses)"
                                   % (pid, timeout, len(result.statuses)))
            if "out-data" not in st and "err-data" not in st and interval:
                time.sleep(interval)

    def run(self, path, arg=None, env=None, input_data=None, capture=True, extra=None,
            interval=0.01, timeout=EXEC_TIMEOUT):
        """Start a program and collect it to the end."""
        pid = self.start(path, arg, env, input_data, capture, extra)
        return self.collect(pid, interval=interval, timeout=timeout)

    def sh(self, script, *args, **kwargs):
        """run() of `sh -c script args...`."""
        return self.run("sh", ["-c", script, "sh", *args], **kwargs)


def children_of(ppid):
    """Pids of the processes whose parent is ppid (zombies included), from /proc/*/stat."""
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue    # gone meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid:
            kids.append(int(name))
    return kids


def zombie_children_of(ppid):
    zombies = []
    for pid in children_of(ppid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] == "Z":
            zombies.append(pid)
    return zombies


def bytes_written(pid):
    """The wchar of /proc/PID/io: bytes the process has written with write() and friends."""
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    raise KeyError("no wchar in /proc/%d/io" % pid)


def wchan(pid):
    """Where in the kernel the process sleeps ("0" when running or not reported)."""
    with open("/proc/%d/wchan" % pid) as f:
        return f.read().strip()


def wait_stable(read, quiet_seconds, timeout, what="value"):
    """Poll read() until its value has not changed for quiet_seconds; that value.
    TimeoutError if it keeps changing for timeout seconds."""
    deadline = time.monotonic() + timeout
    last = read()
    since = time.monotonic()
    while True:
        time.sleep(0.02)
        value = read()
        now = time.monotonic()
        if value != last:
            last, since = value, now
        elif now - since >= quiet_seconds:
            return value
        if now > deadline:
            raise TimeoutError("%s kept changing for %.0f s (now %r)" % (what, timeout, value))
