"""The QEMU verdict rules, command lines, the matrix, expected skips,
the options, JUnit, ACPI and the reports suite."""

import io
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET
from types import SimpleNamespace
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # tests/
sys.dont_write_bytecode = True  # no tests/runner/__pycache__ from the imports
sys.path.insert(0, str(HERE))
from runner import (acpi, bochs, expect, ktap, lanes,  # noqa: E402
                    matrix, options, qemu, qmp, report)


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

    def test_bochs_lane_adds_its_rc_lines(self):
        m = matrix.load_matrix(HERE / "matrix.json")
        lane = next(l for l in m["lanes"] if l["name"] == "bochs-xhci")
        ctx = lanes.Context(Path("/o"), m, None, "")
        with tempfile.TemporaryDirectory() as tmp:
            bochs.bochs_command(lane, ctx, Path(tmp))
            rc = (Path(tmp) / "bochsrc").read_text().splitlines()
        self.assertTrue(rc[-1].startswith("usb_xhci: enabled=1"))
        self.assertEqual(len(rc), len(m["bochs"]["rc"]) + 1)

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
        self.assertEqual(cmd.count("-icount"), 1)
        ring = qmp.SerialRing()
        try:
            cmd = qemu.qemu_command(dict(lane, boot="kernel"), ctx, None,
                                    ring=ring)
            self.assertNotIn("stdio", cmd)
            self.assertIn(f"chardev:{qmp.RING}", cmd)
            self.assertIn("shutdown=pause", cmd)
            self.assertEqual(cmd[-1], "k=1 x=a,b exit_ack")
            other = qmp.SerialRing()
            moved = other.rebind(cmd)
            other.close()
            self.assertEqual(len(moved), len(cmd))
            self.assertIn(f"unix:{other.socket},server=on,wait=off", moved)
            self.assertNotIn(f"unix:{ring.socket},server=on,wait=off", moved)
        finally:
            ring.close()
        cmd = qemu.qemu_command(dict(lane, boot="kernel", icount=False),
                                ctx, None)
        self.assertNotIn("-icount", cmd)
        self.assertNotIn("shift=10,sleep=off", cmd)
        self.assertIn("-nodefaults", cmd)


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

    def test_kernel_durations_are_the_test_times_with_their_clock(self):
        p = ktap.KtapParser()
        for line in ("KTAP version 1", "1..1", "    KTAP version 1",
                     "    # Subtest: s", "    1..2", "    ok 1 a",
                     "    ok 2 b", "    # s: test durations in us: 1500 7",
                     "    # s: pass:2 fail:0 skip:0 divergent:0", "ok 1 s"):
            p.feed(line)
        p.finish("end")
        self.assertEqual([t.machine_us for t in p.suites[0].tests], [1500, 7])
        self.assertEqual([t.diag for t in p.suites[0].tests], [[], []])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "junit.xml"
            report.write_lane_junit(path, lanes.Lane("q", p.suites,
                                                     clock="virtual"))
            root = ET.parse(path).getroot()
        times = [c.get("time") for c in root.iter("testcase")]
        self.assertEqual(times, ["0.001500", "0.000007"])
        self.assertEqual(root.find("testsuite/properties/property").attrib,
                         {"name": "clock", "value": "virtual"})


class OptionsTest(unittest.TestCase):
    m = matrix.load_matrix(HERE / "matrix.json")

    def names(self, *argv):
        opts = options.parse_args(list(argv))
        return [l["name"] for l in options.chosen_lanes(self.m, opts)]

    def test_lanes_by_argument_glob_group_and_list(self):
        self.assertEqual(self.names("qemu"), ["qemu"])
        self.assertEqual(self.names("bochs*"),
                         [l["name"] for l in self.m["lanes"]
                          if l["name"].startswith("bochs")])
        self.assertIn("bochs-svm", self.names("bochs*"))
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
        out = io.StringIO()
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
