"""Expected skips: every lane of the matrix lists, by full name
(suite.test), the tests it expects to skip or to be a known emulator
divergence, with the first words of the reason. A test that skips but is
not listed, or skips for another reason, or is listed but runs (passes or
fails) or is not reported at all, fails the lane's runner.skips_as_expected."""

import re

from .ktap import DIVERGE, FAIL, PASS, SKIP, TODO, Test

SKIPPED = (SKIP, TODO, DIVERGE)
REASON_WORDS = 8  # how many words of a reason the matrix keeps


def normal(reason):
    """A reason as the matrix compares it: without 'known divergence:',
    colons and repeated blanks, so the old '# TODO QEMU 7.2 ...' and the
    new '# SKIP known divergence: QEMU 7.2: ...' read alike."""
    reason = re.sub(r"^known divergence:\s*", "", reason.strip(), flags=re.I)
    return " ".join(reason.replace(":", " ").split())


def first_words(reason, n=REASON_WORDS):
    """The start of a reason the matrix keeps: up to its first clause
    break, at most @n words."""
    head = re.split(r"[;,]|\s\(", normal(reason))[0]
    return " ".join(head.split()[:n])


def skipped_tests(lane):
    """{suite.test: reason} of every test of the lane that was skipped."""
    return {f"{s.name}.{t.name}": t.reason for s in lane.suites
            for t in s.tests if t.status in SKIPPED}


def mismatches(lane, expected, partial=False):
    """What differs between the lane's skips and @expected, one line each
    (@partial: a run of some tests only, where a test not reported is
    no mismatch)."""
    got = skipped_tests(lane)
    ran = {f"{s.name}.{t.name}": t.status for s in lane.suites
           for t in s.tests if t.status in (PASS, FAIL)}
    out = []
    for name, reason in got.items():
        if name not in expected:
            out.append(f"{name}: skipped, not expected to ({reason})")
        elif not normal(reason).startswith(normal(expected[name])):
            out.append(f"{name}: skipped for another reason: '{reason}', "
                       f"expected '{expected[name]}'")
    for name, reason in expected.items():
        if name in ran:
            said = "passed" if ran[name] == PASS else "failed"
            out.append(f"{name}: expected to skip ({reason}) but {said}")
        elif name not in got and not partial:
            out.append(f"{name}: expected to skip ({reason}) but not "
                       "reported")
    return out


def skips_test(lane, expected, partial=False):
    """runner.skips_as_expected of a lane with its expected skips."""
    found = mismatches(lane, expected, partial)
    if found:
        return Test("skips_as_expected", FAIL, found)
    return Test("skips_as_expected", PASS,
                [f"{len(expected)} expected skips, each skipped for its "
                 "reason"])


def actual_skips(lanes):
    """{lane: {suite.test: first words of the reason}} of a run: what the
    matrix's "skips" would be if this run were the expected one (written
    to DIR/skips.json after every run)."""
    return {l.name: {n: first_words(r) for n, r in
                     sorted(skipped_tests(l).items())} for l in lanes}
