"""The command line (tests/run describes it): the options, the lane matrix,
the lanes run in parallel, the summary and the exit status."""

import argparse
import concurrent.futures
import json
import shutil
import sys
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

from .bochs import run_bochs_lane
from .expect import actual_skips, skips_test
from .host import run_host_lane
from .ktap import FAIL, KtapParser, read_lines
from .matrix import MATRIX, UsageError, load_matrix, select_lanes
from .lanes import (Console, Context, emulator_result, ktap_test, lane_dir,
                    lane_failure, lane_path, write_lane_ktap)
from .qemu import run_qemu_lane
from .report import merge_junit, summary, totals_line, write_lane_junit

RUNNERS = {"host": run_host_lane, "qemu": run_qemu_lane,
           "bochs": run_bochs_lane}


def run_lane(lane, ctx):
    """Runs one lane; a runner error fails that lane only."""
    start = time.monotonic()
    try:
        result = RUNNERS[lane["kind"]](lane, ctx)
    except Exception as e:  # noqa: BLE001 - other lanes go on
        result = lane_failure(lane, "runner_error", f"{type(e).__name__}: {e}",
                              *traceback.format_exc().splitlines())
    if lane["kind"] != "host" and not ctx.gdb:
        result.runner_test(ktap_test(lane_path(ctx, lane) / "serial.log",
                                     ctx.matrix.get("ktap", {})
                                     .get("tolerate", ())))
    result.runner_test(skips_test(result, lane.get("skips", {}),
                                  partial=bool(ctx.extra_args)))
    write_lane_ktap(lane_path(ctx, lane), result)
    write_lane_junit(lane_path(ctx, lane) / "junit.xml", result)
    result.seconds = time.monotonic() - start
    ctx.console.progress(f"[{result.name}] done: {totals_line([result])} "
                         f"({result.seconds:.1f}s)")
    return result


def run_lanes(lanes, ctx, jobs):
    if jobs == 1 or ctx.gdb:  # gdb needs the main thread for signals
        return [run_lane(lane, ctx) for lane in lanes]
    pool = concurrent.futures.ThreadPoolExecutor(jobs)
    try:
        return list(pool.map(lambda lane: run_lane(lane, ctx), lanes))
    finally:  # on Ctrl-C, leave without waiting for the lanes
        pool.shutdown(wait=False)


def run_log(path, out, tolerate=()):
    """Judges a saved serial log (a lab machine's) as a lane named 'log':
    KTAP, report.json and the ACPI tables, into DIR/lanes/log/."""
    lane = {"name": "log"}
    d = lane_dir(SimpleNamespace(out=out), lane)
    lines = read_lines(path)
    shutil.copyfile(path, d / "serial.log")
    parser = KtapParser()
    for line in lines:
        parser.feed(line)
    parser.finish(f"the log {path} ended")
    result = emulator_result(lane, d, parser, [])
    result.runner_test(ktap_test(d / "serial.log", tolerate))
    write_lane_ktap(d, result)
    write_lane_junit(d / "junit.xml", result)
    return result


def check_gdb(lanes):
    if len(lanes) != 1 or lanes[0]["kind"] != "qemu" \
            or lanes[0]["boot"] != "kernel":
        raise UsageError("--gdb needs exactly one qemu lane with boot "
                         "'kernel' (e.g. --lanes qemu)")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tests/run", description="Run the test lanes and report (see the module "
        "docstring in tests/run).")
    p.add_argument("--out", required=True, type=Path, help="build directory")
    p.add_argument("--lanes", help="comma-separated lane names or globs")
    p.add_argument("--show-serial", action="store_true",
                   help="stream the kernel's serial output")
    p.add_argument("--args", default="", help="extra kernel arguments")
    p.add_argument("--gdb", action="store_true",
                   help="debug one qemu -kernel lane under gdb")
    p.add_argument("--gdb-args", default="",
                   help="more gdb options (a shell-quoted string)")
    p.add_argument("--log", type=Path, metavar="FILE",
                   help="judge a saved serial log instead of running lanes")
    p.add_argument("--jobs", type=int, default=2, help="lanes in parallel")
    p.add_argument("--matrix", type=Path,
                   default=MATRIX,
                   help="lane matrix (default: tests/matrix.json)")
    opts = p.parse_args(argv)
    if opts.jobs < 1:
        p.error("--jobs must be at least 1")
    return opts


def main(argv=None):
    opts = parse_args(argv)
    try:
        matrix = load_matrix(opts.matrix)
        lanes = select_lanes(matrix, [p for p in (opts.lanes or '').split(',') if p])
        if opts.gdb:
            check_gdb(lanes)
        if opts.log and (opts.lanes or opts.gdb or opts.args):
            raise UsageError("--log judges a saved log: no --lanes, --gdb "
                             "or --args with it")
        if opts.log and not opts.log.is_file():
            raise UsageError(f"--log: no file {opts.log}")
    except UsageError as e:
        print(f"tests/run: {e}", file=sys.stderr)
        return 2
    out = opts.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if opts.log:
        results = [run_log(opts.log, out, matrix.get("ktap", {})
                           .get("tolerate", ()))]
        merge_junit(out)
        print(summary(results), flush=True)
        return 1 if results[0].count(FAIL) else 0
    emulators = sum(l["kind"] != "host" for l in lanes)
    console = Console(opts.show_serial, prefix_serial=emulators > 1)
    ctx = Context(out, matrix, console, opts.args, opts.gdb, opts.gdb_args)
    results = run_lanes(lanes, ctx, opts.jobs)
    (out / "skips.json").write_text(json.dumps(actual_skips(results),
                                               indent=1) + "\n")
    merge_junit(out)
    print(summary(results), flush=True)
    return 1 if any(r.count(FAIL) for r in results) else 0
