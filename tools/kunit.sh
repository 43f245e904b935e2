#!/bin/sh
# Linux's own KTAP consumer, kunit.py (tools/testing/kunit/), taken from
# Debian's linux-source-6.1 package (installed by tools/deps.sh): its Python
# files are unpacked once from /usr/src/linux-source-6.1.tar.xz into
# .cache/kunit-VERSION/ (gitignored, outside build/, so make clean keeps
# it). tests/runner/kunit_check.py then reads every lane's KTAP with
# 'kunit.py parse', as a KUnit user would.
#
# Usage: tools/kunit.sh   prints the folder that holds kunit.py
set -eu

PKG=linux-source-6.1
TARBALL=/usr/src/$PKG.tar.xz
REPO=$(cd "$(dirname "$0")/.." && pwd)

version=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null) || version=
if [ -z "$version" ] || [ ! -f "$TARBALL" ]; then
	echo "kunit: $PKG is not installed (no $TARBALL); tools/deps.sh installs it" >&2
	exit 1
fi
DIR=$REPO/.cache/kunit-$version
TOOL=$DIR/$PKG/tools/testing/kunit
if [ ! -f "$TOOL/kunit.py" ]; then
	# Unpacked aside and renamed: an interrupted run leaves no half folder.
	rm -rf "$DIR" "$DIR.tmp"
	mkdir -p "$DIR.tmp"
	echo "kunit: unpacking tools/testing/kunit from $TARBALL ($version)" >&2
	tar -xJf "$TARBALL" -C "$DIR.tmp" --wildcards "$PKG/tools/testing/kunit/*.py"
	mv "$DIR.tmp" "$DIR"
fi
echo "$TOOL"
