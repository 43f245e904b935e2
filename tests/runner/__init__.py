"""The test runner behind tests/run, which documents its options, lanes,
artifacts and exit status.

  ktap    results, the KTAP and cmocka TAP parsers
  procs   processes: launch, follow, kill; tools and files a lane needs
  lanes   what every lane shares, and what the QEMU and Bochs lanes share
  host, qemu, bochs   the lane kinds
  screen  the verdict page: QMP screendump, PNG, the kernel's font
  acpi    the kernel's ACPI dump: acpixtract, iasl -d
  report  the summary table and totals line, JUnit XML
  cli     options, the lane matrix, running lanes, the exit status
"""
