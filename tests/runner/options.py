"""tests/run's options, in the style of kvm-unit-tests' run_tests.sh (lanes
as arguments, -g, -j, -v, -l, -t), and the lanes they select."""

import argparse
import fnmatch
import sys
from pathlib import Path

from .matrix import MATRIX, UsageError, select_lanes
from .procs import REPO

EPILOG = """\
Lanes are named as arguments (names or globs: qemu 'qemu-*'), by group
(-g, the matrix's "groups"; -l lists both), or with --lanes a,b; none:
every lane. The artifacts go to DIR/lanes/<lane>/ (serial.log, ktap.txt,
runner.ktap, junit.xml, ...) and DIR/junit.xml (all lane folders present).

Output: a progress line per suite, then a table per lane, the failures,
the known divergences, the line "N divergent (...)", and as the very last
line:  N passed, N failed, N skipped  (divergences count as skipped).
With -t the standard output is one KTAP document instead (a subtest per
lane, per suite); the table and that line go to standard error.

Exit status:
  0    every test of every lane passed or was skipped as expected
  1    a test failed: a kernel test, or a check of the runner (a lane's
       timeout, exit status, setup, KTAP conformance, skips not as the
       matrix expects, screen, ACPI tables, reports)
  2    usage error (bad option, no lane matches, unreadable matrix)
  130  interrupted (Ctrl-C or SIGTERM); the emulators are killed
  141  the standard output was closed early (tests/run -l | head); the
       emulators are killed
"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tests/run", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the test lanes of tests/matrix.json, judge their "
        "KTAP and report (the module docstring of tests/run says more).")
    p.add_argument("lanes", nargs="*", metavar="LANE",
                   help="lane names or globs (default: every lane)")
    p.add_argument("-g", "--group", action="append", default=[],
                   metavar="GROUP", help="the lanes of a group (repeatable)")
    p.add_argument("--lanes", dest="lane_list", metavar="A,B",
                   help="comma-separated lane names or globs")
    p.add_argument("-j", "--jobs", type=int, default=2, metavar="N",
                   help="lanes in parallel (default 2)")
    p.add_argument("-v", "--verbose", "--show-serial", action="store_true",
                   dest="show_serial", help="stream the kernel's serial "
                   "output instead of the progress lines")
    p.add_argument("-l", "--list", action="store_true",
                   help="list the lanes and groups, run nothing")
    p.add_argument("-t", "--tap", action="store_true",
                   help="print the results as one KTAP document")
    p.add_argument("-r", "--reports", action="store_true",
                   help="after the run, print each lane's decoded VT-d unit "
                   "and coherency reports and its verdict")
    p.add_argument("-o", "--out", type=Path, default=REPO / "build",
                   metavar="DIR", help="build directory (default: build/)")
    p.add_argument("--args", default="", help="extra kernel arguments")
    p.add_argument("--gdb", action="store_true",
                   help="debug one qemu -kernel lane under gdb")
    p.add_argument("--gdb-args", default="",
                   help="more gdb options (a shell-quoted string)")
    p.add_argument("--log", type=Path, metavar="FILE",
                   help="judge a saved serial log instead of running lanes")
    p.add_argument("--matrix", type=Path, default=MATRIX,
                   help="lane matrix (default: tests/matrix.json)")
    opts = p.parse_args(argv)
    if opts.jobs < 1:
        p.error("--jobs must be at least 1")
    return opts


def chosen_lanes(matrix, opts):
    """The lanes named by arguments, --lanes and -g, in matrix order."""
    patterns = list(opts.lanes)
    patterns += [x for x in (opts.lane_list or "").split(",") if x]
    groups = matrix.get("groups", {})
    for g in opts.group:
        if g not in groups:
            raise UsageError(f"no group '{g}'; groups: "
                             + ", ".join(groups))
        patterns += groups[g]["lanes"]
    if opts.group and not patterns:
        return []
    return select_lanes(matrix, patterns)


def list_lanes(matrix, out=sys.stdout):
    """-l: each lane with its emulator and what it proves, then the
    groups."""
    lanes = matrix["lanes"]
    w = max(len(l["name"]) for l in lanes) + 2
    for l in lanes:
        emu = l.get("emulator", l["kind"])
        print(f"{l['name']:<{w}}{emu:<11}{l.get('about', '')}", file=out)
    groups = matrix.get("groups", {})
    if groups:
        print("\ngroups:", file=out)
        for name, g in groups.items():
            names = [l["name"] for l in lanes if any(
                fnmatch.fnmatchcase(l["name"], p) for p in g["lanes"])]
            print(f"  {name:<{w - 2}}{' '.join(names)}  ({g.get('about')})",
                  file=out)
