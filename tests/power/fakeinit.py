"""PID 1 of a throwaway PID+mount namespace: an init system's look-alike that records what it is asked.

Run by the power tests as
    unshare --pid --fork --mount-proc --mount --kill-child -- python3 fakeinit.py
        --kind KIND --record FILE [--binary none|ok|fail] [--exec] -- AGENT ARGS...

It refuses to do anything unless it really is PID 1 of a new namespace, hides
the machine's /run and /usr/sbin (so no real init socket, FIFO or shutdown
binary is reachable), then takes on the traits the agent looks for:

  systemd        comm "systemd", SIGRTMIN+3/+4/+5 caught, /run/systemd/system
  sysvinit       comm "init", /run/initctl FIFO read as sysvinit reads it
  busybox        comm "init", SIGUSR1/SIGUSR2/SIGTERM caught, no FIFO
  openrc         comm "openrc-init", /run/openrc/init.ctl FIFO read to its end
  busybox-shell  comm "init" and nothing caught: a shell running an initramfs
  unknown        comm "fakeinit"

Every line of the record file is one event: "ready", "signal <number>",
"initctl <384 bytes in hex>", "openrc <text>", "shutdown-binary <args>",
"agent-exit <status>", or "refused <why>". With --exec the agent replaces this
process and is PID 1 itself.
"""
import argparse
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time

NAMES = {
    "systemd": "systemd",
    "sysvinit": "init",
    "busybox": "init",
    "busybox-shell": "init",
    "openrc": "openrc-init",
    "unknown": "fakeinit",
}
PR_SET_NAME = 15
MS_NOSUID = 2
MS_NODEV = 4
INITCTL = "/run/initctl"
OPENRC_FIFO = "/run/openrc/init.ctl"
INIT_REQUEST_SIZE = 384

libc = ctypes.CDLL(None, use_errno=True)
record_lock = threading.Lock()


def record(path, line):
    with record_lock:
        with open(path, "a") as f:
            f.write(line + "\n")
            f.flush()


def tmpfs_over(path):
    if libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755") != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs on " + path)


def read_sysvinit_requests(fd, rec):
    """sysvinit keeps its FIFO open read-write and reads one request at a time."""
    while True:
        select.select([fd], [], [])
        try:
            data = os.read(fd, INIT_REQUEST_SIZE)
        except BlockingIOError:
            continue
        record(rec, "initctl " + data.hex())


def read_openrc_commands(rec):
    """openrc-init opens its FIFO for reading (blocking) and reads to the end."""
    while True:
        with open(OPENRC_FIFO, "rb") as f:
            data = f.read()
        record(rec, "openrc " + data.decode("ascii", "replace"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", required=True, choices=sorted(NAMES))
    parser.add_argument("--record", required=True)
    parser.add_argument("--binary", default="none", choices=["none", "ok", "fail"])
    parser.add_argument("--exec", action="store_true")
    parser.add_argument("--uid", type=int)
    parser.add_argument("agent", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    rec = args.record
    agent = args.agent[1:] if args.agent[:1] == ["--"] else args.agent

    # The guard: a process that unshare just started can only be PID 1 when
    # the namespace is new, so nothing below can reach the machine's own init.
    if os.getpid() != 1:
        record(rec, "refused not pid 1 (pid %d)" % os.getpid())
        return 97

    tmpfs_over("/run")
    tmpfs_over("/usr/sbin")
    if os.listdir("/run") or os.listdir("/usr/sbin") or os.path.exists("/sbin/shutdown"):
        record(rec, "refused the machine's /run or /usr/sbin still shows")
        return 96
    if args.binary != "none":
        with open("/usr/sbin/shutdown", "w") as f:
            f.write("#!/bin/sh\nprintf 'shutdown-binary %%s\\n' \"$*\" >> '%s'\nexit %d\n"
                    % (rec, 0 if args.binary == "ok" else 1))
        os.chmod("/usr/sbin/shutdown", 0o755)

    if libc.prctl(PR_SET_NAME, NAMES[args.kind].encode(), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl")

    def on_signal(signo, frame):
        record(rec, "signal %d" % signo)

    if args.kind == "systemd":
        os.makedirs("/run/systemd/system")
        for n in (3, 4, 5):
            signal.signal(signal.SIGRTMIN + n, on_signal)
    elif args.kind == "busybox":
        for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
            signal.signal(s, on_signal)
    elif args.kind == "sysvinit":
        os.mkfifo(INITCTL, 0o600)
        fd = os.open(INITCTL, os.O_RDWR | os.O_NONBLOCK)
        threading.Thread(target=read_sysvinit_requests, args=(fd, rec), daemon=True).start()
    elif args.kind == "openrc":
        os.makedirs(os.path.dirname(OPENRC_FIFO))
        os.mkfifo(OPENRC_FIFO, 0o600)
        threading.Thread(target=read_openrc_commands, args=(rec,), daemon=True).start()
    elif args.kind == "busybox-shell":
        # A shell catches none of busybox init's signals; Python's own
        # SIGINT handler is not one of them either.
        pass

    record(rec, "ready")
    if args.exec:
        os.execv(agent[0], agent)

    def drop_privileges():
        if args.uid is not None:
            os.setgroups([])
            os.setgid(args.uid)
            os.setuid(args.uid)

    child = subprocess.Popen(agent, stdin=subprocess.DEVNULL, preexec_fn=drop_privileges)
    # An init reaps every orphan, and lives on after its children.
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if pid == child.pid:
            record(rec, "agent-exit %d" % os.waitstatus_to_exitcode(status))
        if pid == 0:
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
