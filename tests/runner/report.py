"""The run's report: the per-lane table and the totals line on stdout, and
the JUnit XML."""

import xml.etree.ElementTree as ET

from .ktap import DIVERGE, FAIL, PASS, SKIP, read_lines, write_ktap


def totals_line(lanes):
    passed = sum(l.count(PASS) for l in lanes)
    failed = sum(l.count(FAIL) for l in lanes)
    skipped = sum(l.count(SKIP) + l.count(DIVERGE) for l in lanes)
    return f"{passed} passed, {failed} failed, {skipped} skipped"


def divergent_line(lanes):
    """The line before the totals: divergences are among the skipped."""
    n = sum(l.count(DIVERGE) for l in lanes)
    return f"{n} divergent (known emulator divergences, counted as skipped)"


def all_tests(lanes):
    for lane in lanes:
        for suite in lane.suites:
            for test in suite.tests:
                yield lane, suite, test


def summary(lanes):
    """The per-lane table, failures, divergences, notes and the totals."""
    rows = [("lane", "passed", "failed", "skipped", "divergent", "seconds")]
    rows += [(l.name, l.count(PASS), l.count(FAIL), l.count(SKIP),
              l.count(DIVERGE), f"{l.seconds:.1f}") for l in lanes]
    width = max((len(l.name) for l in lanes), default=4) + 2
    lines = ["", *(f"{r[0]:<{width}}" + "".join(f"{c:>10}" for c in r[1:])
                   for r in rows)]
    sections = (("Failed", FAIL, first_diag),
                ("Known divergences (counted as skipped)", DIVERGE,
                 lambda t: t.reason or "(no reason given)"))
    for title, status, text in sections:
        found = [(l, s, t) for l, s, t in all_tests(lanes)
                 if t.status == status]
        if found:
            lines += ["", f"{title}:"]
            lines += [f"  [{l.name}] {s.name}.{t.name}: {text(t)}"
                      for l, s, t in found]
    absent = [(l, t) for l, s, t in all_tests(lanes)
              if s.name == "runner" and t.name == "emulator"
              and t.status == SKIP]
    if absent:
        lines += ["", "Lanes skipped, their emulator absent:"]
        lines += [f"  [{l.name}] {t.reason}" for l, t in absent]
    skips = [(l, d) for l, s, t in all_tests(lanes)
             if s.name == "runner" and t.name == "skips_as_expected"
             and t.status == FAIL for d in t.diag]
    if skips:
        lines += ["", "Skips not as the matrix expects (tests/matrix.json "
                  "\"skips\"; this run's are in skips.json):"]
        lines += [f"  [{l.name}] {d}" for l, d in skips]
    notes = [(l, s, t) for l, s, t in all_tests(lanes) if t.note]
    if notes:
        lines += ["", "Notes:"]
        lines += [f"  [{l.name}] {s.name}.{t.name}: {t.note}"
                  for l, s, t in notes]
    return "\n".join(lines + ["", divergent_line(lanes), totals_line(lanes)])


def first_diag(test):
    return next((d for d in test.diag if d.strip()), "(no diagnostics)")


def write_lane_junit(path, lane):
    """The lane's JUnit file: a testsuite per suite (named lane.suite),
    testcases named suite.test with their time; a failure's diagnostics as
    its message, a skip's or divergence's reason as its message, and every
    test's diagnostics in system-out. A testcase's time is the kernel's own
    measure when it gave one (the clock named by the testsuite's "clock"
    property: virtual time under an emulator), else the wall time the
    runner saw; a testsuite's time is always wall time."""
    root = ET.Element("testsuites", name=lane.name)
    for s in lane.suites:
        ts = ET.SubElement(root, "testsuite", name=f"{lane.name}.{s.name}",
                           tests=str(len(s.tests)),
                           failures=str(s.count(FAIL)), errors="0",
                           skipped=str(s.count(SKIP) + s.count(DIVERGE)),
                           time=f"{s.seconds:.3f}")
        if lane.clock and any(t.machine_us is not None for t in s.tests):
            props = ET.SubElement(ts, "properties")
            ET.SubElement(props, "property", name="clock", value=lane.clock)
        for t in s.tests:
            junit_case(ts, f"{lane.name}.{s.name}", f"{s.name}.{t.name}", t)
    totals(root)
    write_xml(path, root)


def junit_case(parent, classname, name, test):
    time = (f"{test.machine_us / 1e6:.6f}" if test.machine_us is not None
            else f"{test.seconds or 0:.3f}")
    case = ET.SubElement(parent, "testcase", classname=classname, name=name,
                         time=time)
    if test.status == FAIL:
        text = "\n".join(test.diag) or "failed"
        ET.SubElement(case, "failure", message=first_diag(test)).text = text
    elif test.status == SKIP:
        ET.SubElement(case, "skipped", message=test.reason)
    elif test.status == DIVERGE:
        ET.SubElement(case, "skipped", message=f"divergence: {test.reason}")
    out = test.diag + ([f"TODO passed: {test.note}"] if test.note else [])
    if out and test.status != FAIL:
        ET.SubElement(case, "system-out").text = "\n".join(out)


def totals(root):
    """Sets the totals of a <testsuites> from its testsuites."""
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(ts.get(key)) for ts in root)))
    root.set("time", f"{sum(float(ts.get('time')) for ts in root):.3f}")


def write_xml(path, root):
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def merge_junit(out):
    """DIR/junit.xml from the junit.xml of every lane folder present in
    DIR/lanes/, whichever run wrote it: a run of some lanes never leaves a
    junit.xml that disagrees with the lane folders."""
    root = ET.Element("testsuites", name="vtdtest")
    for f in sorted((out / "lanes").glob("*/junit.xml")):
        try:
            root.extend(ET.parse(f).getroot())
        except ET.ParseError:
            continue  # a lane killed while writing; its folder has no verdict
    totals(root)
    write_xml(out / "junit.xml", root)


def lanes_ktap(lanes):
    """-t: the run as one KTAP document, a subtest per lane and, below it,
    per suite."""
    out = ["KTAP version 1", f"1..{len(lanes)}"]
    for n, lane in enumerate(lanes, 1):
        out += ["    " + l if l else "" for l in
                write_ktap(lane.suites, lane.name)]
        out.append(f"{'not ok' if lane.count(FAIL) else 'ok'} {n} "
                   f"{lane.name}")
    out.append(f"# {totals_line(lanes)}")
    return out


def kernel_reports(d):
    """-r: what the kernel reported before its tests (the decoded VT-d units,
    the coherency domains, the VM's WBINVD decision; not the JSON copies)
    and its verdict, from the lane folder @d."""
    text = read_lines(d / "ktap.txt")
    if not text:
        return f"\n[{d.name}] no kernel report"
    head = []
    for line in text[1:]:
        if not line.startswith("#"):
            break
        if not line.startswith("# {"):
            head.append(line[2:])
    totals = next((l[2:] for l in text if l.startswith("# Totals:")),
                  "no '# Totals:' line")
    failed = "fail:0" not in totals
    return "\n".join([f"\n[{d.name}] the kernel's reports:", *head,
                      f"[{d.name}] the kernel's verdict: "
                      f"{'FAIL' if failed else 'PASS'} ({totals})",
                      f"[{d.name}] its whole KTAP: {d / 'ktap.txt'} (and "
                      "the runner's checks in runner.ktap; -v or make run "
                      "V=1 streams it)"])
