#!/usr/bin/python3
"""Reads DIR/junit.xml back with Debian's python3-junitparser (a JUnit
consumer that is not ours) and compares what it finds with the lane
folders' KTAP (DIR/lanes/<lane>/ktap.txt and runner.ktap, parsed again):
the same tests per lane, each passed, failed or skipped alike, and root
totals that add up.

  /usr/bin/python3 tests/runner/junit_check.py DIR
Exit status 0 when they agree, 1 otherwise."""

import sys
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.ktap import file_results  # noqa: E402

try:
    from junitparser import Error, Failure, JUnitXml, Skipped
except ImportError:
    sys.exit("junit_check: no junitparser: install python3-junitparser "
             "(tools/deps.sh) and run this with /usr/bin/python3")

def folder_results(out):
    """{lane: Counter of kinds} from the lane folders' KTAP files."""
    lanes = {}
    for d in sorted((out / "lanes").iterdir()):
        if not (d / "junit.xml").exists():
            continue
        found = {}
        for name in ("ktap.txt", "runner.ktap"):
            if (d / name).exists():
                found.update(file_results(d / name))
        lanes[d.name] = Counter(found.values())
    return lanes


def junit_results(path):
    """({lane: Counter of kinds}, root totals) as junitparser reads them."""
    xml = JUnitXml.fromfile(str(path))
    lanes = {}
    for suite in xml:
        lane = suite.name.split(".")[0]
        c = lanes.setdefault(lane, Counter())
        for case in suite:
            kinds = {type(r) for r in case.result}
            c["failed" if kinds & {Failure, Error} else
              "skipped" if Skipped in kinds else "passed"] += 1
    root = {"tests": xml.tests, "failures": xml.failures,
            "errors": xml.errors, "skipped": xml.skipped}
    return lanes, root


def main(out):
    out = Path(out)
    ktap = folder_results(out)
    junit, root = junit_results(out / "junit.xml")
    bad = []
    for lane in sorted(set(ktap) | set(junit)):
        k, j = ktap.get(lane, Counter()), junit.get(lane, Counter())
        if k != j:
            bad.append(f"{lane}: junit.xml {dict(j)}, KTAP {dict(k)}")
    total = sum(junit.values(), Counter())
    want = {"tests": sum(total.values()), "failures": total["failed"],
            "errors": 0, "skipped": total["skipped"]}
    if root != want:
        bad.append(f"root <testsuites> says {root}, its testcases {want}")
    for b in bad:
        print(f"junit: {b}")
    print(f"junit: {'MISMATCH' if bad else 'agrees'}: {want['tests']} tests "
          f"({total['passed']} passed, {total['failed']} failed, "
          f"{total['skipped']} skipped) in {len(junit)} lanes, read by "
          "junitparser, as the lane folders' KTAP says")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build"))
