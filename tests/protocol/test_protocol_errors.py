"""Error replies: class and exact desc in qemu-ga 7.2's wording, and the agent keeps
serving afterwards.

Every expected reply below was compared by hand with Debian's qemu-ga 7.2 on the
same input (see qapi/qmp-dispatch.c, qapi/qobject-input-visitor.c and
qobject/json-parser.c in the QEMU source); where streamga deliberately answers
differently, the case says so.
"""
import json

import pytest


def generic(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


def ping_still_answered(c):
    c.send(b'{"execute": "guest-ping", "id": "still-alive"}')
    assert c.read_reply() == {"return": {}, "id": "still-alive"}


def exchange(agent, request):
    """Send one request on a fresh connection; return its reply, then check a ping."""
    with agent.connect() as c:
        c.send(request)
        reply = c.read_reply()
        ping_still_answered(c)
    assert agent.alive()
    return reply


# ---- command lookup and the request envelope (qmp-dispatch.c) ----------------

ENVELOPE_CASES = [
    ("unknown-command", b'{"execute": "no-such-command", "id": 5}',
     {"error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"},
      "id": 5}),
    ("unknown-command-no-id", b'{"execute": "guest-pong"}',
     {"error": {"class": "CommandNotFound", "desc": "The command guest-pong has not been found"}}),
    ("arguments-array", b'{"execute": "guest-sync", "arguments": [1], "id": 7}',
     dict(generic("QMP input member 'arguments' must be an object"), id=7)),
    ("arguments-null", b'{"execute": "guest-info", "arguments": null}',
     generic("QMP input member 'arguments' must be an object")),
    ("arguments-string", b'{"execute": "guest-info", "arguments": "x"}',
     generic("QMP input member 'arguments' must be an object")),
    ("execute-int", b'{"execute": 1, "id": "e"}',
     dict(generic("QMP input member 'execute' must be a string"), id="e")),
    ("execute-object", b'{"execute": {"name": "guest-ping"}}',
     generic("QMP input member 'execute' must be a string")),
    ("unexpected-member", b'{"execute": "guest-ping", "foo": 1, "id": 7}',
     dict(generic("QMP input member 'foo' is unexpected"), id=7)),
    ("no-execute", b'{"id": 1}',
     dict(generic("QMP input lacks member 'execute'"), id=1)),
    ("empty-object", b'{}', generic("QMP input lacks member 'execute'")),
    ("top-level-string", b'"guest-ping"', generic("QMP input must be a JSON object")),
    ("top-level-array", b'[{"execute": "guest-ping"}]', generic("QMP input must be a JSON object")),
    ("top-level-int", b'123\n', generic("QMP input must be a JSON object")),
    ("top-level-negative", b'-5 ', generic("QMP input must be a JSON object")),
    ("top-level-float", b'1.5e3\t', generic("QMP input must be a JSON object")),
    ("top-level-true", b'true ', generic("QMP input must be a JSON object")),
    ("top-level-false", b'false\n', generic("QMP input must be a JSON object")),
    ("top-level-null", b'null\r\n', generic("QMP input must be a JSON object")),
]


@pytest.mark.parametrize("request_bytes, expected",
                         [c[1:] for c in ENVELOPE_CASES], ids=[c[0] for c in ENVELOPE_CASES])
def test_envelope_errors(agent, request_bytes, expected):
    assert exchange(agent, request_bytes) == expected


def test_top_level_number_needs_a_delimiter(agent):
    # A number can go on ("12" may become "123"): nothing is answered until it ends.
    with agent.connect() as c:
        c.send(b"42")
        assert c.no_reply_within(0.5)
        c.send(b" ")
        assert c.read_reply() == generic("QMP input must be a JSON object")
        ping_still_answered(c)


# ---- arguments (qobject-input-visitor.c) --------------------------------------

INT_EXPECTED = "Invalid parameter type for 'id', expected: integer"

ARGUMENT_CASES = [
    ("missing", b'{"execute": "guest-sync"}', generic("Parameter 'id' is missing")),
    ("missing-empty-args", b'{"execute": "guest-sync", "arguments": {}, "id": {"k": [1]}}',
     dict(generic("Parameter 'id' is missing"), id={"k": [1]})),
    ("extra", b'{"execute": "guest-sync", "arguments": {"id": 1, "x": 2}}',
     generic("Parameter 'x' is unexpected")),
    ("extra-on-argless-command", b'{"execute": "guest-ping", "arguments": {"a": 1}}',
     generic("Parameter 'a' is unexpected")),
    ("float", b'{"execute": "guest-sync", "arguments": {"id": 1.5}}', generic(INT_EXPECTED)),
    ("uint64-max", b'{"execute": "guest-sync", "arguments": {"id": 18446744073709551615}}',
     generic(INT_EXPECTED)),
    ("int64-max-plus-1", b'{"execute": "guest-sync", "arguments": {"id": 9223372036854775808}}',
     generic(INT_EXPECTED)),
    ("int64-min-minus-1", b'{"execute": "guest-sync", "arguments": {"id": -9223372036854775809}}',
     generic(INT_EXPECTED)),
    ("null", b'{"execute": "guest-sync", "arguments": {"id": null}}', generic(INT_EXPECTED)),
    ("string", b'{"execute": "guest-sync", "arguments": {"id": "1"}, "id": "abc"}',
     dict(generic(INT_EXPECTED), id="abc")),
    ("bool", b'{"execute": "guest-sync", "arguments": {"id": true}}', generic(INT_EXPECTED)),
    ("object", b'{"execute": "guest-sync", "arguments": {"id": {}}}', generic(INT_EXPECTED)),
    ("array", b'{"execute": "guest-sync-delimited", "arguments": {"id": [1]}}', generic(INT_EXPECTED)),
]


@pytest.mark.parametrize("request_bytes, expected",
                         [c[1:] for c in ARGUMENT_CASES], ids=[c[0] for c in ARGUMENT_CASES])
def test_argument_errors(agent, request_bytes, expected):
    assert exchange(agent, request_bytes) == expected


def test_failed_delimited_sync_is_not_delimited(agent):
    with agent.connect() as c:
        c.send(b'{"execute": "guest-sync-delimited", "arguments": {"id": "x"}}')
        line = c.read_line()
        assert not line.startswith(b"\xff")
        assert json.loads(line) == generic(INT_EXPECTED)


# ---- the JSON language (json-lexer.c, json-parser.c) ---------------------------

PARSE_CASES = [
    ("duplicate-key", b'{"execute": "guest-ping", "execute": "guest-ping"}',
     generic("JSON parse error, duplicate key")),
    ("duplicate-id", b'{"execute": "guest-ping", "id": 1, "id": 2}',
     generic("JSON parse error, duplicate key")),
    ("lone-high-surrogate", b'{"execute": "guest-ping", "id": "\\ud800"}',
     generic("JSON parse error, \\ud800 is not a valid Unicode character")),
    ("high-surrogate-then-char", b'{"execute": "guest-ping", "id": "\\uD83Dx"}',
     generic("JSON parse error, \\uD83D is not a valid Unicode character")),
    ("high-surrogate-then-bmp", b'{"execute": "guest-ping", "id": "\\uD83D\\u0041"}',
     generic("JSON parse error, \\uD83D is not a valid Unicode character")),
    ("lone-low-surrogate", b'{"execute": "guest-ping", "id": "\\udc00"}',
     generic("JSON parse error, \\udc00 is not a valid Unicode character")),
    ("reversed-pair", b'{"execute": "guest-ping", "id": "\\uDE00\\uD83D"}',
     generic("JSON parse error, \\uDE00 is not a valid Unicode character")),
    # A short \u escape: qemu quotes up to six bytes, so the closing quote shows.
    ("short-u-escape", b'{"execute": "guest-ping", "id": "\\u12"}',
     generic("JSON parse error, \\u12\" is not a valid Unicode character")),
    ("short-u-escape-single-quoted", b"{'execute': 'guest-ping', 'id': '\\u1'}",
     generic("JSON parse error, \\u1' is not a valid Unicode character")),
    ("non-hex-u-escape", b'{"execute": "guest-ping", "id": "\\u12x4z"}',
     generic("JSON parse error, \\u12x4 is not a valid Unicode character")),
    ("bad-escape", b'{"execute": "guest-ping", "id": "\\x41"}',
     generic("JSON parse error, invalid escape sequence in string")),
    ("utf8-truncated", b'{"execute": "guest-ping", "id": "\xc3("}',
     generic("JSON parse error, invalid UTF-8 sequence in string")),
    ("utf8-encoded-surrogate", b'{"execute": "guest-ping", "id": "\xed\xa0\x80"}',
     generic("JSON parse error, invalid UTF-8 sequence in string")),
    ("utf8-above-10ffff", b'{"execute": "guest-ping", "id": "\xf4\x90\x80\x80"}',
     generic("JSON parse error, invalid UTF-8 sequence in string")),
    ("utf8-overlong", b'{"execute": "guest-ping", "id": "\xe0\x80\xaf"}',
     generic("JSON parse error, invalid UTF-8 sequence in string")),
    ("utf8-invalid-in-key", b'{"execute": "guest-ping", "\x80": 1}',
     generic("JSON parse error, invalid UTF-8 sequence in string")),
    # Lexical errors inside an object (marked "one error"): qemu-ga also answers
    # "expecting value" for the rest of the object; streamga deliberately reports the
    # run once, since it drops input up to the next '{' or '['.
    # A control character ends a string with a lexical error (one error).
    ("control-char-soh", b'{"execute": "guest-ping", "id": "a\x01b"}',
     generic("JSON parse error, stray '\"a\x01'")),
    ("control-char-newline", b'{"execute": "guest-ping", "id": "a\nb"}',
     generic("JSON parse error, stray '\"a\n'")),
    ("control-char-tab", b'{"execute": "guest-ping", "id": "a\tb"}',
     generic("JSON parse error, stray '\"a\t'")),
    # one error
    ("byte-fe-in-string", b'{"execute": "guest-ping", "id": "\xfe"}',
     generic("JSON parse error, stray '\"\ufffd'")),
    ("keyword-tru", b'{"execute": "guest-ping", "id": tru}',
     generic("JSON parse error, invalid keyword 'tru'")),
    ("keyword-nul", b'{"execute": "guest-ping", "id": nul}',
     generic("JSON parse error, invalid keyword 'nul'")),
    ("keyword-bare-word", b'{"execute": guest}',
     generic("JSON parse error, invalid keyword 'guest'")),
    ("keyword-top-level", b'tru ', generic("JSON parse error, invalid keyword 'tru'")),
    ("stray-at", b'@', generic("JSON parse error, stray '@'")),
    # one error
    ("stray-capital", b'{"execute": "guest-ping", "id": True}',
     generic("JSON parse error, stray 'T'")),
    # one error
    ("stray-in-object", b'{"execute": "guest-ping"@}', generic("JSON parse error, stray '@'")),
    # one error
    ("stray-leading-zero", b'{"execute": "guest-ping", "id": 01}',
     generic("JSON parse error, stray '01'")),
    ("stray-lone-minus", b'{"execute": "guest-ping", "id": -}',
     generic("JSON parse error, stray '-}'")),
    ("stray-bare-dot", b'{"execute": "guest-ping", "id": 1.}',
     generic("JSON parse error, stray '1.}'")),
    ("stray-nul-byte", b'\x00', generic("JSON parse error, stray ''")),
    ("trailing-comma", b'{"execute": "guest-ping", "id": "x",}',
     generic("JSON parse error, expecting value")),
    ("missing-comma", b'{"execute": "guest-ping" "id": "x"}',
     generic("JSON parse error, expected separator in dict")),
    ("missing-colon", b'{"execute": "guest-ping", "id"}',
     generic("JSON parse error, missing : in object pair")),
    ("non-string-key", b'{1: 2}', generic("JSON parse error, key is not a string in object")),
    ("list-separator", b'[1 2]', generic("JSON parse error, expected separator in list")),
    ("list-trailing-comma", b'{"execute": "guest-ping", "id": [1,]}',
     generic("JSON parse error, expecting value")),
    ("mismatched-close", b'{"execute": "guest-ping"]', generic("JSON parse error, expected separator in dict")),
    ("lone-close-brace", b'}', generic("JSON parse error, expecting value")),
    ("lone-close-bracket", b']', generic("JSON parse error, expecting value")),
]


@pytest.mark.parametrize("request_bytes, expected",
                         [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parse_errors(agent, request_bytes, expected):
    assert exchange(agent, request_bytes) == expected


def test_extra_close_brace_after_request(agent):
    with agent.connect() as c:
        c.send(b'{"execute": "guest-ping", "id": 1}}')
        assert c.read_reply() == {"return": {}, "id": 1}
        assert c.read_reply() == generic("JSON parse error, expecting value")
        ping_still_answered(c)


def test_top_level_bare_words_each_answered(agent):
    # Keywords are tokens, not lexical errors: each one is a message (as in qemu-ga).
    with agent.connect() as c:
        c.send(b"abc def\n")
        assert c.read_reply() == generic("JSON parse error, invalid keyword 'abc'")
        assert c.read_reply() == generic("JSON parse error, invalid keyword 'def'")
        ping_still_answered(c)


# ---- accepted oddities ------------------------------------------------------

@pytest.mark.parametrize("request_bytes, expected_id", [
    (b"{'execute': 'guest-ping', 'id': 'single'}", "single"),
    (b"{'execute': 'guest-ping', 'id': 'it\\'s \"q\"'}", "it's \"q\""),
    (b'{"execute": "guest-ping", "id": "\\ud83d\\ude00"}', "\U0001F600"),
    (b'{"execute": "guest-ping", "id": "\\uD83D\\uDE00"}', "\U0001F600"),
    (b'{"execute": "guest-ping", "id": "\xf0\x9f\x98\x80"}', "\U0001F600"),
    (b'{"execute": "guest-ping", "id": "\\u0041\\u00e9"}', "A\u00e9"),
    (b'{"execute": "guest-ping", "id": "\\u0000"}', "\x00"),
    # qemu's modified UTF-8: the two-byte NUL is accepted.
    (b'{"execute": "guest-ping", "id": "\xc0\x80"}', "\x00"),
    (b'{"execute": "guest-ping", "id": "\\/\\b\\f\\n\\r\\t\\\'\\"\\\\"}', "/\b\f\n\r\t'\"\\"),
    (b'{"execute": "guest-ping", "id": "a\x7fb"}', "a\x7fb"),
    (b'  \r\n\t{ "execute" :\n"guest-ping" , "id" : 1 }', 1),
], ids=["single-quotes", "single-quote-escape", "surrogate-pair", "surrogate-pair-upper",
        "utf8-4-byte", "bmp-escapes", "escaped-nul", "modified-utf8-nul", "simple-escapes",
        "del-byte", "whitespace"])
def test_accepted_inputs(agent, request_bytes, expected_id):
    with agent.connect() as c:
        c.send(request_bytes)
        assert c.read_reply() == {"return": {}, "id": expected_id}
