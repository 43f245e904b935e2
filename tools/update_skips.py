#!/usr/bin/env python3
"""Bring the expected-skip lists of tests/matrix.json in line with what a
run of the lanes found: read the mismatches the runner printed (a `make
check` log), add each unexpected skip to its lane with the first words of
its reason, and drop (null) each expected skip that ran or was not
reported. Review the diff: every added line is a claim that the machine
lacks something or that the emulator diverges.

Entries naming a test that no lane reported any more although its suite
ran (renamed, split) are dropped, judged from the KTAP kept in LANES
(default build/lanes); entries of suites no lane there ran are kept.

Usage: tools/update_skips.py LOG [MATRIX [LANES]]"""
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from runner.expect import first_words  # noqa: E402

UNEXPECTED = re.compile(r"^\s*\[(\S+)\] (\S+): skipped, not expected to "
                        r"\((.*)\)$")
OTHER = re.compile(r"^\s*\[(\S+)\] (\S+): skipped for another reason: "
                   r"'(.*)', expected")
GONE = re.compile(r"^\s*\[(\S+)\] (\S+): expected to skip \(.*\) but "
                  r"(passed|failed|not reported)$")


def dump(v, ind=0):
    """JSON as the matrix is written: a short list or object on one line,
    longer ones one member a line."""
    flat = json.dumps(v, separators=(", ", ": "))
    if len(flat) + ind <= 78 or not v or not isinstance(v, (dict, list)):
        return flat
    pad = " " * (ind + 2)
    if isinstance(v, list):
        items = [pad + dump(x, ind + 2) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + " " * ind + "]"
    items = [f"{pad}{json.dumps(k)}: {dump(x, ind + 2)}"
             for k, x in v.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * ind + "}"


def reported(lanes):
    """suite.test of every result in the lanes' kernel and runner KTAP."""
    names = set()
    for f in list(lanes.glob("*/ktap.txt")) + list(lanes.glob("*/runner.ktap")):
        suite = None
        for line in f.read_text(errors="replace").splitlines():
            m = re.match(r"^    # Subtest: (\S+)", line)
            if m:
                suite = m.group(1)
            m = re.match(r"^    (?:not )?ok \d+ (\S+)", line)
            if m and suite:
                names.add(f"{suite}.{m.group(1)}")
    return names


def main():
    log = Path(sys.argv[1]).read_text().splitlines()
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else \
        Path(__file__).resolve().parent.parent / "tests" / "matrix.json"
    matrix = json.loads(path.read_text())
    lanes = {lane["name"]: lane for lane in matrix["lanes"]}
    changed = 0
    for line in log:
        for rx, add in ((UNEXPECTED, True), (OTHER, True), (GONE, False)):
            m = rx.match(line)
            if not m or m.group(1) not in lanes:
                continue
            skips = lanes[m.group(1)].setdefault("skips", {})
            if add:
                skips[m.group(2)] = first_words(m.group(3))
            else:
                skips[m.group(2)] = None
            changed += 1
    known = reported(Path(sys.argv[3]) if len(sys.argv) > 3 else
                     path.parent.parent / "build" / "lanes")
    suites = {k.split(".", 1)[0] for k in known}
    for entry in list(matrix["machines"].values()) + list(lanes.values()):
        if "skips" in entry:
            entry["skips"] = {k: v for k, v in sorted(entry["skips"].items())
                              if k in known or k.split(".", 1)[0] not in suites}
    path.write_text(dump(matrix) + "\n")
    print(f"update_skips: {changed} change(s) to {path}")


if __name__ == "__main__":
    main()
