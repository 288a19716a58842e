"""Run the C unit tests (tests/unit/test-*.c, glib's gtest) of every build given with --builds.

Each unit-test executable is a separate case per build, so a failure names the
module and the build (normal or ASan+UBSan, where LeakSanitizer is on too).
The executables are those whose sources are in this directory; another case
checks that meson registers exactly those with test(), so `meson test` and
this runner agree.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# Generous: the slowest module takes a few seconds under ASan.
RUN_TIMEOUT = 300
# Enough of a failing run's output to see the assertion and the sanitizer report.
OUTPUT_TAIL_CHARS = 20000


def unit_test_names():
    return sorted(name[:-len(".c")] for name in os.listdir(HERE)
                  if name.startswith("test-") and name.endswith(".c"))


def unit_env():
    env = dict(os.environ)
    # Sanitizer reports should name the code and end the run; glib's slice
    # allocator would hide leaks from LeakSanitizer on older glib.
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("G_SLICE", "always-malloc")
    env.setdefault("G_DEBUG", "gc-friendly")
    return env


def tail(text):
    return text if len(text) <= OUTPUT_TAIL_CHARS else "...\n" + text[-OUTPUT_TAIL_CHARS:]


def tap_results(stdout):
    """The plan and the results of glib's TAP output: (planned, passed, failed lines)."""
    plan = re.search(r"^1\.\.(\d+)$", stdout, re.MULTILINE)
    passed = re.findall(r"^ok \d+ ", stdout, re.MULTILINE)
    failed = re.findall(r"^not ok \d+ .*$", stdout, re.MULTILINE)
    return (int(plan.group(1)) if plan else None), len(passed), failed


@pytest.mark.parametrize("unit_test", unit_test_names())
def test_unit(build_dir, unit_test, tmp_path):
    exe = os.path.join(build_dir, "tests", "unit", unit_test)
    if not os.access(exe, os.X_OK):
        pytest.fail("%s is not built; build it with: ninja -C %s" % (exe, build_dir))
    try:
        proc = subprocess.run([exe], cwd=str(tmp_path), env=unit_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        pytest.fail("%s did not finish within %d s\nstdout:\n%s\nstderr:\n%s" % (
            exe, RUN_TIMEOUT, tail((e.stdout or b"").decode("utf-8", "replace")),
            tail((e.stderr or b"").decode("utf-8", "replace"))))
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    report = "%s exited with status %d\nstdout:\n%s\nstderr:\n%s" % (
        exe, proc.returncode, tail(stdout), tail(stderr))
    assert proc.returncode == 0, report

    # A clean exit must also mean every planned test case ran and passed.
    planned, passed, failed = tap_results(stdout)
    assert not failed, report
    assert planned is not None and planned > 0, "no test plan in the output\n" + report
    assert passed == planned, "%d of %d test cases passed\n%s" % (passed, planned, report)


def test_unit_tests_registered(build_dir):
    """meson test runs the same executables: each source here is a registered test."""
    meson = shutil.which("meson")
    if meson is None:
        pytest.fail("meson is not installed (Debian package meson)")
    proc = subprocess.run([meson, "introspect", "--tests", build_dir], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    unit_dir = os.path.join(os.path.realpath(build_dir), "tests", "unit")
    registered = {}
    for test in json.loads(proc.stdout):
        cmd = test["cmd"][0]
        if os.path.dirname(os.path.realpath(cmd)) == unit_dir:
            registered[test["name"]] = os.path.basename(cmd)
    expected = {name: name for name in unit_test_names()}
    assert registered == expected
