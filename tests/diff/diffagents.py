"""A streamga and a qemu-ga started side by side, fed the same bytes, their replies collected.

Every exchange reads all replies before it closes its connection: qemu-ga exits
when a client leaves with error replies unread (see
/work/shared/notes/oracle-facts.md), which would turn one test's leftovers into
the next test's failure.
"""
import itertools
import json
import os

from agentproc import REPLY_TIMEOUT, AgentProcess

from diffshape import LEFT, RIGHT, assert_same_shape, same_json

NAMES = (LEFT, RIGHT)

# Ids of the sync requests the helpers add themselves; far from the ids the tests send.
_sentinel_ids = itertools.count(0x5E000000)


# Marks a request member that is left out (None would send JSON null).
OMIT = object()


def request(execute, arguments=OMIT, id=OMIT, **members):
    """A request as bytes; members given as OMIT are left out."""
    req = {"execute": execute}
    if arguments is not OMIT:
        req["arguments"] = arguments
    if id is not OMIT:
        req["id"] = id
    req.update(members)
    return json.dumps(req).encode()


class Reply:
    """One reply line as it came off the socket (without its newline)."""

    def __init__(self, raw):
        self.raw = raw

    @property
    def delimited(self):
        """guest-sync-delimited replies start with a 0xFF byte."""
        return self.raw.startswith(b"\xff")

    @property
    def value(self):
        body = self.raw[1:] if self.delimited else self.raw
        try:
            return json.loads(body)
        except ValueError:
            raise AssertionError("reply is not JSON: %r" % self.raw[:300]) from None

    @property
    def error(self):
        return self.value.get("error")

    def __repr__(self):
        return "Reply(%r)" % self.raw[:300]


def _read_reply(conn, what):
    line = conn.read_line()
    if line is None:
        raise EOFError("agent closed the connection while %s" % what)
    return Reply(line)


def _sync_request(sync_id, delimited=False):
    name = "guest-sync-delimited" if delimited else "guest-sync"
    return request(name, {"id": sync_id})


class AgentPair:
    """streamga and qemu-ga, each in -m unix-listen with its own directory, statedir and pidfile."""

    def __init__(self, streamga_binary, qemu_ga_binary, workdir, extra_args=(), streamga_args=()):
        """extra_args go to both agents; streamga_args (its own options, which
        qemu-ga would refuse, such as --exec-output) only to streamga."""
        workdir = str(workdir)
        self.agents = {}
        for name, binary in zip(NAMES, (streamga_binary, qemu_ga_binary)):
            d = os.path.join(workdir, name)
            os.makedirs(d, exist_ok=True)
            args = tuple(extra_args) + (tuple(streamga_args) if name == LEFT else ())
            self.agents[name] = AgentProcess(binary, d, extra_args=args)
        # Set when an exchange was cut short: the agents may hold unread replies
        # or a half-parsed request, so the pair must not be reused.
        self.dirty = False

    def start(self):
        for agent in self.agents.values():
            agent.start()
        return self

    def alive(self):
        return all(a.alive() for a in self.agents.values())

    def stop(self):
        """Stop both; streamga must exit 0 on SIGTERM (sanitizer reports end up here too)."""
        sga = self.agents[LEFT]
        was_alive = sga.alive()
        for agent in self.agents.values():
            agent.stop()
        rc = sga.proc.returncode if sga.proc else None
        if not was_alive or rc != 0:
            return "streamga %s with status %s; stderr:\n%s" % (
                "had already exited" if not was_alive else "stopped", rc, sga.stderr())
        return None

    def _guarded(self, fn):
        try:
            return fn()
        except BaseException:
            self.dirty = True
            raise

    def exchange(self, payload):
        """Send payload to both agents; return {name: [Reply]} with every reply it caused.

        A guest-sync with a fresh id follows the payload, and everything before its
        reply is the payload's doing, so no reply is left unread and none is waited
        for by the clock. The payload must therefore end as a complete message.
        """
        return self._guarded(lambda: {name: self._exchange_one(agent, payload)
                                      for name, agent in self.agents.items()})

    def exchange_each(self, payloads):
        """Like exchange, with a payload per agent ({name: bytes}): for requests that
        must differ, such as a status for the pid each agent handed out."""
        return self._guarded(lambda: {name: self._exchange_one(agent, payloads[name])
                                      for name, agent in self.agents.items()})

    @staticmethod
    def _exchange_one(agent, payload):
        sync_id = next(_sentinel_ids)
        with agent.connect() as conn:
            conn.sock.settimeout(REPLY_TIMEOUT)
            conn.send(payload)
            conn.send(_sync_request(sync_id))
            replies = []
            while True:
                reply = _read_reply(conn, "answering %r" % payload[:100])
                if not reply.delimited and reply.raw.startswith(b"{"):
                    try:
                        if json.loads(reply.raw) == {"return": sync_id}:
                            return replies
                    except ValueError:
                        pass
                replies.append(reply)

    def hostile(self, payload, first_reply=True, send_timeout=REPLY_TIMEOUT):
        """Send payload, read the first reply (when one is expected), then resync and ping.

        Returns {name: HostileResult}. The resync is 0xFF + guest-sync-delimited; the
        replies that arrive before the delimited one are kept in `rest`.
        """
        return self._guarded(lambda: {name: self._hostile_one(agent, payload, first_reply,
                                                              send_timeout)
                                      for name, agent in self.agents.items()})

    @staticmethod
    def _hostile_one(agent, payload, first_reply, send_timeout):
        result = HostileResult()
        with agent.connect() as conn:
            conn.sock.settimeout(send_timeout)
            conn.send(payload)
            if first_reply:
                result.first = _read_reply(conn, "answering the hostile input")
            result.rest, result.sync = resync_collect(conn)
            conn.send(request("guest-ping"))
            result.ping = _read_reply(conn, "answering guest-ping after the resync")
        return result


class HostileResult:
    first = None    # the first reply to the hostile input, when one was expected
    rest = ()       # replies after the first, up to the delimited sync reply
    sync = None     # the delimited sync reply
    ping = None     # the reply to guest-ping after the resync


def resync_collect(conn):
    """0xFF + guest-sync-delimited; return (replies before the delimited one, the delimited one)."""
    sync_id = next(_sentinel_ids)
    conn.sock.settimeout(REPLY_TIMEOUT)
    conn.send(b"\xff" + _sync_request(sync_id, delimited=True))
    rest = []
    while True:
        reply = _read_reply(conn, "resynchronizing")
        if b"\xff" in reply.raw:
            # Replies are pure ASCII, so a 0xFF can only be the delimiter.
            delimited = Reply(reply.raw[reply.raw.index(b"\xff"):])
            assert reply.raw.startswith(b"\xff"), "0xFF inside a reply line: %r" % reply.raw
            assert same_json(delimited.value, {"return": sync_id}), delimited
            return rest, delimited
        rest.append(reply)


def assert_equivalent(sga, qga, context="", compare_desc=True):
    """The two replies agree: framing, shape, error class, error desc, echoed id."""
    assert sga.delimited == qga.delimited, "0xFF delimiter differs (%s): %r vs %r" % (
        context, sga, qga)
    sv, qv = sga.value, qga.value
    assert_same_shape(sv, qv, context)
    if "error" in sv:
        assert sv["error"]["class"] == qv["error"]["class"], (context, sv, qv)
        if compare_desc:
            assert sv["error"]["desc"] == qv["error"]["desc"], (context, sv, qv)
    if "id" in sv:
        assert same_json(sv["id"], qv["id"]), (context, sv, qv)


def single_replies(replies, context=""):
    """Both agents gave exactly one reply; return (streamga's, qemu-ga's)."""
    for name in NAMES:
        assert len(replies[name]) == 1, "%s: %s sent %d replies: %r" % (
            context, name, len(replies[name]), replies[name])
    return replies[LEFT][0], replies[RIGHT][0]
