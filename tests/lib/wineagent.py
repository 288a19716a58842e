"""Run streamga.exe (the win32 build) under Debian's wine, listening on TCP loopback.

A WineAgentProcess is an agentproc.TcpAgentProcess run by wine, so the suites'
helpers work on it unchanged; a WinePrefix is one wine "machine" (registry,
C: drive, services) that the Windows suite shares.
"""
import os
import shutil
import signal
import subprocess
import tempfile

from agentproc import REPLY_TIMEOUT, TcpAgentProcess

# Creating a prefix (wineboot -i) takes 10-30 s on a loaded machine.
WINEBOOT_TIMEOUT = 180
# Runs of a tool that must succeed, when it fails without output (see run()).
SILENT_FAILURE_TRIES = 3


def win_path(linux_path):
    """The path wine's Z: drive (the Linux root) gives a Linux path."""
    return "Z:" + os.path.abspath(linux_path).replace("/", "\\")


class WinePrefix:
    """A wine prefix of our own, created once; `env` runs programs in it."""

    def __init__(self, path):
        self.path = str(path)
        self.env = dict(os.environ)
        # No Mono/Gecko installer prompts; no X display needed for console programs.
        self.env.update({"WINEPREFIX": self.path, "WINEDEBUG": "-all",
                         "WINEDLLOVERRIDES": "mscoree,mshtml="})
        self.env.pop("DISPLAY", None)

    def boot(self):
        os.makedirs(self.path, exist_ok=True)
        subprocess.run(["wineboot", "-i"], env=self.env, check=True, timeout=WINEBOOT_TIMEOUT,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_idle()
        return self

    def run(self, *args, timeout=REPLY_TIMEOUT * 6, check=False):
        """Run a Windows program (or wine tool) to completion in this prefix.

        Output goes through files, not pipes: a wine process that starts the
        wineserver hands its stdout/stderr on to it (and to services.exe),
        so a pipe would never reach EOF. With check, a run that fails without
        a word is tried again: wine's tools (reg) now and then exit 1 with no
        output at all while the prefix is busy (seen once in a CI run); a real
        failure says why and is reported."""
        for attempt in range(SILENT_FAILURE_TRIES if check else 1):
            result = self._run_once(args, timeout)
            if result.returncode == 0 or result.stdout or result.stderr:
                break
        if check:
            result.check_returncode()
        return result

    def _run_once(self, args, timeout):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(["wine", *args], env=self.env, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())

    def wait_idle(self, timeout=WINEBOOT_TIMEOUT):
        """Wait until every process of the prefix has ended (wineserver -w)."""
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=timeout)

    def kill(self):
        subprocess.run(["wineserver", "-k"], env=self.env, timeout=60)

    def remove(self):
        self.kill()
        shutil.rmtree(self.path, ignore_errors=True)


class WineAgentProcess(TcpAgentProcess):
    """streamga.exe under wine with -m tcp-listen on a free loopback port."""

    def __init__(self, exe, workdir, prefix, extra_args=(), env=None):
        merged = dict(prefix.env)
        merged.update(env or {})
        super().__init__(exe, workdir, extra_args=extra_args, env=merged, launcher=["wine"],
                         agent_path=win_path)
        self.prefix = prefix

    def stop(self, sig=None):
        # wine turns SIGINT into the console's Ctrl-C, which the agent handles
        # as a request to quit cleanly; SIGTERM would end the process at once.
        return super().stop(signal.SIGINT if sig is None else sig)
