"""Differential argument errors of the filesystem family: same class and text as qemu-ga.

Only requests that both agents must refuse before acting are sent: a
freeze-list or freeze that one of them accepted would freeze this machine, so
those are checked against streamga alone under a fake root
(tests/fs/test_fs_freeze.py), with the texts qemu-ga gives. guest-fstrim is
sent only with arguments of the wrong type (an accepted one would trim the
machine's disks).
"""
import pytest

from diffagents import request
from test_diff_errors import check_same_error, raw_request

NO_ARGUMENT_COMMANDS = ["guest-get-fsinfo", "guest-get-disks", "guest-get-diskstats",
                        "guest-fsfreeze-status"]

NOT_AN_INT = {
    "string": b'"1"',
    "float": b"1.5",
    "float-integral": b"1.0",
    "exponent": b"1e3",
    "null": b"null",
    "true": b"true",
    "array": b"[1]",
    "object": b'{"minimum": 1}',
    "uint64-max": b"18446744073709551615",
    "huge": b"123456789012345678901234567890",
}

CASES = []
for _cmd in NO_ARGUMENT_COMMANDS:
    CASES += [
        pytest.param(request(_cmd, {"x": 1}), id="%s-unexpected" % _cmd),
        pytest.param(request(_cmd, {"mountpoints": []}, "q"), id="%s-unexpected-with-id" % _cmd),
        pytest.param(request(_cmd, {"": None}), id="%s-unexpected-empty-name" % _cmd),
    ]
for _name, _value in NOT_AN_INT.items():
    CASES.append(pytest.param(raw_request("guest-fstrim", b'{"minimum": %s}' % _value),
                              id="guest-fstrim-minimum-%s" % _name))
CASES.append(pytest.param(raw_request("guest-fstrim", b'{"minimum": "x", "other": 1}', b'"i"'),
                          id="guest-fstrim-wrong-type-and-unexpected"))


@pytest.mark.parametrize("payload", CASES)
def test_fs_argument_errors_match(pair, payload):
    check_same_error(pair, payload)
