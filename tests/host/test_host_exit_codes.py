"""streamga-host's exit codes: usage (2), connection (3), timeout (4), malformed replies (5), driven by scripted fake agents."""
import json
import socket

import pytest

from fakeagent import FakeAgent
from hostrun import run_host


@pytest.fixture
def fake(tmp_path):
    """Start a FakeAgent running a script; the test fails if the script raised."""
    agents = []

    def start(script):
        agent = FakeAgent(tmp_path / ("fake%d.sock" % len(agents)), script).start()
        agents.append(agent)
        return agent
    yield start
    for agent in agents:
        error = agent.stop()
        assert error is None, "fake agent script failed: %r" % error


# ---- 2: usage errors, found before anything is sent --------------------------------

@pytest.mark.parametrize("args", [
    [],
    ["SOCKET"],
    ["SOCKET", "bogus-subcommand"],
    ["SOCKET", "ping", "extra"],
    ["SOCKET", "info", "extra"],
    ["SOCKET", "call"],
    ["SOCKET", "call", "guest-sync", "{}", "extra"],
    ["SOCKET", "raw"],
    ["--timeout", "abc", "SOCKET", "ping"],
    ["--timeout", "0", "SOCKET", "ping"],
    ["--timeout", "-1", "SOCKET", "ping"],
    ["--timeout", "nan", "SOCKET", "ping"],
    ["--timeout", "", "SOCKET", "ping"],
    ["--timeout"],
    ["--sync-timeout", "1s", "SOCKET", "ping"],
    ["--no-such-option", "SOCKET", "ping"],
    ["SOCKET", "call", "guest-sync", "{bad"],
    ["SOCKET", "call", "guest-sync", "[1, 2]"],
    ["SOCKET", "call", "guest-sync", "42"],
    ["SOCKET", "call", "guest-sync", ""],
    ["SOCKET", "call", "guest-sync", '{"id": 1} trailing'],
    ["SOCKET", "call", "guest-sync", '{"id": 1'],
    # Options parsed before the error: what they allocated must not leak (ASan).
    ["SOCKET", "exec", "-e", "A=B", "-i", "in"],
    ["SOCKET", "push", "--mode", "ab", "-c", "4K", "only-one"],
], ids=lambda a: " ".join(a) or "no-args")
def test_usage_errors(host_binary, fake, args):
    # A real listener that must see no client: usage errors are found before connecting.
    agent = fake(lambda conn: None)
    r = run_host(host_binary, *[agent.path if a == "SOCKET" else a for a in args])
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip(), "no message on stderr"
    assert r.stdout == ""
    assert agent.stop() is None
    assert agent.conn is None, "the client connected despite a usage error"


def test_usage_error_with_a_running_agent(host_binary, agent):
    r = run_host(host_binary, agent.socket_path, "call", "guest-sync", "{not json")
    assert r.returncode == 2
    assert "JSON object" in r.stderr


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_help(host_binary, opt):
    r = run_host(host_binary, opt)
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: streamga-host")
    for word in ("ping", "info", "osinfo", "call", "raw", "--json", "--timeout", "--sync-timeout",
                 "--no-reply"):
        assert word in r.stdout


# ---- 3: cannot connect, or the connection is lost ---------------------------------

def test_socket_does_not_exist(host_binary, tmp_path):
    path = tmp_path / "no-such.sock"
    r = run_host(host_binary, str(path), "ping")
    assert r.returncode == 3
    assert str(path) in r.stderr


def test_nothing_listens(host_binary, tmp_path):
    # A socket file left behind by a process that is gone.
    path = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()
    r = run_host(host_binary, str(path), "ping")
    assert r.returncode == 3
    assert "refused" in r.stderr.lower()


def test_path_is_not_a_socket(host_binary, tmp_path):
    path = tmp_path / "plain-file"
    path.write_text("")
    assert run_host(host_binary, str(path), "ping").returncode == 3


def test_connection_closed_before_sync_reply(host_binary, fake):
    agent = fake(lambda conn: conn.read_request())      # then the script ends: close
    r = run_host(host_binary, agent.path, "ping")
    assert r.returncode == 3
    assert "closed" in r.stderr


def test_connection_closed_before_command_reply(host_binary, fake):
    def script(conn):
        conn.answer_sync()
        conn.read_request()
    agent = fake(script)
    r = run_host(host_binary, agent.path, "ping")
    assert r.returncode == 3
    assert r.stdout == ""
    assert json.loads(agent.conn.requests[-1]) == {"execute": "guest-ping"}


# ---- 4: timeouts -------------------------------------------------------------------

def test_sync_timeout_when_nothing_is_read(host_binary, fake):
    agent = fake(lambda conn: conn.wait_for_close())    # accepts, never even reads
    r = run_host(host_binary, "--sync-timeout", "0.5", agent.path, "info")
    assert r.returncode == 4
    assert "guest-sync" in r.stderr
    assert r.stdout == ""


def test_sync_timeout(host_binary, fake):
    def script(conn):
        conn.read_request()         # reads the sync, never answers
        conn.wait_for_close()
    agent = fake(script)
    r = run_host(host_binary, "--sync-timeout", "0.5", agent.path, "ping")
    assert r.returncode == 4
    assert "guest-sync" in r.stderr
    # It did send the sync: 0xFF first, as qemu's documentation asks.
    assert agent.stop() is None
    assert agent.conn.requests[0].startswith(b"\xff")
    assert json.loads(agent.conn.requests[0][1:])["execute"] == "guest-sync-delimited"


@pytest.mark.parametrize("args", [["ping"], ["info"], ["call", "guest-sync", '{"id": 1}'],
                                  ["raw", '{"execute": "guest-ping"}']])
def test_command_timeout(host_binary, fake, args):
    def script(conn):
        conn.answer_sync()
        conn.read_request()
        conn.wait_for_close()
    agent = fake(script)
    r = run_host(host_binary, "--timeout", "0.5", agent.path, *args)
    assert r.returncode == 4
    assert "timed out" in r.stderr
    assert r.stdout == ""


def test_no_reply_does_not_wait(host_binary, fake):
    # The same silent agent as above: with -n the client is done once the request is sent.
    def script(conn):
        conn.answer_sync()
        conn.read_request()
        conn.wait_for_close()
    agent = fake(script)
    r = run_host(host_binary, "-n", "--timeout", "30", agent.path, '{"execute": "guest-shutdown"}')
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert agent.stop() is None
    assert json.loads(agent.conn.requests[-1]) == {"execute": "guest-shutdown"}


# ---- 5: malformed replies ----------------------------------------------------------

def answer_command_with(data):
    def script(conn):
        conn.answer_sync()
        conn.read_request()
        conn.send(data)
        conn.wait_for_close()
    return script


@pytest.mark.parametrize("reply", [
    b"this is not json\n",
    b"[1, 2, 3]\n",
    b"42\n",
    b'"a string"\n',
    b"null\n",
    b'{"return": \n',
    b'{"return": {}} trailing\n',
], ids=lambda b: b.decode().strip())
@pytest.mark.parametrize("args", [["ping"], ["call", "guest-ping"], ["raw", '{"execute": "guest-ping"}']],
                         ids=["ping", "call", "raw"])
def test_malformed_reply(host_binary, fake, reply, args):
    agent = fake(answer_command_with(reply))
    r = run_host(host_binary, "--timeout", "10", agent.path, *args)
    assert r.returncode == 5, r.stderr
    assert "malformed" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("args", [["ping"], ["info"], ["call", "guest-ping"],
                                  ["raw", '{"execute": "guest-ping", "id": 1}']],
                         ids=["ping", "info", "call", "raw"])
def test_reply_without_return_or_error(host_binary, fake, args):
    # An object, but not a reply (docs/host-client.md: malformed).
    agent = fake(answer_command_with(b'{"id": 1}\n'))
    r = run_host(host_binary, agent.path, *args)
    assert r.returncode == 5, (r.stdout, r.stderr)
    assert "neither return nor error" in r.stderr


# ---- 1: an error reply -------------------------------------------------------------

def test_error_reply(host_binary, fake):
    agent = fake(answer_command_with(b'{"error": {"class": "GenericError", "desc": "it broke"}}\n'))
    r = run_host(host_binary, agent.path, "call", "guest-ping")
    assert r.returncode == 1
    assert r.stderr == "streamga-host: GenericError: it broke\n"
    assert r.stdout == ""


# ---- the sync skips what an earlier client left behind -------------------------------

def test_stale_output_before_sync_reply_is_ignored(host_binary, fake):
    def script(conn):
        # Replies meant for an earlier client, already in the channel.
        conn.send(b'{"return": {}}\ngarbage that is not json\n')
        req = conn.read_request()
        sync_id = req["arguments"]["id"]
        conn.send(b'{"error": {"class": "GenericError", "desc": "Invalid JSON syntax"}}\n')
        # A delimited reply to someone else's sync, then ours.
        conn.send(b"\xff" + json.dumps({"return": sync_id + 1}).encode() + b"\n")
        conn.send(b"more junk\n\xff" + json.dumps({"return": sync_id}).encode() + b"\n")
        assert conn.read_request() == {"execute": "guest-sync", "arguments": {"id": 42}}
        conn.send(b'{"return": 42}\n')
        conn.wait_for_close()
    agent = fake(script)
    r = run_host(host_binary, "--sync-timeout", "10", agent.path, "call", "guest-sync", '{"id": 42}')
    assert r.returncode == 0, r.stderr
    assert r.stdout == "42\n"


def test_sync_reply_split_across_writes(host_binary, fake):
    def script(conn):
        req = conn.read_request()
        text = b"\xff" + json.dumps({"return": req["arguments"]["id"]}).encode() + b"\n"
        for i in range(len(text)):
            conn.send(text[i:i + 1])
        conn.read_request()
        conn.send(b'{"return": {}}\n')
        conn.wait_for_close()
    agent = fake(script)
    r = run_host(host_binary, "--json", agent.path, "ping")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "{}\n"
