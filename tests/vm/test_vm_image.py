"""The range image: the static agent in a guest with busybox init, started by init/'s LSB script.

What a range builder makes: busybox, the fully static streamga (build-static,
whatever --builds says) and init/sysvinit/streamga as /etc/init.d/streamga,
run by rcS under busybox init; nothing else, no libc. One guest, shared by
the module (a TCG boot costs seconds), with a virtio-net NIC on QEMU's user
network. The guest-exec, reconnect and clock checks that test_virtio_*.py run
against the --builds agent under a shell PID 1 are imported from there and
run here against this guest (their `guest`/`utc_guest` fixtures resolve to the
ones below); the rest is what only this image shows. Shutdown, reboot and
respawn end or restart the agent, so they boot their own guests
(test_vm_image_lifecycle.py). Measurements are printed (-s), never asserted.
"""
import hashlib
import json
import os
import re
import subprocess
import time

import pytest

import test_virtio_clock
import test_virtio_exec
import test_virtio_serial
from guestvm import GuestVM, require_qemu
from kernel import get_kernel
from test_virtio_exec import assert_exit, run

pytestmark = pytest.mark.vm

REPLY_TIMEOUT = 60.0
# streamga-host push/pull of 64 MiB: 20-40 MB/s here, far less on a loaded machine.
TRANSFER_TIMEOUT = 600
TRANSFER_MIB = 64
GUEST_FILE = "/tmp/sga-transfer"

# The NIC as QEMU is told to make it; user networking gives the guest 10.0.2.15/24.
MAC = "52:54:00:5a:47:01"
GUEST_IP = "10.0.2.15"
GUEST_PREFIX = 24
NIC_ARGS = ["-netdev", "user,id=net0",
            "-device", "virtio-net-pci,netdev=net0,mac=%s" % MAC]
# Sourced by the guest's set-up before the agent starts; no udev, so eth0
# keeps its kernel name.
NET_SETUP = ("""
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ip link set eth0 up && ip addr add %s/%d dev eth0 || echo "SGA-NET-FAILED"
""" % (GUEST_IP, GUEST_PREFIX)).encode()

OS_RELEASE = {
    "NAME": "streamga range image",
    "ID": "sga-range",
    "PRETTY_NAME": "streamga range image 1.0 (test)",
    "VERSION": "1.0 (test)",
    "VERSION_ID": "1.0",
    "VARIANT": "VM test",
    "VARIANT_ID": "vm-test",
}
OS_RELEASE_FILE = "".join('%s="%s"\n' % kv for kv in OS_RELEASE.items()).encode()

# Filled by the guest fixture, printed by test_measurements.
measured = {}


@pytest.fixture(scope="module")
def guest(static_agent_binary, tmp_path_factory):
    """The image booted once; QEMU start to the first guest-ping reply is measured here."""
    require_qemu()
    vm = GuestVM(static_agent_binary, init="busybox", workdir=tmp_path_factory.mktemp("vm"),
                 modules=("virtio_net",), qemu_args=NIC_ARGS,
                 extra_files={"/etc/sga/pre-agent.sh": NET_SETUP,
                              "/etc/os-release": OS_RELEASE_FILE})
    vm.start()
    try:
        with vm.connect() as conn:
            reply = conn.call("guest-ping", timeout=REPLY_TIMEOUT)
            measured["first_ping"] = time.monotonic() - vm.started_at
        assert reply == {"return": {}}, reply
        assert "SGA-NET-FAILED" not in vm.console_text(), vm.console_tail()
        print("busybox init + static agent: QEMU start to the first guest-ping reply %.2f s"
              % measured["first_ping"])
        yield vm
        assert "SGA-AGENT-EXITED" not in vm.console_text(), \
            "the agent exited in the guest:\n" + vm.console_tail()
    finally:
        vm.stop()


@pytest.fixture(scope="module")
def utc_guest(guest):
    """The clock tests' guest: this one (its RTC keeps UTC, no /etc/adjtime)."""
    return guest


def guest_sh(guest, script, timeout=REPLY_TIMEOUT):
    """A busybox sh script run through guest-exec: its stdout; it must exit 0."""
    with guest.connect() as conn:
        out, err, status = run(conn, script, timeout=timeout)
    assert_exit(status, 0)
    assert err == b"", err
    return out.decode()


def host_tool(host_binary, guest, *args, options=(), timeout=REPLY_TIMEOUT):
    """streamga-host [options] on the guest's socket; the completed process (text)."""
    return subprocess.run([host_binary, "-t", str(timeout)] + list(options) +
                          [guest.socket_path] + list(args),
                          capture_output=True, text=True, timeout=timeout + 30,
                          stdin=subprocess.DEVNULL)


def test_agent_is_the_init_scripts_under_busybox_init(guest):
    """PID 1 is busybox init; the agent is the one /etc/init.d/streamga started."""
    out = guest_sh(guest, "tr '\\0' ' ' </proc/1/cmdline; echo; readlink /proc/1/exe; "
                          "echo $PPID; cat /run/streamga.pid; /etc/init.d/streamga status")
    cmdline, exe, agent, pidfile, status = out.splitlines()
    # busybox init overwrites its argv[0] ("/init") with "init"
    assert (cmdline.split(), exe) == (["init"], "/bin/busybox")
    # $PPID of a guest-exec program is the agent that ran it
    assert int(agent) == guest.agent_pid
    assert int(pidfile) == guest.agent_pid
    assert status == "streamga is running (pid %d)" % guest.agent_pid
    assert "streamga started" in guest.console_text()


def test_measurements(guest, static_agent_binary, tmp_path):
    """The figures the range builders ask for, printed with -s; RSS at rest, before the transfers."""
    status = guest_sh(guest, "cat /proc/%d/status" % guest.agent_pid)
    m = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.M)
    assert m, status
    rss_kb = int(m.group(1))
    stripped = tmp_path / "streamga"
    subprocess.run(["strip", "-o", str(stripped), static_agent_binary], check=True, timeout=60)
    size = os.path.getsize(stripped)
    assert rss_kb > 0 and size > 0
    print("QEMU start to first guest-ping reply: %.2f s; agent VmRSS in the guest: %d kB; "
          "static streamga stripped: %d bytes (%.2f MiB)"
          % (measured["first_ping"], rss_kb, size, size / 2**20))


def test_ping_and_osinfo(guest, static_host_binary):
    with guest.connect() as conn:
        assert conn.call("guest-ping", id="p", timeout=REPLY_TIMEOUT) == {"return": {}, "id": "p"}
    ping = host_tool(static_host_binary, guest, "ping")
    assert ping.returncode == 0, ping.stderr
    res = host_tool(static_host_binary, guest, "osinfo", options=["--json"])
    assert res.returncode == 0, res.stderr
    osinfo = json.loads(res.stdout)
    release, version, machine = guest_sh(guest, "uname -r; uname -v; uname -m").splitlines()
    assert release == get_kernel().release
    assert osinfo == {
        "kernel-release": release, "kernel-version": version, "machine": machine,
        "id": OS_RELEASE["ID"], "name": OS_RELEASE["NAME"],
        "pretty-name": OS_RELEASE["PRETTY_NAME"], "version": OS_RELEASE["VERSION"],
        "version-id": OS_RELEASE["VERSION_ID"], "variant": OS_RELEASE["VARIANT"],
        "variant-id": OS_RELEASE["VARIANT_ID"],
    }


def test_push_and_pull_64_mib(guest, static_host_binary, tmp_path):
    """streamga-host push and pull; the guest's sha256sum checks what arrived."""
    data = os.urandom(TRANSFER_MIB << 20)
    want = hashlib.sha256(data).hexdigest()
    up, down = tmp_path / "up.bin", tmp_path / "down.bin"
    up.write_bytes(data)
    try:
        t = time.monotonic()
        res = host_tool(static_host_binary, guest, "push", str(up), GUEST_FILE,
                        timeout=TRANSFER_TIMEOUT)
        push_s = time.monotonic() - t
        assert res.returncode == 0, res.stderr
        out = guest_sh(guest, "sha256sum %s; stat -c %%s %s" % (GUEST_FILE, GUEST_FILE))
        guest_sha, size = out.split()[0], int(out.split()[2])
        assert (guest_sha, size) == (want, len(data))
        t = time.monotonic()
        res = host_tool(static_host_binary, guest, "pull", GUEST_FILE, str(down),
                        timeout=TRANSFER_TIMEOUT)
        pull_s = time.monotonic() - t
        assert res.returncode == 0, res.stderr
        got = down.read_bytes()
        assert len(got) == len(data)
        assert hashlib.sha256(got).hexdigest() == want
        print("%d MiB: push %.1f s (%.1f MB/s), pull %.1f s (%.1f MB/s)"
              % (TRANSFER_MIB, push_s, len(data) / push_s / 1e6, pull_s, len(data) / pull_s / 1e6))
    finally:
        # the guest's root is RAM
        guest_sh(guest, "rm -f %s" % GUEST_FILE)


def test_network_interfaces(guest):
    with guest.connect() as conn:
        reply = conn.call("guest-network-get-interfaces", timeout=REPLY_TIMEOUT)
    assert "return" in reply, reply
    ifaces = {i["name"]: i for i in reply["return"]}
    # every interface the guest's kernel has, and only those
    assert sorted(ifaces) == sorted(guest_sh(guest, "ls /sys/class/net").split())
    eth0 = ifaces["eth0"]
    assert eth0["hardware-address"] == MAC
    assert {"ip-address-type": "ipv4", "ip-address": GUEST_IP,
            "prefix": GUEST_PREFIX} in eth0["ip-addresses"], eth0
    assert ifaces["lo"]["hardware-address"] == "00:00:00:00:00:00"




# -- checks shared with test_virtio_*.py, run here on this guest -----------------
# pytest collects these names in this module, where `guest` and `utc_guest` are
# the fixtures above: streaming guest-exec, the host leaving without the agent
# spinning and coming back, set-time with a value and from the RTC.

test_lines_arrive_while_the_program_runs = test_virtio_exec.test_lines_arrive_while_the_program_runs
test_host_disconnect_does_not_spin = test_virtio_serial.test_host_disconnect_does_not_spin
test_serves_again_when_host_returns = test_virtio_serial.test_serves_again_when_host_returns
test_time_goes_to_the_clock_and_the_rtc = test_virtio_clock.test_time_goes_to_the_clock_and_the_rtc
test_without_time_the_clock_comes_from_the_rtc = \
    test_virtio_clock.test_without_time_the_clock_comes_from_the_rtc
