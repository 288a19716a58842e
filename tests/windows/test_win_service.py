"""streamga.exe as a Windows service under wine: -s install/uninstall; the service manager running -d."""
import os
import re
import socket

import pytest

from agentproc import REPLY_TIMEOUT, AgentConnection, free_tcp_port, tcp_port_listening
from wineagent import win_path
from wineservice import SERVICES_KEY, ServicePrefix

SERVICE = "streamga"
SERVICE_H = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "src", "agent", "win32", "service.h")

SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_AUTO_START = 2
SERVICE_ERROR_NORMAL = 1
# What the service manager reports when a service stops with an exit status of its own.
ERROR_SERVICE_SPECIFIC_ERROR = 1066


def service_description():
    with open(SERVICE_H) as f:
        m = re.search(r'#define SGA_SERVICE_DESCRIPTION\s*\\?\s*L"([^"]*)"', f.read())
    assert m, "no SGA_SERVICE_DESCRIPTION in " + SERVICE_H
    return m.group(1)


def exit_codes(status):
    """(WIN32_EXIT_CODE, SERVICE_EXIT_CODE) of an `sc query` status."""
    return int(status["WIN32_EXIT_CODE"].split()[0]), int(status["SERVICE_EXIT_CODE"].split()[0])


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """This module's own wine machine: installing services changes it."""
    p = ServicePrefix(tmp_path_factory.mktemp("service-wine") / "prefix").boot()
    yield p
    p.remove()


@pytest.fixture
def streamga(prefix, win_exe):
    """Run streamga.exe ARGS... in the prefix; the service it installs is removed after the test."""

    def run(*args):
        return prefix.run_text(win_exe, *args)

    yield run
    if prefix.service_status(SERVICE) is not None:
        run("-s", "uninstall")


def connect(port):
    return AgentConnection(socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT))


def test_daemon_outside_the_service_manager_exits_1(streamga):
    proc = streamga("-d")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "service control manager" in proc.stderr, proc.stderr


def test_install_registers_an_auto_start_service(prefix, streamga, win_exe, tmp_path):
    port = free_tcp_port()
    statedir = tmp_path / "state"
    log = tmp_path / "agent.log"
    proc = streamga("-s", "install", "-m", "tcp-listen", "-p", "127.0.0.1:%d" % port,
                    "-t", win_path(statedir), "-l", win_path(log))
    assert proc.returncode == 0, proc.stdout + proc.stderr

    values = prefix.reg_values(SERVICES_KEY + "\\" + SERVICE)
    assert values is not None, "no service key"
    # the exe's own path, quoted, then -d and the options given, each quoted
    expected = '"%s" -d -m "tcp-listen" -p "127.0.0.1:%d" -l "%s" -v -t "%s"' % (
        win_path(win_exe), port, win_path(log), win_path(statedir))
    assert values["ImagePath"][1] == expected
    assert "Service installed: " + expected in proc.stdout
    assert int(values["Start"][1], 16) == SERVICE_AUTO_START
    assert int(values["Type"][1], 16) == SERVICE_WIN32_OWN_PROCESS
    assert int(values["ErrorControl"][1], 16) == SERVICE_ERROR_NORMAL
    assert values["DisplayName"][1] == "streamga guest agent"
    assert values["Description"][1] == service_description()
    assert values["ObjectName"][1] == "LocalSystem"
    # installed, not started
    assert prefix.service_status(SERVICE)["STATE"] == "STOPPED"
    assert prefix.live_processes("streamga.exe") == []


def test_service_manager_starts_and_stops_the_agent(prefix, streamga, tmp_path):
    port = free_tcp_port()
    statedir = tmp_path / "state"
    log = tmp_path / "agent.log"
    proc = streamga("-s", "install", "-m", "tcp-listen", "-p", "127.0.0.1:%d" % port,
                    "-t", win_path(statedir), "-l", win_path(log))
    assert proc.returncode == 0, proc.stdout + proc.stderr

    proc = prefix.run_text("sc", "start", SERVICE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status = prefix.wait_service_state(SERVICE, "RUNNING")
    assert status["STATE"] == "RUNNING", status
    # RUNNING is reported once the agent serves: its port is open and it answers
    assert tcp_port_listening(port)
    with connect(port) as conn:
        assert conn.call("guest-ping") == {"return": {}}
        assert conn.call("guest-sync", {"id": 4711}) == {"return": 4711}
    assert (statedir / "qga.state").is_file()
    (process,) = prefix.live_processes("streamga.exe")
    assert " -d " in process[1]

    proc = prefix.run_text("sc", "stop", SERVICE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status = prefix.wait_service_state(SERVICE, "STOPPED")
    assert status["STATE"] == "STOPPED", status
    # the agent's own clean exit: status 0, reported by itself
    assert exit_codes(status) == (0, 0), status
    assert prefix.wait_no_process("streamga.exe") == []
    assert not tcp_port_listening(port)
    assert log.stat().st_size > 0


def test_service_without_its_port_stops_with_status_1(prefix, streamga):
    # the default virtio-serial port does not exist under wine, and without -r
    # the agent gives up: the service manager sees the agent's exit status
    proc = streamga("-s", "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    prefix.run_text("sc", "start", SERVICE)
    status = prefix.wait_service_state(SERVICE, "STOPPED")
    assert status["STATE"] == "STOPPED", status
    assert exit_codes(status) == (ERROR_SERVICE_SPECIFIC_ERROR, 1), status
    assert prefix.wait_no_process("streamga.exe") == []


def test_service_with_retry_path_runs_without_its_port(prefix, streamga):
    # the MSI's service: -r keeps the agent waiting for the missing port
    proc = streamga("-s", "install", "-r")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert prefix.reg_values(SERVICES_KEY + "\\" + SERVICE)["ImagePath"][1].endswith(" -d -r")
    prefix.run_text("sc", "start", SERVICE)
    status = prefix.wait_service_state(SERVICE, "RUNNING")
    assert status["STATE"] == "RUNNING", status
    assert len(prefix.live_processes("streamga.exe")) == 1

    prefix.run_text("sc", "stop", SERVICE)
    status = prefix.wait_service_state(SERVICE, "STOPPED")
    assert status["STATE"] == "STOPPED", status
    assert exit_codes(status) == (0, 0), status
    assert prefix.wait_no_process("streamga.exe") == []


def test_uninstall_stops_a_running_service_and_removes_it(prefix, streamga):
    proc = streamga("-s", "install", "-r")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    prefix.run_text("sc", "start", SERVICE)
    status = prefix.wait_service_state(SERVICE, "RUNNING")
    assert status["STATE"] == "RUNNING", status

    proc = streamga("-s", "uninstall")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Service removed" in proc.stdout
    assert prefix.service_status(SERVICE) is None
    assert prefix.reg_values(SERVICES_KEY + "\\" + SERVICE) is None
    assert prefix.wait_no_process("streamga.exe") == []


def test_install_twice_fails_and_keeps_the_first(prefix, streamga):
    proc = streamga("-s", "install", "-r")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first = prefix.reg_values(SERVICES_KEY + "\\" + SERVICE)["ImagePath"]

    proc = streamga("-s", "install", "-m", "isa-serial", "-p", "COM1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "cannot install the service" in proc.stderr, proc.stderr
    assert prefix.reg_values(SERVICES_KEY + "\\" + SERVICE)["ImagePath"] == first


def test_uninstall_without_the_service_fails(prefix, streamga):
    assert prefix.service_status(SERVICE) is None
    proc = streamga("-s", "uninstall")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "cannot open the service" in proc.stderr, proc.stderr
