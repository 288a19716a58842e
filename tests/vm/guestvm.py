"""Boot a real Linux guest under QEMU (TCG) with a guest agent on virtio-serial.

The guest is Debian's kernel plus a generated initramfs holding busybox, the
virtio modules, the set-up scripts and the agent binary with its shared
libraries.  PID 1 is either a busybox shell running init.sh, which starts the
agent itself (init="shell", the default), or busybox init, whose rcS starts it
with the LSB script from init/sysvinit (init="busybox") or whose inittab runs
it with the respawn line from init/busybox (init="busybox-respawn").  The
agent's virtio-serial port org.qemu.guest_agent.0 is a unix socket on the host
(QEMU is the listening side, as under libvirt); the serial console goes to a
file that every wait reads, so a failing test can show what the guest said.

TCG only: KVM guests hang at boot on the project's machines.
"""
import collections
import ctypes
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))

from agentproc import AgentConnection  # noqa: E402
from initramfs import CONSOLE, Initramfs  # noqa: E402
from kernel import get_kernel  # noqa: E402

QEMU = "qemu-system-x86_64"
BUSYBOX = "/bin/busybox"
PORT_NAME = "org.qemu.guest_agent.0"
# The agent port's QEMU device id, for hot-unplug tests through QMP.
PORT_ID = "qgaport"
GUEST_PORT = "/dev/virtio-ports/" + PORT_NAME
# Where the agent is installed in the guest: the init files' @SBINDIR@.
GUEST_SBINDIR = "/usr/sbin"
LSB_SCRIPT_IN = os.path.join(ROOT, "init", "sysvinit", "streamga.in")
RESPAWN_LINE_IN = os.path.join(ROOT, "init", "busybox", "inittab.streamga.in")
INIT_MODES = ("shell", "busybox", "busybox-respawn")
# virtio_pci finds the devices, virtio_console makes the ports; both are
# modules (not built in) in Debian's 6.1 kernel, with virtio/virtio_ring below.
BASE_MODULES = ("virtio_pci", "virtio_console")
# The end of a line the guest printed: its newline, or a kernel message the
# console wrote in before it (the tty layer sends a line's text and its "\r\n"
# separately, and printk can come between them).
EOL = r"(?=\n|\[)"
# Generous: a TCG boot takes seconds here, but TCG slows down far more than
# the load would suggest: with ten CPU hogs on the 2-core machine a boot took 100 s.
BOOT_TIMEOUT = 300.0
CONSOLE_TAIL = 6000
PR_SET_PDEATHSIG = 1

# utime+stime in clock ticks (10 ms), context switches of all the agent's
# threads, and the console offset just after the sample's line.
CpuSample = collections.namedtuple("CpuSample", "ticks switches end")


class VMError(AssertionError):
    """A guest that did not do what was waited for; the message carries its console."""


class GuestVM:
    """One QEMU guest running `agent_binary` on the agent's virtio-serial port.

    init chooses PID 1 and who starts the agent (see the module's docstring);
    under busybox init the agent is installed as /usr/sbin/streamga and runs
    with its built-in defaults (virtio-serial on org.qemu.guest_agent.0).
    agent_args are appended to "-m virtio-serial -p <port>" (init="shell"), to
    STREAMGA_ARGS in /etc/default/streamga (init="busybox": words without
    spaces or quotes, as the script splits them) or to the inittab line
    (init="busybox-respawn").  extra_files maps
    guest paths to host paths (copied, mode kept) or bytes (mode 0644); a file
    /etc/sga/pre-agent.sh among them is sourced by init before the agent starts.
    modules names extra kernel modules to load (dependencies are resolved).
    qemu_args are appended to the QEMU command line (e.g. a -drive).
    no_reboot=True makes a guest reboot end QEMU, so a reboot test can see it.
    """

    def __init__(self, agent_binary, agent_args=(), workdir=None, extra_files=None,
                 modules=(), qemu_args=(), no_reboot=True, memory=512,
                 boot_timeout=BOOT_TIMEOUT, hostname="sga-guest", init="shell"):
        if init not in INIT_MODES:
            raise ValueError("init must be one of %s, not %r" % (", ".join(INIT_MODES), init))
        self.init = init
        self.agent_binary = os.path.abspath(agent_binary)
        self.agent_args = list(agent_args)
        self.workdir = os.path.abspath(workdir or tempfile.mkdtemp(prefix="streamga-vm-"))
        self.extra_files = dict(extra_files or {})
        self.modules = list(BASE_MODULES) + list(modules)
        self.qemu_args = list(qemu_args)
        self.no_reboot = no_reboot
        self.memory = memory
        self.boot_timeout = boot_timeout
        self.hostname = hostname
        self.socket_path = os.path.join(self.workdir, "qga.sock")
        self.qmp_path = os.path.join(self.workdir, "qmp.sock")
        self.console_path = os.path.join(self.workdir, "console.log")
        self.qemu_log_path = os.path.join(self.workdir, "qemu.log")
        self.initrd_path = os.path.join(self.workdir, "initramfs.cpio")
        self.proc = None
        self.agent_pid = None
        self.boot_seconds = None
        self.started_at = None   # time.monotonic() when QEMU was started
        for p in (self.socket_path, self.qmp_path, self.console_path):
            # QEMU splits option values on ','; sun_path holds 107 bytes.
            if "," in p or len(p.encode()) > 107:
                raise ValueError("unusable workdir for QEMU paths: %s" % p)

    # -- lifecycle ---------------------------------------------------------

    def start(self, wait=True):
        """Boot; with wait=True, return once the guest says the agent started.

        wait=False returns as soon as QEMU runs (a caller timing the boot
        waits itself, e.g. with connect()).
        """
        os.makedirs(self.workdir, exist_ok=True)
        kernel = get_kernel()
        self._build_initramfs(kernel)
        for p in (self.socket_path, self.qmp_path, self.console_path):
            if os.path.exists(p):
                os.unlink(p)
        cmd = [QEMU, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", str(self.memory),
               "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
               "-kernel", kernel.vmlinuz, "-initrd", self.initrd_path,
               # panic=-1: a dead init reboots at once, and with -no-reboot
               # QEMU exits, so waits fail fast instead of at their timeout.
               "-append", "console=ttyS0 panic=-1 rdinit=/init",
               "-serial", "file:" + self.console_path,
               "-chardev", "socket,id=qga,path=%s,server=on,wait=off" % self.socket_path,
               "-device", "virtio-serial-pci,id=vser",
               "-device", "virtserialport,bus=vser.0,chardev=qga,id=%s,name=%s" % (PORT_ID, PORT_NAME),
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if self.no_reboot:
            cmd.append("-no-reboot")
        cmd += self.qemu_args
        self._qemu_log = open(self.qemu_log_path, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._qemu_log,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        if wait:
            try:
                self.agent_pid = self.wait_agent_started(0)
            except BaseException:
                self.stop()
                raise
            self.boot_seconds = time.monotonic() - self.started_at
        return self

    def wait_agent_started(self, start, timeout=None):
        """The pid in the first SGA-AGENT-STARTED after console offset `start`.

        Fails at once when the set-up failed (no port, a module that did not
        load, the init script's start failing): init starts the agent
        regardless, so that a test sees how it copes, but such a guest tests nothing.
        """
        m = self.wait_console(r"SGA-AGENT-STARTED pid=(\d+)" + EOL + "|SGA-INIT-SCRIPT-FAILED",
                              self.boot_timeout if timeout is None else timeout, start)
        if re.search(r"SGA-(NO-PORT|INSMOD-FAILED|INIT-SCRIPT-FAILED)", self.console_text()[start:]):
            self.fail("the guest set-up failed")
        return int(m.group(1))

    def stop(self):
        """Kill QEMU (idempotent).  Returns QEMU's exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()  # nothing in the guest is worth a clean shutdown
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass  # SIGKILL that is not delivered in 30 s leaves nothing we can do
        self._qemu_log.close()
        return self.proc.returncode

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _build_initramfs(self, kernel):
        ird = Initramfs()
        ird.chardev("/dev/console", *CONSOLE)
        for d in ("/proc", "/sys", "/tmp", "/run", "/var/run", "/var/lib", "/root"):
            ird.dir(d)
        # busybox-static's needs nothing more; Debian's dynamic one gets its libc.
        ird.elf_with_libs("/bin/busybox", BUSYBOX)
        # Scripts get their modes here, whatever mode the checkout gave them.
        ird.file("/etc/sga/setup.sh", _read(os.path.join(HERE, "guest-setup.sh")))
        ird.file("/etc/sga/monitor.sh", _read(os.path.join(HERE, "monitor.sh")), 0o755)
        if self.init == "shell":
            ird.file("/init", _read(os.path.join(HERE, "init.sh")), 0o755)
            guest_agent = GUEST_SBINDIR + "/" + os.path.basename(self.agent_binary)
            ird.elf_with_libs(guest_agent, self.agent_binary)
            argv = [guest_agent, "-m", "virtio-serial", "-p", GUEST_PORT] + self.agent_args
            ird.file("/etc/sga/agent.cmd", ("exec " + shlex.join(argv) + "\n").encode())
        else:
            self._add_busybox_init(ird)
        ird.file("/etc/sga/hostname", (self.hostname + "\n").encode())
        kos = kernel.modules_in_load_order(self.modules)
        for ko in kos:
            ird.host_file("/lib/modules/" + os.path.basename(ko), ko)
        ird.file("/etc/sga/modules",
                 "".join("/lib/modules/%s\n" % os.path.basename(k) for k in kos).encode())
        for path, src in self.extra_files.items():
            if isinstance(src, bytes):
                ird.file(path, src)
            else:
                ird.host_file(path, src)
        ird.write(self.initrd_path)

    def _add_busybox_init(self, ird):
        """busybox init as PID 1, with the agent started as an image would start it."""
        # The kernel runs /init; busybox picks its applet from argv[0]'s base
        # name, so this is busybox init (which then writes "init" over its
        # argv[0]): exe busybox, cmdline "init", as the agent's init detection
        # expects of busybox init.
        ird.symlink("/init", "/bin/busybox")
        ird.symlink("/bin/sh", "busybox")   # rcS's interpreter, before --install
        ird.file("/etc/init.d/rcS", _read(os.path.join(HERE, "rcS")), 0o755)
        ird.elf_with_libs(GUEST_SBINDIR + "/streamga", self.agent_binary)
        inittab = ["# busybox init in the test guest (tests/vm/guestvm.py)",
                   "::sysinit:/etc/init.d/rcS",
                   # after rcS, so it finds an agent the LSB script started at once
                   "::once:/etc/sga/monitor.sh"]
        if self.init == "busybox":
            ird.file("/etc/init.d/streamga", _substitute(_read(LSB_SCRIPT_IN)), 0o755)
            if self.agent_args:
                bad = [a for a in self.agent_args if re.search(r"[\s'\"\\$`]", a) or not a]
                if bad:
                    raise ValueError("the LSB script splits STREAMGA_ARGS on spaces: %r" % bad)
                ird.file("/etc/default/streamga",
                         ('STREAMGA_ARGS="%s"\n' % " ".join(self.agent_args)).encode())
            # What sysvinit's runlevel 0 and 6 would do: stop the service.
            inittab.append("::shutdown:/etc/init.d/streamga stop")
        else:
            for line in _substitute(_read(RESPAWN_LINE_IN)).decode().splitlines():
                if line.startswith("::respawn:") and self.agent_args:
                    line += " " + shlex.join(self.agent_args)
                inittab.append(line)
        ird.file("/etc/inittab", ("\n".join(inittab) + "\n").encode())

    # -- console -----------------------------------------------------------

    def console_text(self):
        try:
            with open(self.console_path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return ""
        # The serial line turns "\n" into "\r\n"; tests match on "\n" only.
        return data.decode("utf-8", "replace").replace("\r\n", "\n")

    def console_tail(self):
        text = self.console_text()
        return text[-CONSOLE_TAIL:] if len(text) > CONSOLE_TAIL else text

    def fail(self, why):
        try:
            with open(self.qemu_log_path, "rb") as f:
                qemu_out = f.read().decode("utf-8", "replace")
        except OSError:
            qemu_out = ""
        raise VMError("%s\n--- guest console (%s) ---\n%s\n--- qemu output ---\n%s"
                      % (why, self.console_path, self.console_tail(), qemu_out))

    def wait_console(self, regex, timeout, start=0):
        """The first match of `regex` in the console text after offset `start`.

        Offsets index console_text(), so m.end() of one wait is a good `start`
        for the next.  Fails (VMError, console attached) on timeout or when
        QEMU exits first.
        """
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.console_text(), start)
            if m:
                return m
            if not self.running():
                self.fail("QEMU exited (status %s) while waiting for %r"
                          % (self.proc and self.proc.returncode, regex))
            if time.monotonic() > deadline:
                self.fail("timed out after %.1f s waiting for %r on the guest console"
                          % (timeout, regex))
            time.sleep(0.05)

    def console_offset(self):
        return len(self.console_text())

    def agent_cpu(self, start=None, timeout=5.0):
        """The next SGA-CPU sample after console offset `start`.

        With start=None, waits for a line printed from now on, so the figure
        is no older than about one second.  Pass .end as the next start to
        walk the once-a-second series.
        """
        if start is None:
            start = self.console_offset()
        m = self.wait_console(r"SGA-CPU %d (\d+) (\d+)" % self.agent_pid + EOL, timeout, start)
        return CpuSample(int(m.group(1)), int(m.group(2)), m.end())

    # -- host side of the agent channel ------------------------------------

    def connect(self, sync=True, timeout=30.0):
        """An AgentConnection on the port's host socket.

        With sync=True, resynchronise (retrying with fresh ids) until the
        agent answers, so callers get a channel that is known to work.
        """
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.socket_path)
                break
            except OSError as e:
                s.close()
                if not self.running() or time.monotonic() > deadline:
                    self.fail("cannot connect to %s: %s" % (self.socket_path, e))
                time.sleep(0.05)
        conn = AgentConnection(s)
        if sync:
            # The agent may not have opened its port yet, or may be reopening
            # it; a request caught in that window can be lost, so retry.
            sync_id = 1000
            while True:
                try:
                    conn.resync(sync_id, timeout=min(3.0, max(0.1, deadline - time.monotonic())))
                    break
                except TimeoutError:
                    if not self.running() or time.monotonic() > deadline:
                        conn.close()
                        self.fail("agent did not answer guest-sync-delimited within %.0f s"
                                  % timeout)
                    sync_id += 1
        return conn

    def resync(self, conn, sync_id, timeout=10.0):
        """One conn.resync(); returns the seconds it took, or fails with the console."""
        t = time.monotonic()
        try:
            conn.resync(sync_id, timeout=timeout)
        except (TimeoutError, EOFError, OSError) as e:
            self.fail("resync (id %d) failed after %.1f s: %s"
                      % (sync_id, time.monotonic() - t, e))
        return time.monotonic() - t


def require_qemu():
    """For fixtures: fail (not skip) the test where QEMU is missing."""
    import pytest
    if shutil.which(QEMU) is None:
        pytest.fail("%s is not installed (Debian package qemu-system-x86)" % QEMU)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _substitute(template):
    """An init/ file as meson configures it, for an agent in GUEST_SBINDIR."""
    return template.replace(b"@SBINDIR@", GUEST_SBINDIR.encode())


def _die_with_parent():
    """In the QEMU child: get SIGKILL when the test process dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
