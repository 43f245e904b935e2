"""What every lane shares: its result, the console, the run's context, its
artifact directory; and what the QEMU and Bochs lanes share: the kernel
arguments, the serial log parsed as it grows, the result of the report."""

import json
import shlex
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .acpi import acpi_suite
from .ktap import (DIVERGE, FAIL, PASS, SKIP, KtapParser, Suite, Test, clean,
                   write_ktap)
from .ktap_check import check_text
from .procs import REPO, follow


# --- Any lane -----------------------------------------------------------------


@dataclass
class Lane:
    name: str
    suites: list = field(default_factory=list)
    seconds: float = 0.0
    clock: str = ""  # what the kernel's test durations count (JUnit)

    def count(self, status):
        return sum(s.count(status) for s in self.suites)

    def fail(self, name, *diag):
        """Records a failure of the lane itself in its 'runner' suite."""
        self.runner_test(Test(name, FAIL, list(diag)))

    def runner_test(self, test):
        """Adds a check the runner made to the lane's 'runner' suite."""
        runner = next((s for s in self.suites if s.name == "runner"), None)
        if not runner:
            runner = Suite("runner")
            self.suites.append(runner)
        runner.tests.append(test)


class Console:
    """Serialises output lines of lanes running in parallel."""

    def __init__(self, show_serial, prefix_serial, stream=None):
        self.show_serial = show_serial
        self.prefix_serial = prefix_serial
        self.stream = stream  # None: standard output
        self.lock = threading.Lock()

    def say(self, text):
        with self.lock:
            print(text, flush=True, file=self.stream)

    def progress(self, text):
        if not self.show_serial:
            self.say(text)

    def serial(self, lane, line):
        if self.show_serial:
            self.say(f"[{lane}] {clean(line)}" if self.prefix_serial
                     else clean(line))


@dataclass
class Context:
    out: Path
    matrix: dict
    console: Console
    extra_args: str = ""
    gdb: bool = False
    gdb_args: str = ""  # more gdb options, e.g. "-batch -ex bt"


def lane_path(ctx, lane):
    return ctx.out / "lanes" / lane["name"]


def lane_dir(ctx, lane):
    """The lane's artifact folder, emptied."""
    d = lane_path(ctx, lane)
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def write_cmds(d, *cmds, env=""):
    (d / "cmd.txt").write_text("".join(env + shlex.join(map(str, c)) + "\n"
                                       for c in cmds))


def lane_failure(lane, name, *diag):
    result = Lane(lane["name"])
    result.fail(name, *diag)
    return result


def setup_failure(lane, needs):
    """The lane failed at setup when a tool or file it needs is missing
    (needs: a message for each missing one, None for each one there)."""
    missing = [m for m in needs if m]
    return lane_failure(lane, "setup", "; ".join(missing)) if missing else None


def wall(seconds):
    """A wall time as progress shows it: milliseconds under a second (a
    QEMU suite takes tens of them; the runner sees the serial log every
    10 ms), else seconds."""
    return (f"{seconds * 1000:.0f} ms" if seconds < 1
            else f"{seconds:.1f} s")


def suite_progress(lane, suite):
    parts = [f"{suite.count(PASS)}/{len(suite.tests)} ok"]
    for status, label in ((FAIL, "failed"), (SKIP, "skipped"),
                          (DIVERGE, "divergent")):
        if suite.count(status):
            parts.append(f"{suite.count(status)} {label}")
    return f"[{lane}] {suite.name}: {', '.join(parts)} ({wall(suite.seconds)})"


# --- Emulator lanes -----------------------------------------------------------


@dataclass
class Emulator:
    """A lane's emulator from the matrix's "emulators": the binary, options
    it always needs, its environment; "prefix" (relative to the repository)
    is a private unpacked copy that "fetch" makes."""
    name: str
    binary: str
    args: list
    env: dict
    missing: str = None  # why a private copy is not there: the lane skips


def emulator(ctx, lane):
    spec = ctx.matrix["emulators"][lane["emulator"]]
    prefix = str(REPO / spec["prefix"]) if "prefix" in spec else ""

    def fill(text):
        return text.replace("{prefix}", prefix)

    emu = Emulator(lane["emulator"], fill(spec["binary"]),
                   [fill(a) for a in spec.get("args", [])],
                   {k: fill(v) for k, v in spec.get("env", {}).items()})
    if prefix and not Path(emu.binary).exists():
        emu.missing = (f"{emu.name} is not unpacked: no {emu.binary}; "
                       f"{spec.get('fetch', 'fetch it')} makes it")
    return emu


def emulator_missing(lane, emu):
    """The result of a lane whose private emulator is not there: skipped,
    with the reason, its checks too (never silently dropped)."""
    result = Lane(lane["name"])
    for name in ("emulator", "ktap_conforms", "skips_as_expected"):
        result.runner_test(Test(name, SKIP, reason=emu.missing))
    return result


def kernel_args(lane, ctx):
    hold = "hold" if lane.get("screendump") else ""
    return " ".join(a for a in (lane["args"], ctx.extra_args, hold) if a)


def watch(lane, ctx, proc, serial, hook=None, follower=follow):
    """Parses the serial log while the emulator runs (each line also goes to
    hook); returns the parser and whether the emulator was killed at the
    lane's timeout. follower(proc, serial, timeout, on_line) feeds the
    lines: by default procs.follow(), for an emulator that writes the log
    itself."""
    last = [time.monotonic()]

    def on_suite(suite):
        suite.seconds, last[0] = time.monotonic() - last[0], time.monotonic()
        ctx.console.progress(suite_progress(lane["name"], suite))

    def on_line(line):
        ctx.console.serial(lane["name"], line)
        parser.feed(line)
        if hook:
            hook(line)

    parser = KtapParser(on_suite)
    timed_out = follower(proc, serial, lane["timeout"], on_line)
    return parser, timed_out


# The kernel times each test with the TSC (lib/test.c). Under an emulator
# that is the emulator's virtual time, not the wall time of the run.
CLOCKS = {
    "qemu": "guest TSC under QEMU -icount shift=10,sleep=off: virtual "
            "time, not wall time (each suite's time is wall time)",
    "qemu-real": "guest TSC under QEMU without -icount: the host's time "
                 "as the guest saw it, slowed by the emulation",
    "bochs": "guest TSC under Bochs (clock: sync=none): virtual time, "
             "not wall time (each suite's time is wall time)",
    "log": "the machine's TSC, as the kernel calibrated it (on hardware, "
           "wall time)",
}


def emulator_result(lane, d, parser, failures):
    """The lane's result and artifacts from a parsed report, with the ACPI
    tables disassembled when the kernel dumped them."""
    (d / "ktap.txt").write_text("\n".join(parser.text) + "\n")
    (d / "report.json").write_text(json.dumps(parser.reports, indent=1) + "\n")
    clock = lane.get("kind")
    if clock == "qemu" and lane.get("icount") is False:
        clock = "qemu-real"
    result = Lane(lane["name"], parser.suites,
                  clock=CLOCKS.get(clock, CLOCKS["log"]))
    for test in parser.problems:
        result.fail(test.name, *test.diag)
    for name, *diag in failures:
        result.fail(name, *diag)
    acpi = acpi_suite(parser.text, d / "acpi", lane.get("acpidump", False))
    if acpi:
        result.suites.append(acpi)
    if lane.get("reports"):
        result.suites.append(reports_suite(parser.reports, lane["reports"]))
    return result


def reports_suite(reports, types):
    """A test per report type the lane expects in report.json."""
    suite = Suite("report")
    found = {r.get("type") for r in reports if isinstance(r, dict)}
    for t in types:
        suite.tests.append(Test(f"{t}_present", PASS) if t in found else
                           Test(f"{t}_present", FAIL,
                                [f"no '# {{\"type\":\"{t}\",...}}' line"]))
    return suite


def ktap_test(serial, tolerate=()):
    """runner.ktap_conforms: the kernel's serial output against the KTAP
    specification (tests/runner/ktap_check.py); violations whose code is
    in @tolerate (the matrix's "ktap" "tolerate") are listed, not failed."""
    try:
        text = Path(serial).read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return Test("ktap_conforms", FAIL, [f"no {serial}"])
    found = check_text(text)
    bad = [f"line {v}" for v in found if v.code not in tolerate]
    told = [f"tolerated: line {v}" for v in found if v.code in tolerate]
    if bad:
        return Test("ktap_conforms", FAIL, bad + told)
    return Test("ktap_conforms", PASS, told or ["KTAP version 1 as "
                                                "ktap.rst specifies"])


def write_lane_ktap(d, result):
    """DIR/lanes/<lane>/runner.ktap: the suites the runner made (its own
    checks; the host lane's cmocka results), as KTAP."""
    suites = [s for s in result.suites if s.source != "kernel"]
    d.mkdir(parents=True, exist_ok=True)
    (d / "runner.ktap").write_text("\n".join(write_ktap(suites)) + "\n")
