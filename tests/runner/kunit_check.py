#!/usr/bin/env python3
"""Reads every lane's KTAP (DIR/lanes/<lane>/ktap.txt and runner.ktap) with
Linux's own KTAP consumer, 'kunit.py parse' from Debian's linux-source-6.1
(tools/kunit.sh unpacks it), and compares what it counts with the runner's
parse of the same file: as many tests passed, failed and skipped (a known
divergence is a skip to both), none crashed, and no parser error (a
missing or misnumbered result, a plan that does not match, no KTAP found).

  tests/runner/kunit_check.py DIR KUNIT_DIR
Exit status 0 when they agree, 1 otherwise."""

import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.ktap import clean, file_results  # noqa: E402

# kunit_parser.print_summary_line: "Testing complete. Ran 3 tests: passed:
# 2, skipped: 1" (a count of 0 is left out).
SUMMARY_RE = re.compile(r"Testing complete\. Ran (\d+) tests?(?:: (.*))?$")
ERROR_RE = re.compile(r"\[ERROR\]\s*(.*)")
FILES = ("ktap.txt", "runner.ktap")


def kunit_counts(kunit, path):
    """(Counter of kunit's counts, its error lines) for one KTAP file."""
    proc = subprocess.run([sys.executable, str(Path(kunit) / "kunit.py"),
                           "parse", str(path.resolve())],
                          capture_output=True, text=True, timeout=120)
    counts, errors, ran = Counter(), [], None
    for line in proc.stdout.splitlines():
        line = clean(line)
        m = SUMMARY_RE.search(line)
        if m:
            ran = int(m.group(1))
            for part in (m.group(2) or "").split(", "):
                key, _, n = part.partition(": ")
                if n.isdigit():
                    counts[key] = int(n)
        e = ERROR_RE.search(line)
        if e:
            errors.append(e.group(1))
    if ran is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        errors.append(f"no summary line (exit {proc.returncode}): "
                      f"{' '.join(tail)}")
    elif ran != sum(counts[k] for k in
                    ("passed", "failed", "crashed", "skipped")):
        errors.append(f"ran {ran} tests but counted {dict(counts)}")
    return counts, errors


def main(out, kunit):
    lanes = Path(out) / "lanes"
    jobs = [d / f for d in sorted(lanes.iterdir() if lanes.is_dir() else ())
            if (d / "junit.xml").exists() for f in FILES if (d / f).exists()]
    if not jobs:
        print(f"kunit: no lane's KTAP in {lanes}: nothing was read")
        return 1
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda p: kunit_counts(kunit, p), jobs))
    bad, total = [], Counter()
    for path, (counts, errors) in zip(jobs, got):
        name = f"{path.parent.name}/{path.name}"
        ours = Counter(file_results(path).values())
        want = Counter({k: ours[k] for k in ("passed", "failed", "skipped")
                        if ours[k]})
        theirs = Counter({k: v for k, v in counts.items() if v})
        if theirs != want:
            bad.append(f"{name}: kunit.py counts {dict(theirs)}, "
                       f"the runner {dict(want)}")
        bad += [f"{name}: kunit.py: {e}" for e in errors]
        total += theirs
    for b in bad:
        print(f"kunit: {b}")
    lanes = len({p.parent for p in jobs})
    print(f"kunit: {'MISMATCH' if bad else 'agrees'}: {len(jobs)} KTAP "
          f"files of {lanes} lanes read by Linux's kunit.py parse: "
          f"{total['passed']} passed, {total['failed']} failed, "
          f"{total['skipped']} skipped, {total['crashed']} crashed, "
          f"{sum(len(e) for _, e in got)} parser errors, as the runner "
          "counts them")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
