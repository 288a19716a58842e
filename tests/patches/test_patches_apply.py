"""patches/qemu-7.2 still applies to the QEMU source Debian ships (apt-get source qemu).

The full check (build the patched qemu-ga, run tests/exec and tests/diff on it)
is patches/check.sh; this only proves, cheaply, that every patch of the series
applies in order with `patch -p1` and no fuzz to Debian's tree. The source is
fetched once into a cache outside the repository (STREAMGA_PATCHES_CACHE,
default /var/tmp/streamga-patches-cache) and reused offline afterwards.
"""
import glob
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATCHES = os.path.join(ROOT, "patches")
SERIES = sorted(glob.glob(os.path.join(PATCHES, "qemu-7.2", "*.patch")))
# apt-get source downloads ~24 MB; give a slow mirror room, but never hang.
FETCH_TIMEOUT = 900


@pytest.fixture(scope="module")
def debian_source():
    cache = os.environ.get("STREAMGA_PATCHES_CACHE") or "/var/tmp/streamga-patches-cache"
    res = subprocess.run([os.path.join(PATCHES, "fetch-source.sh"), cache],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=FETCH_TIMEOUT)
    assert res.returncode == 0, "fetching Debian's QEMU source failed:\n" + res.stderr
    tree = res.stdout.strip().splitlines()[-1]
    assert os.path.isfile(os.path.join(tree, "qga", "commands.c")), tree
    return tree


def test_series_is_present():
    names = [os.path.basename(p) for p in SERIES]
    assert len(names) >= 1
    for p in SERIES:
        with open(p) as f:
            head = f.read(4096)
        assert head.startswith("From "), p
        assert "\nSubject: [PATCH" in head, p


def test_series_applies_in_order_without_fuzz(debian_source, tmp_path):
    # Only the files the series touches are copied; patch then meets them as Debian ships them.
    touched = set()
    for p in SERIES:
        with open(p) as f:
            touched.update(line[6:].split("\t")[0].strip() for line in f if line.startswith("+++ b/"))
    assert touched, "the series touches no file"
    for rel in touched:
        dest = tmp_path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(debian_source, rel), dest)

    for p in SERIES:
        # --dry-run alone cannot check patch N+1 on top of patch N, so the copy is patched for real.
        with open(p, "rb") as f:
            dry = subprocess.run(["patch", "-p1", "--dry-run", "--forward", "-F0", "-d", str(tmp_path)],
                                 stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, timeout=60)
        assert dry.returncode == 0, "%s does not apply:\n%s" % (os.path.basename(p), dry.stdout)
        assert "offset" not in dry.stdout and "fuzz" not in dry.stdout, dry.stdout
        with open(p, "rb") as f:
            subprocess.run(["patch", "-p1", "--forward", "-F0", "--quiet", "-d", str(tmp_path)],
                           stdin=f, check=True, timeout=60)

    # The result is the series' intent, not merely something patch accepted.
    with open(tmp_path / "qga" / "commands.c") as f:
        patched = f.read()
    assert "guest_exec_take_output" in patched
    assert "guest_exec_output_resume" in patched
    assert "p->truncated" not in patched
