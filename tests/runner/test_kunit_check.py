"""kunit_check against Linux's kunit.py (KUNIT_DIR, set by make check from
tools/kunit.sh): it agrees on a conforming document, and it catches a
directive kunit.py counts differently and a result that is missing; an
output folder without lanes fails before kunit.py is needed."""

import os
import tempfile
import unittest
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # tests/
sys.dont_write_bytecode = True  # no tests/runner/__pycache__ from the imports
sys.path.insert(0, str(HERE))
from runner import kunit_check  # noqa: E402
from test_ktap import REPORT  # noqa: E402

KUNIT = os.environ.get("KUNIT_DIR", "")

GOOD = """\

KTAP version 1
1..1
    KTAP version 1
    # Subtest: s
    1..4
    ok 1 a
    # b: EXPECT_EQ failed
    not ok 2 b
    ok 3 c # SKIP no edu device
    ok 4 d # SKIP known divergence: QEMU 7.2: INVD reported as WBINVD
not ok 1 s
"""

# The plan says 2, one result came: the kernel stopped in the middle.
CUT = """\

KTAP version 1
1..1
    KTAP version 1
    # Subtest: s
    1..2
    ok 1 a
"""


@unittest.skipUnless(KUNIT and (Path(KUNIT) / "kunit.py").exists(),
                     "KUNIT_DIR names no kunit.py (make check sets it from "
                     "tools/kunit.sh)")
class KunitCheckTest(unittest.TestCase):
    def check(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            lane = Path(tmp) / "lanes" / "x"
            lane.mkdir(parents=True)
            (lane / "junit.xml").write_text("<testsuites/>")
            (lane / "ktap.txt").write_text(text)
            rc = kunit_check.main(tmp, KUNIT)
            counts, errors = kunit_check.kunit_counts(KUNIT,
                                                      lane / "ktap.txt")
        return rc, counts, errors

    def test_conforming_document_agrees(self):
        rc, counts, errors = self.check(GOOD)
        self.assertEqual(rc, 0)
        self.assertEqual(dict(counts),
                         {"passed": 1, "failed": 1, "skipped": 2})
        self.assertEqual(errors, [])

    def test_todo_directive_is_a_failure_to_kunit(self):
        # KTAP has no TODO: kunit.py counts "not ok ... # TODO" as failed
        # where the runner sees a known divergence (and the real failure)
        rc, counts, _ = self.check(REPORT)
        self.assertEqual(rc, 1)
        self.assertEqual(counts["failed"], 2)

    def test_missing_result_is_a_parser_error(self):
        rc, _, errors = self.check(CUT)
        self.assertEqual(rc, 1)
        self.assertTrue(errors)


class NothingReadTest(unittest.TestCase):
    def test_folder_without_lanes_fails(self):
        # No lanes/ at all, then lanes/ whose folder holds no result: both
        # fail rather than report agreement over nothing.
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(kunit_check.main(tmp, "/nonexistent"), 1)
            (Path(tmp) / "lanes" / "x").mkdir(parents=True)
            self.assertEqual(kunit_check.main(tmp, "/nonexistent"), 1)
