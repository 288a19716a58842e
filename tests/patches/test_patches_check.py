"""The full check of patches/qemu-7.2: patched qemu-ga built from Debian's source passes streamga's streaming tests."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "patches", "check.sh")
# Fetch (first time), configure and build the agent alone take about a minute
# on 2 cores; the selected tests under a minute more. Generous, never endless.
CHECK_TIMEOUT = 1800


def test_patched_qemu_ga_passes_the_streaming_tests():
    """check.sh fetches the source (cached beside the apply test's), applies the
    series, builds qga/qemu-ga and runs tests/exec and the exec differential
    against it; its exit status is that pytest run's."""
    if not os.access(os.path.join(ROOT, "build", "src", "streamga-host"), os.X_OK):
        raise AssertionError("patches/check.sh needs build/ (the normal build) built first")
    work = os.environ.get("STREAMGA_PATCH_CHECK_DIR") or "/var/tmp/streamga-patch-check"
    res = subprocess.run(["sh", CHECK, work], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=CHECK_TIMEOUT,
                         stdin=subprocess.DEVNULL)
    tail = res.stdout[-6000:]
    assert res.returncode == 0, tail
    summary = [l for l in res.stdout.splitlines() if re.search(r"\d+ passed", l)]
    assert summary, tail
    # Some tests ran and none failed or errored.
    assert not re.search(r"\d+ (failed|error)", summary[-1]), summary[-1]
    assert int(re.search(r"(\d+) passed", summary[-1]).group(1)) > 100, summary[-1]
