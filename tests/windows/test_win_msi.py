"""The MSI (windows/streamga.wxs.in, built by wixl): its tables; installing, upgrading, removing it under wine."""
import filecmp
import json
import os
import re
import shutil
import subprocess

import pytest

from wineservice import (INSTALL_TIMEOUT, SERVICES_KEY, ServicePrefix, msi_table)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WXS_IN = os.path.join(ROOT, "windows", "streamga.wxs.in")
PRODUCT_CODE_SCRIPT = os.path.join(ROOT, "windows", "msi-product-code.py")
SERVICE_H = os.path.join(ROOT, "src", "agent", "win32", "service.h")

SERVICE = "streamga"
PRODUCT_NAME = "streamga guest agent"
INSTALLED_EXE = r"C:\Program Files\streamga\streamga.exe"
SERVICE_ARGUMENTS = "-d --retry-path"

# MSI column values (msi.h): ServiceInstall.ServiceType SERVICE_WIN32_OWN_PROCESS,
# StartType SERVICE_AUTO_START, ErrorControl msidbServiceInstallErrorNormal;
# ServiceControl.Event bits; Component.Attributes msidbComponentAttributes64bit.
SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_AUTO_START = 2
ERROR_CONTROL_NORMAL = 1
EVENT_START_ON_INSTALL = 0x01
EVENT_STOP_ON_INSTALL = 0x02
EVENT_STOP_ON_UNINSTALL = 0x20
EVENT_DELETE_ON_UNINSTALL = 0x80
COMPONENT_64BIT = 0x100
# msiexec's exit status for a failed install (ERROR_INSTALL_FAILURE, 1603), as the
# 8 bits a Linux exit status keeps of it.
ERROR_INSTALL_FAILURE_LOW_BYTE = 1603 & 0xFF


def product_code(version):
    out = subprocess.run([PRODUCT_CODE_SCRIPT, version], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return out.strip()


def wxs_upgrade_code():
    with open(WXS_IN) as f:
        m = re.search(r'UpgradeCode="(\{[0-9A-F-]{36}\})"', f.read())
    assert m, "no UpgradeCode in " + WXS_IN
    return m.group(1)


def service_description():
    """The description -s install gives the service (service.h), which the MSI's must equal."""
    with open(SERVICE_H) as f:
        m = re.search(r'#define SGA_SERVICE_DESCRIPTION\s*\\?\s*L"([^"]*)"', f.read())
    assert m, "no SGA_SERVICE_DESCRIPTION in " + SERVICE_H
    return m.group(1)


def packed_guid(guid):
    """A GUID as Windows Installer spells it in registry key and value names."""
    h = guid.strip("{}").replace("-", "")
    return h[7::-1] + h[11:7:-1] + h[15:11:-1] + "".join(h[i + 1] + h[i] for i in range(16, 32, 2))


def next_version(version):
    major, minor, patch = version.split(".")
    return "%s.%s.%d" % (major, minor, int(patch) + 1)


def build_msi(win_exe, version, outdir):
    """The MSI of another version, from the same .wxs.in and exe, as windows/meson.build makes it."""
    with open(WXS_IN) as f:
        text = f.read()
    for name, value in (("VERSION", version), ("PRODUCT_CODE", product_code(version)),
                        ("EXE", os.path.basename(win_exe))):
        text = text.replace("@%s@" % name, value)
    assert not re.search(r"@[A-Z_]+@", text), "a placeholder of streamga.wxs.in is not filled"
    wxs = os.path.join(str(outdir), "streamga.wxs")
    with open(wxs, "w") as f:
        f.write(text)
    msi = os.path.join(str(outdir), "streamga-%s-x64.msi" % version)
    # wixl finds File/@Source relative to its working directory
    subprocess.run(["wixl", "-a", "x64", "-o", msi, wxs], cwd=os.path.dirname(win_exe),
                   check=True, timeout=120, capture_output=True)
    return msi


@pytest.fixture(scope="module")
def project_version(win_build_dir):
    out = subprocess.run(["meson", "introspect", "--projectinfo", win_build_dir],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return json.loads(out)["version"]


@pytest.fixture(scope="module")
def msi(win_build_dir, project_version):
    path = os.path.join(win_build_dir, "windows", "streamga-%s-x64.msi" % project_version)
    if not os.path.isfile(path):
        pytest.fail("the build made no MSI: %s is missing" % path)
    return path


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """This module's own wine machine: installing products and services changes it."""
    p = ServicePrefix(tmp_path_factory.mktemp("msi-wine") / "prefix").boot()
    yield p
    p.remove()


# ---- the MSI's tables ---------------------------------------------------------------------


def test_msi_has_the_tables_of_a_service_install(msi):
    out = subprocess.run(["msiinfo", "tables", msi], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    tables = set(out.split())
    for table in ("File", "Component", "ServiceInstall", "ServiceControl", "Upgrade", "Property"):
        assert table in tables, "no %s table in %s" % (table, sorted(tables))


def test_msi_is_per_machine_x64_into_its_own_folder(msi):
    suminfo = subprocess.run(["msiinfo", "suminfo", msi], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    assert re.search(r"^Template: x64;1033$", suminfo, re.M), suminfo
    properties = {r["Property"]: r["Value"] for r in msi_table(msi, "Property")}
    assert properties["ALLUSERS"] == "1"

    directories = {r["Directory"]: r for r in msi_table(msi, "Directory")}
    (component,) = msi_table(msi, "Component")
    install_dir = directories[component["Directory_"]]
    assert install_dir["DefaultDir"] == "streamga"
    assert install_dir["Directory_Parent"] == "ProgramFiles64Folder"
    assert int(component["Attributes"]) & COMPONENT_64BIT
    assert component["KeyPath"] == "streamga.exe"


def test_msi_installs_the_agent_as_an_auto_start_service(msi):
    (service,) = msi_table(msi, "ServiceInstall")
    assert service["Name"] == SERVICE
    assert service["DisplayName"] == PRODUCT_NAME
    assert service["Description"] == service_description()
    assert int(service["ServiceType"]) == SERVICE_WIN32_OWN_PROCESS
    assert int(service["StartType"]) == SERVICE_AUTO_START
    assert int(service["ErrorControl"]) == ERROR_CONTROL_NORMAL
    assert service["Arguments"] == SERVICE_ARGUMENTS
    assert service["StartName"] == "LocalSystem"
    (component,) = msi_table(msi, "Component")
    assert service["Component_"] == component["Component"]


def test_msi_starts_stops_and_removes_the_service(msi):
    (control,) = msi_table(msi, "ServiceControl")
    assert control["Name"] == SERVICE
    assert int(control["Event"]) == (EVENT_START_ON_INSTALL | EVENT_STOP_ON_INSTALL
                                     | EVENT_STOP_ON_UNINSTALL | EVENT_DELETE_ON_UNINSTALL)
    assert control["Wait"] == "1"


def test_msi_identity_is_the_projects(msi, project_version):
    properties = {r["Property"]: r["Value"] for r in msi_table(msi, "Property")}
    assert properties["UpgradeCode"] == wxs_upgrade_code()
    assert properties["ProductVersion"] == project_version
    assert properties["ProductCode"] == product_code(project_version)
    assert properties["ProductName"] == PRODUCT_NAME
    assert properties["Manufacturer"] == "streamga"


def test_product_code_is_one_per_version():
    # the same version again is the same product; another version is a new one
    assert product_code("0.1.0") == product_code("0.1.0")
    assert product_code("0.1.0") != product_code("0.1.1")
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", product_code("0.1.0"))


def test_msi_replaces_older_versions_and_refuses_downgrades(msi, project_version):
    upgrade_code = wxs_upgrade_code()
    rows = msi_table(msi, "Upgrade")
    older = [r for r in rows if r["ActionProperty"] == "WIX_UPGRADE_DETECTED"]
    newer = [r for r in rows if r["ActionProperty"] == "WIX_DOWNGRADE_DETECTED"]
    assert len(older) == 1 and len(newer) == 1, rows
    assert older[0]["UpgradeCode"] == upgrade_code and older[0]["VersionMax"] == project_version
    assert newer[0]["UpgradeCode"] == upgrade_code and newer[0]["VersionMin"] == project_version
    actions = {r["Action"] for r in msi_table(msi, "InstallExecuteSequence")}
    assert "RemoveExistingProducts" in actions
    conditions = {r["Condition"] for r in msi_table(msi, "LaunchCondition")}
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions


def test_msi_carries_the_built_exe(msi, win_exe, tmp_path):
    (file_row,) = msi_table(msi, "File")
    assert file_row["FileName"] == "streamga.exe"
    assert int(file_row["FileSize"]) == os.path.getsize(win_exe)
    subprocess.run(["msiextract", "-C", str(tmp_path), msi], check=True, timeout=60,
                   capture_output=True)
    extracted = tmp_path / "streamga" / "streamga.exe"
    assert filecmp.cmp(str(extracted), win_exe, shallow=False)


# ---- installed under wine -----------------------------------------------------------------


def msiexec(prefix, *args):
    return prefix.run_text("msiexec", *args, "/qn", timeout=INSTALL_TIMEOUT)


def assert_nothing_installed(prefix):
    assert prefix.installed_products(PRODUCT_NAME) == {}
    assert prefix.reg_values(SERVICES_KEY + "\\" + SERVICE) is None
    assert not os.path.exists(installed_exe_path(prefix))


def uninstall_leftovers(prefix):
    """After a failed test: remove whatever it left installed, for the next test's sake."""
    for code in prefix.installed_products(PRODUCT_NAME):
        msiexec(prefix, "/x", code)


def installed_exe_path(prefix):
    return os.path.join(prefix.drive_c(), "Program Files", "streamga", "streamga.exe")


def upgrade_family(prefix):
    """The packed ProductCodes Windows Installer lists under the MSI's UpgradeCode."""
    key = r"HKLM\Software\Classes\Installer\UpgradeCodes" + "\\" + packed_guid(wxs_upgrade_code())
    return set(prefix.reg_values(key) or {})


def assert_service_installed_and_running(prefix, win_exe):
    assert filecmp.cmp(installed_exe_path(prefix), win_exe, shallow=False)
    values = prefix.reg_values(SERVICES_KEY + "\\" + SERVICE)
    assert values is not None, "the service is not registered"
    # Windows quotes the program's path in ImagePath; wine 8's msi does not.
    image_path = values["ImagePath"][1]
    m = re.fullmatch(r'"?(.*?\\streamga\.exe)"? (.*)', image_path)
    assert m, image_path
    assert m.group(1) == INSTALLED_EXE and m.group(2) == SERVICE_ARGUMENTS, image_path
    assert int(values["Start"][1], 16) == SERVICE_AUTO_START
    assert int(values["Type"][1], 16) == SERVICE_WIN32_OWN_PROCESS
    assert values["DisplayName"][1] == PRODUCT_NAME
    status = prefix.wait_service_state(SERVICE, "RUNNING")
    assert status and status["STATE"] == "RUNNING", status
    processes = prefix.live_processes("streamga.exe")
    assert len(processes) == 1, processes
    assert SERVICE_ARGUMENTS in processes[0][1]


def assert_service_removed(prefix):
    assert not os.path.exists(installed_exe_path(prefix))
    assert prefix.reg_values(SERVICES_KEY + "\\" + SERVICE) is None
    assert prefix.service_status(SERVICE) is None
    assert prefix.wait_no_process("streamga.exe") == []
    assert prefix.installed_products(PRODUCT_NAME) == {}
    assert upgrade_family(prefix) == set()


def test_msi_install_starts_the_service_and_uninstall_removes_it(prefix, msi, win_exe,
                                                                  project_version):
    assert_nothing_installed(prefix)
    try:
        proc = msiexec(prefix, "/i", msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert_service_installed_and_running(prefix, win_exe)
        code = product_code(project_version)
        assert prefix.installed_products(PRODUCT_NAME) == {code: project_version}
        assert upgrade_family(prefix) == {packed_guid(code)}

        proc = msiexec(prefix, "/x", msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert_service_removed(prefix)
    finally:
        uninstall_leftovers(prefix)


def test_msi_upgrade_replaces_the_installed_version(prefix, msi, win_exe, project_version,
                                                     tmp_path):
    newer_version = next_version(project_version)
    newer_msi = build_msi(win_exe, newer_version, tmp_path)
    assert_nothing_installed(prefix)
    try:
        proc = msiexec(prefix, "/i", msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert_service_installed_and_running(prefix, win_exe)

        proc = msiexec(prefix, "/i", newer_msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        # one product, the newer; one service, running one agent
        newer_code = product_code(newer_version)
        assert prefix.installed_products(PRODUCT_NAME) == {newer_code: newer_version}
        assert upgrade_family(prefix) == {packed_guid(newer_code)}
        services = [k for k in prefix.reg_subkeys(SERVICES_KEY) if k.lower() == SERVICE]
        assert services == [SERVICE]
        assert_service_installed_and_running(prefix, win_exe)

        proc = msiexec(prefix, "/x", newer_msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert_service_removed(prefix)
    finally:
        uninstall_leftovers(prefix)


def test_msi_leaves_qemu_ga_alone(prefix, msi, win_exe):
    # qemu-ga's MSI installs the service QEMU-GA into Program Files\Qemu-ga;
    # a stand-in (never started) must come out of our install and uninstall as it went in
    qemu_ga_dir = os.path.join(prefix.drive_c(), "Program Files", "Qemu-ga")
    qemu_ga_key = SERVICES_KEY + "\\QEMU-GA"
    os.makedirs(qemu_ga_dir)
    with open(os.path.join(qemu_ga_dir, "qemu-ga.exe"), "wb") as f:
        f.write(b"stand-in")
    assert_nothing_installed(prefix)
    try:
        prefix.run_checked("sc", "create", "QEMU-GA", "binpath=",
                           r'"C:\Program Files\Qemu-ga\qemu-ga.exe" -d --retry-path',
                           "start=", "demand", "displayname=", "QEMU Guest Agent")
        before = prefix.reg_values(qemu_ga_key)

        proc = msiexec(prefix, "/i", msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert_service_installed_and_running(prefix, win_exe)
        assert prefix.reg_values(qemu_ga_key) == before

        proc = msiexec(prefix, "/x", msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert_service_removed(prefix)
        assert prefix.reg_values(qemu_ga_key) == before
        assert prefix.service_status("QEMU-GA")["STATE"] == "STOPPED"
        with open(os.path.join(qemu_ga_dir, "qemu-ga.exe"), "rb") as f:
            assert f.read() == b"stand-in"
    finally:
        uninstall_leftovers(prefix)
        prefix.run_text("sc", "delete", "QEMU-GA")
        shutil.rmtree(qemu_ga_dir, ignore_errors=True)


def test_msi_refuses_to_downgrade(prefix, msi, win_exe, project_version, tmp_path):
    newer_version = next_version(project_version)
    newer_msi = build_msi(win_exe, newer_version, tmp_path)
    assert_nothing_installed(prefix)
    try:
        proc = msiexec(prefix, "/i", newer_msi)
        assert proc.returncode == 0, proc.stdout + proc.stderr

        proc = msiexec(prefix, "/i", msi)
        assert proc.returncode == ERROR_INSTALL_FAILURE_LOW_BYTE, proc.stdout + proc.stderr
        assert prefix.installed_products(PRODUCT_NAME) == {product_code(newer_version): newer_version}
        assert_service_installed_and_running(prefix, win_exe)
    finally:
        uninstall_leftovers(prefix)
    assert_service_removed(prefix)
