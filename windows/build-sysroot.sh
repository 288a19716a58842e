#!/usr/bin/env bash
# Builds (or reuses from cache) the static x86_64-w64-mingw32 sysroot (glib-2.0, json-c, pcre2, libffi, zlib, libintl) streamga.exe links against.
#
# Usage: SYSROOT=$(windows/build-sysroot.sh | tail -1)
#   then: meson setup --cross-file "$SYSROOT/sysroot.ini" --cross-file windows/meson-cross-x86_64-w64-mingw32.ini build-win
# Environment:
#   STREAMGA_WIN_CACHE      cache directory (default /var/cache/streamga-win)
#   STREAMGA_WIN_KEEP_WORK  if set to 1, the temporary work dir is kept (for debugging a failed build)
#   TMPDIR                  where the temporary work dir is created
# Everything is built from Debian's own source packages (apt-get source), static only.
# The last line of stdout is always the sysroot path; progress and build logs go to stderr.
set -euo pipefail

start_ns=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - start_ns) / 1000000 ))" | awk '{printf "%.1fs", $1/1000}'; }
log() { echo "build-sysroot: $*" >&2; }
die() { log "error: $*"; exit 1; }

script_path=$(readlink -f "${BASH_SOURCE[0]}")
triplet=x86_64-w64-mingw32
cache=${STREAMGA_WIN_CACHE:-/var/cache/streamga-win}
# Build order matters: glib2.0 needs the other four (and libintl, built from the inline source below).
packages=(zlib libffi pcre2 json-c glib2.0)
jobs=$(nproc)

command -v "$triplet-gcc" >/dev/null || die "$triplet-gcc not found (apt-get install gcc-mingw-w64-x86-64)"

# versions[pkg]: the source versions apt offers, newest first (empty when deb-src is missing).
# One apt-cache call for all packages keeps the cached path fast.
declare -A versions
load_versions() {
    local pkg ver
    for pkg in "${packages[@]}"; do versions[$pkg]=""; done
    while read -r pkg ver; do
        versions[$pkg]+="$ver "
    done < <(apt-cache showsrc --only-source "${packages[@]}" 2>/dev/null |
             awk '/^Package:/ {p = $2} /^Version:/ {print p, $2}' | sort -u | sort -k1,1 -k2,2rV)
}

# A fresh CI machine may have no deb-src entries: add them once (same mirrors as the deb entries) and update.
ensure_deb_src() {
    local missing=0 pkg
    load_versions
    for pkg in "${packages[@]}"; do
        [[ -n ${versions[$pkg]// /} ]] || missing=1
    done
    ((missing)) || return 0
    log "no Debian source index for some packages; adding a deb-src entry"
    local codename
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
    cat >/etc/apt/sources.list.d/streamga-deb-src.sources <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -q >&2
    load_versions
    for pkg in "${packages[@]}"; do
        [[ -n ${versions[$pkg]// /} ]] || die "no source package $pkg even after adding deb-src"
    done
}

ensure_deb_src

# The cache key: this script (which also holds the generated toolchain files and the libintl
# source), the toolchain identity and every source version apt offers.
key_input() {
    echo "script $(sha256sum <"$script_path" | cut -d' ' -f1)"
    echo "gcc $("$triplet-gcc" --version | head -1)"
    echo "toolchain-debs $(dpkg-query -W -f='${Package}=${Version} ' \
        gcc-mingw-w64-x86-64-win32 mingw-w64-x86-64-dev binutils-mingw-w64-x86-64 2>/dev/null || true)"
    local pkg
    for pkg in "${packages[@]}"; do
        echo "src $pkg ${versions[$pkg]}"
    done
}
key=$(key_input | sha256sum | cut -c1-12)
sysroot="$cache/sysroot-$key"
stamp="$sysroot/.complete"

if [[ -f $stamp ]]; then
    echo "sysroot cached: $sysroot ($(elapsed))"
    echo "$sysroot"
    exit 0
fi

mkdir -p "$cache"
# Serialise concurrent builds of the same key; whoever waited re-checks the stamp.
exec 9>"$cache/.lock-$key"
flock 9
if [[ -f $stamp ]]; then
    echo "sysroot cached: $sysroot (built by a concurrent run, $(elapsed))"
    echo "$sysroot"
    exit 0
fi
[[ -e $sysroot ]] && { log "removing incomplete $sysroot"; rm -rf "$sysroot"; }

for tool in cmake meson ninja pkg-config dpkg-source make "$triplet-ar" "$triplet-strip" "$triplet-windres"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

prefix="$sysroot.tmp"
rm -rf "$prefix"
mkdir -p "$prefix"/{include,lib/pkgconfig}
work=$(mktemp -d "${TMPDIR:-/tmp}/streamga-sysroot.XXXXXX")
cleanup() {
    if [[ ${STREAMGA_WIN_KEEP_WORK:-0} == 1 ]]; then log "work dir kept: $work"; else rm -rf "$work" "$prefix"; fi
}
trap cleanup EXIT
# Make an interrupted build leave through the EXIT trap too (bash skips it on an untrapped signal).
trap 'exit 130' INT TERM HUP
log "cold build of $sysroot (work dir $work, $jobs jobs)"

# --- toolchain files for building the dependencies (no exe_wrapper: nothing may run wine) ---
cat >"$work/deps-cross.ini" <<EOF
[binaries]
c = '$triplet-gcc'
cpp = '$triplet-g++'
ar = '$triplet-ar'
strip = '$triplet-strip'
windres = '$triplet-windres'
pkgconfig = 'pkg-config'

[properties]
pkg_config_libdir = '$prefix/lib/pkgconfig'

[built-in options]
c_args = ['-I$prefix/include']
c_link_args = ['-L$prefix/lib']
# glib's meson.build probes libintl with the C++ compiler when one is configured.
cpp_args = ['-I$prefix/include']
cpp_link_args = ['-L$prefix/lib']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF

cat >"$work/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $triplet-gcc)
set(CMAKE_RC_COMPILER $triplet-windres)
set(CMAKE_AR $(command -v "$triplet-ar"))
set(CMAKE_RANLIB $(command -v "$triplet-ranlib"))
set(CMAKE_FIND_ROOT_PATH $prefix)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF

# --- fetch: apt-get source (verifies checksums, applies Debian patches) ---
# The newest version is tried first; a mirror that lacks it (seen here: a security
# update's .dsc missing) falls back to the next version apt knows about.
declare -A srcdir srcver
fetch() {
    local pkg=$1 ver dir
    mkdir -p "$work/src/$pkg"
    for ver in ${versions[$pkg]}; do
        rm -rf "${work:?}/src/$pkg"/*
        if (cd "$work/src/$pkg" && apt-get source -q "$pkg=$ver" >"$work/fetch-$pkg.log" 2>&1); then
            dir=$(find "$work/src/$pkg" -mindepth 1 -maxdepth 1 -type d | head -1)
            [[ -n $dir ]] || die "apt-get source $pkg=$ver produced no directory"
            srcdir[$pkg]=$dir
            srcver[$pkg]=$ver
            log "source $pkg $ver"
            return 0
        fi
        log "apt-get source $pkg=$ver failed: $(grep -E '^E:' "$work/fetch-$pkg.log" | head -1)"
    done
    die "could not fetch any version of source package $pkg"
}
for pkg in "${packages[@]}"; do fetch "$pkg"; done

# Runs a build step with its output in a log file; on failure the log tail is shown.
step() {
    local name=$1; shift
    local t0=$SECONDS
    # Run in a background subshell and wait: inside `if ! fn` bash would silently ignore set -e.
    ( "$@" ) >"$work/build-$name.log" 2>&1 &
    if ! wait $!; then
        tail -40 "$work/build-$name.log" >&2
        die "step $name failed (log: $work/build-$name.log; set STREAMGA_WIN_KEEP_WORK=1 to keep it)"
    fi
    log "built $name in $((SECONDS - t0))s"
}

# --- zlib: Debian's dfsg tarball drops win32/Makefile.gcc and ./configure refuses mingw, so compile directly ---
build_zlib() {
    cd "${srcdir[zlib]}"
    local objs=() f
    for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil; do
        "$triplet-gcc" -O2 -Wall -c "$f.c" -o "$f.o" &
        objs+=("$f.o")
        (( $(jobs -r | wc -l) < jobs )) || wait -n
    done
    wait
    rm -f libz.a
    "$triplet-ar" rcs libz.a "${objs[@]}"
    install -m644 libz.a "$prefix/lib/"
    install -m644 zlib.h zconf.h "$prefix/include/"
    local version
    version=$(sed -n 's/^#define ZLIB_VERSION "\([^"]*\)".*/\1/p' zlib.h)
    cat >"$prefix/lib/pkgconfig/zlib.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: zlib
Description: zlib compression library
Version: $version
Libs: -L\${libdir} -lz
Cflags: -I\${includedir}
EOF
}

build_libffi() {
    cd "${srcdir[libffi]}"
    ./configure --host="$triplet" --prefix="$prefix" --libdir="$prefix/lib" \
        --disable-shared --enable-static --disable-docs --disable-multi-os-directory
    make -j"$jobs"
    make install
}

build_pcre2() {
    cmake -S "${srcdir[pcre2]}" -B "$work/build-pcre2" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$work/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON \
        -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF \
        -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF -DPCRE2_SUPPORT_JIT=OFF \
        -DPCRE2_SUPPORT_LIBZ=OFF -DPCRE2_SUPPORT_LIBBZ2=OFF -DPCRE2_SUPPORT_LIBEDIT=OFF \
        -DPCRE2_SUPPORT_LIBREADLINE=OFF
    ninja -C "$work/build-pcre2" -j"$jobs" install
}

build_jsonc() {
    cmake -S "${srcdir[json-c]}" -B "$work/build-json-c" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$work/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DBUILD_APPS=OFF \
        -DDISABLE_WERROR=ON
    ninja -C "$work/build-json-c" -j"$jobs" install
}

# glib needs libintl even with nls disabled; this one is a no-translation stand-in (returns the msgid).
build_libintl() {
    mkdir -p "$work/libintl"
    cd "$work/libintl"
    cat >"$prefix/include/libintl.h" <<'EOF'
/* No-translation libintl for the streamga mingw sysroot: every lookup returns the msgid. */
#ifndef STREAMGA_LIBINTL_H
#define STREAMGA_LIBINTL_H
/* Like GNU gettext and proxy-libintl: the Windows CRT has no LC_MESSAGES, glib uses it. */
#include <locale.h>
#ifndef LC_MESSAGES
#define LC_MESSAGES 1729
#endif
#ifdef __cplusplus
extern "C" {
#endif
/* format_arg keeps printf format checking through _() (glib builds with -Werror=format=2). */
#define STREAMGA_INTL_FORMAT(n) __attribute__((__format_arg__(n)))
char *gettext(const char *msgid) STREAMGA_INTL_FORMAT(1);
char *dgettext(const char *domainname, const char *msgid) STREAMGA_INTL_FORMAT(2);
char *dcgettext(const char *domainname, const char *msgid, int category) STREAMGA_INTL_FORMAT(2);
char *ngettext(const char *msgid, const char *msgid_plural, unsigned long n)
    STREAMGA_INTL_FORMAT(1) STREAMGA_INTL_FORMAT(2);
char *dngettext(const char *domainname, const char *msgid, const char *msgid_plural, unsigned long n)
    STREAMGA_INTL_FORMAT(2) STREAMGA_INTL_FORMAT(3);
char *dcngettext(const char *domainname, const char *msgid, const char *msgid_plural, unsigned long n, int category)
    STREAMGA_INTL_FORMAT(2) STREAMGA_INTL_FORMAT(3);
char *textdomain(const char *domainname);
char *bindtextdomain(const char *domainname, const char *dirname);
char *bind_textdomain_codeset(const char *domainname, const char *codeset);
#ifdef __cplusplus
}
#endif
#endif
EOF
    cat >intl.c <<'EOF'
/* No-translation libintl for the streamga mingw sysroot: every lookup returns the msgid. */
#include <libintl.h>
#include <stddef.h>
static const char *current_domain = "messages";
char *gettext(const char *msgid) { return (char *)msgid; }
char *dgettext(const char *d, const char *msgid) { (void)d; return (char *)msgid; }
char *dcgettext(const char *d, const char *msgid, int c) { (void)d; (void)c; return (char *)msgid; }
char *ngettext(const char *m, const char *p, unsigned long n) { return (char *)(n == 1 ? m : p); }
char *dngettext(const char *d, const char *m, const char *p, unsigned long n) { (void)d; return (char *)(n == 1 ? m : p); }
char *dcngettext(const char *d, const char *m, const char *p, unsigned long n, int c) { (void)d; (void)c; return (char *)(n == 1 ? m : p); }
char *textdomain(const char *d) { if (d != NULL && *d != '\0') current_domain = d; return (char *)current_domain; }
char *bindtextdomain(const char *d, const char *dir) { (void)d; return (char *)(dir != NULL ? dir : ""); }
char *bind_textdomain_codeset(const char *d, const char *cs) { (void)d; return (char *)cs; }
EOF
    "$triplet-gcc" -O2 -Wall -I"$prefix/include" -c intl.c -o intl.o
    "$triplet-ar" rcs "$prefix/lib/libintl.a" intl.o
}

build_glib() {
    # Only glib-2.0 is used by streamga, but glib's build always includes gobject/gio; building
    # everything keeps `meson install` standard.
    meson setup "$work/build-glib" "${srcdir[glib2.0]}" \
        --cross-file "$work/deps-cross.ini" --prefix "$prefix" --libdir lib \
        --buildtype release --default-library static --wrap-mode nodownload \
        -Dnls=disabled -Dtests=false -Dinstalled_tests=false -Dman=false -Dgtk_doc=false \
        -Dlibmount=disabled -Dselinux=disabled -Dxattr=false -Dsysprof=disabled -Dlibelf=disabled \
        -Ddtrace=false -Dsystemtap=false
    ninja -C "$work/build-glib" -j"$jobs"
    meson install -C "$work/build-glib" --no-rebuild
}

step zlib build_zlib
step libintl build_libintl
step libffi build_libffi
step pcre2 build_pcre2
step json-c build_jsonc
step glib build_glib

# --- fix-ups ---
pc=$prefix/lib/pkgconfig
# cmake's pcre2 .pc omits the flag a static pcre2 on Windows needs (autotools adds it).
grep -q -- '-DPCRE2_STATIC' "$pc/libpcre2-8.pc" || sed -i '/^Cflags:/ s/$/ -DPCRE2_STATIC/' "$pc/libpcre2-8.pc"
# glibconfig.h already defines GLIB_STATIC_COMPILATION for a static build; the .pc flag keeps
# consumers right even if they include a glib header before glibconfig.h.
for f in glib-2.0 gobject-2.0 gio-2.0 gmodule-no-export-2.0 gthread-2.0; do
    [[ -f $pc/$f.pc ]] || continue
    grep -q -- '-DGLIB_STATIC_COMPILATION' "$pc/$f.pc" || sed -i '/^Cflags:/ s/$/ -DGLIB_STATIC_COMPILATION/' "$pc/$f.pc"
done
if [[ -f $pc/gobject-2.0.pc ]] && ! grep -q -- '-DGOBJECT_STATIC_COMPILATION' "$pc/gobject-2.0.pc"; then
    sed -i '/^Cflags:/ s/$/ -DGOBJECT_STATIC_COMPILATION/' "$pc/gobject-2.0.pc"
fi
# Shared-library leftovers and docs are of no use in a static cross sysroot.
find "$prefix" -name '*.la' -delete
rm -rf "$prefix/share/doc" "$prefix/share/man" "$prefix/share/info" "$prefix/man"
find "$prefix/lib" -name '*.dll.a' -print -delete >&2
# Everything was installed under the temporary <sysroot>.tmp prefix: point the .pc files (and any
# other text file naming it) at the final path, with .pc paths expressed through ${prefix}.
for f in "$pc"/*.pc; do
    sed -i -e "s|^prefix=.*|prefix=$sysroot|" -e "/^prefix=/! s|$prefix|\${prefix}|g" "$f"
done
grep -rlIF "$prefix" "$prefix" 2>/dev/null | while read -r f; do sed -i "s|$prefix|$sysroot|g" "$f"; done

# Sanity check: a static glib + json-c program links with only the sysroot's pkg-config view.
cat >"$work/check.c" <<'EOF'
#include <glib.h>
#include <json.h>
int main(void) {
    char *s = g_strdup_printf("%d", 42);
    json_object *o = json_object_new_string(s);
    int ok = g_strcmp0(json_object_get_string(o), "42") == 0;
    json_object_put(o);
    g_free(s);
    return ok ? 0 : 1;
}
EOF
# (The .pc files already name the final path; --define-variable points them at the temporary one.)
# shellcheck disable=SC2046
"$triplet-gcc" -o "$work/check.exe" "$work/check.c" -static \
    $(PKG_CONFIG_LIBDIR=$pc pkg-config --define-variable=prefix="$prefix" --static --cflags --libs glib-2.0 json-c) \
    || die "sanity link of glib-2.0 + json-c against the sysroot failed"
if "$triplet-objdump" -p "$work/check.exe" | grep -iE 'DLL Name: (libgcc|libwinpthread|libglib|libjson|libintl|libpcre|zlib)'; then
    die "sanity exe imports non-system DLLs"
fi

# meson [constants] for the static cross file (windows/meson-cross-x86_64-w64-mingw32.ini).
printf "[constants]\nsysroot = '%s'\n" "$sysroot" >"$prefix/sysroot.ini"
{
    echo "key $key"
    key_input
    for pkg in "${packages[@]}"; do echo "built $pkg ${srcver[$pkg]}"; done
} >"$prefix/sysroot-info.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >"$prefix/.complete"
mv -T "$prefix" "$sysroot"

echo "sysroot built: $sysroot ($(du -sh "$sysroot" | cut -f1), $(elapsed))"
echo "$sysroot"
