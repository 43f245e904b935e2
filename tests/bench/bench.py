#!/usr/bin/env python3
"""make bench: speed figures measured in one run, printed as ratios.

host:  the page-table builder against the memset floor (tests/bench/),
       invalidations per map and per unmap call;
qemu:  wall time of the qemu lane against a boot-and-exit with the same
       machine line (tests=none), checks per second;
kvm:   "# bench:" diagnostics the kvm_wbinvd suite prints, per lane.
Timings are medians of --runs runs; wall time on an emulator is only
comparable within one run of this script."""
import argparse
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def sh(cmd, **kw):
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


def wall(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        sh(cmd, timeout=300)
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def host_bench(out):
    r = sh(["make", "-s", f"O={out}", "bench-build"])
    if r.returncode:
        sys.exit(f"bench: build failed:\n{r.stdout}{r.stderr}")
    r = sh([str(Path(out) / "bench" / "bench_pgtable")])
    print(r.stdout.rstrip())


def with_args(cmd, args):
    """The lane's QEMU command with its kernel arguments replaced."""
    cmd = list(cmd)
    i = cmd.index("-append")
    cmd[i + 1] = args
    return cmd


def run_lanes(out, lanes):
    r = sh([sys.executable, str(TESTS / "run"), "--out", out, "--lanes", lanes])
    if r.returncode:
        sys.exit(f"bench: lanes {lanes} fail; fix that first\n"
                 f"{r.stdout[-2000:]}")


def qemu_bench(out, runs, lane):
    lane_dir = Path(out) / "lanes" / lane
    cmd = shlex.split((lane_dir / "cmd.txt").read_text().splitlines()[0])
    totals = re.search(r"# Totals: pass:(\d+).*checks:(\d+)",
                       (lane_dir / "ktap.txt").read_text())
    tests, checks = int(totals[1]), int(totals[2])
    lane_s = wall(cmd, runs)
    floor_s = wall(with_args(cmd, "tests=none"), runs)
    print(f"bench: name=qemu_lane_wall value={lane_s:.3f} unit=s")
    print(f"bench: name=qemu_boot_floor_wall value={floor_s:.3f} unit=s")
    print(f"bench: name=qemu_lane_vs_floor value={lane_s / floor_s:.2f} "
          f"unit=ratio target=4")
    print(f"bench: name=qemu_lane_tests value={tests} unit=tests")
    print(f"bench: name=qemu_lane_checks value={checks} unit=checks "
          f"target=200")
    print(f"bench: name=qemu_checks_per_s value={checks / lane_s:.0f} "
          f"unit=checks/s")


def kvm_bench(out):
    for name in ("qemu", "bochs", "bochs-svm"):
        ktap = Path(out, "lanes", name, "ktap.txt")
        for line in ktap.read_text().splitlines():
            m = re.search(r"# bench: (.*)", line)
            if m:
                print(f"bench: lane={name} {m[1]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lane", default="qemu")
    a = ap.parse_args()
    host_bench(a.out)
    run_lanes(a.out, f"{a.lane},bochs,bochs-svm")
    qemu_bench(a.out, a.runs, a.lane)
    kvm_bench(a.out)


if __name__ == "__main__":
    main()
