#!/usr/bin/env python3
"""make bench: speed figures measured in one run, as "bench:" machine lines
and then as tables.

host:  the page-table builder against the memset floor (tests/bench/),
       invalidations and cache-line flushes per map and per unmap call;
qemu:  wall time of each QEMU lane asked for (--lane, default qemu and,
       when QEMU 10.0 is there, qemu10) against a boot-and-exit of the same
       machine line (tests=none), the same again with the serial port's
       bytes dropped in QEMU (-serial null: the cost of the output),
       checks per second;
kvm:   "# bench:" diagnostics the kvm_wbinvd suite prints, per lane.
Timings are medians of --runs runs, a lane and its floor run in turn (the
ratio is the median of each turn's own); wall time on an emulator is only
comparable within one run of this script."""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
from runner.procs import launch, reap  # noqa: E402
from runner.qmp import RING, SerialRing  # noqa: E402
BENCH_RE = re.compile(r"bench: name=(\S+) value=(\S+) unit=(\S+)")


def sh(cmd, **kw):
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


def wall_once(cmd, env):
    """One run's wall time, its serial port read as tests/run reads it (a
    ring over QMP, answering the kernel's exit handshake); a command
    without the ring (-serial null) just runs."""
    ring = SerialRing() if f"chardev:{RING}" in cmd else None
    try:
        if ring:
            cmd = ring.rebind(cmd)
        t0 = time.monotonic()
        proc = launch(cmd, os.devnull, env=env)
        if ring:
            ring.follow(proc, os.devnull, 300, lambda line: None)
        else:
            reap(proc, 300)
        return time.monotonic() - t0
    finally:
        if ring:
            ring.close()


def wall_pairs(cmd, floor_cmd, env, runs):
    """The lane and its floor run in turn, @runs times each: the median
    lane time, the median floor time, and the median of the runs' own
    lane/floor ratios. Run next to each other, a lane and its floor see
    the same load on a shared machine, which drifts over seconds."""
    lane, floor = [], []
    for _ in range(runs):
        lane.append(wall_once(cmd, env))
        floor.append(wall_once(floor_cmd, env))
    ratios = [a / b for a, b in zip(lane, floor)]
    return (statistics.median(lane), statistics.median(floor),
            statistics.median(ratios))


def host_bench(out):
    r = sh(["make", "-s", f"O={out}", "bench-build"])
    if r.returncode:
        sys.exit(f"bench: build failed:\n{r.stdout}{r.stderr}")
    r = sh([str(Path(out) / "bench" / "bench_pgtable")])
    return r.stdout.splitlines()


def lane_command(lane_dir):
    """The QEMU command of a lane (cmd.txt's first line) and its
    environment (VAR=value words before the command)."""
    words = shlex.split((lane_dir / "cmd.txt").read_text().splitlines()[0])
    env = dict(os.environ)
    while words and re.match(r"[A-Z_]+=", words[0]):
        k, _, v = words.pop(0).partition("=")
        env[k] = v
    return words, env


def with_args(cmd, args):
    """The lane's QEMU command with its kernel arguments replaced, but for
    the exit handshake (exit_ack), part of how its serial port is read."""
    cmd = list(cmd)
    i = cmd.index("-append")
    cmd[i + 1] = " ".join([args] + [a for a in cmd[i + 1].split()
                                    if a == "exit_ack"])
    return cmd


def with_serial_null(cmd):
    """The lane's QEMU command with the serial port's bytes dropped inside
    QEMU (-serial null): what the lane costs without its output. Without
    the exit handshake too, which nobody could answer."""
    first, end = SerialRing.span(cmd)
    cmd = cmd[:first] + ["-serial", "null"] + cmd[end:]
    i = cmd.index("-append")
    cmd[i + 1] = " ".join(a for a in cmd[i + 1].split() if a != "exit_ack")
    return cmd


def run_lanes(out, lanes):
    r = sh([sys.executable, str(TESTS / "run"), "--out", out, *lanes])
    if r.returncode:
        sys.exit(f"bench: lanes {' '.join(lanes)} fail; fix that first\n"
                 f"{r.stdout[-2000:]}")


def qemu_bench(out, runs, lane):
    lane_dir = Path(out) / "lanes" / lane
    cmd, env = lane_command(lane_dir)
    totals = re.search(r"# Totals: pass:(\d+).*checks:(\d+)",
                       (lane_dir / "ktap.txt").read_text())
    tests, checks = int(totals[1]), int(totals[2])
    floor = with_args(cmd, "tests=none")
    lane_s, floor_s, ratio = wall_pairs(cmd, floor, env, runs)
    quiet_s, _, quiet_ratio = wall_pairs(with_serial_null(cmd), floor, env,
                                         runs)
    p = "qemu" if lane == "qemu" else lane
    return [f"bench: name={p}_lane_wall value={lane_s:.3f} unit=s",
            f"bench: name={p}_boot_floor_wall value={floor_s:.3f} unit=s",
            f"bench: name={p}_lane_vs_floor value={ratio:.2f} "
            "unit=ratio target=2",
            f"bench: name={p}_lane_serial_null_wall value={quiet_s:.3f} "
            "unit=s",
            f"bench: name={p}_lane_serial_null_vs_floor "
            f"value={quiet_ratio:.2f} unit=ratio",
            f"bench: name={p}_lane_tests value={tests} unit=tests",
            f"bench: name={p}_lane_checks value={checks} unit=checks "
            "target=200",
            f"bench: name={p}_checks_per_s value={checks / lane_s:.0f} "
            "unit=checks/s"]


def kvm_bench(out, lanes):
    lines = []
    for name in lanes:
        ktap = Path(out, "lanes", name, "ktap.txt")
        for line in ktap.read_text().splitlines():
            m = re.search(r"# bench: (.*)", line)
            if m:
                lines.append(f"bench: lane={name} {m[1]}")
    return lines


def table(rows):
    """Rows of cells as aligned text: the first column left, the rest
    right."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                      for i, (c, w) in enumerate(zip(r, widths)))
            for r in rows]


def figures(lines):
    return {m[1]: float(m[2]) for m in map(BENCH_RE.search, lines) if m}


def us(ns):
    return f"{ns / 1000:.1f}" if ns is not None else "-"


def ratio(x):
    return f"{x:.2f}" if x is not None else "-"


def size(text):
    """'16g' -> bytes, for ordering."""
    m = re.fullmatch(r"(\d+)([kmg])", text)
    return int(m[1]) << {"k": 10, "m": 20, "g": 30}[m[2]] if m else 0


def case_order(case):
    _, total, page, mode = case.split(".", 3)
    return size(total), size(page), mode


def pgtable_table(f):
    """One row per size, page size and mode of the page-table builder."""
    cases = sorted({n.rsplit(".", 1)[0] for n in f
                    if n.startswith("pgtable.")}, key=case_order)
    rows = [("page tables", "map us", "unmap us", "map/floor",
             "map/memset", "unmap/memset", "tables", "inval/call",
             "flush/map")]
    for c in cases:
        g = {k[len(c) + 1:]: v for k, v in f.items() if k.startswith(c + ".")}
        flush = g.get("flushes_per_map")
        rows.append((c[len("pgtable."):].replace(".", " "), us(g.get("map")),
                     us(g.get("unmap")), ratio(g.get("map_vs_floor")),
                     ratio(g.get("map_vs_memset")),
                     ratio(g.get("unmap_vs_memset")),
                     f"{g.get('tables_per_map', 0):.0f}",
                     f"{g.get('inval_per_map', 0):.0f}/"
                     f"{g.get('inval_per_unmap', 0):.0f}",
                     f"{flush:.0f}" if flush is not None else "-"))
    return table(rows)


def qemu_table(f, lanes):
    rows = [("QEMU lane", "lane s", "floor s", "lane/floor",
             "without output", "tests", "checks", "checks/s")]
    for lane in lanes:
        g = {k[len(lane) + 1:]: v for k, v in f.items()
             if k.startswith(lane + "_")}
        rows.append((f"{lane} (vs tests=none)", f"{g['lane_wall']:.2f}",
                     f"{g['boot_floor_wall']:.2f}",
                     f"{g['lane_vs_floor']:.2f}",
                     f"{g['lane_serial_null_vs_floor']:.2f}",
                     f"{g['lane_tests']:.0f}",
                     f"{g['lane_checks']:.0f}", f"{g['checks_per_s']:.0f}"))
    return table(rows)


def kvm_table(lines):
    rows = [("VM exits (kvm_wbinvd)", "figure", "value")]
    for line in lines:
        lane, _, rest = line[len("bench: lane="):].partition(" ")
        name, _, value = rest.partition(" ")
        unit, _, value = value.rpartition("=")
        rows.append((lane, f"{name} ({unit})" if unit else name, value))
    return table(rows) if len(rows) > 1 else []


def qemu10_present():
    r = sh([sys.executable, str(TESTS / "run"), "-l"])
    return re.search(r"^qemu10 ", r.stdout, re.M) is not None and \
        Path(TESTS.parent / ".cache" / "qemu-10.0.2" / "usr/bin"
             / "qemu-system-x86_64").exists()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="build")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--lane", action="append",
                    help="a QEMU lane to time (repeatable; default qemu, "
                    "and qemu10 when QEMU 10.0 is there)")
    a = ap.parse_args()
    qemu = a.lane or (["qemu", "qemu10"] if qemu10_present() else ["qemu"])
    host = host_bench(a.out)
    kvm_lanes = list(dict.fromkeys(qemu + ["bochs", "bochs-svm"]))
    run_lanes(a.out, kvm_lanes)
    lines = host
    for lane in qemu:
        lines += qemu_bench(a.out, a.runs, lane)
    kvm = kvm_bench(a.out, kvm_lanes)
    print("\n".join(lines + kvm))
    f = figures(lines)
    for t in (pgtable_table(f), qemu_table(f, qemu), kvm_table(kvm)):
        if t:
            print("\n" + "\n".join(t))


if __name__ == "__main__":
    main()
