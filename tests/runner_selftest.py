#!/usr/bin/env python3
"""Unit tests of tests/run: the KTAP and cmocka TAP parsers on canned text,
the QEMU verdict rules, and whole runs against a fake QEMU (a shell script).

  python3 tests/runner_selftest.py
"""

import json
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import xml.etree.ElementTree as ET
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no tests/__pycache__ from loading tests/run
run = SourceFileLoader("run", str(HERE / "run")).load_module()

REPORT = """\
\x1b[2J\x1b[1;1H\x1b[?25lSeaBIOS (version 1.16.2-debian)\r
Booting from DVD/CD...\r
  Booting `vtdtest'\x1b[0m\r
KTAP version 1\r
1..3\r
# vtdtest: cmdline "expect_edu=1 expect_virt=svm"
    KTAP version 1
    # Subtest: boot
    1..3
    ok 1 memory_map_sane
    # allocator_never_returns_reserved: EXPECT_EQ(a, b) at boot.c:42: expected 0x0, got 0x1000
    not ok 2 allocator_never_returns_reserved
    ok 3 acpi_tables_found # SKIP no XSDT
# boot: pass:1 fail:1 skip:1 todo:0
not ok 1 boot
    KTAP version 1
    # Subtest: cpu
    1..3
    not ok 1 invd_exits # TODO QEMU 7.2 reports INVD as a WBINVD exit
    ok 2 svm_present
    ok 3 wbinvd_exits # TODO flaky before 8.0
# cpu: pass:2 fail:0 skip:0 todo:1
ok 2 cpu
# {"type":"vtd_unit","index":0,"ecap_sc":true}
    # {"type":"domain","id":1}
ok 3 vtd_sc # SKIP no intel-iommu
# Totals: pass:3 fail:1 skip:2 todo:1
"""


def parse_ktap(text, reason="the output ended", extra=()):
    parser = run.KtapParser()
    for line in text.split("\n"):
        parser.feed(line)
    parser.finish(reason, extra)
    return parser


def by_name(parser):
    return {s.name: {t.name: t for t in s.tests} for s in parser.suites}


class KtapTest(unittest.TestCase):
    def test_full_report(self):
        p = parse_ktap(REPORT)
        self.assertEqual([s.name for s in p.suites], ["boot", "cpu", "vtd_sc"])
        self.assertEqual(p.problems, [])
        boot, cpu = by_name(p)["boot"], by_name(p)["cpu"]
        self.assertEqual([t.status for t in boot.values()],
                         [run.PASS, run.FAIL, run.SKIP])
        self.assertIn("expected 0x0, got 0x1000",
                      boot["allocator_never_returns_reserved"].diag[0])
        self.assertEqual(boot["acpi_tables_found"].reason, "no XSDT")
        self.assertEqual(cpu["invd_exits"].status, run.TODO)
        self.assertEqual(cpu["invd_exits"].reason,
                         "QEMU 7.2 reports INVD as a WBINVD exit")
        self.assertEqual(cpu["wbinvd_exits"].status, run.PASS)
        self.assertIn("TODO passed unexpectedly", cpu["wbinvd_exits"].note)
        self.assertEqual(by_name(p)["vtd_sc"]["suite"].status, run.SKIP)
        self.assertEqual([r["type"] for r in p.reports], ["vtd_unit", "domain"])
        self.assertTrue(p.failed())

    def test_output_before_ktap_is_ignored_and_escapes_stripped(self):
        p = parse_ktap(REPORT)
        self.assertEqual(p.text[0], "KTAP version 1")
        self.assertNotIn("\x1b", "".join(p.text))
        self.assertNotIn("\r", "".join(p.text))

    def test_crash_mid_suite_fails_the_rest(self):
        cut = REPORT.index("    ok 3 acpi_tables_found")
        text = REPORT[:cut] + "    # #PF at 0xdead, error 0x2\n"
        p = parse_ktap(text, "QEMU exited with status 0", ["qemu: stderr"])
        boot = by_name(p)["boot"]
        self.assertEqual(boot["missing_3"].status, run.FAIL)
        self.assertEqual(boot["missing_3"].diag,
                         ["no result: QEMU exited with status 0",
                          "#PF at 0xdead, error 0x2", "qemu: stderr"])
        self.assertEqual([t.name for t in p.problems],
                         ["missing_suite_2", "missing_suite_3"])

    def test_suite_without_plan_that_never_ends(self):
        p = parse_ktap("KTAP version 1\n1..1\n    # Subtest: s\n    ok 1 a\n",
                       "timed out after 5 s")
        tests = by_name(p)["s"]
        self.assertEqual(tests["missing_results"].diag[0],
                         "suite did not finish: timed out after 5 s")

    def test_complete_suite_without_its_result_line(self):
        p = parse_ktap("KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n"
                       "    ok 1 a\n", "QEMU exited with status 1")
        self.assertEqual(by_name(p)["s"]["suite_result"].diag[0],
                         "no suite result line: QEMU exited with status 1")

    def test_suite_line_must_agree_with_its_tests(self):
        p = parse_ktap("KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n"
                       "    ok 1 a\nnot ok 1 s\n")
        problem = by_name(p)["s"]["suite_result"]
        self.assertEqual(problem.status, run.FAIL)
        self.assertIn("says 'not ok' but 0 of its 1 tests failed",
                      problem.diag[0])

    def test_suite_result_before_all_tests(self):
        p = parse_ktap("KTAP version 1\n1..1\n    # Subtest: s\n    1..2\n"
                       "    ok 1 a\nnot ok 1 s\n")
        self.assertEqual(by_name(p)["s"]["missing_2"].status, run.FAIL)
        self.assertNotIn("suite_result", by_name(p)["s"])

    def test_no_ktap_at_all(self):
        p = parse_ktap("SeaBIOS\nBooting from ROM...\n", extra=["qemu: err"])
        self.assertEqual(p.problems[0].name, "no_ktap")
        self.assertEqual(p.problems[0].diag[1], "qemu: err")

    def test_bad_json_line(self):
        p = parse_ktap("KTAP version 1\n1..0\n# {\"type\": \n")
        self.assertEqual([t.name for t in p.problems], ["report_json"])

    def test_report_starting_again_means_a_reset(self):
        text = "KTAP version 1\n1..1\n    # Subtest: s\n    1..2\n    ok 1 a\n"
        p = parse_ktap(text + text)
        self.assertEqual(by_name(p)["s"]["missing_2"].diag[0],
                         "no result: the report started again "
                         "(did the machine reset?)")
        self.assertEqual(len(p.suites), 1)

    def test_nested_subtest_is_one_test(self):
        p = parse_ktap("KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n"
                       "        KTAP version 1\n        # Subtest: inner\n"
                       "        1..2\n        ok 1 a\n"
                       "        # b: expected 1, got 2\n"
                       "        not ok 2 b\n    not ok 1 inner\nnot ok 1 s\n")
        inner = by_name(p)["s"]["inner"]
        self.assertEqual(inner.status, run.FAIL)
        self.assertEqual(inner.diag, ["b: expected 1, got 2", "not ok 2 b"])

    def test_suites_reported_to_callback(self):
        seen = []
        parser = run.KtapParser(lambda s: seen.append(s.name))
        for line in REPORT.split("\n"):
            parser.feed(line)
        self.assertEqual(seen, ["boot", "cpu", "vtd_sc"])


CMOCKA = """\
1..4
ok 1 - pass_one
hello diag
not ok 2 - fail_one
# 0x1 != 0x2
# t.c:8: error: Failure!
not ok 3 # SKIP skip_one
not ok 4 - setup_fails Could not run test: Test setup failed
# not ok - grpA
1..3
not ok 0 - grpS [  FAILED  ] GROUP SETUP
# ok - grpS
1..2
ok 1 - pass_one
"""


class TapTest(unittest.TestCase):
    def parse(self, text, reason="exited with status 1", extra=()):
        parser = run.TapParser("dmar_test")
        for line in text.split("\n"):
            parser.feed(line)
        parser.finish(reason, extra)
        return parser.suite

    def test_cmocka_output(self):
        suite = self.parse(CMOCKA, extra=["==1==ERROR: AddressSanitizer"])
        got = [(t.name, t.status) for t in suite.tests]
        self.assertEqual(got[:5], [("pass_one", run.PASS),
                                   ("fail_one", run.FAIL),
                                   ("skip_one", run.SKIP),
                                   ("setup_fails", run.FAIL),
                                   ("grpS", run.FAIL)])
        fail_one = suite.tests[1]
        self.assertEqual(fail_one.diag, ["0x1 != 0x2", "t.c:8: error: Failure!",
                                         "hello diag"])
        self.assertEqual(suite.tests[3].diag,
                         ["Could not run test: Test setup failed"])
        names = [t.name for t in suite.tests[5:]]
        self.assertEqual(names, ["missing_1", "missing_2", "missing_3",
                                 "pass_one", "missing_2"])
        self.assertEqual(suite.tests[-1].diag,
                         ["no result: exited with status 1",
                          "==1==ERROR: AddressSanitizer"])

    def test_crashing_binary_fails_with_stderr_tail(self):
        with tempfile.TemporaryDirectory() as tmp:
            err = Path(tmp) / "err"
            err.write_text("noise\n==7==ERROR: AddressSanitizer: SEGV\nend\n")
            parser = run.TapParser("pt_test")
            parser.feed("1..1")
            parser.feed("ok 1 - a")
            suite = run.judge_host_binary(parser, -11, False, 60, err)
        last = suite.tests[-1]
        self.assertEqual(last.name, "exit_status")
        self.assertEqual(last.diag[:2], ["pt_test killed by signal 11",
                                         "==7==ERROR: AddressSanitizer: SEGV"])


class VerdictTest(unittest.TestCase):
    ctx = SimpleNamespace(matrix={"qemu": {"exit_pass": 1, "exit_fail": 3}})

    def verdict(self, status, text, timed_out=False):
        p = run.KtapParser()
        for line in text.split("\n"):
            p.feed(line)
        proc = SimpleNamespace(returncode=status)
        return [f[0] for f in run.qemu_verdict(self.ctx, proc, p, timed_out,
                                               9, "/nonexistent")]

    def test_rules(self):
        ok = "KTAP version 1\n1..1\n    1..1\n    ok 1 a\nok 1 s\n"
        bad = ok.replace("    ok 1 a", "    not ok 1 a").replace("ok 1 s",
                                                                 "not ok 1 s")
        self.assertEqual(self.verdict(1, ok), [])
        self.assertEqual(self.verdict(3, bad), [])
        self.assertEqual(self.verdict(1, bad), ["verdict"])
        self.assertEqual(self.verdict(3, ok), ["verdict"])
        self.assertEqual(self.verdict(0, ok), ["exit_status"])
        self.assertEqual(self.verdict(-9, ok, timed_out=True), ["timeout"])


class HelpersTest(unittest.TestCase):
    def test_clean(self):
        self.assertEqual(run.clean("\x1b[1;1H\x1b[0mok 1 a\r"), "ok 1 a")
        self.assertEqual(run.clean("\x1b(Bx\x1b]0;title\x07y"), "xy")

    def test_grub_quote(self):
        self.assertEqual(run.grub_quote('a=1 b="$x\\"'),
                         '"a=1 b=\\"\\$x\\\\\\""')

    def test_qemu_commands(self):
        matrix = run.load_matrix(HERE / "matrix.json")
        ctx = run.Context(Path("/o"), matrix, None, "x=a,b")
        lane = {"name": "t", "machine": next(iter(matrix["machines"])),
                "args": "k=1"}
        cmd = run.qemu_command(dict(lane, boot="kernel"), ctx, None)
        self.assertEqual(cmd[-4:], ["-kernel", "/o/kernel.elf", "-append",
                                    "k=1 x=a,b"])
        cmd = run.qemu_command(dict(lane, boot="iso-bios"), ctx, None)
        self.assertEqual(cmd[-2:], ["-fw_cfg",
                                    "name=opt/vtdtest/args,string=k=1 x=a,,b"])


FAKE_QEMU = """\
#!/bin/sh
printf 'SeaBIOS\\r\\nKTAP version 1\\n1..1\\n    # Subtest: s\\n    1..2\\n'
printf '    ok 1 a\\n'
case "$*" in
*mode=hang*) sleep 30 ;;
*mode=fail*) printf '    not ok 2 b\\nnot ok 1 s\\n'; exit 3 ;;
esac
printf '    ok 2 b\\nok 1 s\\n'
exit 1
"""


class WholeRunTest(unittest.TestCase):
    """tests/run end to end with a shell script standing in for QEMU."""

    def run_lane(self, args, timeout=20):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            qemu = tmp / "qemu"
            qemu.write_text(FAKE_QEMU)
            qemu.chmod(0o755)
            (tmp / "kernel.elf").write_text("")
            matrix = json.loads((HERE / "matrix.json").read_text())
            matrix["qemu"]["binary"] = str(qemu)
            matrix["lanes"] = [{"name": "fake", "kind": "qemu",
                                "boot": "kernel", "machine": "q35-svm-edu",
                                "timeout": timeout, "args": ""}]
            (tmp / "m.json").write_text(json.dumps(matrix))
            start = time.monotonic()
            proc = subprocess.run(
                [sys.executable, str(HERE / "run"), "--out", str(tmp),
                 "--matrix", str(tmp / "m.json"), "--args", args],
                capture_output=True, text=True)
            junit = ET.parse(tmp / "lanes/../junit.xml").getroot()
            return proc, time.monotonic() - start, junit

    def test_pass(self):
        proc, _, junit = self.run_lane("mode=pass")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "2 passed, 0 failed, 0 skipped")
        self.assertEqual(junit.find("testsuite").get("name"), "fake.s")

    def test_fail(self):
        proc, _, junit = self.run_lane("mode=fail")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "1 passed, 1 failed, 0 skipped")
        self.assertIn("[fake] s.b:", proc.stdout)

    def test_timeout_kills_the_emulator(self):
        proc, seconds, _ = self.run_lane("mode=hang", timeout=1)
        self.assertEqual(proc.returncode, 1)
        self.assertLess(seconds, 10)
        self.assertIn("runner.timeout: timed out after 1 s", proc.stdout)
        self.assertIn("s.missing_2: no result: timed out", proc.stdout)


if __name__ == "__main__":
    unittest.main()
