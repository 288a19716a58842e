"""utmp files as glibc writes them: struct utmpx records, for the guest-get-users tests."""
import struct

# glibc's struct utmpx on x86_64 (<bits/utmpx.h>), 384 bytes: type, pid, line,
# id, user, host, exit status, session, tv (32-bit seconds and microseconds),
# address, reserved.
UTMPX = struct.Struct("=h2xi32s4s32s256shhiii4i20s")
USER_PROCESS = 7
LOGIN_PROCESS = 6
DEAD_PROCESS = 8
BOOT_TIME = 2
assert UTMPX.size == 384


def utmpx_record(ut_type, user, sec, usec, line="pts/0", pid=1000):
    raw_user = user.encode() if isinstance(user, str) else user
    return UTMPX.pack(ut_type, pid, line.encode(), b"ts/0", raw_user, b"host", 0, 0, 0, sec, usec,
                      0, 0, 0, 0, b"")
