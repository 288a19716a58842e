"""A private network namespace for tests: interfaces and routes made for the test alone.

A holder process (`unshare --net sleep`) keeps the namespace alive; commands and
agents enter it with nsenter, so the test process itself stays in the machine's
namespace. Agents run through a small wrapper script that execs nsenter, which
execs the agent: the pid a test signals is the agent's own. Needs root.
"""
import json
import os
import stat
import subprocess
import time

# How long setting up the namespace and its interfaces may take.
SETUP_TIMEOUT = 20.0
# Two identical readings this far apart mean the namespace's addresses have settled.
SETTLE_INTERVAL = 0.2


class NetNamespace:
    def __init__(self):
        self.holder = subprocess.Popen(["unshare", "--net", "--", "sleep", "infinity"],
                                       stdin=subprocess.DEVNULL)
        self.path = "/proc/%d/ns/net" % self.holder.pid
        mine = os.readlink("/proc/self/ns/net")
        deadline = time.monotonic() + SETUP_TIMEOUT
        # unshare enters the namespace after it starts: wait until its pid is in a new one.
        while True:
            if self.holder.poll() is not None:
                raise RuntimeError("unshare --net exited with %s" % self.holder.returncode)
            try:
                if os.readlink(self.path) != mine and self._sleeping():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("unshare --net did not enter a new namespace")
            time.sleep(0.01)

    def _sleeping(self):
        with open("/proc/%d/comm" % self.holder.pid) as f:
            return f.read().strip() == "sleep"

    def run(self, *args, check=True):
        """Run a command inside the namespace; returns its stdout (text)."""
        return subprocess.run(["nsenter", "--net=" + self.path, "--", *args], check=check,
                              capture_output=True, text=True, timeout=SETUP_TIMEOUT).stdout

    def script(self, text):
        """Run each non-empty line of text as a command inside the namespace."""
        for line in text.strip().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                self.run(*line.split())

    def sysctl(self, key, value):
        """Set a per-namespace kernel setting (dotted key) by writing /proc/sys from inside."""
        path = "/proc/sys/" + key.replace(".", "/")
        self.run("sh", "-c", 'echo "$1" > "$2"', "sh", str(value), path)

    def ip_json(self, *args):
        return json.loads(self.run("ip", "-j", *args) or "[]")

    def settle(self):
        """Wait until the addresses stop changing (kernel-made link-local ones included)."""
        deadline = time.monotonic() + SETUP_TIMEOUT
        last = None
        while True:
            now = self.ip_json("addr")
            tentative = any("tentative" in a for i in now for a in i.get("addr_info", []))
            if now == last and not tentative:
                return now
            if time.monotonic() > deadline:
                raise RuntimeError("addresses still changing: %r" % now)
            last = now
            time.sleep(SETTLE_INTERVAL)

    def wrapper(self, binary, directory):
        """An executable that runs binary (with its arguments) inside the namespace."""
        os.makedirs(str(directory), exist_ok=True)
        path = os.path.join(str(directory), "in-netns-" + os.path.basename(binary))
        with open(path, "w") as f:
            f.write('#!/bin/sh\nexec nsenter --net=%s -- %s "$@"\n' % (self.path, binary))
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    def close(self):
        if self.holder.poll() is None:
            self.holder.kill()
        self.holder.wait(timeout=SETUP_TIMEOUT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Interfaces and routes of the test namespace: veth pair, a tun device (no hardware
# address), a bridge without addresses, an IPv4 label ("v0:1", listed apart by
# getifaddrs), IPv4 and IPv6 addresses of several prefix lengths, and routes with a
# gateway, a metric, window/advmss/rtt, a blackhole and a source-specific IPv6 one.
# TEST_SYSCTLS come first: DAD and router solicitations off, so that nothing
# changes after setup.
TEST_SYSCTLS = {
    "net.ipv6.conf.default.accept_dad": 0,
    "net.ipv6.conf.all.accept_dad": 0,
    "net.ipv6.conf.default.router_solicitations": 0,
}
TEST_NETWORK = """
ip link set lo up
ip link add v0 type veth peer name v1
ip link set v0 up
ip link set v1 up
ip addr add 10.1.2.3/24 dev v0
ip addr add 10.1.2.4/16 dev v0 label v0:1
ip addr add 10.7.0.1/32 dev v0
ip -6 addr add fd01::5/64 dev v0 nodad
ip -6 addr add fd01::6/128 dev v0 nodad
ip addr add 10.5.0.1 peer 10.5.0.2/32 dev v1
ip -6 addr add 2001:db8:1::1/56 dev v1 nodad
ip tuntap add tun0 mode tun
ip link set tun0 up
ip addr add 10.3.0.1/30 dev tun0
ip link add br0 type bridge
ip route add 10.9.0.0/16 via 10.1.2.1 metric 7
ip route add 10.10.0.0/16 dev v0 window 1000 advmss 1360 rtt 30
ip route add blackhole 10.11.0.0/16
ip route add default via 10.1.2.254
ip -6 route add fd09::/48 via fd01::1 dev v0 metric 9
ip -6 route add default via fd01::1 dev v0
ip -6 route add 2001:db8::/32 from fd01::/64 dev v0
"""


def prepared_namespace():
    """A NetNamespace set up with TEST_SYSCTLS and TEST_NETWORK, its addresses settled."""
    ns = NetNamespace()
    try:
        for key, value in TEST_SYSCTLS.items():
            ns.sysctl(key, value)
        ns.script(TEST_NETWORK)
        ns.settle()
    except BaseException:
        ns.close()
        raise
    return ns


def is_root():
    return os.geteuid() == 0
