#!/bin/sh
# grub-mkrescue, tried again when xorriso crashes. xorriso 1.5.4 (Debian
# 12) has been seen to die of SIGSEGV while shutting down, after it wrote
# the whole image ("Writing to 'stdio:...' completed successfully", then
# "UNIX-SIGNAL:  SIGSEGV", then "xorriso : ABORT"): grub-mkrescue then
# fails with status 1. Such a crash is xorriso's, not the ISO tree's, so
# the image is built again from nothing, at most TRIES times. Any other
# failure is final at once. Each crashed attempt's log is kept as LOG.N,
# and the crash is said on standard error and at the top of the next log.
# grub-mkrescue works in a folder under TMPDIR that it leaves behind when
# xorriso fails (13 MB a time with grub 2.06): it is given ISO.tmp, which
# is emptied before each attempt and removed after it, so a crash or a
# kill leaves nothing outside the build folder.
#
# Usage: tools/mkrescue.sh ISO TREE LOG
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 ISO TREE LOG" >&2
	exit 2
fi
iso=$1 tree=$2 log=$3
tmp=$iso.tmp
TRIES=3

n=1
note=
while :; do
	rm -f "$iso"
	rm -rf "$tmp" && mkdir -p "$tmp" || exit 1
	{
		[ -n "$note" ] && echo "$note"
		TMPDIR=$tmp grub-mkrescue -o "$iso" "$tree"
	} >"$log" 2>&1
	status=$?
	rm -rf "$tmp"
	[ $status -eq 0 ] && exit 0
	# libburn's abort handler names the signal on a line of its own.
	crash=$(grep -m1 '^UNIX-SIGNAL:' "$log" | tr -s ' ')
	if [ -z "$crash" ] || [ $n -ge $TRIES ]; then
		rm -f "$iso" # a failed build leaves no image that looks done
		exit $status
	fi
	mv "$log" "$log.$n"
	note="mkrescue: attempt $((n + 1)) of $TRIES: xorriso crashed ($crash) in attempt $n, whose log is $log.$n"
	echo "$note" >&2
	n=$((n + 1))
done
