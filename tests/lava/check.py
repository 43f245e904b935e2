#!/usr/bin/python3
"""Checks the LAVA job definitions in tests/lava/ without a LAVA instance.

1. Every job validates against lava-common's job schema, strictly: the
   validator LAVA's scheduler runs when a job is submitted (a broken job is
   also fed to it, to show the validator rejects).
2. qemu.yaml runs the machine of the matrix's "qemu" lane: machine, cpu,
   memory and extra_options give that lane's machine line, plus the
   -icount option of the matrix's common options, and its kernel arguments
   are the lane's plus exit=halt.
3. Each job's test monitor, applied to KTAP output the way lava-dispatcher
   applies it (after "start", the earliest match of "end" or "pattern",
   results through "fixupdict"), yields exactly the pass and fail results
   tests/run's KTAP parser finds, SKIP and TODO lines left out: on a canned
   report, and on every --log given (a lane's serial.log).

  /usr/bin/python3 tests/lava/check.py [--matrix FILE] [--log FILE]...
  /usr/bin/python3 tests/lava/check.py --base-url URL --render DIR

--render writes the jobs with https://example.org/vtdtest/ replaced by URL
(where the lab serves build/kernel.elf and build/vtdtest.iso), ready for
lavacli jobs submit. Needs Debian's lava-common and python3-yaml (the
interpreter is Debian's, which has them: tools/deps.sh installs them).
Exit status 0 when every check holds, 1 otherwise.
"""

import argparse
import copy
import re
import shlex
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path

HERE = Path(__file__).resolve().parent
JOBS = sorted(HERE.glob("*.yaml"))
PLACEHOLDER = "https://example.org/vtdtest/"

try:
    import yaml
    from lava_common.schemas import validate
    from voluptuous import Invalid
except ImportError as e:
    sys.exit(f"tests/lava/check.py: {e}: install lava-common and python3-yaml "
             "(tools/deps.sh) and run this with Debian's /usr/bin/python3")

sys.dont_write_bytecode = True
run = SourceFileLoader("run", str(HERE.parent / "run")).load_module()

CANNED = (
    "SeaBIOS\r\nKTAP version 1\r\n1..2\r\n"
    "    KTAP version 1\r\n    # Subtest: boot\r\n    1..4\r\n"
    "    ok 1 memory_map_sane\r\n"
    "    # allocator: EXPECT a == b: left 0x1, right 0x0\r\n"
    "    not ok 2 allocator_never_returns_reserved\r\n"
    "    ok 3 bridges_lead_to_their_buses # SKIP no bridge\r\n"
    "    not ok 4 invd_exits # TODO QEMU 7.2 reports INVD as WBINVD\r\n"
    "not ok 1 boot\r\n"
    "    KTAP version 1\r\n    # Subtest: vtd\r\n    1..1\r\n"
    "    ok 1 units_found_and_reported\r\n"
    "ok 2 vtd\r\n"
    "# Totals: pass:2 fail:1 skip:1 todo:1 checks:9\r\n"
    "# screen: verdict page drawn (FAIL)\r\n"
    "    ok 9 after_the_end\r\n")


class Checks:
    def __init__(self):
        self.failed = 0

    def report(self, ok, what, detail=""):
        print(f"{'ok' if ok else 'FAIL'}: {what}" + (f": {detail}" if detail
                                                      and not ok else ""))
        self.failed += not ok


def monitor_results(monitor, text):
    """[(test_case_id, result)] as lava-dispatcher's TestMonitor finds them
    in the console output @text."""
    start = re.search(re.escape(monitor["start"]), text)
    if not start:
        return []
    pattern, end = re.compile(monitor["pattern"]), re.compile(
        re.escape(monitor["end"]))
    fix = monitor.get("fixupdict", {})
    out, pos = [], start.end()
    while True:
        m_end, m_pat = end.search(text, pos), pattern.search(text, pos)
        if not m_pat or (m_end and m_end.start() <= m_pat.start()):
            return out
        g = m_pat.groupdict()
        out.append((g["test_case_id"].strip().lower(),
                    fix.get(g["result"], g["result"])))
        pos = m_pat.end()


def parser_results(text):
    """[(name, pass|fail)] of tests/run's parser, directives left out, plus
    the suites' own result lines as LAVA sees them."""
    p = run.KtapParser()
    for line in text.split("\n"):
        p.feed(line)
    p.finish("the log ended")
    out = []
    for s in p.suites:
        out += [(t.name, t.status) for t in s.tests
                if t.num and not t.reason and t.status in (run.PASS, run.FAIL)]
        out.append((s.name, run.FAIL if s.count(run.FAIL) else run.PASS))
    return out


def check_schema(c, jobs):
    for path, job in jobs.items():
        try:
            validate(job, strict=True)
            c.report(True, f"{path.name}: valid LAVA job (lava-common schema)")
        except Invalid as e:
            c.report(False, f"{path.name}: LAVA job schema", str(e))
    broken = copy.deepcopy(next(iter(jobs.values())))
    del broken["visibility"]
    broken["actions"][0]["deploy"]["to"] = "nowhere"
    try:
        validate(broken, strict=True)
        c.report(False, "the schema validator rejects a broken job")
    except Invalid:
        c.report(True, "the schema validator rejects a broken job")


def check_qemu_machine(c, job, matrix):
    lane = next(l for l in matrix["lanes"] if l["name"] == "qemu")
    ctx = job["context"]
    got = ["-machine", ctx["machine"], "-cpu", ctx["cpu"], "-m",
           f"{ctx['memory']}M"]
    for opt in ctx.get("extra_options", []):
        got += shlex.split(opt)
    common = matrix["qemu"]["common"]
    icount = ["-icount", common[common.index("-icount") + 1]]
    want = matrix["machines"][lane["machine"]] + icount
    c.report(got == want, "qemu.yaml runs the machine line of the qemu lane "
             "(and its -icount)", f"job {got}, matrix {want}")
    image = job["actions"][0]["deploy"]["images"]["kernel"]["image_arg"]
    words = shlex.split(image)
    append = words[words.index("-append") + 1].split()
    c.report(sorted(append) == sorted(lane["args"].split() + ["exit=halt"]),
             "qemu.yaml passes the qemu lane's kernel arguments",
             f"job {append}, lane {lane['args']}")


def check_monitors(c, jobs, logs):
    texts = {"canned report": CANNED}
    for log in logs:
        if Path(log).is_file():
            texts[str(log)] = Path(log).read_text(errors="replace")
    for path, job in jobs.items():
        monitors = [m for a in job["actions"] if "test" in a
                    for m in a["test"].get("monitors", [])]
        for name, text in texts.items():
            end = text.find("# Totals:")  # the monitors' end: KTAP is over
            want = parser_results(text[:end] if end >= 0 else text)
            got = [r for m in monitors for r in monitor_results(m, text)]
            c.report(got == want and bool(got),
                     f"{path.name}: monitor finds the {len(want)} pass/fail "
                     f"results of the {name}",
                     f"monitor {got[:5]}..., parser {want[:5]}...")


def render(jobs, base, out):
    out.mkdir(parents=True, exist_ok=True)
    for path in jobs:
        text = path.read_text().replace(PLACEHOLDER, base.rstrip("/") + "/")
        (out / path.name).write_text(text)
        print(out / path.name)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--matrix", type=Path, default=HERE.parent / "matrix.json")
    p.add_argument("--log", action="append", default=[],
                   help="a serial log to apply the monitors to")
    p.add_argument("--base-url", help="URL for --render")
    p.add_argument("--render", type=Path, metavar="DIR")
    opts = p.parse_args()
    if opts.render:
        if not opts.base_url:
            p.error("--render needs --base-url")
        render(JOBS, opts.base_url, opts.render)
        return 0
    jobs = {path: yaml.safe_load(path.read_text()) for path in JOBS}
    c = Checks()
    check_schema(c, jobs)
    check_qemu_machine(c, jobs[HERE / "qemu.yaml"],
                       run.load_matrix(opts.matrix))
    check_monitors(c, jobs, opts.log)
    print(f"lava: {c.failed} check(s) failed" if c.failed else
          "lava: all checks passed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
