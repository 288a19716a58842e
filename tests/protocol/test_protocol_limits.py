"""qemu's JSON limits: 64 MiB per message, 2^21 tokens, nesting depth 1024; the agent
survives them, skips the offending message and keeps its memory bounded."""
import pytest

from procinfo import build_sanitizers, peak_rss_mib

MIB = 1 << 20
MAX_MESSAGE_BYTES = 64 * MIB
MAX_TOKENS = 1 << 21
MAX_DEPTH = 1024

# Big messages take seconds to send and parse under ASan.
BIG_TIMEOUT = 120


def generic(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


def ping_after(c, tag="after"):
    c.send_timed(b'{"execute": "guest-ping", "id": "%s"}' % tag.encode())
    assert c.read_reply(BIG_TIMEOUT) == {"return": {}, "id": tag}


def sync_with_extra_member(string_len):
    """guest-sync with a member "x" holding a string of string_len bytes."""
    return (b'{"execute": "guest-sync", "arguments": {"id": 1, "x": "'
            + b"a" * string_len + b'"}, "id": "big"}')


def token_bytes_of_sync_with_extra(string_len):
    """What qemu counts against the 64 MiB limit: the sum of the token lengths
    (whitespace is not counted)."""
    tokens = [b"{", b'"execute"', b":", b'"guest-sync"', b",", b'"arguments"', b":", b"{",
              b'"id"', b":", b"1", b",", b'"x"', b":", b'"' + b"a" * string_len + b'"', b"}",
              b",", b'"id"', b":", b'"big"', b"}"]
    return sum(len(t) for t in tokens)


def test_largest_legal_message_is_parsed(lean_agent):
    # The token bytes may reach 64 MiB - 1 (qemu: size + next token + 1 > 64 MiB fails).
    # The reply is about the member, not the size, so the parser took the message.
    string_len = (MAX_MESSAGE_BYTES - 1) - token_bytes_of_sync_with_extra(0)
    assert token_bytes_of_sync_with_extra(string_len) == MAX_MESSAGE_BYTES - 1
    with lean_agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(sync_with_extra_member(string_len))
        assert c.read_reply(BIG_TIMEOUT) == dict(generic("Parameter 'x' is unexpected"), id="big")
        ping_after(c)


def test_one_byte_over_the_limit(lean_agent):
    string_len = MAX_MESSAGE_BYTES - token_bytes_of_sync_with_extra(0)
    assert token_bytes_of_sync_with_extra(string_len) == MAX_MESSAGE_BYTES
    with lean_agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(sync_with_extra_member(string_len))
        assert c.read_reply(BIG_TIMEOUT) == generic("JSON token size limit exceeded")
        ping_after(c)


def test_sixty_mib_string_member_is_accepted(lean_agent):
    with lean_agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(sync_with_extra_member(60 * MIB))
        assert c.read_reply(BIG_TIMEOUT) == dict(generic("Parameter 'x' is unexpected"), id="big")
        ping_after(c)


# Skipping to the oversized message's end is streamga's; qemu-ga resets its parser
# at the limit and parses the rest of the message as new input.
@pytest.mark.parametrize("string_mib", [65, 150])
def test_oversized_message_skipped_with_bounded_memory(lean_agent, build_dir, string_mib):
    with lean_agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(b'{"execute": "guest-sync", "arguments": {"id": 1, "x": "'
               + b"a" * (string_mib * MIB) + b'"}, "id": "big"}'
               + b'{"execute": "guest-ping", "id": "after"}')
        assert c.read_reply(BIG_TIMEOUT) == generic("JSON token size limit exceeded")
        # The request right after the oversized message's end is answered normally,
        # with nothing in between.
        assert c.read_reply(BIG_TIMEOUT) == {"return": {}, "id": "after"}
        ping_after(c, "again")
    assert lean_agent.alive()
    peak = peak_rss_mib(lean_agent.proc.pid)
    # Measured: 67 MiB for both sizes in the normal build - the first 64 MiB of the one
    # string token must be held, since a legal message may hold a string that long;
    # nothing after the limit is kept. Under ASan (quarantine off) realloc always
    # copies, so the 32 -> 64 MiB step briefly holds both: 144 MiB measured.
    bound = 170 if build_sanitizers(build_dir) else 100
    assert peak < bound, "peak RSS %.0f MiB after a %d MiB message" % (peak, string_mib)


def test_oversized_message_of_many_small_tokens(lean_agent):
    # 1.04 million 66-byte strings and their commas: about 69 MiB of tokens but fewer
    # than 2^21 of them, so the size limit is the one that trips.
    n = 1040000
    body = b",".join([b'"' + b"s" * 64 + b'"'] * n)
    assert len(body) > MAX_MESSAGE_BYTES and 2 * n < MAX_TOKENS
    with lean_agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(b'{"execute": "guest-ping", "id": [' + body + b']}{"execute": "guest-ping", "id": "after"}')
        assert c.read_reply(BIG_TIMEOUT) == generic("JSON token size limit exceeded")
        assert c.read_reply(BIG_TIMEOUT) == {"return": {}, "id": "after"}


def test_nesting_depth_limit(agent):
    with agent.connect(timeout=BIG_TIMEOUT) as c:
        # 1024 levels are allowed: the parser builds the value, the dispatcher refuses it.
        c.send_timed(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
        assert c.read_reply() == generic("QMP input must be a JSON object")
        c.send_timed(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b'{"execute": "guest-ping", "id": "after"}')
        assert c.read_reply() == generic("JSON nesting depth limit exceeded")
        assert c.read_reply() == {"return": {}, "id": "after"}


def test_nesting_depth_limit_mixed_containers(agent):
    with agent.connect(timeout=BIG_TIMEOUT) as c:
        deep = b'{"execute": "guest-ping", "id": ' + b'{"a": [' * 600 + b"1" + b"]}" * 600 + b"}"
        c.send_timed(deep + b'{"execute": "guest-ping", "id": "after"}')
        assert c.read_reply() == generic("JSON nesting depth limit exceeded")
        assert c.read_reply() == {"return": {}, "id": "after"}


def test_token_count_limit(agent):
    # [0,0,...] with n elements is 2n + 1 tokens; n = 2^20 is one token over 2^21.
    n = MAX_TOKENS // 2
    with agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(b"[" + b",".join([b"0"] * n) + b"]" + b'{"execute": "guest-ping", "id": "after"}')
        assert c.read_reply(BIG_TIMEOUT) == generic("JSON token count limit exceeded")
        assert c.read_reply(BIG_TIMEOUT) == {"return": {}, "id": "after"}


def test_token_count_at_the_limit_is_parsed(agent):
    # [[],0,0,...]: 4 + 2k tokens; k = 2^20 - 2 makes exactly 2^21.
    k = MAX_TOKENS // 2 - 2
    with agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(b"[[]" + b",0" * k + b"]")
        assert c.read_reply(BIG_TIMEOUT) == generic("QMP input must be a JSON object")
        ping_after(c)


def test_token_count_brief_example(agent):
    # The 2.2M-element array of zeros.
    with agent.connect(timeout=BIG_TIMEOUT) as c:
        c.send_timed(b"[" + b"0," * 2200000 + b"0]")
        assert c.read_reply(BIG_TIMEOUT) == generic("JSON token count limit exceeded")
        ping_after(c)
