#!/usr/bin/env python3
"""Unit tests of tests/run and its package tests/runner/: the KTAP and
cmocka TAP parsers on canned text, the QEMU verdict rules, and whole runs
against a fake QEMU (a shell script).

  python3 tests/runner/selftest.py
"""

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import zlib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent.parent  # tests/
sys.dont_write_bytecode = True  # no tests/runner/__pycache__ from the imports
sys.path.insert(0, str(HERE))
from runner import (acpi, bochs, cli, expect, host, ktap,  # noqa: E402
                    ktap_check, lanes, matrix, options, qemu, report,
                    screen)

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


class VerdictTest(unittest.TestCase):
    ctx = SimpleNamespace(matrix={"qemu": {"exit_pass": 1, "exit_fail": 3}})

    def verdict(self, status, text, timed_out=False):
        p = ktap.KtapParser()
        for line in text.split("\n"):
            p.feed(line)
        proc = SimpleNamespace(returncode=status)
        return [f[0] for f in qemu.qemu_verdict(self.ctx, proc, p, timed_out,
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
        self.assertEqual(ktap.clean("\x1b[1;1H\x1b[0mok 1 a\r"), "ok 1 a")
        self.assertEqual(ktap.clean("\x1b(Bx\x1b]0;title\x07y"), "xy")

    def test_grub_quote(self):
        self.assertEqual(bochs.grub_quote('a=1 b="$x\\"'),
                         '"a=1 b=\\"\\$x\\\\\\""')

    def test_qemu_commands(self):
        m = matrix.load_matrix(HERE / "matrix.json")
        ctx = lanes.Context(Path("/o"), m, None, "x=a,b")
        lane = {"name": "t", "argv": m["lanes"][1]["argv"], "args": "k=1",
                "emulator": "qemu-7.2"}
        cmd = qemu.qemu_command(dict(lane, boot="kernel"), ctx, None)
        self.assertEqual(cmd[-4:], ["-kernel", "/o/kernel.elf", "-append",
                                    "k=1 x=a,b"])
        cmd = qemu.qemu_command(dict(lane, boot="iso-bios"), ctx, None)
        self.assertEqual(cmd[-2:], ["-fw_cfg",
                                    "name=opt/vtdtest/args,string=k=1 x=a,,b"])
        cmd = qemu.qemu_command(dict(lane, boot="kernel", screendump=True),
                                ctx, None, "/q.sock")
        self.assertIn("unix:/q.sock,server=on,wait=off", cmd)
        self.assertEqual(cmd[-1], "k=1 x=a,b hold")


class MatrixTest(unittest.TestCase):
    machines = {
        "base": {"kind": "qemu", "boot": "kernel",
                 "line": ["-machine q35", "-m 256M", "-device intel-iommu",
                          "-device edu"],
                 "args": "a=1 b=2", "skips": {"s.x": "no X", "s.y": "no Y"}},
        "big": {"from": "base", "set": {"-m": "1G"},
                "device": {"edu": "dma_mask=0xff"}, "args": "b=3 c"},
    }

    def lane(self, **entry):
        return matrix.resolve_lane(dict(name="l", **entry), self.machines)

    def test_lane_states_only_what_differs(self):
        lane = self.lane(machine="big", device={"intel-iommu": "aw-bits=48"},
                         add=["-device edu,addr=6"], args="a=0",
                         skips={"s.x": None, "s.z": "no Z"})
        self.assertEqual(lane["argv"], [
            "-machine", "q35", "-m", "1G", "-device", "intel-iommu,aw-bits=48",
            "-device", "edu,dma_mask=0xff", "-device", "edu,addr=6"])
        self.assertEqual(lane["args"], "a=0 b=3 c")
        self.assertEqual(lane["skips"], {"s.y": "no Y", "s.z": "no Z"})
        self.assertEqual(self.machines["big"].get("line"), None)  # unchanged

    def test_mistakes_are_named(self):
        for bad in ({"machine": "nope"}, {"machine": "base", "set": {"-x": 1}},
                    {"machine": "base", "device": {"virtio": "x"}},
                    {"machine": "base", "boot": "floppy"}, {"kind": "vm"}):
            with self.assertRaises(matrix.UsageError):
                self.lane(**bad)

    def test_qemu10_lanes_are_their_72_lanes_on_another_emulator(self):
        m = matrix.load_matrix(HERE / "matrix.json")
        lanes = {l["name"]: l for l in m["lanes"]}
        for old, new in (("qemu", "qemu10"), ("qemu-sc", "qemu10-sc")):
            a, b = lanes[old], lanes[new]
            self.assertEqual((a["emulator"], b["emulator"]),
                             ("qemu-7.2", "qemu-10.0"))
            self.assertEqual(b["argv"], [w + ",aw-bits=39"
                                         if w.startswith("intel-iommu") else
                                         w for w in a["argv"]])
            self.assertEqual(a["args"], b["args"])
            invd = "kvm_exits.invd_always_exits_and_is_never_executed"
            self.assertIn(invd, a["skips"])  # QEMU 7.2's divergence
            self.assertNotIn(invd, b["skips"])  # 10.0 gets INVD right

    def test_the_matrix_resolves(self):
        m = matrix.load_matrix(HERE / "matrix.json")
        qemu = next(l for l in m["lanes"] if l["name"] == "qemu")
        self.assertEqual(qemu["argv"].count("-device"), 3)
        self.assertIn("expect_edu=2", qemu["args"].split())
        self.assertNotIn("expect_edu=1", qemu["args"].split())


class ExpectTest(unittest.TestCase):
    def lane(self, *tests):
        return lanes.Lane("l", [ktap.Suite("s", list(tests))])

    def test_as_expected(self):
        lane = self.lane(ktap.Test("a", ktap.SKIP, reason="no VMX here"),
                         ktap.Test("b", ktap.TODO, reason="QEMU 7.2: bug"),
                         ktap.Test("c", ktap.PASS))
        t = expect.skips_test(lane, {"s.a": "no VMX", "s.b": "QEMU 7.2 bug"})
        self.assertEqual(t.status, ktap.PASS, t.diag)

    def test_each_mismatch_is_named(self):
        lane = self.lane(ktap.Test("a", ktap.SKIP, reason="no VMX here"),
                         ktap.Test("b", ktap.SKIP, reason="no SC"),
                         ktap.Test("c", ktap.PASS), ktap.Test("d", ktap.FAIL))
        t = expect.skips_test(lane, {"s.b": "no edu", "s.c": "x",
                                     "s.d": "y", "s.e": "z"})
        self.assertEqual(t.status, ktap.FAIL)
        self.assertEqual(t.diag, [
            "s.a: skipped, not expected to (no VMX here)",
            "s.b: skipped for another reason: 'no SC', expected 'no edu'",
            "s.c: expected to skip (x) but passed",
            "s.d: expected to skip (y) but failed",
            "s.e: expected to skip (z) but not reported"])
        partial = expect.skips_test(lane, {"s.a": "no", "s.b": "no",
                                           "s.e": "z"}, partial=True)
        self.assertEqual(partial.status, ktap.PASS)
        lane.runner_test(t)
        self.assertIn("  [l] s.c: expected to skip (x) but passed",
                      report.summary([lane]).splitlines())

    def test_first_words(self):
        self.assertEqual(expect.first_words(
            "known divergence: QEMU 7.2: drops a fault; needs two"),
            "QEMU 7.2 drops a fault")
        self.assertEqual(expect.first_words("edu dma_mask (64 bits) cannot"),
                         "edu dma_mask")

    def test_matrix_lists_are_full_names(self):
        m = matrix.load_matrix(HERE / "matrix.json")
        for lane in m["lanes"]:
            for name, reason in lane["skips"].items():
                self.assertRegex(name, r"^\w+\.\w+$", lane["name"])
                self.assertTrue(reason, f"{lane['name']}: {name}")


class JunitTest(unittest.TestCase):
    def test_lanes_merged_with_totals_and_diagnostics(self):
        suite = ktap.Suite("s", [
            ktap.Test("a", ktap.PASS, ["took 3 ms"], seconds=0.25),
            ktap.Test("b", ktap.FAIL, ["expected 1, got 2", "at x.c:3"]),
            ktap.Test("c", ktap.DIVERGE, ["EXPECT pfo: false"],
                      reason="QEMU 7.2 drops it")])
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            for name in ("one", "two"):
                (out / "lanes" / name).mkdir(parents=True)
                report.write_lane_junit(out / "lanes" / name / "junit.xml",
                                        lanes.Lane(name, [suite]))
            report.merge_junit(out)
            root = ET.parse(out / "junit.xml").getroot()
            (out / "lanes/two/junit.xml").unlink()  # as a new run of 'two'
            report.merge_junit(out)
            again = ET.parse(out / "junit.xml").getroot()
        self.assertEqual([root.get(k) for k in ("tests", "failures",
                                                "skipped")], ["6", "2", "2"])
        self.assertEqual(again.get("tests"), "3")
        cases = {c.get("name"): c for c in root.iter("testcase")}
        self.assertEqual(cases["s.a"].get("time"), "0.250")
        self.assertEqual(cases["s.a"].find("system-out").text, "took 3 ms")
        self.assertEqual(cases["s.b"].find("failure").get("message"),
                         "expected 1, got 2")
        c = cases["s.c"]
        self.assertEqual(c.find("skipped").get("message"),
                         "divergence: QEMU 7.2 drops it")
        self.assertEqual(c.find("system-out").text, "EXPECT pfo: false")


class OptionsTest(unittest.TestCase):
    m = matrix.load_matrix(HERE / "matrix.json")

    def names(self, *argv):
        opts = options.parse_args(list(argv))
        return [l["name"] for l in options.chosen_lanes(self.m, opts)]

    def test_lanes_by_argument_glob_group_and_list(self):
        self.assertEqual(self.names("qemu"), ["qemu"])
        self.assertEqual(self.names("bochs*"), ["bochs", "bochs-svm"])
        self.assertEqual(self.names("-g", "quick"), ["host", "qemu"])
        self.assertEqual(self.names("-g", "boot", "host"),
                         ["host", "grub", "uefi", "qemu-acpidump"])
        self.assertEqual(self.names("--lanes", "grub,host"), ["host", "grub"])
        self.assertEqual(len(self.names()), len(self.m["lanes"]))
        for bad in (["-g", "nope"], ["nope"]):
            with self.assertRaises(matrix.UsageError):
                self.names(*bad)

    def test_defaults_and_list(self):
        opts = options.parse_args([])
        self.assertEqual(opts.out, HERE.parent / "build")
        self.assertEqual(opts.jobs, 2)
        out = __import__("io").StringIO()
        options.list_lanes(self.m, out)
        first = out.getvalue().splitlines()[0].split()
        self.assertEqual(first[:2], ["host", "host"])
        self.assertTrue(all(l.get("about") for l in self.m["lanes"]))

    def test_help_states_the_closing_line_and_exit_codes(self):
        proc = subprocess.run([sys.executable, str(HERE / "run"), "--help"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0)
        for text in ("N passed, N failed, N skipped", "  2    usage error",
                     "  1    a test failed"):
            self.assertIn(text, proc.stdout)
        bad = subprocess.run([sys.executable, str(HERE / "run"), "-j", "0"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)


def render_text(lines, glyphs, scale=1, attr_bg=b"\0\0\xaa", fg=b"\xff\xff\xff"):
    """An RGB picture of @lines drawn with the kernel font, as fb.c draws."""
    by_char = {c: bm for bm, c in glyphs.items()}
    cols = max(len(l) for l in lines) + 1
    w, h = 8 * scale * cols, 16 * scale * (len(lines) + 1)
    rgb = bytearray(attr_bg * (w * h))
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            bm = by_char[ch]
            for y in range(16 * scale):
                for x in range(8 * scale):
                    if bm[y // scale] & (0x80 >> (x // scale)):
                        p = 3 * ((row * 16 * scale + y) * w + col * 8 * scale
                                 + x)
                        rgb[p:p + 3] = fg
    return w, h, bytes(rgb)


class ScreenTest(unittest.TestCase):
    glyphs = screen.load_font()

    def test_font_has_95_distinct_glyphs(self):
        self.assertEqual(len(self.glyphs), 95)
        self.assertEqual(self.glyphs[bytes(16)], " ")

    def test_decode_at_scale_1_and_2(self):
        text = ["Totals: pass:76 fail:0 skip:13", "suite.name_[x] {y} ~|"]
        for scale in (1, 2):
            w, h, rgb = render_text(text, self.glyphs, scale)
            got = screen.decode_screen(w, h, rgb, self.glyphs, scale)
            self.assertEqual(got[:2], text)

    def test_png_and_ppm(self):
        w, h, rgb = render_text(["PNG"], self.glyphs)
        with tempfile.TemporaryDirectory() as tmp:
            ppm, png = Path(tmp) / "s.ppm", Path(tmp) / "s.png"
            ppm.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + rgb)
            self.assertEqual(screen.read_ppm(ppm), (w, h, rgb))
            screen.write_png(png, w, h, rgb)
            data = png.read_bytes()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(data[16:24], w.to_bytes(4, "big") + h.to_bytes(4, "big"))
        idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
        raw = zlib.decompress(idat)
        self.assertEqual(raw[1:1 + 3 * w], rgb[:3 * w])

    def judge(self, lines, text):
        with tempfile.TemporaryDirectory() as tmp:
            grab = screen.ScreenGrab(Path(tmp))
            grab.taken = True
            w, h, rgb = render_text(lines, self.glyphs)
            grab.ppm.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + rgb)
            suite = grab.judge(text)
            grab.close()
            self.assertTrue((Path(tmp) / "screen.png").exists())
            return {t.name: t for t in suite.tests}

    def test_judge_finds_the_totals_line(self):
        text = ["# console: screen: framebuffer 1280x800, 32 bpp, pitch 5120 "
                "at 0xc0000000 (uncached), 160x50 cells of 8x16 at scale 1",
                "# Totals: pass:1 fail:0 skip:0 todo:0 checks:3",
                "# screen: verdict page drawn (PASS)"]
        ok = self.judge(["PASS", "Totals: pass:1 fail:0 skip:0 todo:0 checks:3"],
                        text)
        self.assertEqual({n: t.status for n, t in ok.items()},
                         {"verdict_page_drawn": ktap.PASS,
                          "screendump_taken": ktap.PASS,
                          "screen_not_blank": ktap.PASS,
                          "verdict_on_screen": ktap.PASS})
        bad = self.judge(["Totals: pass:9"], text)
        self.assertEqual(bad["verdict_on_screen"].status, ktap.FAIL)
        vga = self.judge(["x"], text[1:])
        self.assertEqual(vga["verdict_on_screen"].status, ktap.SKIP)

    def test_qmp_screendump_then_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            grab = screen.ScreenGrab(Path(tmp))
            seen = []
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(grab.socket))
            server.listen(1)

            def fake_qemu():
                conn, _ = server.accept()
                f = conn.makefile("rwb")
                f.write(b'{"QMP": {"version": {}}}\r\n')
                f.flush()
                for line in f:
                    cmd = json.loads(line)
                    seen.append(cmd["execute"])
                    if cmd["execute"] == "screendump":
                        Path(cmd["arguments"]["filename"]).write_bytes(b"P6")
                        f.write(b'{"event": "X"}\r\n')
                    f.write(b'{"return": {}}\r\n')
                    f.flush()
                conn.close()

            t = threading.Thread(target=fake_qemu)
            t.start()
            grab.on_line("# hold: verdict on the screen; press a key\r")
            t.join(5)
            server.close()
            grab.close()
            self.assertIsNone(grab.error)
            self.assertEqual(seen, ["qmp_capabilities", "screendump",
                                    "send-key"])
            self.assertTrue(grab.ppm.exists())


DUMP = """\
KTAP version 1
# acpi: 1 tables follow in acpidump format
# acpidump: MCFG @ 0x000000007FFE0000
# acpidump:     0000: 4D 43 46 47 3C 00 00 00 01 {c:02X} 42 4F 43 48 53 20  MCFG<.....BOCHS
# acpidump:     0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  BXPC    ....BXPC
# acpidump:     0020: 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 B0  ................
# acpidump:     0030: 00 00 00 00 00 00 00 FF 00 00 00 00              ............
# acpidump:
# acpi: end of the tables
1..0
"""


def mcfg_dump():
    body = bytes.fromhex("4D4346473C000000 0100 424F43485320 4258504320202020"
                         "01000000 42585043 01000000 0000000000000000"
                         "00000000B0000000 0000 00 FF 00000000")
    return DUMP.format(c=(-sum(body)) % 256)


class AcpiTest(unittest.TestCase):
    def test_prefix_stripped(self):
        lines = acpi.acpidump_lines(mcfg_dump().splitlines())
        self.assertEqual(lines[0], "MCFG @ 0x000000007FFE0000")
        self.assertTrue(lines[1].startswith("    0000: 4D 43"))
        self.assertEqual(lines[-1], "")

    def test_no_dump(self):
        self.assertIsNone(acpi.acpi_suite(["KTAP version 1"], Path("/x"),
                                          False))
        suite = acpi.acpi_suite(["KTAP version 1"], Path("/x"), True)
        self.assertEqual(suite.tests[0].status, ktap.FAIL)

    @unittest.skipUnless(shutil.which("acpixtract") and shutil.which("iasl"),
                         "acpica-tools not installed")
    def test_extract_and_disassemble(self):
        with tempfile.TemporaryDirectory() as tmp:
            suite = acpi.acpi_suite(mcfg_dump().splitlines(), Path(tmp), False)
            got = {t.name: t.status for t in suite.tests}
            self.assertEqual(got, {"extracted": ktap.PASS,
                                   "mcfg_disassembled": ktap.PASS})
            self.assertIn("Base Address",
                          (Path(tmp) / "mcfg.dsl").read_text())
            required = acpi.acpi_suite(mcfg_dump().splitlines(), Path(tmp),
                                       True)
            self.assertEqual({t.name: t.status for t in required.tests
                              if t.status == ktap.FAIL},
                             {n + "_dumped": ktap.FAIL for n in
                              ("DMAR", "FACP", "APIC", "DSDT", "XSDT_or_RSDT")})

    def test_reports_suite(self):
        suite = lanes.reports_suite([{"type": "vtd_unit"}], ["vtd_unit", "x"])
        self.assertEqual([t.status for t in suite.tests],
                         [ktap.PASS, ktap.FAIL])


class LogModeTest(unittest.TestCase):
    def test_saved_log_is_judged(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "board.log"
            log.write_text(REPORT)
            proc = subprocess.run([sys.executable, str(HERE / "run"), "--out",
                                   tmp, "--log", str(log)],
                                  capture_output=True, text=True)
            self.assertEqual(proc.returncode, 1)
            # the kernel's fail, and the first KTAP defect: a TODO
            # directive, which KTAP does not have
            self.assertEqual(proc.stdout.splitlines()[-1],
                             "3 passed, 2 failed, 3 skipped")
            self.assertIn("runner.ktap_conforms: line 19: todo:",
                          proc.stdout)
            self.assertTrue((Path(tmp) / "lanes/log/report.json").exists())


FAKE_QEMU = """\
#!/bin/sh
printf 'SeaBIOS\\rKTAP version 1\\n1..1\\n    KTAP version 1\\n'
printf '    # Subtest: s\\n    1..2\\n'
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

    def run_lane(self, args, timeout=20, extra=(), lanes=()):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            fake = tmp / "qemu"
            fake.write_text(FAKE_QEMU)
            fake.chmod(0o755)
            (tmp / "kernel.elf").write_text("")
            matrix = json.loads((HERE / "matrix.json").read_text())
            matrix["emulators"]["qemu-7.2"]["binary"] = str(fake)
            matrix["emulators"]["qemu-10.0"]["prefix"] = "/nonexistent"
            matrix["lanes"] = [{"name": "fake", "kind": "qemu",
                                "boot": "kernel", "machine": "q35",
                                "timeout": timeout, "args": ""}] + list(lanes)
            (tmp / "m.json").write_text(json.dumps(matrix))
            start = time.monotonic()
            proc = subprocess.run(
                [sys.executable, str(HERE / "run"), "--out", str(tmp),
                 "--matrix", str(tmp / "m.json"), "--args", args, *extra],
                capture_output=True, text=True)
            junit = ET.parse(tmp / "junit.xml").getroot()
            self.junit_agrees(tmp)
            return proc, time.monotonic() - start, junit

    def junit_agrees(self, out):
        """junit.xml read by junitparser (Debian's python) agrees with the
        lane folders."""
        if subprocess.run(["/usr/bin/python3", "-c", "import junitparser"],
                          capture_output=True).returncode:
            return  # python3-junitparser not installed: make check has it
        check = subprocess.run(["/usr/bin/python3",
                                str(HERE / "runner/junit_check.py"),
                                str(out)], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout)

    def test_pass(self):
        proc, _, junit = self.run_lane("mode=pass")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "4 passed, 0 failed, 0 skipped")  # + 2 runner checks
        self.assertEqual(junit.find("testsuite").get("name"), "fake.s")
        self.assertEqual((junit.get("tests"), junit.get("failures"),
                          junit.get("skipped")), ("4", "0", "0"))

    def test_fail(self):
        proc, _, junit = self.run_lane("mode=fail")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "3 passed, 1 failed, 0 skipped")
        self.assertIn("[fake] s.b:", proc.stdout)

    def test_lane_without_its_emulator_is_skipped_with_the_reason(self):
        proc, _, junit = self.run_lane("mode=pass", lanes=[
            {"name": "fake10", "like": "fake", "emulator": "qemu-10.0"}])
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "4 passed, 0 failed, 3 skipped")
        self.assertRegex(proc.stdout, r"fake10 +0 +0 +3 +0")
        self.assertIn("Lanes skipped, their emulator absent:\n  [fake10] "
                      "qemu-10.0 is not unpacked", proc.stdout)
        reasons = {c.get("name"): c.find("skipped").get("message")
                   for c in junit.iter("testcase")
                   if c.get("classname") == "fake10.runner"}
        self.assertEqual(set(reasons), {"runner.emulator",
                                        "runner.ktap_conforms",
                                        "runner.skips_as_expected"})
        self.assertIn("qemu-10.0 is not unpacked: no /nonexistent/usr/bin/"
                      "qemu-system-x86_64; tools/qemu10.sh makes it",
                      reasons["runner.emulator"])

    def test_tap_on_stdout(self):
        proc, _, _ = self.run_lane("mode=pass", extra=["-t"])
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout.splitlines()[:2],
                         ["KTAP version 1", "1..1"])
        self.assertEqual(ktap_check.check_text(proc.stdout), [])
        self.assertEqual(proc.stderr.splitlines()[-1],
                         "4 passed, 0 failed, 0 skipped")

    def test_timeout_kills_the_emulator(self):
        proc, seconds, _ = self.run_lane("mode=hang", timeout=1)
        self.assertEqual(proc.returncode, 1)
        self.assertLess(seconds, 10)
        self.assertIn("runner.timeout: timed out after 1 s", proc.stdout)
        self.assertIn("s.missing_2: no result: timed out", proc.stdout)


if __name__ == "__main__":
    unittest.main()
