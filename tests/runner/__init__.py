"""The test runner behind tests/run, which documents its options, lanes,
artifacts and exit status.

  matrix     tests/matrix.json resolved: machines, lanes, emulators
  options    the command line, the lanes it selects, -l
  ktap       results, the KTAP and cmocka TAP parsers, the KTAP writer
  ktap_check KTAP conformance (Documentation/dev-tools/ktap.rst)
  expect     the lanes' expected skips
  procs      processes: launch, follow, kill; tools and files a lane needs
  qmp        QMP, and QEMU's serial port read from an in-memory ring
  lanes      what every lane shares, and what the QEMU and Bochs lanes share
  host, qemu, bochs   the lane kinds
  screen     the verdict page: QMP screendump, PNG, the kernel's font
  acpi       the kernel's ACPI dump: acpixtract, iasl -d
  report     the summary table and totals line, JUnit XML, -t and -r
  cli        running lanes, the exit status
  junit_check  junit.xml read back with python3-junitparser (make check)
  selftest   runs test_*.py, the runner's own unit tests
"""
