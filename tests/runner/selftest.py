#!/usr/bin/env python3
"""Unit tests of tests/run and its package tests/runner/: every
tests/runner/test_*.py (the KTAP and TAP parsers and the conformance
checker, the lanes' rules, the matrix and options, the screen, whole runs
against a fake QEMU).

  python3 tests/runner/selftest.py [-v] [test_ktap.KtapCheckTest ...]
"""

import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE))

if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    loader = unittest.TestLoader()
    suite = (loader.loadTestsFromNames(names) if names else
             loader.discover(str(HERE), pattern="test_*.py",
                             top_level_dir=str(HERE)))
    verbosity = 2 if "-v" in sys.argv else 1
    result = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)
