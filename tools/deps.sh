#!/bin/sh
# Install the Debian packages the build and the test lanes need, only those
# missing; then unpack QEMU 10.0 for the qemu10 lanes (tools/qemu10.sh: a
# private prefix, the machine's apt sources untouched). Without it those
# lanes are reported as skipped, with the reason.
# Usage: tools/deps.sh [--check]   (--check: list what is missing, install nothing)
set -eu

qemu10() {
	"$(dirname "$0")/qemu10.sh" ||
		echo "deps: QEMU 10.0 not unpacked; the qemu10 lanes will be skipped" >&2
}

PKGS="build-essential binutils make python3 qemu-system-x86 ovmf \
bochs bochsbios vgabios grub-pc-bin grub-efi-amd64-bin grub-common \
xorriso mtools acpica-tools libcmocka-dev pkg-config clang-format clang libclang-rt-14-dev valgrind \
lava-common python3-yaml python3-junitparser gdb linux-source-6.1"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ "${1:-}" = "--check" ]; then
	[ -z "$missing" ] && exit 0
	echo "deps: missing Debian packages:$missing"
	exit 1
fi

if [ -z "$missing" ]; then
	qemu10
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or: sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
qemu10
