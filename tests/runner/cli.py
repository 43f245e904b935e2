"""The command line (tests/run describes it): the options, the lane matrix,
the lanes run in parallel, the summary and the exit status."""

import concurrent.futures
import json
import shutil
import sys
import time
import traceback
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from .bochs import run_bochs_lane
from .expect import actual_skips, skips_test
from .host import run_host_lane
from .ktap import FAIL, KtapParser, read_lines
from .matrix import UsageError, load_matrix
from .options import chosen_lanes, list_lanes, parse_args
from .lanes import (Console, Context, emulator_result, ktap_test, lane_dir,
                    lane_failure, lane_path, wall, write_lane_ktap)
from .qemu import run_qemu_lane
from .report import (kernel_reports, lanes_ktap, merge_junit, summary,
                     totals_line, write_lane_junit)

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
    skipped = any(s.name == "runner" and t.name == "emulator"
                  for s in result.suites for t in s.tests)
    if lane["kind"] != "host" and not ctx.gdb and not skipped:
        result.runner_test(ktap_test(lane_path(ctx, lane) / "serial.log",
                                     ctx.matrix.get("ktap", {})
                                     .get("tolerate", ())))
    if not skipped:
        result.runner_test(skips_test(result, lane.get("skips", {}),
                                      partial=bool(ctx.extra_args)))
    write_lane_ktap(lane_path(ctx, lane), result)
    write_lane_junit(lane_path(ctx, lane) / "junit.xml", result)
    result.seconds = time.monotonic() - start
    ctx.console.progress(f"[{result.name}] done: {totals_line([result])} "
                         f"({wall(result.seconds)})")
    return result


def last_seconds(ctx, lane):
    """How long the lane took the last time (its junit.xml), else its
    timeout: the longest lanes start first, so the run ends sooner."""
    try:
        root = ET.parse(lane_path(ctx, lane) / "junit.xml").getroot()
        return float(root.get("time"))
    except (OSError, ET.ParseError, TypeError, ValueError):
        return float(lane["timeout"])


def run_lanes(lanes, ctx, jobs):
    """The lanes' results, in matrix order."""
    if jobs == 1 or ctx.gdb:  # gdb needs the main thread for signals
        return [run_lane(lane, ctx) for lane in lanes]
    first = sorted(lanes, key=lambda l: -last_seconds(ctx, l))
    pool = concurrent.futures.ThreadPoolExecutor(jobs)
    try:
        futures = {l["name"]: pool.submit(run_lane, l, ctx) for l in first}
        return [futures[l["name"]].result() for l in lanes]
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
                         "'kernel' (e.g. tests/run --gdb qemu)")


def main(argv=None):
    opts = parse_args(argv)
    try:
        matrix = load_matrix(opts.matrix)
        if opts.list:
            list_lanes(matrix)
            return 0
        lanes = chosen_lanes(matrix, opts)
        if opts.gdb:
            check_gdb(lanes)
        if opts.log and (opts.lanes or opts.lane_list or opts.group
                         or opts.gdb or opts.args):
            raise UsageError("--log judges a saved log: no lanes, --gdb "
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
    else:
        emulators = sum(l["kind"] != "host" for l in lanes)
        console = Console(opts.show_serial, prefix_serial=emulators > 1,
                          stream=sys.stderr if opts.tap else sys.stdout)
        ctx = Context(out, matrix, console, opts.args, opts.gdb,
                      opts.gdb_args)
        results = run_lanes(lanes, ctx, opts.jobs)
        (out / "skips.json").write_text(json.dumps(actual_skips(results),
                                                   indent=1) + "\n")
    merge_junit(out)
    if opts.reports:
        for r in results:
            print(kernel_reports(out / "lanes" / r.name), flush=True)
    if opts.tap:
        print("\n".join(lanes_ktap(results)), flush=True)
    print(summary(results), flush=True,
          file=sys.stderr if opts.tap else sys.stdout)
    return 1 if any(r.count(FAIL) for r in results) else 0
