"""The C unit tests of the modules shared with Windows, cross-built and run under wine.

Which modules those are is tests/unit/meson.build's unit_tests_portable list;
this runner takes it from what meson registered in the cross build, so the two
cannot drift apart unseen: the list must be exactly the portable modules.
"""
import json
import os
import subprocess
import sys

import pytest

# The Linux runner's TAP parsing and limits, shared.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit"))
from test_unit import RUN_TIMEOUT, tail, tap_results  # noqa: E402

# Code shared with Windows; the others test POSIX-only code (os-release, crypt,
# the POSIX config defaults).
PORTABLE = ["test-argspec", "test-base64", "test-dispatch", "test-exec-output", "test-json-stream",
            "test-json-writer", "test-session", "test-utf8"]


def test_win_unit_tests_registered(win_build_dir):
    proc = subprocess.run(["meson", "introspect", "--tests", win_build_dir], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    names = sorted(t["name"] for t in json.loads(proc.stdout)
                   if os.path.basename(os.path.dirname(t["cmd"][0])) == "unit")
    assert names == PORTABLE


@pytest.mark.parametrize("unit_test", PORTABLE)
def test_win_unit(win_build_dir, wine_env, unit_test, tmp_path):
    exe = os.path.join(win_build_dir, "tests", "unit", unit_test + ".exe")
    assert os.path.isfile(exe), "%s is not built" % exe
    try:
        proc = subprocess.run(["wine", exe], cwd=str(tmp_path), env=wine_env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        pytest.fail("%s did not finish within %d s\nstdout:\n%s" % (
            exe, RUN_TIMEOUT, tail((e.stdout or b"").decode("utf-8", "replace"))))
    stdout = proc.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
    stderr = proc.stderr.decode("utf-8", "replace")
    report = "%s exited with status %d\nstdout:\n%s\nstderr:\n%s" % (
        exe, proc.returncode, tail(stdout), tail(stderr))
    assert proc.returncode == 0, report
    planned, passed, failed = tap_results(stdout)
    assert not failed, report
    assert planned is not None and planned > 0, "no test plan in the output\n" + report
    assert passed == planned, "%d of %d test cases passed\n%s" % (passed, planned, report)
