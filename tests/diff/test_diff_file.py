"""Differential tests of guest-file-*: argument and file errors, operation sequences, open flags, and the deliberate differences."""
import base64
import errno
import os
import stat

import pytest

from diffagents import (LEFT, NAMES, RIGHT, AgentPair, assert_equivalent, request,
                        single_replies)
from diffexec import Conversation
from diffshape import same_json
from test_diff_errors import NOT_AN_INT, check_same_error, raw_request

from cases_file import agent_file, close_each, open_each

# A handle neither agent has handed out: argument errors come before the lookup.
NO_HANDLE = 424242424242

# command -> its arguments as raw JSON members, each (name, valid value as JSON)
MEMBERS = {
    "guest-file-open": [("path", b'"/nonexistent-streamga-dir/f"'), ("mode", b'"r"')],
    "guest-file-close": [("handle", b"%d" % NO_HANDLE)],
    "guest-file-flush": [("handle", b"%d" % NO_HANDLE)],
    "guest-file-read": [("handle", b"%d" % NO_HANDLE), ("count", b"1")],
    "guest-file-write": [("handle", b"%d" % NO_HANDLE), ("buf-b64", b'"QUI="'), ("count", b"1")],
    "guest-file-seek": [("handle", b"%d" % NO_HANDLE), ("offset", b"0"), ("whence", b'"set"')],
}
OPTIONAL = {("guest-file-open", "mode"), ("guest-file-read", "count"),
            ("guest-file-write", "count")}
INT_MEMBERS = {"handle", "count", "offset"}
NOT_A_STRING = {"int": b"1", "float": b"1.5", "true": b"true", "null": b"null", "array": b'["r"]',
                "object": b'{"a": "r"}', "empty-array": b"[]"}
NOT_A_WHENCE = {"float": b"1.5", "float-integral": b"1.0", "true": b"true", "null": b"null",
                "array": b"[0]", "object": b'{"name": "set"}', "int64-max-plus-1":
                b"9223372036854775808", "huge": b"123456789012345678901234567890",
                "upper-case": b'"SET"', "unknown-name": b'"begin"', "empty": b'""',
                "code-as-string": b'"0"'}


def arguments(members):
    return b"{" + b", ".join(b'"%s": %s' % (n.encode(), v) for n, v in members) + b"}"


def argument_cases():
    for command, members in MEMBERS.items():
        for i, (member, _) in enumerate(members):
            if member in INT_MEMBERS:
                wrong = NOT_AN_INT
            elif member == "whence":
                wrong = NOT_A_WHENCE
            else:
                wrong = NOT_A_STRING
            for label, value in wrong.items():
                changed = list(members)
                changed[i] = (member, value)
                yield pytest.param(raw_request(command, arguments(changed)),
                                   id="%s-%s-%s" % (command, member, label))
            if (command, member) not in OPTIONAL:
                rest = members[:i] + members[i + 1:]
                yield pytest.param(raw_request(command, arguments(rest)),
                                   id="%s-%s-missing" % (command, member))
        yield pytest.param(raw_request(command, arguments(members + [("extra", b"1")])),
                           id="%s-unexpected" % command)
        yield pytest.param(raw_request(command, b"{}"), id="%s-empty-arguments" % command)
        yield pytest.param(request(command), id="%s-no-arguments" % command)
        yield pytest.param(raw_request(command, arguments(members), b'"some-id"'),
                           id="%s-with-id" % command)


@pytest.mark.parametrize("payload", list(argument_cases()))
def test_argument_errors_match(pair, payload):
    """Wrong types, missing and unexpected members, values out of range (and, with
    valid arguments, the unknown handle or missing file): same class and desc."""
    check_same_error(pair, payload)


# ---- errors of the operations themselves, on each agent's own handle ------------------------

@pytest.fixture
def handles(pair):
    """A file opened r+ in each agent (its own copy); closed after the test."""
    opened, _ = open_each(pair, "r+", b"0123456789")
    yield opened
    if not pair.dirty:
        close_each(pair, opened)


HANDLE_ERROR_CASES = {
    "read-count-negative": ("guest-file-read", {"count": -1}),
    "read-count-min": ("guest-file-read", {"count": -2**63}),
    "read-count-over-48M": ("guest-file-read", {"count": 48 * 2**20 + 1}),
    "read-count-int64-max": ("guest-file-read", {"count": 2**63 - 1}),
    "write-bad-base64": ("guest-file-write", {"buf-b64": "!!"}),
    "write-bad-base64-dash": ("guest-file-write", {"buf-b64": "QU-="}),
    "write-bad-base64-space": ("guest-file-write", {"buf-b64": "QU I="}),
    "write-bad-base64-and-count": ("guest-file-write", {"buf-b64": "*", "count": -5}),
    "write-count-over-data": ("guest-file-write", {"buf-b64": "QUI=", "count": 3}),
    "write-count-negative": ("guest-file-write", {"buf-b64": "QUI=", "count": -1}),
    "write-count-of-empty": ("guest-file-write", {"buf-b64": "", "count": 1}),
    "seek-whence-3": ("guest-file-seek", {"offset": 0, "whence": 3}),
    "seek-whence-negative": ("guest-file-seek", {"offset": 0, "whence": -1}),
    "seek-whence-int64-max": ("guest-file-seek", {"offset": 0, "whence": 2**63 - 1}),
    "seek-before-start": ("guest-file-seek", {"offset": -1, "whence": "set"}),
    "seek-before-start-cur": ("guest-file-seek", {"offset": -1, "whence": 1}),
    "seek-before-start-end": ("guest-file-seek", {"offset": -11, "whence": "end"}),
    "seek-int64-min": ("guest-file-seek", {"offset": -2**63, "whence": 0}),
    "seek-int64-max-end": ("guest-file-seek", {"offset": 2**63 - 1, "whence": 2}),
}


@pytest.mark.parametrize("case", list(HANDLE_ERROR_CASES))
def test_errors_on_a_handle_match(pair, handles, case):
    command, args = HANDLE_ERROR_CASES[case]
    payloads = {name: request(command, dict(args, handle=handles[name])) for name in NAMES}
    sga, qga = single_replies(pair.exchange_each(payloads), case)
    assert_equivalent(sga, qga, case)
    assert "error" in sga.value, sga


UNKNOWN_HANDLE_CASES = [
    ("guest-file-close", {}), ("guest-file-flush", {}), ("guest-file-read", {}),
    ("guest-file-read", {"count": -1}), ("guest-file-write", {"buf-b64": "!"}),
    ("guest-file-seek", {"offset": 0, "whence": 5}), ("guest-file-seek", {"offset": -1, "whence": 0}),
]


@pytest.mark.parametrize("command,args", UNKNOWN_HANDLE_CASES)
@pytest.mark.parametrize("handle", [0, -1, NO_HANDLE, 2**63 - 1, -2**63])
def test_unknown_handles_match(pair, command, args, handle):
    """The handle is looked up before anything else is checked."""
    value = check_same_error(pair, request(command, dict(args, handle=handle)))
    assert value["error"]["desc"] == "handle '%d' has not been found" % handle


OPEN_ERROR_CASES = {
    "missing": ("/nonexistent-streamga-dir/f", "r"),
    "missing-for-writing": ("/nonexistent-streamga-dir/f", "w"),
    "empty-path": ("", "r"),
    "directory-for-writing": ("/tmp", "w"),
    "directory-append": ("/tmp", "a+"),
    "through-a-file": ("/etc/hostname/x", "r"),
    "sysctl-read-only": ("/proc/sys/kernel/osrelease", "w"),
    "sysctl-read-only-rw": ("/proc/sys/kernel/osrelease", "r+"),
    "bad-mode": ("/nonexistent-streamga-dir/f", "rw"),
    "bad-mode-empty": ("/nonexistent-streamga-dir/f", ""),
    "bad-mode-glibc-e": ("/etc/hostname", "re"),
    "bad-mode-x": ("/nonexistent-streamga-dir/f", "wx"),
    "bad-mode-unicode": ("/nonexistent-streamga-dir/f", "r\u00e9"),
    "bad-mode-before-missing-file": ("/nonexistent-streamga-dir/f", "q"),
}


@pytest.mark.parametrize("case", list(OPEN_ERROR_CASES))
def test_open_errors_match(pair, case):
    path, mode = OPEN_ERROR_CASES[case]
    check_same_error(pair, request("guest-file-open", {"path": path, "mode": mode}))


def test_directory_opens_and_fails_to_read_alike(pair, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    with Conversation(pair) as conv:
        opened = conv.call_both(request("guest-file-open", {"path": str(d)}))
        handles = {name: opened[name].value["return"] for name in NAMES}
        reads = {name: conv.call(name, request("guest-file-read", {"handle": handles[name]}))
                 for name in NAMES}
        assert_equivalent(reads[LEFT], reads[RIGHT])
        assert reads[LEFT].value["error"]["desc"] == "failed to read file: %s" % os.strerror(
            errno.EISDIR)
        for name in NAMES:
            conv.call(name, request("guest-file-close", {"handle": handles[name]}))


# ---- the same operations on both: every reply byte for byte ----------------------------------

# Operations on a handle ("H" is each agent's own), replies compared as raw bytes
# (so member order too). Starts on a 10-byte file "0123456789" opened with the mode.
SEQUENCES = {
    "read-in-pieces": ("r", [
        ("guest-file-read", {"count": 4}), ("guest-file-read", {"count": 4}),
        ("guest-file-read", {"count": 4}), ("guest-file-read", {"count": 4}),
        ("guest-file-read", {"count": 0}), ("guest-file-read", {})]),
    "read-exactly-the-rest": ("r", [
        ("guest-file-read", {"count": 10}), ("guest-file-read", {"count": 0}),
        ("guest-file-read", {"count": 1}), ("guest-file-read", {"count": 1})]),
    "seek-and-read": ("rb", [
        ("guest-file-seek", {"offset": 3, "whence": "set"}), ("guest-file-read", {"count": 2}),
        ("guest-file-seek", {"offset": 2, "whence": 1}), ("guest-file-read", {"count": 2}),
        ("guest-file-seek", {"offset": -3, "whence": "end"}), ("guest-file-read", {"count": 9}),
        ("guest-file-seek", {"offset": 0, "whence": "cur"}),
        ("guest-file-seek", {"offset": 100, "whence": 0}), ("guest-file-read", {"count": 9}),
        ("guest-file-seek", {"offset": 0, "whence": 2})]),
    "write-read-write": ("r+", [
        ("guest-file-read", {"count": 3}),
        ("guest-file-write", {"buf-b64": base64.b64encode(b"AB").decode()}),
        ("guest-file-read", {"count": 2}),
        ("guest-file-write", {"buf-b64": base64.b64encode(b"xyz").decode(), "count": 2}),
        ("guest-file-seek", {"offset": 0, "whence": "cur"}),
        ("guest-file-seek", {"offset": 0, "whence": "set"}), ("guest-file-read", {"count": 20}),
        ("guest-file-flush", {}), ("guest-file-read", {"count": 20})]),
    "truncate-and-write": ("w+", [
        ("guest-file-read", {"count": 5}),
        ("guest-file-write", {"buf-b64": base64.b64encode(bytes(range(256))).decode()}),
        ("guest-file-write", {"buf-b64": ""}),
        ("guest-file-seek", {"offset": -6, "whence": "end"}), ("guest-file-read", {"count": 3}),
        ("guest-file-read", {"count": 300}), ("guest-file-read", {"count": 300})]),
    "append": ("a+", [
        ("guest-file-read", {"count": 4}),
        ("guest-file-write", {"buf-b64": base64.b64encode(b"END").decode()}),
        ("guest-file-seek", {"offset": 0, "whence": "cur"}),
        ("guest-file-seek", {"offset": 0, "whence": "set"}), ("guest-file-read", {"count": 20})]),
    "write-past-the-end": ("r+", [
        ("guest-file-seek", {"offset": 4, "whence": "end"}),
        ("guest-file-write", {"buf-b64": base64.b64encode(b"!").decode()}),
        ("guest-file-seek", {"offset": 8, "whence": 0}), ("guest-file-read", {"count": 20})]),
    "errors-leave-the-position": ("r+", [
        ("guest-file-read", {"count": 2}), ("guest-file-seek", {"offset": -5, "whence": "set"}),
        ("guest-file-read", {"count": -1}), ("guest-file-write", {"buf-b64": "%%"}),
        ("guest-file-seek", {"offset": 0, "whence": "cur"}), ("guest-file-read", {"count": 2})]),
    "read-only-handle": ("r", [
        ("guest-file-write", {"buf-b64": "QUI="}), ("guest-file-read", {"count": 3})]),
    "write-only-handle": ("a", [
        ("guest-file-read", {"count": 3}), ("guest-file-flush", {})]),
}


@pytest.mark.parametrize("case", list(SEQUENCES))
def test_sequences_match_byte_for_byte(pair, case):
    mode, steps = SEQUENCES[case]
    handles, paths = open_each(pair, mode, b"0123456789")
    with Conversation(pair) as conv:
        for command, args in steps:
            payloads = {name: request(command, dict(args, handle=handles[name])) for name in NAMES}
            replies = {name: conv.call(name, payloads[name]) for name in NAMES}
            assert replies[LEFT].raw == replies[RIGHT].raw, (command, args, replies)
    close_each(pair, handles)
    contents = {}
    for name in NAMES:
        with open(paths[name], "rb") as f:
            contents[name] = f.read()
    assert contents[LEFT] == contents[RIGHT], contents


def test_binary_round_trip_matches(pair):
    """Every byte value written by both, read back by both: identical."""
    data = bytes(range(256)) * 8
    handles, paths = open_each(pair, "w+", b"")
    with Conversation(pair) as conv:
        for command, args in [("guest-file-write", {"buf-b64": base64.b64encode(data).decode()}),
                              ("guest-file-seek", {"offset": 0, "whence": "set"}),
                              ("guest-file-read", {"count": 4096})]:
            replies = {name: conv.call(name, request(command, dict(args, handle=handles[name])))
                       for name in NAMES}
            assert replies[LEFT].raw == replies[RIGHT].raw, (command, replies)
    assert base64.b64decode(replies[LEFT].value["return"]["buf-b64"]) == data
    close_each(pair, handles)


def test_default_read_count_matches(pair):
    handles, _ = open_each(pair, "r", bytes(range(256)) * 40)
    with Conversation(pair) as conv:
        for _ in range(4):
            replies = {name: conv.call(name, request("guest-file-read", {"handle": handles[name]}))
                       for name in NAMES}
            assert replies[LEFT].raw == replies[RIGHT].raw, replies
    close_each(pair, handles)


# ---- open modes: same descriptor flags, same effect on disk ----------------------------------

MODES = ["r", "rb", "w", "wb", "a", "ab", "r+", "rb+", "r+b", "w+", "wb+", "w+b", "a+", "ab+",
         "a+b"]
FLAG_MASK = os.O_ACCMODE | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC | os.O_TRUNC


def fd_flags(agent, path):
    pid = agent.proc.pid
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                    for line in f:
                        if line.startswith("flags:"):
                            return int(line.split()[1], 8)
        except OSError:
            continue
    raise AssertionError("%s has no descriptor for %s" % (agent.binary, path))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("exists", [True, False], ids=["existing", "missing"])
def test_modes_match(make_pair, mode, exists):
    """Each mode opens with the same flags and leaves the file alike (created
    with 0666 under a restrictive umask, truncated or kept, permissions kept)."""
    old = os.umask(0o027)
    try:
        pair = make_pair()
    finally:
        os.umask(old)
    paths, replies = {}, {}
    with Conversation(pair) as conv:
        for name in NAMES:
            paths[name] = agent_file(pair, name, b"content", "mode-case")
            if exists:
                os.chmod(paths[name], 0o604)
            else:
                os.unlink(paths[name])
            replies[name] = conv.call(name, request("guest-file-open",
                                                    {"path": paths[name], "mode": mode}))
        assert ("return" in replies[LEFT].value) == ("return" in replies[RIGHT].value), replies
        if "error" in replies[LEFT].value:
            assert not exists and mode.startswith("r")
            descs = {n: replies[n].value["error"]["desc"].replace(paths[n], "PATH") for n in NAMES}
            assert descs[LEFT] == descs[RIGHT], descs
            return
        flags = {name: fd_flags(pair.agents[name], paths[name]) & FLAG_MASK for name in NAMES}
        assert flags[LEFT] == flags[RIGHT], {n: oct(f) for n, f in flags.items()}
        for name in NAMES:
            conv.call(name, request("guest-file-close", {"handle": replies[name].value["return"]}))
    on_disk = {}
    for name in NAMES:
        st = os.stat(paths[name])
        with open(paths[name], "rb") as f:
            on_disk[name] = (stat.S_IMODE(st.st_mode), f.read())
    assert on_disk[LEFT] == on_disk[RIGHT], on_disk


# ---- the frozen state --------------------------------------------------------------------------

def test_refused_alike_while_frozen(agent_binary, qemu_ga_binary, tmp_path):
    """Both started with qemu-ga's frozen marker in their statedir (a previous
    agent left filesystems frozen): guest-file-* are disabled in both."""
    pair = AgentPair(agent_binary, qemu_ga_binary, tmp_path / "frozen")
    for agent in pair.agents.values():
        with open(os.path.join(agent.statedir, "qga.state.isfrozen"), "wb"):
            pass
    pair.start()
    try:
        for command, args in [("guest-file-open", {"path": "/etc/hostname"}),
                              ("guest-file-read", {"handle": 1}),
                              ("guest-file-write", {"handle": 1, "buf-b64": ""}),
                              ("guest-file-seek", {"handle": 1, "offset": 0, "whence": 0}),
                              ("guest-file-flush", {"handle": 1}),
                              ("guest-file-close", {"handle": 1})]:
            check_same_error(pair, request(command, args), "CommandNotFound")
    finally:
        problem = pair.stop()
    assert problem is None, problem


# ---- deliberate differences ------------------------------------------------------------------

def test_writes_are_not_buffered(pair):
    """streamga writes through: the data is in the file when guest-file-write
    answers. qemu-ga's stdio keeps small writes until flush or close."""
    handles, paths = open_each(pair, "w", b"")
    with Conversation(pair) as conv:
        for name in NAMES:
            r = conv.call(name, request("guest-file-write", {"handle": handles[name],
                                                             "buf-b64": "aGVsbG8="}))
            assert same_json(r.value, {"return": {"count": 5, "eof": False}}), r
        before_flush = {}
        for name in NAMES:
            with open(paths[name], "rb") as f:
                before_flush[name] = f.read()
        assert before_flush == {LEFT: b"hello", RIGHT: b""}
        for name in NAMES:
            conv.call(name, request("guest-file-flush", {"handle": handles[name]}))
            with open(paths[name], "rb") as f:
                assert f.read() == b"hello", name
    close_each(pair, handles)


def test_partial_fifo_reads_keep_the_data(pair, tmp_path):
    """A FIFO holding fewer bytes than asked, its writer still there: streamga
    returns them (eof false); qemu-ga's fread() meets EAGAIN, reports an error,
    and the bytes are lost."""
    fifos, wfds, handles = {}, {}, {}
    with Conversation(pair) as conv:
        try:
            for name in NAMES:
                fifos[name] = str(tmp_path / ("fifo-" + name))
                os.mkfifo(fifos[name])
                r = conv.call(name, request("guest-file-open", {"path": fifos[name]}))
                handles[name] = r.value["return"]
                wfds[name] = os.open(fifos[name], os.O_WRONLY)
                os.write(wfds[name], b"partial")
            replies = {name: conv.call(name, request("guest-file-read",
                                                     {"handle": handles[name], "count": 100}))
                       for name in NAMES}
            assert same_json(replies[LEFT].value, {"return": {
                "count": 7, "buf-b64": base64.b64encode(b"partial").decode(), "eof": False}})
            assert same_json(replies[RIGHT].value, {"error": {
                "class": "GenericError",
                "desc": "failed to read file: %s" % os.strerror(errno.EAGAIN)}})
            # Nothing more: both say EAGAIN alike.
            replies = {name: conv.call(name, request("guest-file-read",
                                                     {"handle": handles[name], "count": 100}))
                       for name in NAMES}
            assert replies[LEFT].raw == replies[RIGHT].raw, replies
        finally:
            for fd in wfds.values():
                os.close(fd)
        for name in NAMES:
            conv.call(name, request("guest-file-close", {"handle": handles[name]}))


def test_full_fifo_write_reports_the_count(pair, tmp_path):
    """A write larger than a FIFO's room: streamga answers the count that went
    (the rest can be sent again); qemu-ga reports EAGAIN though part of the
    data went, so the host cannot know how much."""
    fifos, rfds, handles = {}, {}, {}
    data = b"z" * (256 * 1024)
    with Conversation(pair) as conv:
        try:
            for name in NAMES:
                fifos[name] = str(tmp_path / ("fifo-" + name))
                os.mkfifo(fifos[name])
                rfds[name] = os.open(fifos[name], os.O_RDONLY | os.O_NONBLOCK)
                r = conv.call(name, request("guest-file-open", {"path": fifos[name], "mode": "w"}))
                handles[name] = r.value["return"]
            replies = {name: conv.call(name, request("guest-file-write", {
                "handle": handles[name], "buf-b64": base64.b64encode(data).decode()}))
                for name in NAMES}
            went = {}
            for name in NAMES:
                went[name] = 0
                while True:
                    try:
                        chunk = os.read(rfds[name], 1 << 20)
                    except BlockingIOError:
                        break
                    went[name] += len(chunk)
            assert 0 < went[LEFT] < len(data)
            assert same_json(replies[LEFT].value, {"return": {"count": went[LEFT], "eof": False}})
            assert 0 < went[RIGHT] < len(data)
            assert same_json(replies[RIGHT].value, {"error": {
                "class": "GenericError",
                "desc": "failed to write to file: %s" % os.strerror(errno.EAGAIN)}})
        finally:
            for fd in rfds.values():
                os.close(fd)
        for name in NAMES:
            conv.call(name, request("guest-file-close", {"handle": handles[name]}))
