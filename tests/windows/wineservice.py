"""wineservice.py: a test module's own wine prefix, and the services, registry and processes in it.

The MSI and service tests change machine-wide Windows state (services, installed
products), so each of their modules boots a prefix of its own instead of sharing
the session's (conftest.py's wine_prefix).
"""
import os
import re
import subprocess
import tempfile
import time

from wineagent import WinePrefix

# Bounds for wine commands: an msiexec run, a query.
INSTALL_TIMEOUT = 180
COMMAND_TIMEOUT = 60
# How long a service may take to reach the state asked for.
SERVICE_STATE_TIMEOUT = 60

SERVICES_KEY = r"HKLM\System\CurrentControlSet\Services"
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"
# The keeper's command line once wine runs it (before, it is the launcher's).
KEEPER_IMAGE = r"c:\windows\system32\cmd.exe"


class ServicePrefix(WinePrefix):
    """A WinePrefix that keeps its services running and reads services, the registry
    and live processes."""

    keeper = None

    def boot(self):
        super().boot()
        # Once no ordinary process is left in a prefix, wine ends its system
        # processes, services.exe and every service with them: a console
        # waiting on its stdin keeps the services under test alive.
        self.keeper = subprocess.Popen(["wine", "cmd.exe"], env=self.env, stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while not any(cmdline.lower().startswith(KEEPER_IMAGE)
                      for _, cmdline in self.live_processes("cmd.exe")):
            assert self.keeper.poll() is None, "wine cmd.exe exited: %s" % self.keeper.returncode
            assert time.monotonic() < deadline, "wine cmd.exe did not start"
            time.sleep(0.1)
        return self

    def remove(self):
        if self.keeper:
            self.keeper.stdin.close()
            try:
                self.keeper.wait(COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.keeper.kill()
                self.keeper.wait()
        super().remove()

    def run_text(self, *args, timeout=COMMAND_TIMEOUT):
        """wine ARGS...: the completed process, output decoded.

        Output goes through files, not pipes: the wine process that finds no
        wineserver running starts it, and services.exe, with its own stdout
        and stderr, so a pipe would stay open (and a reader wait) for good."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(["wine", *[str(a) for a in args]], env=self.env, timeout=timeout,
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(proc.args, proc.returncode,
                                               out.read().decode(errors="replace"),
                                               err.read().decode(errors="replace"))

    def run_checked(self, *args, timeout=COMMAND_TIMEOUT):
        proc = self.run_text(*args, timeout=timeout)
        assert proc.returncode == 0, "wine %s: exit %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(str(a) for a in args), proc.returncode, proc.stdout, proc.stderr)
        return proc

    def drive_c(self):
        return os.path.join(self.path, "drive_c")

    # ---- registry -------------------------------------------------------------------

    def reg_values(self, key):
        """The values of a registry key as {name: (type, data)}, or None when the key is absent."""
        proc = self.run_text("reg", "query", key)
        if proc.returncode != 0:
            return None
        values = {}
        for line in proc.stdout.splitlines():
            m = re.match(r"^    (\S.*?)    (REG_\w+)    ?(.*)$", line)
            if m:
                values[m.group(1)] = (m.group(2), m.group(3))
        return values

    def reg_subkeys(self, key):
        """The names of a key's direct subkeys (an absent key has none)."""
        proc = self.run_text("reg", "query", key)
        if proc.returncode != 0:
            return []
        full_key = re.sub(r"^HKLM\\", r"HKEY_LOCAL_MACHINE\\", key, flags=re.I)
        prefix = full_key.lower() + "\\"
        return [line[len(prefix):] for line in proc.stdout.splitlines()
                if line.lower().startswith(prefix)]

    def installed_products(self, display_name):
        """{ProductCode: DisplayVersion} of the Uninstall entries named display_name."""
        products = {}
        for code in self.reg_subkeys(UNINSTALL_KEY):
            values = self.reg_values(UNINSTALL_KEY + "\\" + code) or {}
            if values.get("DisplayName", (None, None))[1] == display_name:
                products[code] = values.get("DisplayVersion", (None, None))[1]
        return products

    # ---- services -------------------------------------------------------------------

    def service_status(self, name):
        """`sc query NAME` as {field: value}, e.g. STATE -> 'RUNNING'; None when no such service."""
        proc = self.run_text("sc", "query", name)
        if proc.returncode != 0:
            return None
        status = {}
        for line in proc.stdout.splitlines():
            m = re.match(r"^\s*(\w+)\s*:\s*(.*?)\s*$", line)
            if m:
                status[m.group(1)] = m.group(2)
        if "STATE" in status:
            # "4  RUNNING" -> "RUNNING"
            status["STATE"] = status["STATE"].split()[-1]
        return status

    def wait_service_state(self, name, state, timeout=SERVICE_STATE_TIMEOUT):
        """Poll until the service is in state; return its last status (for the caller to assert on)."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.service_status(name)
            if (status or {}).get("STATE") == state or time.monotonic() > deadline:
                return status
            time.sleep(0.3)

    # ---- processes ------------------------------------------------------------------

    def live_processes(self, image_name):
        """(pid, command line) of the processes of this prefix whose command line names
        image_name; zombies, which nothing here reaps, do not count."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                with open("/proc/%s/environ" % pid, "rb") as f:
                    environ = f.read().split(b"\0")
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            if state == "Z" or ("WINEPREFIX=" + self.path).encode() not in environ:
                continue
            if image_name.lower() in cmdline.lower():
                found.append((int(pid), cmdline))
        return found

    def wait_no_process(self, image_name, timeout=SERVICE_STATE_TIMEOUT):
        """Poll until no process of the prefix names image_name; return what is left."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.live_processes(image_name)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.3)


def msi_table(msi, table):
    """`msiinfo export MSI TABLE` as a list of {column: value} rows."""
    out = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True, text=True,
                         timeout=COMMAND_TIMEOUT, check=True).stdout
    lines = out.split("\r\n") if "\r\n" in out else out.split("\n")
    # column names, column types, table name and keys, then the rows
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"))) for line in lines[3:] if line]
