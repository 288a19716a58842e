#!/usr/bin/python3
"""Boot a test guest by hand: time the boot, ping the agent, and measure its
CPU use while the host is disconnected.  For debugging and for comparing
agents (e.g. Debian's qemu-ga); the pytest suite asserts, this only reports.

    /usr/bin/python3 tests/vm/boot.py /usr/sbin/qemu-ga [-- -v]
    /usr/bin/python3 tests/vm/boot.py build/src/streamga --hold
"""
import argparse
import time

from guestvm import GuestVM


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("agent", help="agent binary to run in the guest")
    ap.add_argument("agent_args", nargs="*", help="extra agent arguments (after --)")
    ap.add_argument("--workdir", help="keep console.log, qga.sock etc. here")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds to stay disconnected")
    ap.add_argument("--hold", action="store_true",
                    help="keep the guest running until Ctrl-C (connect to qga.sock yourself)")
    a = ap.parse_intermixed_args()

    with GuestVM(a.agent, a.agent_args, workdir=a.workdir) as vm:
        print("booted in %.1f s; workdir %s; agent pid %d"
              % (vm.boot_seconds, vm.workdir, vm.agent_pid))
        t = time.monotonic()
        with vm.connect() as conn:
            print("first sync after %.2f s" % (time.monotonic() - t))
            print("guest-ping ->", conn.call("guest-ping"))
        before = vm.agent_cpu()
        time.sleep(a.idle)
        after = vm.agent_cpu()
        print("agent while disconnected for ~%.0f s: %d CPU ticks, %d context switches"
              % (a.idle, after.ticks - before.ticks, after.switches - before.switches))
        t = time.monotonic()
        with vm.connect() as conn:
            print("resync after reconnect took %.2f s" % (time.monotonic() - t))
            print("guest-ping ->", conn.call("guest-ping"))
        if a.hold:
            print("holding; socket %s, console %s" % (vm.socket_path, vm.console_path))
            try:
                while vm.running():
                    time.sleep(1)
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
