"""Resynchronization: 0xFF resets the parser, garbage is reported once per run, and a
new connection starts with a clean parser."""
import os
import random

import pytest


def generic(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


def assert_next_is_probe(c, tag="probe"):
    """Nothing is pending before a fresh ping's reply: every earlier reply was read."""
    c.send(b'{"execute": "guest-ping", "id": "%s"}' % tag.encode())
    assert c.read_reply() == {"return": {}, "id": tag}


# 0xFF resets silently; qemu-ga answers it with a "stray '\uFFFD'" error.
@pytest.mark.parametrize("partial", [
    b'{"execute": "guest-ping", "id": "lost"',
    b'{"execute": "guest-ping", "id": "lo',
    b'{"execute": "guest-ping", "id": "\\',
    b'{"execute": "guest-ping", "id": 12',
    b'{"execute": "guest-ping", "id": tr',
    b'{"execute": "guest-ping", "id": 1.5e',
    b'{"execute": "guest-ping", "id": [[[{',
    b'[[[[',
    b'',
    b'\xff\xff',
], ids=["after-member", "in-string", "in-escape", "in-number", "in-keyword", "in-exponent",
        "nested", "open-brackets", "alone", "repeated"])
def test_ff_discards_partial_message_silently(agent, partial):
    with agent.connect() as c:
        c.send(partial + b'\xff{"execute": "guest-ping", "id": "kept"}')
        assert c.read_reply() == {"return": {}, "id": "kept"}
        assert_next_is_probe(c)


def test_ff_in_separate_writes(agent):
    with agent.connect() as c:
        c.send(b'{"execute": "guest-sync", "arguments": {"id": ')
        assert c.no_reply_within(0.3)
        c.send(b"\xff")
        c.send(b'{"execute": "guest-ping", "id": "kept"}')
        assert c.read_reply() == {"return": {}, "id": "kept"}
        assert_next_is_probe(c)


# 0xFF also clears error recovery, so a reset right after garbage costs no extra error;
# qemu-ga additionally reports the 0xFF itself.
def test_ff_after_garbage(agent):
    with agent.connect() as c:
        c.send(b'@@@\xff{"execute": "guest-ping", "id": "kept"}')
        assert c.read_reply() == generic("JSON parse error, stray '@'")
        assert c.read_reply() == {"return": {}, "id": "kept"}
        assert_next_is_probe(c)


# qemu-ga answers twice here (a stray error, then "expecting value" for the rest).
def test_lexical_error_then_request_gives_one_error(agent):
    with agent.connect() as c:
        c.send(b'{"execute": guest-ping}{"execute":"guest-ping"}')
        assert c.read_reply() == generic("JSON parse error, stray '-p'")
        assert c.read_reply() == {"return": {}}
        assert_next_is_probe(c)


# One error per garbage run; qemu-ga answers once per bad byte or token.
@pytest.mark.parametrize("garbage, first_error", [
    (b"\x00" * 1000, "JSON parse error, stray ''"),
    (b"@" * 1000, "JSON parse error, stray '@'"),
    (b"\x01\x02\x03\x04\x05 @@@ abc 123 ### }]:, \x7f\x80\xfe\n\t", "JSON parse error, stray '\x01'"),
    (b"@ abc def ghi jkl mno", "JSON parse error, stray '@'"),
    (b"#" + bytes(range(0x80, 0xfe)) * 50, "JSON parse error, stray '#'"),
], ids=["nul-bytes", "at-signs", "mixed", "stray-then-words", "high-bytes"])
def test_one_error_per_garbage_run(agent, garbage, first_error):
    with agent.connect() as c:
        c.send(garbage + b'{"execute": "guest-ping", "id": "after"}')
        assert c.read_reply() == generic(first_error)
        assert c.read_reply() == {"return": {}, "id": "after"}
        assert_next_is_probe(c)


def test_each_garbage_run_reports_once(agent):
    # A valid request between runs ends the first run; the second run is reported again.
    with agent.connect() as c:
        c.send(b'@@@@{"execute": "guest-ping", "id": 1}$$$${"execute": "guest-ping", "id": 2}')
        assert c.read_reply() == generic("JSON parse error, stray '@'")
        assert c.read_reply() == {"return": {}, "id": 1}
        assert c.read_reply() == generic("JSON parse error, stray '$'")
        assert c.read_reply() == {"return": {}, "id": 2}
        assert_next_is_probe(c)


def send_reading_replies(c, blob):
    """Send blob while discarding whatever the agent answers meanwhile, so that
    neither side can block on a full buffer."""
    sender = c.send_in_background(blob)
    while not sender.done:
        try:
            if c.read_line(0.1) is None:
                raise EOFError("agent closed the connection")
        except TimeoutError:
            pass
    sender.join()


def test_random_blob_then_resync(agent):
    blob = random.Random(20240601).randbytes(1 << 20)
    with agent.connect(timeout=60) as c:
        send_reading_replies(c, blob)
        reply = c.resync(sync_id=987654321)
        assert reply == {"return": 987654321}
        assert_next_is_probe(c)
    assert agent.alive()


def test_random_blobs_without_ff_then_resync(agent):
    # Without 0xFF in the blob the parser never resets by itself: only the host's
    # 0xFF brings it back, whatever state the blob left it in.
    rnd = random.Random(7)
    with agent.connect(timeout=60) as c:
        for _ in range(20):
            blob = bytes(b for b in rnd.randbytes(20000) if b != 0xFF)
            send_reading_replies(c, blob)
            assert c.resync(sync_id=rnd.randrange(1 << 62)) is not None
        assert_next_is_probe(c)


# A new client's first request is never polluted by the previous client's half message;
# qemu-ga answers it with a parse error first.
@pytest.mark.parametrize("half, answered", [
    (b'{"execute": "guest-ping", "id": ', None),
    (b'{"execute": "guest-ping", "id": "unterminated', None),
    (b'{"execute": guest-', None),
    (b'[[[[[[', None),
    (b'{"execute": "guest-ping"@', "JSON parse error, stray '@'"),
], ids=["half-object", "half-string", "bad-keyword", "open-brackets", "in-error-recovery"])
def test_new_connection_starts_clean(agent, half, answered):
    c = agent.connect()
    c.send(half)
    if answered:
        # Read it, so that the client leaves with nothing pending but parser state.
        assert c.read_reply() == generic(answered)
    c.close()
    with agent.connect() as c2:
        c2.send(b'{"execute": "guest-ping", "id": "fresh"}')
        assert c2.read_reply() == {"return": {}, "id": "fresh"}
        assert_next_is_probe(c2)


def test_new_connection_after_paused_reader(agent):
    # A client that left while its half-read output was queued leaves nothing behind.
    c = agent.connect()
    c.send(b'{"execute": "guest-info"}' * 200 + b'{"execute": "guest-ping", "id": ')
    c.close()
    with agent.connect() as c2:
        c2.send(b'{"execute": "guest-ping", "id": "fresh"}')
        assert c2.read_reply() == {"return": {}, "id": "fresh"}
