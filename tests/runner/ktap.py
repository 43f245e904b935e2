"""Results and their parsers: the kernel's two-level KTAP v1 report, read
line by line from the serial port, and cmocka's TAP from the host tests."""

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

PASS, FAIL, SKIP = "pass", "fail", "skip"
# A known emulator divergence: "ok N name # SKIP known divergence: <emulator
# version>: <reason>", or the older "not ok N name # TODO <reason>". KTAP
# counts it as skipped; the runner shows it apart.
DIVERGE = TODO = "divergence"
DIVERGENCE_RE = re.compile(r"known divergence\b", re.I)


# --- Text -------------------------------------------------------------------

ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor
                     r"|\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles
                     r"|[()][0-9A-Za-z]|[@-Z\\-_=>])")  # charsets, others
CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
PLAN_RE = re.compile(r"1\.\.(\d+)")
RESULT_RE = re.compile(r"(not ok|ok)\s+(\d+)\s*(?:-\s+)?(.*)")
GROUP_END_RE = re.compile(r"# (?:not )?ok - \S+")
SANITIZER_RE = re.compile(r"ERROR: \w+Sanitizer|runtime error:|^SUMMARY:")
# The kernel's last diagnostic but one in a suite: each test's duration on
# the machine's clock (lib/test.c), in test order; "+" when cut short.
DURATIONS_RE = re.compile(r"# \S+: test durations in us:((?: \d+)*)\+?")


def clean(line):
    """A serial or pipe line without escape sequences, \\r or other controls."""
    return CTRL_RE.sub("", ANSI_RE.sub("", line)).rstrip()


def read_lines(path):
    try:
        return Path(path).read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []


def log_tail(path, n=15):
    """The last n non-empty lines of a log, sanitizer headlines first."""
    lines = [clean(l) for l in read_lines(path) if l.strip()]
    return [l for l in lines if SANITIZER_RE.search(l)][:2] + lines[-n:]


# --- Results ------------------------------------------------------------------


@dataclass
class Test:
    name: str
    status: str
    diag: list = field(default_factory=list)
    reason: str = ""  # why skipped or a known divergence
    note: str = ""  # e.g. a TODO that passed
    seconds: float = None  # wall time the runner saw since the last result
    machine_us: int = None  # the kernel's own measure (DURATIONS_RE)
    num: int = 0  # the number on its result line; 0 when the runner made it


@dataclass
class Suite:
    name: str
    tests: list = field(default_factory=list)
    plan: int = None
    seconds: float = 0.0
    source: str = "runner"  # "kernel" when the kernel's KTAP reported it

    def count(self, status):
        return sum(t.status == status for t in self.tests)


def parse_result(text):
    """A TAP/KTAP result line as a Test, or None."""
    m = RESULT_RE.fullmatch(text)
    if not m:
        return None
    ok = m[1] == "ok"
    name, _, comment = m[3].partition("#")
    directive, _, reason = comment.strip().partition(" ")
    directive = directive.upper()
    test = Test(name.strip(), PASS if ok else FAIL, num=int(m[2]))
    if directive in ("SKIP", "TODO"):
        test.reason = reason.strip()
    if directive == "SKIP":
        test.status = DIVERGE if DIVERGENCE_RE.match(test.reason) else SKIP
    elif directive == "TODO" and not ok:
        test.status = DIVERGE
    elif directive == "TODO":
        test.note = f"TODO passed unexpectedly ({test.reason})"
    return test


def missing_tests(plan, tests, reason, extra=()):
    """Failed placeholders for the numbers 1..plan that have no result."""
    seen = {t.num for t in tests}
    if plan is None:
        return [Test("missing_results", FAIL,
                     [f"suite did not finish: {reason}", *extra])]
    out = [Test(f"missing_{n}", FAIL, [f"no result: {reason}"])
           for n in range(1, plan + 1) if n not in seen]
    if out:
        out[0].diag += extra
    return out


class KtapParser:
    """Builds suites from a two-level KTAP v1 report fed line by line."""

    def __init__(self, on_suite=lambda suite: None):
        self.on_suite = on_suite
        self.state = "before"  # before the first KTAP line, in, after
        self.plan = None
        self.suites = []
        self.suite = None  # the open subtest
        self.pending = []  # diagnostics waiting for their result line
        self.reports = []  # objects from "# {...}" lines
        self.problems = []  # failed Tests about the report as a whole
        self.text = []  # the KTAP part of the output, cleaned
        self.last = time.monotonic()  # when the last result line came

    def feed(self, raw):
        """A line of output; a bare \\r in it ends a line too (GRUB, OVMF
        and Bochs' firmware leave one before the kernel's first line)."""
        parts = raw.split("\r")
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        for part in parts:
            self._feed(part)

    def _feed(self, raw):
        line = clean(raw)
        if self.state == "before" and line.endswith("KTAP version 1"):
            self.state = "in"
            self.text.append("KTAP version 1")
            return
        if self.state != "in":
            return
        self.text.append(line)
        text = line.strip()
        indent = len(line) - len(line.lstrip())
        if not text:
            return
        if text.startswith("# {"):
            self._report(text[2:])
        elif indent == 0:
            self._top(text)
        elif indent >= 8:
            self._nested(text)
        else:
            self._sub(text)

    def finish(self, reason, extra=()):
        """Ends the report; what never reported fails with reason + extra."""
        if self.state == "after":  # the report already restarted
            return
        if self.state == "before":
            self._problem("no_ktap", "no 'KTAP version 1' line in the "
                          f"output; {reason}", *extra)
            return
        if self.suite:
            self._close_unfinished(reason, extra)
            extra = ()
        for n in range(len(self.suites) + 1, (self.plan or 0) + 1):
            self._problem(f"missing_suite_{n}", f"no result: {reason}",
                          *extra)
            extra = ()
        self.state = "after"

    def failed(self):
        return bool(self.problems) or any(s.count(FAIL) for s in self.suites)

    def _problem(self, name, *diag):
        self.problems.append(Test(name, FAIL, list(diag)))

    def _report(self, text):
        try:
            self.reports.append(json.loads(text))
        except json.JSONDecodeError as e:
            self._problem("report_json", f"bad JSON report line ({e})", text)

    def _top(self, text):
        plan = PLAN_RE.fullmatch(text)
        result = parse_result(text)
        if text == "KTAP version 1":
            self.finish("the report started again (did the machine reset?)")
        elif plan and self.plan is None:
            self.plan = int(plan[1])
        elif result:
            self._end_suite(result)
        elif self.suite:
            self.pending.append(text)

    def _nested(self, text):
        """A deeper subtest counts as one test of its suite (its result line
        at the suite's level); its failures and diagnostics explain it."""
        if text.startswith("not ok"):
            self.pending.append(text)
        elif text.startswith("#") and not text.startswith("# Subtest:"):
            self.pending.append(text[1:].strip())

    def _sub(self, text):
        if text == "KTAP version 1":
            self._open(None)
        elif text.startswith("# Subtest:"):
            name = text[len("# Subtest:"):].strip()
            if self.suite and not self.suite.name and not self.suite.tests:
                self.suite.name = name
            else:
                self._open(name)
        else:
            if not self.suite:
                self._open(None)
            self._suite_line(text)

    def _suite_line(self, text):
        plan = PLAN_RE.fullmatch(text)
        test = parse_result(text)
        if plan:
            self.suite.plan = int(plan[1])
        elif test:
            test.diag, self.pending = self.pending, []
            now = time.monotonic()  # the runner sees lines as they come
            test.seconds, self.last = now - self.last, now
            self.suite.tests.append(test)
        elif DURATIONS_RE.fullmatch(text):
            us = DURATIONS_RE.fullmatch(text)[1].split()
            for t, n in zip(self.suite.tests, us):
                t.machine_us = int(n)
        else:
            self.pending.append(text.removeprefix("#").strip())

    def _open(self, name):
        if self.suite:
            self._close_unfinished("the next suite began", ())
        self.suite = Suite(name, source="kernel")
        self.pending = []

    def _close_unfinished(self, reason, extra):
        s = self.suite
        s.name = s.name or f"suite_{len(self.suites) + 1}"
        lost = missing_tests(s.plan, s.tests, reason, [*self.pending, *extra])
        s.tests += lost or [Test("suite_result", FAIL,
                                 [f"no suite result line: {reason}",
                                  *self.pending, *extra])]
        self._add(s)

    def _end_suite(self, line):
        s = self.suite or Suite(line.name, source="kernel")
        s.name = s.name or line.name
        if s.plan is not None:
            s.tests += missing_tests(s.plan, s.tests, "the suite ended early",
                                     self.pending)
        if not s.tests and line.status == SKIP:
            s.tests.append(Test("suite", SKIP, reason=line.reason))
        complaints = suite_line_problems(s, line)
        if complaints:
            s.tests.append(Test("suite_result", FAIL,
                                complaints + self.pending))
        self._add(s)

    def _add(self, suite):
        self.suites.append(suite)
        self.suite = None
        self.pending = []
        self.on_suite(suite)


KIND = {PASS: "passed", FAIL: "failed", SKIP: "skipped", DIVERGE: "skipped"}


def file_results(path):
    """{suite.test: passed|failed|skipped} of one KTAP file, as a KTAP
    consumer counts them (a known divergence is a skip); its problems are
    the runner's, in runner.ktap."""
    p = KtapParser()
    for line in read_lines(path):
        p.feed(line)
    p.finish("the file ended")
    return {f"{s.name}.{t.name}": KIND[t.status]
            for s in p.suites for t in s.tests}


def suite_line_problems(suite, line):
    """Where a suite's own result line disagrees with its tests."""
    out = []
    if line.name and line.name != suite.name:
        out.append(f"result line names '{line.name}', subtest is "
                   f"'{suite.name}'")
    failed = suite.count(FAIL)
    if (line.status == FAIL) != (failed > 0):
        said = "not ok" if line.status == FAIL else "ok"
        out.append(f"suite line says '{said}' but {failed} of its "
                   f"{len(suite.tests)} tests failed")
    return out


class TapParser:
    """Builds one suite from cmocka's TAP: plans restart per group, and '#'
    diagnostics follow their result line while other output precedes it."""

    def __init__(self, name):
        self.suite = Suite(name)
        self.plan = None
        self.group = []  # results since the last plan
        self.pending = []  # output printed before the next result
        self.notes = 0  # '#' lines given to the last result so far

    def feed(self, raw):
        text = clean(raw).strip()
        plan = PLAN_RE.fullmatch(text)
        test = parse_result(text)
        if plan:
            self._close_group("cmocka printed no result")
            self.plan = int(plan[1])
        elif GROUP_END_RE.fullmatch(text):
            self._close_group("cmocka printed no result (group setup "
                              "failed?)")
        elif test:
            self._add(test)
        elif text.startswith("#") and self.group:
            # the assertion's own lines go before what the test printed
            self.group[-1].diag.insert(self.notes, text[1:].strip())
            self.notes += 1
        elif text:
            self.pending.append(text)

    def finish(self, reason, extra=()):
        self._close_group(reason, extra)

    def _add(self, test):
        if not test.name:  # cmocka 1.1: "not ok 3 # SKIP name"
            test.name, test.reason = test.reason, ""
        test.name, _, rest = test.name.partition(" ")
        test.diag = ([rest] if rest else []) + self.pending
        self.notes = 1 if rest else 0
        self.pending = []
        self.group.append(test)
        self.suite.tests.append(test)

    def _close_group(self, reason, extra=()):
        if self.plan is not None:
            self.suite.tests += missing_tests(self.plan, self.group, reason,
                                              [*self.pending, *extra])
        self.plan, self.group, self.pending = None, [], []


def write_ktap(suites, name=None):
    """Suites as a KTAP version 1 document (a subtest per suite), the
    lines without line ends; @name: a '# Subtest:' line for a document
    that will be nested."""
    out = ["KTAP version 1"] + ([f"# Subtest: {name}"] if name else [])
    out.append(f"1..{len(suites)}")
    for n, s in enumerate(suites, 1):
        out += ["    KTAP version 1", f"    # Subtest: {s.name}",
                f"    1..{len(s.tests)}"]
        for i, t in enumerate(s.tests, 1):
            out += [f"    # {d}" if d.strip() else "    #" for d in t.diag]
            out.append("    " + ktap_result(i, t))
        failed = any(t.status == FAIL for t in s.tests)
        out.append(f"{'not ok' if failed else 'ok'} {n} {s.name}")
    return out


def ktap_result(n, test):
    name = re.sub(r"[#\s]+", "_", test.name)
    if test.status == FAIL:
        return f"not ok {n} {name}"
    if test.status == SKIP:
        return f"ok {n} {name} # SKIP {test.reason}".rstrip()
    if test.status == DIVERGE:
        reason = test.reason if DIVERGENCE_RE.match(test.reason) else \
            f"known divergence: {test.reason}"
        return f"ok {n} {name} # SKIP {reason}"
    return f"ok {n} {name}"
