#!/bin/sh
# fetch-source.sh: unpack Debian's QEMU source (apt-get source qemu) into a cache directory, once.
#
# Usage: patches/fetch-source.sh CACHE_DIR
# Prints the unpacked source tree (Debian's patches applied, as dpkg-source
# leaves it). A tree already in CACHE_DIR is reused without any apt look-up.
# STREAMGA_QEMU_DSC=/path/qemu_*.dsc unpacks a local .dsc instead of fetching.
# Needs dpkg-dev; as root it adds a deb-src entry when apt has none.
set -eu

cache=${1:?usage: fetch-source.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

cached_tree() {
    for d in "$cache"/qemu-*/; do
        [ -f "$d.complete" ] && { echo "${d%/}"; return 0; }
    done
    return 1
}

# Debian 12 images list only binary packages (Types: deb); apt-get source needs deb-src.
ensure_deb_src() {
    apt-get source --print-uris qemu >/dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "fetch-source.sh: apt has no deb-src entry for qemu; enable deb-src (as root this script adds one)" >&2
        exit 1
    fi
    . /etc/os-release
    cat > /etc/apt/sources.list.d/streamga-deb-src.sources <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME $VERSION_CODENAME-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $VERSION_CODENAME-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -q >&2
}

cached_tree && exit 0

# One fetch at a time (parallel test sessions share the cache).
exec 9>"$cache/.lock"
flock 9
cached_tree && exit 0

command -v dpkg-source >/dev/null || { echo "fetch-source.sh: dpkg-source missing (apt-get install dpkg-dev)" >&2; exit 1; }
tmp=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -n "${STREAMGA_QEMU_DSC:-}" ]; then
    (cd "$tmp" && dpkg-source -q --no-check -x "$STREAMGA_QEMU_DSC" src) >&2
else
    ensure_deb_src
    # As root apt drops to the _apt user, which cannot write into our directory.
    (cd "$tmp" && apt-get source -q -o APT::Sandbox::User=root qemu) >&2
fi
tree=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "$tree/qga/commands.c" ] || { echo "fetch-source.sh: no qga/commands.c in $tree" >&2; exit 1; }
version=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version 2>/dev/null || echo unknown)
dest="$cache/qemu-${version#*:}"
rm -rf "$dest"
mv "$tree" "$dest"
touch "$dest/.complete"
echo "$dest"
