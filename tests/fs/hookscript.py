"""A fsfreeze hook for the tests, written into the test's directory.

It records each call (its argument, and whether the test ext4 was frozen at
that moment, probed with FIFREEZE from inside the agent's mount namespace),
prints a line on stdout and one on stderr, then exits with the status the
environment asks for (HOOK_FREEZE_STATUS / HOOK_THAW_STATUS), or kills itself
(status "kill").
"""
import json
import os

HOOK = r'''#!/usr/bin/python3
import errno, fcntl, json, os, signal, sys
arg = sys.argv[1] if len(sys.argv) > 1 else None
frozen = None
probe = os.environ.get("HOOK_PROBE")
if probe:
    fd = os.open(probe, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, 0xC0045877, 0)          # FIFREEZE
        fcntl.ioctl(fd, 0xC0045878, 0)          # FITHAW: it was not frozen
        frozen = False
    except OSError as e:
        frozen = e.errno == errno.EBUSY
    os.close(fd)
with open(os.environ["HOOK_RECORD"], "a") as f:
    f.write(json.dumps({"arg": arg, "argc": len(sys.argv), "frozen": frozen}) + "\n")
print("hook says %s on stdout" % arg, flush=True)
print("hook complains %s on stderr" % arg, file=sys.stderr, flush=True)
status = os.environ.get("HOOK_%s_STATUS" % (arg or "").upper(), "0")
if status == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
sys.exit(int(status))
'''


def write_hook(directory):
    """The hook's path and the file it records its calls in."""
    path = os.path.join(str(directory), "fsfreeze-hook")
    with open(path, "w") as f:
        f.write(HOOK)
    os.chmod(path, 0o755)
    return path, os.path.join(str(directory), "hook-record")


def hook_calls(record):
    if not os.path.exists(record):
        return []
    with open(record) as f:
        return [json.loads(line) for line in f]
