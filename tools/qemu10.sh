#!/bin/sh
# QEMU 10.0.2 from Debian bookworm-backports, unpacked into a private prefix
# for the qemu10 lanes; the machine's apt sources, lists and installed QEMU
# are left alone: apt-get runs with a private sources list, lists folder and
# package cache, and the packages are unpacked with dpkg-deb -x, not
# installed. bookworm-backports is signed by the Debian archive keyring the
# machine already has; apt checks the signature.
#
# Usage: tools/qemu10.sh [PREFIX]   (default: .cache/qemu-10.0.2 in the
# repository, outside build/ so that make clean keeps it; gitignored)
# The runner then starts PREFIX/usr/bin/qemu-system-x86_64 with
# -L PREFIX/usr/share/qemu and QEMU_MODULE_DIR=PREFIX/usr/lib/x86_64-linux-gnu/qemu.
set -eu

VERSION='1:10.0.2+ds-2+deb13u1~bpo12+1'
PKGS="qemu-system-x86 qemu-system-common qemu-system-data"
REPO=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-$REPO/.cache/qemu-10.0.2}
BIN=$PREFIX/usr/bin/qemu-system-x86_64

if [ -x "$BIN" ] && [ -f "$PREFIX/.version" ] &&
	[ "$(cat "$PREFIX/.version")" = "$VERSION" ]; then
	exit 0
fi

# The Debian mirror the machine's apt already uses (deb822 or one-line).
mirror=$(sed -n 's|^URIs: *\(https\{0,1\}://[^ ]*/debian\)/\{0,1\} *$|\1|p' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n \
	's|^deb  *\(\[[^]]*\]  *\)\{0,1\}\(https\{0,1\}://[^ ]*/debian\)/\{0,1\}  *bookworm .*|\2|p' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

APT=$PREFIX.apt
rm -rf "$PREFIX" "$APT"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-backports main" \
	>"$APT/sources.list"
set -- -o "Dir::Etc::sourcelist=$APT/sources.list" \
	-o Dir::Etc::sourceparts=- \
	-o "Dir::State::Lists=$APT/lists" \
	-o "Dir::Cache=$APT/cache" \
	-o "Dir::Cache::archives=$APT/cache/archives" \
	-o APT::Sandbox::User=root -q

echo "qemu10: apt-get update (bookworm-backports from $mirror, private lists)"
apt-get "$@" update >"$APT/update.log" 2>&1 ||
	{ cat "$APT/update.log" >&2; echo "qemu10: apt-get update failed" >&2; exit 1; }
echo "qemu10: apt-get download $PKGS ($VERSION)"
(cd "$APT/debs" && apt-get "$@" download \
	$(for p in $PKGS; do printf '%s=%s ' "$p" "$VERSION"; done)) \
	>"$APT/download.log" 2>&1 ||
	{ cat "$APT/download.log" >&2; echo "qemu10: download failed" >&2; exit 1; }
for deb in "$APT"/debs/*.deb; do
	dpkg-deb -x "$deb" "$PREFIX"
done
QEMU_MODULE_DIR=$PREFIX/usr/lib/x86_64-linux-gnu/qemu "$BIN" \
	-L "$PREFIX/usr/share/qemu" --version | head -n 1
echo "$VERSION" >"$PREFIX/.version"
rm -rf "$APT/debs" "$APT/cache"
echo "qemu10: unpacked into $PREFIX"
