"""tools/mkrescue.sh: grub-mkrescue built again after xorriso crashes, and
only then, with a shell script standing in for grub-mkrescue."""

import os
import subprocess
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent.parent / "tools/mkrescue.sh"

# Attempt N (counted in the file "n") does what the word N of $PLAN says:
# "crash" writes the image and then dies as xorriso 1.5.4 was seen to,
# "fail" fails on its own, "ok" builds the image. Each attempt first makes
# its work folder under TMPDIR, as grub-mkrescue does, and leaves it.
FAKE = """\
#!/bin/sh
n=$(($(cat "$STATE/n" 2>/dev/null || echo 0) + 1))
echo $n >"$STATE/n"
mktemp -d -t grub.XXXXXX >>"$STATE/workdirs" || exit 1
what=$(echo $PLAN | cut -d' ' -f$n)
echo image >"$2"
echo "Writing to 'stdio:$2' completed successfully."
case $what in
crash) printf '\\n\\nUNIX-SIGNAL:  SIGSEGV  errno= 0\\n'
       echo 'grub-mkrescue: error: `xorriso` invocation failed' >&2; exit 1 ;;
fail)  echo 'grub-mkrescue: error: cannot open the tree' >&2; exit 1 ;;
esac
"""


class MkrescueTest(unittest.TestCase):
    def build(self, plan, tmp=None):
        """Runs the script against the fake (in @tmp, a new folder if
        None); returns (status, stderr, the folder holding out.iso and
        mk.log)."""
        tmp = tmp or Path(self.enterContext(tempfile.TemporaryDirectory()))
        fake = tmp / "grub-mkrescue"
        fake.write_text(FAKE)
        fake.chmod(0o755)
        env = dict(os.environ, PATH=f"{tmp}:{os.environ['PATH']}",
                   STATE=str(tmp), PLAN=plan)
        proc = subprocess.run([str(SCRIPT), str(tmp / "out.iso"), "tree",
                               str(tmp / "mk.log")], env=env,
                              capture_output=True, text=True)
        return proc.returncode, proc.stderr, tmp

    def assert_no_work_left(self, tmp, attempts):
        """Every attempt worked in out.iso.tmp, and nothing of it is
        left."""
        dirs = (tmp / "workdirs").read_text().split()
        self.assertEqual(len(dirs), attempts)
        for d in dirs:
            self.assertEqual(Path(d).parent, tmp / "out.iso.tmp")
        self.assertFalse((tmp / "out.iso.tmp").exists())

    def test_a_crash_is_built_again_and_said(self):
        status, err, tmp = self.build("crash ok")
        self.assertEqual(status, 0)
        self.assertTrue((tmp / "out.iso").exists())
        self.assertIn("UNIX-SIGNAL", (tmp / "mk.log.1").read_text())
        note = ("mkrescue: attempt 2 of 3: xorriso crashed (UNIX-SIGNAL: "
                f"SIGSEGV errno= 0) in attempt 1, whose log is {tmp}/mk.log.1")
        self.assertEqual(err.splitlines(), [note])
        self.assertEqual((tmp / "mk.log").read_text().splitlines()[0], note)
        self.assert_no_work_left(tmp, 2)

    def test_three_crashes_fail_and_leave_no_image(self):
        status, err, tmp = self.build("crash crash crash ok")
        self.assertEqual(status, 1)
        self.assertFalse((tmp / "out.iso").exists())
        self.assertEqual((tmp / "n").read_text().strip(), "3")
        self.assertEqual(len(err.splitlines()), 2)
        self.assertTrue((tmp / "mk.log.2").exists())
        self.assertIn("UNIX-SIGNAL", (tmp / "mk.log").read_text())
        self.assert_no_work_left(tmp, 3)

    def test_another_failure_is_final_at_once(self):
        status, err, tmp = self.build("fail ok")
        self.assertEqual(status, 1)
        self.assertEqual(err, "")
        self.assertFalse((tmp / "out.iso").exists())
        self.assertFalse((tmp / "mk.log.1").exists())
        self.assertIn("cannot open the tree", (tmp / "mk.log").read_text())

    def test_first_success_is_taken(self):
        status, err, tmp = self.build("ok")
        self.assertEqual((status, err), (0, ""))
        self.assertEqual((tmp / "n").read_text().strip(), "1")
        self.assert_no_work_left(tmp, 1)

    def test_a_killed_build_is_cleaned_by_the_next(self):
        tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        (tmp / "out.iso.tmp" / "grub.left").mkdir(parents=True)
        status, _, tmp = self.build("ok", tmp)
        self.assertEqual(status, 0)
        self.assert_no_work_left(tmp, 1)


if __name__ == "__main__":
    unittest.main()
