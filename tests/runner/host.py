"""The host lane: every cmocka test binary in DIR/host/, its TAP judged
with its exit status."""

import os
import shlex
import time

from .ktap import FAIL, TapParser, Test, log_tail, read_lines
from .lanes import Lane, lane_dir, lane_failure, suite_progress, write_cmds
from .procs import launch, reap


def host_binaries(out):
    d = out / "host"
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.is_file()
                  and p.suffix not in (".d", ".o") and os.access(p, os.X_OK))


def judge_host_binary(parser, proc_status, timed_out, timeout, err):
    if timed_out:
        reason = f"timed out after {timeout} s"
    elif proc_status < 0:
        reason = f"killed by signal {-proc_status}"
    else:
        reason = f"exited with status {proc_status}"
    tail = log_tail(err)
    parser.finish(reason, tail)
    suite = parser.suite
    if timed_out or (proc_status != 0 and not suite.count(FAIL)):
        suite.tests.append(Test("exit_status", FAIL,
                                [f"{suite.name} {reason}", *tail]))
    if not suite.tests:
        suite.tests.append(Test("no_results", FAIL,
                                [f"{suite.name} printed no TAP results",
                                 *tail]))
    return suite


def host_env(ctx):
    return {"CMOCKA_MESSAGE_OUTPUT": "TAP",
            "VTD_TABLES": str(ctx.out / "tables")}


def run_one_host(path, ctx, d, timeout):
    tap, err = d / f"{path.name}.tap", d / f"{path.name}.stderr"
    start = time.monotonic()
    proc = launch([str(path)], tap, err, dict(os.environ, **host_env(ctx)))
    timed_out = reap(proc, timeout)
    parser = TapParser(path.name)
    for line in read_lines(tap):
        parser.feed(line)
    suite = judge_host_binary(parser, proc.returncode, timed_out, timeout, err)
    suite.seconds = time.monotonic() - start
    return suite


def run_host_lane(lane, ctx):
    d = lane_dir(ctx, lane)
    bins = host_binaries(ctx.out)
    if not bins:
        return lane_failure(lane, "no_host_tests", "no host tests built in "
                            f"{ctx.out}/host; run make O={ctx.out} host-build")
    env = "".join(f"{k}={shlex.quote(v)} " for k, v in host_env(ctx).items())
    write_cmds(d, *([b] for b in bins), env=env)
    result = Lane(lane["name"])
    for path in bins:
        result.suites.append(run_one_host(path, ctx, d, lane["timeout"]))
        ctx.console.progress(suite_progress(lane["name"], result.suites[-1]))
    return result
