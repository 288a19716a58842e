"""Differential tests of guest-exec and guest-exec-status against qemu-ga 7.2.

In at-exit mode (--exec-output=at-exit, or the per-exec argument) streamga must
answer exactly as qemu-ga does: every status, byte for byte. In streaming mode
(the default) it must start programs and refuse requests alike, end with the
same exit code or signal and hand out the same output, only spread over the
statuses; where that mode differs on purpose (docs/exec.md), the difference
itself is tested. Every program runs in both agents, polled alternately.
"""
import base64
import os
import signal
import sys

import pytest

from diffagents import LEFT, NAMES, RIGHT, AgentPair, assert_equivalent, request, single_replies
from diffexec import GATE, INVALID_PID, WAIT_FOR_GATE, Conversation, collect, finals, run_exec, start_both
from diffshape import same_json

# qemu-ga 7.2 keeps at most this much of each stream (GUEST_EXEC_MAX_OUTPUT).
AT_EXIT_CAP = 16 << 20
# Members of the status, by stream.
DATA = {"out": "out-data", "err": "err-data"}
TRUNCATED = {"out": "out-truncated", "err": "err-truncated"}


def b64(data):
    return base64.b64encode(data).decode()


def pattern(line, size):
    """What `yes LINE | head -c SIZE` writes."""
    unit = line.encode() + b"\n"
    return (unit * (size // len(unit) + 1))[:size]


class Program:
    """guest-exec arguments and what the program does: how it ends, what it writes.

    The expectations are checked against qemu-ga as well as streamga, so a case
    cannot pass because both agents do the same wrong thing."""

    def __init__(self, arguments, exitcode=0, signal=None, out=b"", err=b"", gated=False):
        self.arguments = arguments
        self.exitcode = None if signal is not None else exitcode
        self.signal = signal
        self.out = out
        self.err = err
        self.gated = gated      # waits for the run's gate file (see diffexec)

    @property
    def captured(self):
        return self.arguments.get("capture-output") is True

    def at_exit_status(self):
        """The final status qemu-ga 7.2 gives (out-data / err-data as base64)."""
        status = {"exited": True}
        if self.signal is not None:
            status["signal"] = self.signal
        else:
            status["exitcode"] = self.exitcode
        for stream, data in (("out", self.out), ("err", self.err)):
            if self.captured and data:
                status[DATA[stream]] = b64(data[:AT_EXIT_CAP])
                status[TRUNCATED[stream]] = len(data) > AT_EXIT_CAP
        return status

    def wrote(self, stream):
        """What the statuses should carry for stream in total, nothing dropped."""
        return (self.out if stream == "out" else self.err) if self.captured else b""


def sh(script, **expect):
    return Program({"path": "/bin/sh", "arg": ["-c", script], "capture-output": True}, **expect)


INPUT_BYTES = bytes(range(256)) * 4
# Larger than a pipe holds, so both agents must write stdin while reading stdout.
BIG_INPUT = pattern("input line with some text", 1 << 20)
# UTF-8 of é, €, 😀, then bytes that are never UTF-8.
MIXED_BYTES = b"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xfe\x80\x00end"

PROGRAMS = {
    "stdout-and-stderr": sh("echo out; echo err >&2", out=b"out\n", err=b"err\n"),
    "stdout-without-newline": sh("printf 'no newline'", out=b"no newline"),
    "stderr-only-exit-4": sh("echo err >&2; exit 4", exitcode=4, err=b"err\n"),
    "no-output": sh("true"),
    "exit-1": sh("exit 1", exitcode=1),
    "exit-42": sh("echo x; exit 42", exitcode=42, out=b"x\n"),
    "exit-255": sh("exit 255", exitcode=255),
    "not-found-in-shell-127": sh("no-such-command-xyz 2>/dev/null", exitcode=127),
    "killed-by-sigkill": sh("echo before; kill -KILL $$; echo after", signal=signal.SIGKILL,
                            out=b"before\n"),
    "killed-by-sigterm": sh("echo e >&2; kill -TERM $$", signal=signal.SIGTERM, err=b"e\n"),
    "killed-by-sigusr1": sh("kill -USR1 $$", signal=signal.SIGUSR1),
    "output-not-captured": Program({"path": "/bin/sh", "arg": ["-c", "echo lost; echo lost >&2; exit 6"]},
                                   exitcode=6),
    "capture-output-false": Program({"path": "/bin/sh", "arg": ["-c", "echo lost; exit 7"],
                                     "capture-output": False}, exitcode=7),
    "binary-output": sh("printf '\\303\\251\\342\\202\\254\\360\\237\\230\\200\\377\\376\\200\\000end'; "
                        "printf '\\000\\001' >&2", out=MIXED_BYTES, err=b"\x00\x01"),
    "input-data-through-cat": Program({"path": "cat", "input-data": b64(INPUT_BYTES),
                                       "capture-output": True}, out=INPUT_BYTES),
    "input-data-larger-than-a-pipe": Program({"path": "cat", "input-data": b64(BIG_INPUT),
                                              "capture-output": True}, out=BIG_INPUT),
    "input-data-empty": Program({"path": "cat", "input-data": "", "capture-output": True}),
    # Programs that leave their stdin unread: the agents' writes fail (EPIPE),
    # which must not disturb them.
    "input-data-never-read": Program({"path": "true", "input-data": b64(BIG_INPUT),
                                      "capture-output": True}),
    "input-data-partly-read": Program({"path": "head", "arg": ["-c", "10"], "input-data": b64(BIG_INPUT),
                                       "capture-output": True}, out=BIG_INPUT[:10]),
    "input-data-unpadded": Program({"path": "cat", "input-data": "QUJD", "capture-output": True},
                                   out=b"ABC"),
    # glib's decoder, which both use, drops a last group without its padding.
    "input-data-missing-padding": Program({"path": "cat", "input-data": "QUJDRA", "capture-output": True},
                                          out=b"ABC"),
    "input-data-with-newlines": Program({"path": "cat", "input-data": "aGVs\nbG8K\n",
                                         "capture-output": True}, out=b"hello\n"),
    "input-data-not-captured": Program({"path": "/bin/sh", "arg": ["-c", "exit $(wc -c)"],
                                        "input-data": b64(b"12345")}, exitcode=5),
    "env": Program({"path": "/usr/bin/env", "env": ["A=1", "B=two words", "EMPTY=", "U=\u00e9"],
                    "capture-output": True}, out="A=1\nB=two words\nEMPTY=\nU=\u00e9\n".encode()),
    "env-empty": Program({"path": "/usr/bin/env", "env": [], "capture-output": True}),
    "env-path-searched": Program({"path": "env", "env": ["PATH=/usr/bin:/bin", "X=1"],
                                  "capture-output": True}, out=b"PATH=/usr/bin:/bin\nX=1\n"),
    "path-searched": Program({"path": "printf", "arg": ["%s|", "a b", "", "\u00e9\u2603", "--", "-x"],
                              "capture-output": True}, out="a b||\u00e9\u2603|--|-x|".encode()),
    "no-arguments": Program({"path": "true"}),
    "empty-arg-list": Program({"path": "/bin/true", "arg": []}),
    "waits-then-writes": sh("echo start; echo e1 >&2; %s; echo end; exit 5" % WAIT_FOR_GATE,
                            exitcode=5, out=b"start\nend\n", err=b"e1\n", gated=True),
    # The shell ends at once, but what it started holds the pipes: not exited
    # until they close, in both agents.
    "background-holds-stdout": sh("(%s; echo late) & echo early" % WAIT_FOR_GATE,
                                  out=b"early\nlate\n", gated=True),
    "utf8-character-across-writes": sh("printf '\\342\\202'; %s; printf '\\254\\n'" % WAIT_FOR_GATE,
                                       out="\u20ac\n".encode(), gated=True),
}

# Over qemu-ga's 16 MiB cap, and at it. Slow (qemu-ga reads 4 KiB at a time), so
# kept to a few.
LARGE_PROGRAMS = {
    "stdout-20MiB": sh("yes 0123456789abcdef | head -c %d; echo small >&2" % (20 << 20),
                       out=pattern("0123456789abcdef", 20 << 20), err=b"small\n"),
    "stdout-exactly-16MiB": sh("yes abc | head -c %d" % AT_EXIT_CAP, out=pattern("abc", AT_EXIT_CAP)),
    "stderr-16MiB-plus-1": sh("yes e | head -c %d >&2" % (AT_EXIT_CAP + 1),
                              err=pattern("e", AT_EXIT_CAP + 1)),
}

# Ways to put streamga in qemu-ga's at-exit mode: the agent option (the
# at_exit_pair fixture) or the per-exec extension argument on a streaming agent.
AT_EXIT_WAYS = {
    "agent-option": None,
    "per-exec": {"__org.streamga_output-mode": "at-exit"},
}


def at_exit_setup(way, pair, at_exit_pair):
    """The pair to use and streamga's extra guest-exec arguments."""
    return (at_exit_pair, None) if AT_EXIT_WAYS[way] is None else (pair, AT_EXIT_WAYS[way])


def run(conv, program, tmp_path, streamga_arguments=None):
    runs = run_exec(conv, program.arguments, streamga_arguments,
                    gate_dir=tmp_path if program.gated else None)
    for name in NAMES:
        assert runs[name].started, "%s did not start it: %r" % (name, runs[name].start)
    assert_equivalent(runs[LEFT].start, runs[RIGHT].start, "guest-exec")
    for name in NAMES:
        # The pid is forgotten once exited:true went out.
        assert same_json(runs[name].after.value, {"error": INVALID_PID}), (name, runs[name].after)
    return runs[LEFT], runs[RIGHT]


def assert_at_exit_statuses(sga, qga, program):
    """qemu-ga 7.2's statuses: {"exited": false} while running, then all at once."""
    for r in (sga, qga):
        for status in r.running:
            assert same_json(status, {"exited": False}), (r.name, status)
    if program.gated:
        assert sga.running and qga.running
    assert same_json(qga.final, program.at_exit_status()), {
        k: v[:100] if isinstance(v, str) else v for k, v in qga.final.items()}
    assert same_json(sga.final, qga.final), (
        {k: v[:100] if isinstance(v, str) else v for k, v in sga.final.items()},
        {k: v[:100] if isinstance(v, str) else v for k, v in qga.final.items()})


def at_exit_cases(programs, per_exec_only=None):
    """Each program each way; per_exec_only limits the per-exec way to a few."""
    for way in AT_EXIT_WAYS:
        for name in programs:
            if way == "per-exec" and per_exec_only is not None and name not in per_exec_only:
                continue
            yield pytest.param(way, name, id="%s-%s" % (way, name))


@pytest.mark.parametrize("way,program_name", list(at_exit_cases(PROGRAMS)))
def test_at_exit_statuses_match_qemu_ga(pair, at_exit_pair, tmp_path, way, program_name):
    pair, streamga_arguments = at_exit_setup(way, pair, at_exit_pair)
    program = PROGRAMS[program_name]
    with Conversation(pair) as conv:
        sga, qga = run(conv, program, tmp_path, streamga_arguments)
    assert_at_exit_statuses(sga, qga, program)


# The per-exec way reaches the same code once the mode is chosen: one large case.
@pytest.mark.parametrize("way,program_name", list(at_exit_cases(LARGE_PROGRAMS, {"stdout-20MiB"})))
def test_at_exit_large_output_matches_qemu_ga(pair, at_exit_pair, tmp_path, way, program_name):
    """Past 16 MiB both keep the first 16 MiB and say truncated; at exactly 16 MiB
    nothing is truncated. Lengths, flags and contents are compared."""
    pair, streamga_arguments = at_exit_setup(way, pair, at_exit_pair)
    program = LARGE_PROGRAMS[program_name]
    with Conversation(pair) as conv:
        sga, qga = run(conv, program, tmp_path, streamga_arguments)
    for stream in ("out", "err"):
        data = program.wrote(stream)
        for r in (sga, qga):
            got = r.data(DATA[stream])
            assert len(got) == min(len(data), AT_EXIT_CAP), (r.name, stream, len(got))
            if data:
                assert r.final[TRUNCATED[stream]] is (len(data) > AT_EXIT_CAP), (r.name, stream)
    assert_at_exit_statuses(sga, qga, program)


def assert_streamed_like_qemu_ga(sga, qga, program):
    """Streaming: same end, same bytes in total, spread over the statuses."""
    for status in qga.running:
        assert same_json(status, {"exited": False}), status
    assert same_json(qga.final, program.at_exit_status()), qga.final
    # Running statuses carry what arrived so far; exit code and signal only the last.
    for status in sga.running:
        assert status["exited"] is False, status
        assert set(status) <= {"exited", "out-data", "err-data"}, status
    assert sga.final["exited"] is True
    for member in ("exitcode", "signal"):
        assert (member in sga.final) == (member in qga.final), (sga.final, qga.final)
        if member in qga.final:
            assert same_json(sga.final[member], qga.final[member]), (sga.final, qga.final)
    for stream in ("out", "err"):
        assert sga.data(DATA[stream]) == qga.data(DATA[stream]) == program.wrote(stream), stream
        # Deliberate difference (docs/exec.md): nothing is ever dropped while
        # streaming, so no status says out-/err-truncated; qemu-ga's last status
        # carries the flag (false) with any output.
        for status in sga.returns:
            assert TRUNCATED[stream] not in status, status
        assert (TRUNCATED[stream] in qga.final) == bool(program.wrote(stream)), qga.final
        # Each chunk decodes on its own when the whole output is UTF-8.
        try:
            program.wrote(stream).decode("utf-8")
        except UnicodeDecodeError:
            continue
        for chunk in sga.chunks(DATA[stream]):
            chunk.decode("utf-8")
    assert set(sga.final) - {"out-data", "err-data"} == (
        set(qga.final) - {"out-data", "err-data", "out-truncated", "err-truncated"}), (
        sga.final.keys(), qga.final.keys())


@pytest.mark.parametrize("program_name", list(PROGRAMS))
def test_streaming_output_matches_qemu_ga(pair, tmp_path, program_name):
    program = PROGRAMS[program_name]
    with Conversation(pair) as conv:
        sga, qga = run(conv, program, tmp_path)
    assert_streamed_like_qemu_ga(sga, qga, program)


@pytest.mark.parametrize("program_name", list(PROGRAMS))
def test_per_exec_stream_mode_on_an_at_exit_agent(at_exit_pair, tmp_path, program_name):
    """`__org.streamga_output-mode: "stream"` overrides --exec-output=at-exit."""
    program = PROGRAMS[program_name]
    with Conversation(at_exit_pair) as conv:
        sga, qga = run(conv, program, tmp_path, {"__org.streamga_output-mode": "stream"})
    assert_streamed_like_qemu_ga(sga, qga, program)


def test_streaming_keeps_what_qemu_ga_truncates(pair, tmp_path):
    """Deliberate difference: past 16 MiB qemu-ga drops the rest and says
    out-truncated; streaming hands out every byte, in replies of at most 1 MiB."""
    program = LARGE_PROGRAMS["stdout-20MiB"]
    with Conversation(pair) as conv:
        sga, qga = run(conv, program, tmp_path)
    data = program.wrote("out")
    assert qga.final["out-truncated"] is True
    assert qga.data("out-data") == data[:AT_EXIT_CAP]
    assert sga.data("out-data") == data
    assert sga.data("err-data") == qga.data("err-data") == b"small\n"
    for status in sga.returns:
        assert "out-truncated" not in status and "err-truncated" not in status, status.keys()
    assert max(len(c) for c in sga.chunks("out-data")) <= 1 << 20
    assert sga.final["exitcode"] == qga.final["exitcode"] == 0


def test_several_programs_at_once_are_collected_alike(pair, at_exit_pair):
    """Five programs running together, collected in reverse order: each pid keeps
    its own output and exit code in both agents."""
    for p in (pair, at_exit_pair):
        with Conversation(p) as conv:
            started = [start_both(conv, {"path": "/bin/sh", "arg": ["-c", "echo run %d; exit %d" % (i, i)],
                                         "capture-output": True}) for i in range(5)]
            for i, pids in reversed(list(enumerate(started))):
                runs = collect(conv, pids)
                for name in NAMES:
                    assert runs[name].final["exitcode"] == i, (name, runs[name].final)
                    assert runs[name].data("out-data") == b"run %d\n" % i, name


# ---- requests that fail ------------------------------------------------------------

START_ERRORS = {
    "nonexistent-absolute-path": {"path": "/nonexistent/program"},
    "nonexistent-in-path": {"path": "no-such-program-streamga-test"},
    "nonexistent-with-arguments": {"path": "/nonexistent", "arg": ["a"], "capture-output": True},
    "empty-path": {"path": ""},
    "directory": {"path": "/tmp"},
    "not-executable": {"path": "/etc/passwd"},
    "path-not-in-env-path": {"path": "true", "env": ["PATH=/nonexistent"]},
    "bad-base64-bang": {"path": "cat", "input-data": "!!"},
    "bad-base64-space": {"path": "cat", "input-data": "QU JD"},
    "bad-base64-tab": {"path": "cat", "input-data": "QUJD\t"},
    "bad-base64-url-alphabet": {"path": "cat", "input-data": "-_-_"},
    "bad-base64-non-ascii": {"path": "cat", "input-data": "QUJ\u00e9"},
    "bad-base64-before-missing-program": {"path": "/nonexistent", "input-data": "*"},
    # JSON's \u0000 reaches the command as modified UTF-8 (C0 80), not as the end.
    "bad-base64-nul-escape": {"path": "cat", "input-data": "QUJD\u0000QUJD"},
}

ARGUMENT_ERRORS = {
    "no-arguments": request("guest-exec"),
    "empty-arguments": request("guest-exec", {}),
    "missing-path": request("guest-exec", {"arg": ["x"], "capture-output": True}),
    "path-int": request("guest-exec", {"path": 1}),
    "path-null": request("guest-exec", {"path": None}),
    "path-array": request("guest-exec", {"path": ["true"]}),
    "arg-string": request("guest-exec", {"path": "true", "arg": "x"}),
    "arg-int-element": request("guest-exec", {"path": "true", "arg": [1]}),
    "arg-null-element": request("guest-exec", {"path": "true", "arg": ["a", None]}),
    "arg-object": request("guest-exec", {"path": "true", "arg": {"a": "b"}}),
    "env-string": request("guest-exec", {"path": "true", "env": "A=1"}),
    "env-int-element": request("guest-exec", {"path": "true", "env": ["A=1", 2]}),
    "env-null": request("guest-exec", {"path": "true", "env": None}),
    "input-data-int": request("guest-exec", {"path": "true", "input-data": 1}),
    "input-data-array": request("guest-exec", {"path": "true", "input-data": ["QQ=="]}),
    "unexpected-member": request("guest-exec", {"path": "true", "foo": 1}),
    "unexpected-streamga-like-member": request("guest-exec", {"path": "true", "__org.other_x": 1}),
    "status-no-arguments": request("guest-exec-status"),
    "status-pid-missing": request("guest-exec-status", {}),
    "status-pid-string": request("guest-exec-status", {"pid": "1"}),
    "status-pid-float": request("guest-exec-status", {"pid": 1.5}),
    "status-pid-null": request("guest-exec-status", {"pid": None}),
    "status-pid-bool": request("guest-exec-status", {"pid": True}),
    "status-pid-huge": b'{"execute": "guest-exec-status", "arguments": {"pid": 9223372036854775808}}',
    "status-unexpected-member": request("guest-exec-status", {"pid": 1, "x": 2}),
    "status-with-id": request("guest-exec-status", {"pid": "x"}, [1, {"a": None}]),
}

# Pids no agent started: 1 is init.
UNKNOWN_PIDS = [0, 1, -1, 2**31, 2**32 + 1, 2**63 - 1, -2**63]


@pytest.fixture(params=["stream", "at-exit"])
def either_pair(request, pair):
    """Refusals do not depend on the output mode: each case runs against both.
    The at-exit pair starts only for its own cases, so the stream cases also run
    against an agent without --exec-output (patches/check.sh)."""
    return pair if request.param == "stream" else request.getfixturevalue("at_exit_pair")


def assert_same_refusal(pair, payload):
    """Both refuse with the same GenericError; returns streamga's reply value."""
    sga, qga = single_replies(pair.exchange(payload), payload)
    assert_equivalent(sga, qga, payload)
    assert "error" in sga.value and sga.value["error"]["class"] == "GenericError", sga
    return sga.value


@pytest.mark.parametrize("arguments", START_ERRORS.values(), ids=START_ERRORS.keys())
def test_start_errors_match(either_pair, arguments):
    desc = assert_same_refusal(either_pair, request("guest-exec", arguments))["error"]["desc"]
    if "input-data" in arguments:
        assert desc == "Base64 data contains invalid characters"
    else:
        assert desc.startswith("Guest agent command failed, error was 'Failed to execute child "
                               "process \u201c%s\u201d (" % arguments["path"]), desc


@pytest.mark.parametrize("payload", ARGUMENT_ERRORS.values(), ids=ARGUMENT_ERRORS.keys())
def test_argument_errors_match(either_pair, payload):
    assert_same_refusal(either_pair, payload)


@pytest.mark.parametrize("pid", UNKNOWN_PIDS)
def test_status_of_an_unknown_pid(either_pair, pid):
    value = assert_same_refusal(either_pair, request("guest-exec-status", {"pid": pid}, "u"))
    assert same_json(value, {"error": INVALID_PID, "id": "u"}), value


def test_status_of_a_pid_already_collected(either_pair):
    """After exited:true the pid is forgotten: later statuses fail, in both."""
    with Conversation(either_pair) as conv:
        pids = start_both(conv, {"path": "/bin/sh", "arg": ["-c", "exit 3"]})
        final = finals(collect(conv, pids))
        assert same_json(final[LEFT], final[RIGHT]), final
        assert same_json(final[LEFT], {"exited": True, "exitcode": 3}), final
        for _ in range(2):
            for name in NAMES:
                reply = conv.call(name, request("guest-exec-status", {"pid": pids[name]}))
                assert same_json(reply.value, {"error": INVALID_PID}), (name, reply)


def test_status_pid_is_not_truncated_to_32_bits(either_pair):
    """A running program's pid plus or minus 2**32 is another, unknown pid."""
    with Conversation(either_pair) as conv:
        pids = start_both(conv, {"path": "sleep", "arg": ["120"]})
        try:
            for name in NAMES:
                for other in (pids[name] + 2**32, pids[name] - 2**32):
                    reply = conv.call(name, request("guest-exec-status", {"pid": other}))
                    assert same_json(reply.value, {"error": INVALID_PID}), (name, other, reply)
                reply = conv.call(name, request("guest-exec-status", {"pid": pids[name]}))
                assert same_json(reply.value, {"return": {"exited": False}}), (name, reply)
        finally:
            for name in NAMES:
                os.kill(pids[name], signal.SIGKILL)
        final = finals(collect(conv, pids))
    assert same_json(final[LEFT], final[RIGHT]), final
    assert same_json(final[LEFT], {"exited": True, "signal": signal.SIGKILL}), final


# ---- deliberate differences ---------------------------------------------------------

def test_capture_output_enum_is_accepted_where_qemu_ga_wants_a_boolean(pair):
    """Deliberate difference: streamga takes the QEMU 8.1+ schema, where
    capture-output is a boolean or a GuestExecCaptureOutputMode; qemu-ga 7.2 takes
    only a boolean."""
    modes = {
        # mode: (what ends up in out-data, in err-data)
        "none": (b"", b""),
        "stdout": (b"o\n", b""),
        "stderr": (b"", b"e\n"),
        "separated": (b"o\n", b"e\n"),
        "merged": (b"o\ne\n", b""),
    }
    for mode, (out, err) in modes.items():
        payload = request("guest-exec", {"path": "/bin/sh", "arg": ["-c", "echo o; echo e >&2"],
                                         "capture-output": mode})
        sga, qga = single_replies(pair.exchange(payload), payload)
        assert same_json(qga.value, {"error": {
            "class": "GenericError",
            "desc": "Invalid parameter type for 'capture-output', expected: boolean"}}), qga
        assert "return" in sga.value, sga
        with Conversation(pair) as conv:
            run = collect(conv, {LEFT: sga.value["return"]["pid"]})[LEFT]
        assert run.data("out-data") == out, (mode, run.returns)
        assert run.data("err-data") == err, (mode, run.returns)
        assert same_json(run.final["exitcode"], 0), run.final


CAPTURE_OUTPUT_REFUSALS = {
    # value: streamga's desc (qemu-ga's is always "... expected: boolean")
    '"yes"': "Parameter 'capture-output' does not accept value 'yes'",
    '"true"': "Parameter 'capture-output' does not accept value 'true'",
    '""': "Parameter 'capture-output' does not accept value ''",
    "1": "Invalid parameter type for 'capture-output', expected: GuestExecCaptureOutput",
    "null": "Invalid parameter type for 'capture-output', expected: GuestExecCaptureOutput",
    "[]": "Invalid parameter type for 'capture-output', expected: GuestExecCaptureOutput",
    "{}": "Invalid parameter type for 'capture-output', expected: GuestExecCaptureOutput",
}


@pytest.mark.parametrize("value", CAPTURE_OUTPUT_REFUSALS, ids=CAPTURE_OUTPUT_REFUSALS.keys())
def test_capture_output_refusals_name_the_newer_type(pair, value):
    """Deliberate difference: both refuse, same class, but streamga's desc follows
    the 8.1+ schema (an alternate of boolean and enum) where qemu-ga 7.2 says boolean."""
    payload = b'{"execute": "guest-exec", "arguments": {"path": "true", "capture-output": %s}}' % (
        value.encode())
    sga, qga = single_replies(pair.exchange(payload), payload)
    assert_equivalent(sga, qga, payload, compare_desc=False)
    assert same_json(qga.value, {"error": {
        "class": "GenericError",
        "desc": "Invalid parameter type for 'capture-output', expected: boolean"}}), qga
    assert same_json(sga.value, {"error": {"class": "GenericError",
                                           "desc": CAPTURE_OUTPUT_REFUSALS[value]}}), sga


EXTENSION_ARGUMENTS = {
    "__org.streamga_output-mode": "at-exit",
    "__org.streamga_timeout": 600,
    "__org.streamga_keep-stdin": False,
}


@pytest.mark.parametrize("member", EXTENSION_ARGUMENTS)
def test_extension_arguments_are_unexpected_to_qemu_ga(pair, member):
    """streamga's guest-exec arguments are its own: qemu-ga refuses them as it
    refuses any unknown member; streamga runs the program."""
    payload = request("guest-exec", {"path": "/bin/sh", "arg": ["-c", "exit 9"],
                                     member: EXTENSION_ARGUMENTS[member]})
    sga, qga = single_replies(pair.exchange(payload), payload)
    assert same_json(qga.value, {"error": {"class": "GenericError",
                                           "desc": "Parameter '%s' is unexpected" % member}}), qga
    assert "return" in sga.value, sga
    with Conversation(pair) as conv:
        final = collect(conv, {LEFT: sga.value["return"]["pid"]})[LEFT].final
    assert same_json(final, {"exited": True, "exitcode": 9}), final


def test_gate_placeholder_is_used_only_by_gated_programs():
    """The gate is what makes running statuses certain; a gated program without
    it would run straight through, an ungated one with it would hang."""
    for programs in (PROGRAMS, LARGE_PROGRAMS):
        for name, program in programs.items():
            uses_gate = any(GATE in a for a in program.arguments.get("arg", []))
            assert uses_gate == program.gated, name


# How the agents are started: with a signal ignored or blocked in the agent, to
# see what their programs inherit. (Not SIGHUP, as under nohup: qemu-ga's
# programs get that one back at its default as well, measured.)
SIGNAL_WRAPPERS = {
    "ignored": (signal.SIGUSR2,
                "import os, signal, sys\n"
                "signal.signal(signal.SIGUSR2, signal.SIG_IGN)\n"
                "os.execv(sys.argv[1], sys.argv[1:])"),
    "blocked": (signal.SIGUSR1,
                "import os, signal, sys\n"
                "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])\n"
                "os.execv(sys.argv[1], sys.argv[1:])"),
}


@pytest.mark.parametrize("how", SIGNAL_WRAPPERS)
def test_programs_get_default_signals_unlike_qemu_ga(agent_binary, qemu_ga_binary, tmp_path, how):
    """Deliberate difference (docs/exec.md): streamga's programs start with an
    empty signal mask and every signal at its default; qemu-ga resets only
    SIGPIPE, so a signal ignored or blocked when it started stays so in them."""
    signo, wrapper = SIGNAL_WRAPPERS[how]
    pair = AgentPair(agent_binary, qemu_ga_binary, tmp_path)
    for agent in pair.agents.values():
        agent.args = [sys.executable, "-c", wrapper] + agent.args
    pair.start()
    try:
        with Conversation(pair) as conv:
            pids = start_both(conv, {"path": "/bin/sh", "arg": ["-c", "kill -%d $$; echo survived" % signo],
                                     "capture-output": True})
            runs = collect(conv, pids)
    finally:
        problem = pair.stop()
    assert problem is None, problem
    assert same_json(runs[RIGHT].final, {"exited": True, "exitcode": 0, "out-data": b64(b"survived\n"),
                                         "out-truncated": False}), runs[RIGHT].final
    assert same_json(runs[LEFT].final, {"exited": True, "signal": signo}), runs[LEFT].final
    assert runs[LEFT].data("out-data") == b""
