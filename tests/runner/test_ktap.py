"""The KTAP and cmocka TAP parsers on canned text; the KTAP conformance
checker and the runner's KTAP writer."""

import tempfile
import unittest
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # tests/
sys.dont_write_bytecode = True  # no tests/runner/__pycache__ from the imports
sys.path.insert(0, str(HERE))
from runner import host, ktap, ktap_check, lanes, report  # noqa: E402


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
    parser = ktap.KtapParser()
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
                         [ktap.PASS, ktap.FAIL, ktap.SKIP])
        self.assertIn("expected 0x0, got 0x1000",
                      boot["allocator_never_returns_reserved"].diag[0])
        self.assertEqual(boot["acpi_tables_found"].reason, "no XSDT")
        self.assertEqual(cpu["invd_exits"].status, ktap.TODO)
        self.assertEqual(cpu["invd_exits"].reason,
                         "QEMU 7.2 reports INVD as a WBINVD exit")
        self.assertEqual(cpu["wbinvd_exits"].status, ktap.PASS)
        self.assertIn("TODO passed unexpectedly", cpu["wbinvd_exits"].note)
        self.assertEqual(by_name(p)["vtd_sc"]["suite"].status, ktap.SKIP)
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
        self.assertEqual(boot["missing_3"].status, ktap.FAIL)
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
        self.assertEqual(problem.status, ktap.FAIL)
        self.assertIn("says 'not ok' but 0 of its 1 tests failed",
                      problem.diag[0])

    def test_suite_result_before_all_tests(self):
        p = parse_ktap("KTAP version 1\n1..1\n    # Subtest: s\n    1..2\n"
                       "    ok 1 a\nnot ok 1 s\n")
        self.assertEqual(by_name(p)["s"]["missing_2"].status, ktap.FAIL)
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
        self.assertEqual(inner.status, ktap.FAIL)
        self.assertEqual(inner.diag, ["b: expected 1, got 2", "not ok 2 b"])

    def test_suites_reported_to_callback(self):
        seen = []
        parser = ktap.KtapParser(lambda s: seen.append(s.name))
        for line in REPORT.split("\n"):
            parser.feed(line)
        self.assertEqual(seen, ["boot", "cpu", "vtd_sc"])


# ktap.rst's own example, with KUnit's 4-space indentation
SPEC_EXAMPLE = """\
KTAP version 1
1..1
    KTAP version 1
    1..3
        KTAP version 1
        1..1
        # test_1: initializing test_1
        ok 1 test_1
    ok 1 example_test_1
        KTAP version 1
        1..2
        ok 1 test_1 # SKIP test_1 skipped
        ok 2 test_2
    ok 2 example_test_2
        KTAP version 1
        1..3
        ok 1 test_1
        # test_2: FAIL
        not ok 2 test_2
        ok 3 test_3 # SKIP test_3 skipped
    not ok 3 example_test_3
not ok 1 main_test
"""


class KtapCheckTest(unittest.TestCase):
    def codes(self, text):
        return [(v.line, v.code) for v in ktap_check.check_text(text)]

    def test_spec_example_conforms(self):
        self.assertEqual(self.codes(SPEC_EXAMPLE), [])
        self.assertEqual(self.codes("BIOS\r\n" + SPEC_EXAMPLE), [])
        self.assertEqual(self.codes("BIOS\r" + SPEC_EXAMPLE), [])

    def test_each_violation(self):
        cases = {
            "BIOS KTAP version 1\n1..0\n": [(1, "version")],
            "KTAP version 1\n1..2\nok 1 a\n": [(3, "end")],
            "KTAP version 1\n1..1\nok 2 a\n": [(3, "number")],
            "KTAP version 1\nok 1 a\n1..1\n": [(2, "plan"), (3, "plan"),
                                              (3, "end")],
            "KTAP version 1\n1..1\nnot ok 1 a # TODO bug\n": [(3, "todo")],
            "KTAP version 1\n1..1\nnot ok 1 a # XFAIL x\n":
                [(3, "directive")],
            "KTAP version 1\n1..1\n  KTAP version 1\n": [(3, "indent"),
                                                          (3, "end")],
            "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n"
            "    not ok 1 a\nok 1 s\n": [(6, "parent")],
            "KTAP version 1\n1..1\n    KTAP version 1\n    1..2\n"
            "    ok 1 a\n    printk noise\nok 1 s\n": [(6, "unknown"),
                                                       (7, "plan")],
            "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n"
            "      # deeper\n    ok 1 a\nok 1 s\n": [(5, "indent")],
            "KTAP version 1\n1..1\nnoise at the top is allowed\nok 1 a\n":
                [],
            "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n"
            "    1..1\n    ok 1 a\nok 1 t\n": [(7, "name")],
        }
        for text, want in cases.items():
            self.assertEqual(self.codes(text), want, text)

    def test_the_runners_ktap_conforms(self):
        suites = [ktap.Suite("runner", [
            ktap.Test("a", ktap.PASS, ["one", ""]),
            ktap.Test("b c#d", ktap.FAIL, ["why"]),
            ktap.Test("e", ktap.SKIP, reason="no X"),
            ktap.Test("f", ktap.DIVERGE, reason="QEMU 7.2: bug")]),
            ktap.Suite("empty")]
        text = "\n".join(ktap.write_ktap(suites)) + "\n"
        self.assertEqual(self.codes(text), [])
        self.assertIn("    ok 4 f # SKIP known divergence: QEMU 7.2: bug",
                      text.splitlines())
        p = parse_ktap(text)
        self.assertEqual([t.status for t in p.suites[0].tests],
                         [ktap.PASS, ktap.FAIL, ktap.SKIP, ktap.DIVERGE])

    def test_divergence_old_and_new_form(self):
        for line in ("    not ok 1 t # TODO QEMU 7.2 bug",
                     "    ok 1 t # SKIP known divergence: QEMU 7.2: bug"):
            p = parse_ktap("KTAP version 1\n1..1\n    KTAP version 1\n"
                           f"    1..1\n{line}\nok 1 s\n")
            self.assertEqual(p.suites[0].tests[0].status, ktap.DIVERGE)
            lane = lanes.Lane("l", p.suites)
            self.assertEqual(report.totals_line([lane]),
                             "0 passed, 0 failed, 1 skipped")

    def test_bare_cr_ends_a_line(self):
        p = parse_ktap("GRUB\rKTAP version 1\r1..1\r    KTAP version 1\r"
                       "    1..1\r    ok 1 a\rok 1 s\r\n")
        self.assertEqual([(s.name, len(s.tests)) for s in p.suites],
                         [("s", 1)])


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
        parser = ktap.TapParser("dmar_test")
        for line in text.split("\n"):
            parser.feed(line)
        parser.finish(reason, extra)
        return parser.suite

    def test_cmocka_output(self):
        suite = self.parse(CMOCKA, extra=["==1==ERROR: AddressSanitizer"])
        got = [(t.name, t.status) for t in suite.tests]
        self.assertEqual(got[:5], [("pass_one", ktap.PASS),
                                   ("fail_one", ktap.FAIL),
                                   ("skip_one", ktap.SKIP),
                                   ("setup_fails", ktap.FAIL),
                                   ("grpS", ktap.FAIL)])
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
            parser = ktap.TapParser("pt_test")
            parser.feed("1..1")
            parser.feed("ok 1 - a")
            suite = host.judge_host_binary(parser, -11, False, 60, err)
        last = suite.tests[-1]
        self.assertEqual(last.name, "exit_status")
        self.assertEqual(last.diag[:2], ["pt_test killed by signal 11",
                                         "==7==ERROR: AddressSanitizer: SEGV"])
