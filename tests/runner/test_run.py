"""tests/run end to end: a saved log, and whole runs with a shell script
standing in for QEMU."""

import json
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # tests/
sys.dont_write_bytecode = True  # no tests/runner/__pycache__ from the imports
sys.path.insert(0, str(HERE))
from runner import ktap_check  # noqa: E402
from test_ktap import REPORT  # noqa: E402


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
#!/usr/bin/env python3
# QEMU as tests/run drives it: the serial port a ring read over QMP, the
# kernel's exit handshake (ENQ, then a BREAK), a reset under
# -action shutdown=pause (a SHUTDOWN event, then quit).
import base64, json, os, socket, sys, time
argv = sys.argv[1:]
path = argv[argv.index("-qmp") + 1][len("unix:"):].split(",")[0]
mode = argv[argv.index("-append") + 1]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(1)
conn, _ = srv.accept()
f = conn.makefile("rwb", buffering=0)
def send(msg):
    f.write(json.dumps(msg).encode() + b"\\n")
out = [b"SeaBIOS\\rKTAP version 1\\n1..1\\n    KTAP version 1\\n"
       b"    # Subtest: s\\n    1..2\\n    ok 1 a\\n"]
if "mode=fail" in mode:
    out.append(b"    not ok 2 b\\nnot ok 1 s\\n\\x05")
elif "mode=pass" in mode:
    out.append(b"    ok 2 b\\nok 1 s\\n\\x05")
send({"QMP": {"version": {}, "capabilities": []}})
for line in f:
    cmd = json.loads(line)["execute"]
    if cmd == "ringbuf-read":
        data, out = b"".join(out), []
        send({"return": base64.b64encode(data).decode()})
        if "mode=hang" in mode:
            time.sleep(30)
        if "mode=reset" in mode:
            send({"event": "SHUTDOWN", "data": {"reason": "guest-reset"}})
    elif cmd == "chardev-send-break":
        send({"return": {}})
        sys.exit(3 if "mode=fail" in mode else 1)
    elif cmd == "quit":
        send({"return": {}})
        sys.exit(0)
    else:
        send({"return": {}})
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

    def test_closed_stdout_ends_quietly(self):
        # tests/run -l | head: the reader is gone before the list is out
        proc = subprocess.Popen([sys.executable, str(HERE / "run"), "-l"],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.stdout.close()
        with proc.stderr:
            err = proc.stderr.read().decode()
        self.assertEqual(proc.wait(), 141)
        self.assertEqual(err, "")

    def test_timeout_kills_the_emulator(self):
        proc, seconds, _ = self.run_lane("mode=hang", timeout=1)
        self.assertEqual(proc.returncode, 1)
        self.assertLess(seconds, 10)
        self.assertIn("runner.timeout: timed out after 1 s", proc.stdout)
        self.assertIn("s.missing_2: no result: timed out", proc.stdout)

    def test_reset_is_read_to_the_end_and_named(self):
        proc, seconds, _ = self.run_lane("mode=reset")
        self.assertEqual(proc.returncode, 1)
        self.assertLess(seconds, 10)
        self.assertIn("runner.exit_status: kernel did not exit through "
                      "isa-debug-exit: status 0 (the machine reset", proc.stdout)
        self.assertIn("s.missing_2: no result", proc.stdout)
