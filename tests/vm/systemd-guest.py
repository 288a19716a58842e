#!/usr/bin/python3
"""Boot a Debian rootfs with systemd and the static streamga, by hand (not in CI).

    /usr/bin/python3 tests/vm/systemd-guest.py [--static-build build-static]

Builds (once, cached) a Debian rootfs with debootstrap, copies it, installs
the static streamga, init/systemd/streamga.service and init/udev/60-streamga.rules
into the copy, packs it into an ext4 image with mkfs.ext4 -d (no mounts on
the host) and boots it under qemu-system-x86_64 (TCG) with Debian's kernel
from the harness cache. No unit is enabled: udev starts the agent when its
virtio-serial port appears, through the rule. Then it checks that the agent
answers, that systemd runs it, that it comes back after `kill -9`
(Restart=always, RestartSec=5), and that guest-shutdown powers the guest off
through systemd. Prints timings; exits 0 when every check passed.

The kernel's drivers are modules, so a small busybox initramfs (GuestVM's,
with its pre-agent hook) loads virtio and ext4, mounts the disk and
switch_roots to its systemd; the agent copy in that initramfs never runs.
Needs root (debootstrap chroots), the network for the first run, and the
Debian packages debootstrap, e2fsprogs, qemu-system-x86, busybox-static.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from guestvm import ROOT, GuestVM  # noqa: E402
from kernel import cache_dir  # noqa: E402
from test_virtio_exec import assert_exit, run  # noqa: E402

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# minbase has no init; udev makes the port's device unit.
PACKAGES = "systemd-sysv,udev"
COMPLETE = ".complete"
BOOT_TIMEOUT = 600.0
REPLY_TIMEOUT = 60.0
# RestartSec=5 plus the start itself; generous for TCG.
RESPAWN_TIMEOUT = 120.0
DOWN_TIMEOUT = 180.0
IMAGE_SLACK_MB = 512

# GuestVM's initramfs sources this before it would start its own agent:
# instead it hands PID 1 over to the disk's systemd.
SWITCH_ROOT = b"""
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /newroot
if mount -t ext4 /dev/vda /newroot; then
    mount --move /dev /newroot/dev
    umount /sys /proc
    echo "SGA-SWITCH-ROOT"
    exec switch_root /newroot /sbin/init
fi
echo "SGA-ROOT-MOUNT-FAILED"
"""


def log(msg):
    print(msg, flush=True)


def rootfs(suite, mirror, rebuild):
    """The cached debootstrap tree for the suite, built on first use."""
    dest = os.path.join(cache_dir(), "debian-%s-rootfs" % suite)
    if os.path.exists(os.path.join(dest, COMPLETE)) and not rebuild:
        return dest
    if shutil.which("debootstrap") is None:
        sys.exit("debootstrap is not installed (apt-get install debootstrap)")
    os.makedirs(cache_dir(), exist_ok=True)
    shutil.rmtree(dest, ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix="rootfs-", dir=cache_dir())
    os.chmod(tmp, 0o755)    # it becomes the guest's /
    log("debootstrap %s from %s (takes minutes) ..." % (suite, mirror))
    t = time.monotonic()
    subprocess.run(["debootstrap", "--variant=minbase", "--include=" + PACKAGES, suite, tmp, mirror],
                   check=True, timeout=3600, stdout=subprocess.DEVNULL)
    log("debootstrap took %.0f s" % (time.monotonic() - t))
    os.rename(tmp, dest)
    open(os.path.join(dest, COMPLETE), "w").close()
    return dest


def configured(path):
    """An init/ file as meson configures it for prefix /usr."""
    with open(os.path.join(ROOT, path)) as f:
        return (f.read().replace("@SBINDIR@", "/usr/sbin")
                .replace("@DOCDIR@", "/usr/share/doc/streamga"))


def install(root, agent):
    def put(path, data, mode=0o644):
        full = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(data)
        os.chmod(full, mode)

    shutil.copyfile(agent, os.path.join(root, "usr/sbin/streamga"))
    os.chmod(os.path.join(root, "usr/sbin/streamga"), 0o755)
    put("/lib/systemd/system/streamga.service", configured("init/systemd/streamga.service.in"))
    put("/lib/udev/rules.d/60-streamga.rules", configured("init/udev/60-streamga.rules"))
    put("/etc/hostname", "sga-systemd\n")
    put("/etc/fstab", "/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    # Its prompts would wait for a console nobody types on.
    os.symlink("/dev/null", os.path.join(root, "etc/systemd/system/systemd-firstboot.service"))


def make_image(tree, image):
    used = int(subprocess.run(["du", "-sm", tree], check=True, capture_output=True, text=True,
                              timeout=600).stdout.split()[0])
    with open(image, "wb") as f:
        f.truncate((used + IMAGE_SLACK_MB) << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "sga-root", "-d", tree, image], check=True,
                   timeout=600)


def sh(vm, script):
    with vm.connect(timeout=REPLY_TIMEOUT) as conn:
        out, err, status = run(conn, script)
    assert_exit(status, 0)
    return out.decode()


def service(vm, prop):
    return sh(vm, "systemctl show -p %s --value streamga.service" % prop).strip()


def answering_agent_changes(vm, old_pid):
    """When an agent other than old_pid first answers (guest-exec's $PPID).

    Until the kill lands, the old agent may still answer, or die between a
    guest-exec and its status (the new one then knows no such pid): retried.
    """
    deadline = time.monotonic() + RESPAWN_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with vm.connect(timeout=10) as conn:
                out, _, status = run(conn, "echo $PPID", timeout=10)
            if status.get("exitcode") == 0 and out.strip() != old_pid.encode():
                return time.monotonic()
        except (AssertionError, TimeoutError, EOFError, OSError):
            pass    # VMError (an AssertionError) once QEMU is gone ends the wait below
        if not vm.running():
            vm.fail("QEMU exited while waiting for the agent to come back")
        time.sleep(0.2)
    vm.fail("no new agent answered within %.0f s of the kill" % RESPAWN_TIMEOUT)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--static-build", default=os.path.join(ROOT, "build-static"),
                    help="meson build with -Dstatic=true (default: build-static)")
    ap.add_argument("--suite", default=SUITE)
    ap.add_argument("--mirror", default=MIRROR)
    ap.add_argument("--rebuild-rootfs", action="store_true", help="debootstrap again")
    ap.add_argument("--workdir", help="keep the image, console.log, qga.sock here")
    a = ap.parse_args()

    agent = os.path.join(a.static_build, "src", "streamga")
    ldd = subprocess.run(["ldd", agent], capture_output=True, text=True)
    if "not a dynamic executable" not in ldd.stdout + ldd.stderr:
        sys.exit("%s: not a static streamga (meson setup build-static -Dstatic=true)" % agent)
    started = time.monotonic()
    base = rootfs(a.suite, a.mirror, a.rebuild_rootfs)
    workdir = os.path.abspath(a.workdir or tempfile.mkdtemp(prefix="streamga-systemd-"))
    os.makedirs(workdir, exist_ok=True)
    tree, image = os.path.join(workdir, "root"), os.path.join(workdir, "root.img")
    shutil.rmtree(tree, ignore_errors=True)
    subprocess.run(["cp", "-a", base, tree], check=True, timeout=600)
    os.unlink(os.path.join(tree, COMPLETE))
    install(tree, agent)
    make_image(tree, image)
    shutil.rmtree(tree)
    log("image %s ready after %.0f s" % (image, time.monotonic() - started))

    vm = GuestVM(agent, workdir=workdir, memory=1024, boot_timeout=BOOT_TIMEOUT,
                 modules=("virtio_blk", "crc32c_generic", "ext4"),
                 qemu_args=["-drive", "file=%s,if=none,id=root,format=raw" % image,
                            "-device", "virtio-blk-pci,drive=root"],
                 extra_files={"/etc/sga/pre-agent.sh": SWITCH_ROOT})
    failures = []
    vm.start(wait=False)
    try:
        vm.wait_console(r"SGA-SWITCH-ROOT|SGA-ROOT-MOUNT-FAILED", BOOT_TIMEOUT)
        if "SGA-ROOT-MOUNT-FAILED" in vm.console_text():
            vm.fail("the initramfs could not mount the root disk")
        with vm.connect(timeout=BOOT_TIMEOUT) as conn:
            ping = conn.call("guest-ping", timeout=REPLY_TIMEOUT)
        log("QEMU start to first guest-ping reply under systemd: %.1f s (%s)"
            % (time.monotonic() - vm.started_at, ping))
        with vm.connect() as conn:
            osinfo = conn.call("guest-get-osinfo", timeout=REPLY_TIMEOUT)["return"]
        log("osinfo: %s" % json.dumps(osinfo))
        if osinfo.get("id") != "debian":
            failures.append("osinfo id is not debian: %r" % osinfo)

        init, agent_pid, parent = sh(vm, "readlink /proc/1/exe; echo $PPID; "
                                         "cut -d' ' -f4 /proc/$PPID/stat").split()
        main_pid = service(vm, "MainPID")
        log("PID 1 %s; agent pid %s (parent %s), streamga.service MainPID %s"
            % (init, agent_pid, parent, main_pid))
        if not init.endswith("/systemd") or main_pid != agent_pid or parent != "1":
            failures.append("the agent is not streamga.service's main process under systemd")

        with vm.connect() as conn:
            conn.send(json.dumps({"execute": "guest-exec", "arguments": {
                "path": "/bin/sh", "arg": ["-c", "kill -9 $PPID"]}}))
            killed = time.monotonic()
        back = answering_agent_changes(vm, agent_pid) - killed
        new_pid, restarts = service(vm, "MainPID"), service(vm, "NRestarts")
        log("after kill -9 of %s: answering again after %.1f s, MainPID %s, NRestarts %s"
            % (agent_pid, back, new_pid, restarts))
        if new_pid == agent_pid or restarts != "1":
            failures.append("systemd did not restart the agent once")

        with vm.connect() as conn:
            mark = vm.console_offset()
            conn.send(json.dumps({"execute": "guest-shutdown", "arguments": {"mode": "powerdown"}}))
            down = time.monotonic()
            try:
                status = vm.proc.wait(DOWN_TIMEOUT)
                log("guest-shutdown: QEMU exited with %s after %.1f s" % (status, time.monotonic() - down))
            except subprocess.TimeoutExpired:
                failures.append("QEMU still runs %.0f s after guest-shutdown" % DOWN_TIMEOUT)
        # systemd's own last step, not the agent's reboot(2) fallback
        if "systemd-shutdown[1]: Powering off." not in vm.console_text()[mark:]:
            failures.append("the guest did not power off through systemd")
    finally:
        vm.stop()
    log("total %.0f s; console: %s" % (time.monotonic() - started, vm.console_path))
    for f in failures:
        log("FAILED: " + f)
    log("OK" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
