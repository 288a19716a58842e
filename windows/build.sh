#!/usr/bin/env bash
# windows/build.sh: the Windows build on Debian: the cached mingw-w64 sysroot,
# then streamga.exe, the Windows test programs and the MSI in build-win/.
#   windows/build.sh [BUILD_DIR] [meson options...]
# Needs: mingw-w64 wixl msitools meson ninja-build pkg-config cmake dpkg-dev
# (see docs/windows.md). The sysroot is built once per content (about 5 min
# cold) and reused from ${STREAMGA_WIN_CACHE:-/var/cache/streamga-win}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${1:-build-win}
[ $# -gt 0 ] && shift
cd "$top"

sysroot=$("$here/build-sysroot.sh" | tail -n 1)
cross=(--cross-file "$sysroot/sysroot.ini" --cross-file "$here/meson-cross-x86_64-w64-mingw32.ini")
# A build configured against another sysroot (its content changed) starts over.
stamp="$build/streamga-sysroot.path"
if [ -f "$build/build.ninja" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sysroot" ]; then
    meson configure "$build" "$@" >/dev/null
else
    rm -rf "$build"
    meson setup "$build" "${cross[@]}" --werror --buildtype=release "$@" >/dev/null
    echo "$sysroot" > "$stamp"
fi
ninja -C "$build"
