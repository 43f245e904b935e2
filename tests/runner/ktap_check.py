#!/usr/bin/env python3
"""A KTAP conformance checker, written from Linux's
Documentation/dev-tools/ktap.rst (KTAP version 1), as this project reads it:

- the document starts with the version line "KTAP version 1" alone on its
  line: firmware output before it must end with a line break (\\r counts
  as one), or a parser that strips the version line's prefix from every
  following line (Linux's kunit_parser does) misreads the rest;
- a plan "1..N" follows the version line (diagnostics such as
  "# Subtest: name" may come between) and N is the number of results at
  that level; the results are numbered 1, 2, ... in order;
- a result is "ok N [description][ # [directive] [diagnostic]]" or
  "not ok N ..."; the only directive is SKIP (in capitals): ktap.rst's
  table marks TODO "not recognized", and kunit_parser counts
  "not ok N name # TODO ..." as a failure; XFAIL, TIMEOUT and ERROR are
  not this project's either;
- a nested test is indented 4 spaces (KUnit's indentation; ktap.rst's
  text says 2, its parser takes any): it starts with an indented version
  line and ends at its parent's result line, one level out; a parent
  is "not ok" when any of its subtests is "not ok" (a skipped one aside);
  a "# Subtest: name" line right after the version line (KUnit's) must be
  matched by the name on that result line, as kunit_parser requires;
- a diagnostic line "# ..." sits at the indentation of the test it belongs
  to (its own level or an enclosing one, before the enclosing result);
- lines of no KTAP form ("unknown lines") are tolerated at the top level
  and are violations inside a nested test.

  python3 tests/runner/ktap_check.py FILE...   prints each violation as
  FILE:LINE: CODE: message; exit status 1 if there is any.
"""

import re
import sys
from dataclasses import dataclass, field

INDENT = 4
VERSION = "KTAP version 1"
PLAN_RE = re.compile(r"1\.\.(\d+)")
RESULT_RE = re.compile(r"(not ok|ok) (\d+)(?: ([^#]*?))?\s*(?:#\s*(.*))?")
DIRECTIVES = ("SKIP", "TODO", "XFAIL", "TIMEOUT", "ERROR")
ESC_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_])")


@dataclass
class Violation:
    line: int  # 1-based, in the text given
    code: str  # version, plan, number, directive, todo, indent, parent,
    #            unknown, end
    message: str
    text: str = ""

    def __str__(self):
        return f"{self.line}: {self.code}: {self.message}: '{self.text}'"


@dataclass
class Level:
    indent: int
    plan: int = None
    results: int = 0
    failed: list = field(default_factory=list)  # numbers of "not ok"
    todo: list = field(default_factory=list)  # of "not ok ... # TODO"
    name: str = None  # from "# Subtest: name" right after the version line
    start: int = 0


def split_lines(text):
    """Lines as a terminal shows them: \\n, \\r\\n and a bare \\r end one."""
    return re.split(r"\r\n|\r|\n", text)


def directive(comment):
    """(DIRECTIVE, rest) of a result's comment, or (None, comment)."""
    word, _, rest = comment.strip().partition(" ")
    if word.upper() in DIRECTIVES:
        return word, rest.strip()
    return None, comment.strip()


class Checker:
    def __init__(self):
        self.out = []
        self.levels = []  # open levels, outermost first
        self.done = False  # the top level's results are all in
        self.n = 0

    def bad(self, code, message, text):
        self.out.append(Violation(self.n, code, message, text))

    def feed(self, raw):
        self.n += 1
        line = ESC_RE.sub("", raw).rstrip()
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        if not self.levels:
            if text.endswith(VERSION) and not self.done:
                if raw.rstrip() != VERSION:
                    self.bad("version", "'KTAP version 1' must start its "
                             "line (a line break must precede it)", raw)
                self.levels.append(Level(0, start=self.n))
            return
        if text == VERSION:
            self._version(indent, line)
        elif PLAN_RE.fullmatch(text):
            self._plan(indent, int(PLAN_RE.fullmatch(text)[1]), line)
        elif RESULT_RE.fullmatch(text):
            self._result(indent, RESULT_RE.fullmatch(text), line)
        elif text.startswith("#"):
            self._diag(indent, line)
        elif len(self.levels) > 1:
            self.bad("unknown", "a line of no KTAP form inside a nested test",
                     line)

    def _version(self, indent, line):
        cur = self.levels[-1]
        if indent == cur.indent + INDENT:
            self.levels.append(Level(indent, start=self.n))
        elif indent == 0:
            self.bad("version", "the report started again inside the "
                     "report (did the machine reset?)", line)
        else:
            self.bad("indent", f"a nested version line must be indented "
                     f"{cur.indent + INDENT} spaces", line)

    def _plan(self, indent, n, line):
        cur = self.levels[-1]
        if indent != cur.indent:
            self.bad("indent", f"plan at indentation {indent}, its test is "
                     f"at {cur.indent}", line)
        elif cur.plan is not None or cur.results:
            self.bad("plan", "a plan must follow the version line, once",
                     line)
        else:
            cur.plan = n
            if n == 0 and len(self.levels) == 1:
                self.levels.pop()
                self.done = True

    def _diag(self, indent, line):
        cur = self.levels[-1]
        text = line.strip()
        if text.startswith("# Subtest:") and indent == cur.indent \
                and cur.start == self.n - 1 and len(self.levels) > 1:
            cur.name = text[len("# Subtest:"):].strip()
        if indent > cur.indent or indent % INDENT:
            self.bad("indent", "a diagnostic line must sit at the "
                     "indentation of the test it belongs to", line)

    def _result(self, indent, m, line):
        while len(self.levels) > 1 and indent < self.levels[-1].indent:
            lvl = self.levels.pop()
            self._close(lvl, m[1] == "not ok", line)
            if lvl.name is not None and (m[3] or "").strip() != lvl.name:
                self.bad("name", f"the result of '# Subtest: {lvl.name}' "
                         "must name it (kunit_parser: 'missing subtest "
                         "result line!')", line)
        cur = self.levels[-1]
        if indent != cur.indent:
            self.bad("indent", f"result at indentation {indent}, expected "
                     f"{cur.indent}", line)
            return
        if cur.plan is None and cur.results == 0:
            self.bad("plan", "no plan '1..N' before the first result", line)
        num = int(m[2])
        cur.results += 1
        if num != cur.results:
            self.bad("number", f"result number {num}, expected "
                     f"{cur.results}", line)
        word, _ = directive(m[4] or "")
        if word == "TODO":
            self.bad("todo", "TODO is not a KTAP directive (kunit_parser "
                     "counts 'not ok ... # TODO' as a failure); a known "
                     "divergence is 'ok N name # SKIP known divergence: ...'",
                     line)
        elif word and word != "SKIP":
            self.bad("directive", f"directive {word}: the only KTAP "
                     "directive here is SKIP, in capitals", line)
        if m[1] == "not ok" and word == "TODO":
            cur.todo.append(num)
        elif m[1] == "not ok" and word != "SKIP":
            cur.failed.append(num)
        if len(self.levels) == 1 and cur.plan is not None \
                and cur.results >= cur.plan:
            self._close(self.levels.pop(), None, line)
            self.done = True

    def _close(self, level, parent_failed, line):
        if level.plan is not None and level.plan != level.results:
            self.bad("plan", f"plan 1..{level.plan} but {level.results} "
                     f"results (test from line {level.start})", line)
        if parent_failed is False and level.failed:
            self.bad("parent", f"'ok' although subtest "
                     f"{level.failed[0]} is 'not ok'", line)
        elif parent_failed is False and level.todo:
            self.bad("todo", f"'ok' although subtest {level.todo[0]} is "
                     "'not ok # TODO' (a failure to KTAP)", line)

    def finish(self):
        if not self.levels and not self.done:
            self.out.append(Violation(self.n, "version", "no 'KTAP version "
                                      "1' line"))
        while self.levels:
            lvl = self.levels.pop()
            self.out.append(Violation(
                self.n, "end", f"the output ended inside the test that "
                f"starts at line {lvl.start} ({lvl.results} of "
                f"{lvl.plan} results)"))
        return self.out


def check_text(text):
    """The violations of a serial log or KTAP file's text."""
    c = Checker()
    lines = split_lines(text)
    if lines and not lines[-1]:
        lines.pop()  # the line break that ends the last line
    for raw in lines:
        c.feed(raw)
    return c.finish()


def main(paths):
    bad = 0
    for path in paths:
        with open(path, errors="replace") as f:
            for v in check_text(f.read()):
                print(f"{path}:{v}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
