"""ACPI tables: the kernel's acpidump text -> acpixtract -> iasl -d."""

from .ktap import FAIL, PASS, Suite, Test, log_tail
from .procs import launch, reap, tool_missing

ACPIDUMP_PREFIX = "# acpidump:"
ACPI_REQUIRED = ("DMAR", "MCFG", "FACP", "APIC", "DSDT")  # and XSDT or RSDT


def acpidump_lines(text):
    """The kernel's '# acpidump: ' lines without the prefix: acpidump's own
    text format (a line that was only the prefix lost its space)."""
    n = len(ACPIDUMP_PREFIX)
    return [l[n + 1:] if l[n:n + 1] == " " else l[n:]
            for l in text if l.startswith(ACPIDUMP_PREFIX)]


def acpi_suite(text, d, required):
    """Extracts and disassembles the tables the kernel dumped; a suite
    'acpi' with one test per step and table, or None when there is no dump
    and the lane does not ask for one."""
    dump = acpidump_lines(text)
    suite = Suite("acpi")
    if not dump:
        if not required:
            return None
        suite.tests.append(Test("dump_present", FAIL, [
            "no '# acpidump:' lines: did the kernel get 'acpidump'?"]))
        return suite
    d.mkdir(parents=True, exist_ok=True)
    (d / "acpidump.txt").write_text("\n".join(dump) + "\n")
    missing = [m for m in map(tool_missing, ("acpixtract", "iasl")) if m]
    if missing:
        suite.tests.append(Test("tools", FAIL, [
            "; ".join(missing) + " (Debian package acpica-tools)"]))
        return suite
    tables = acpi_extract(d, suite)
    present = {t.stem.rstrip("0123456789").upper() for t in tables}
    for sig in ACPI_REQUIRED + ("XSDT|RSDT",) if required else ():
        ok = any(s in present for s in sig.split("|"))
        suite.tests.append(Test(f"{sig.replace('|', '_or_')}_dumped",
                                PASS if ok else FAIL,
                                [] if ok else [f"no {sig} table in the dump"]))
    for t in tables:
        suite.tests.append(iasl_disassemble(d, t))
    return suite


def acpi_extract(d, suite):
    log = d / "acpixtract.log"
    proc = launch(["acpixtract", "-a", "acpidump.txt"], log, cwd=d)
    timed_out = reap(proc, 60)
    tables = sorted(d.glob("*.dat"))
    if timed_out or proc.returncode or not tables:
        suite.tests.append(Test("extracted", FAIL, [
            f"acpixtract -a failed (status {proc.returncode})",
            *log_tail(log)]))
    else:
        suite.tests.append(Test("extracted", PASS,
                                [f"{len(tables)} tables in {d}"]))
    return tables


def rsdp_check(table):
    """iasl -d does not take an RSDP file (it has no table header): check
    its signature and checksums (ACPI 6.4 5.2.5.3) here instead."""
    b = table.read_bytes()
    ok = b[:8] == b"RSD PTR " and len(b) >= 20 and sum(b[:20]) % 256 == 0 \
        and (b[15] < 2 or (len(b) >= 36 and sum(b[:36]) % 256 == 0))
    return Test("rsdp_checksums_valid", PASS if ok else FAIL,
                [] if ok else [f"{table}: bad signature, length or checksum"])


def iasl_disassemble(d, table):
    name = f"{table.stem}_disassembled"
    if table.stem == "rsdp":
        return rsdp_check(table)
    log = d / f"{table.stem}.iasl.log"
    proc = launch(["iasl", "-d", table.name], log, cwd=d)
    timed_out = reap(proc, 60)
    dsl = table.with_suffix(".dsl")
    if timed_out or proc.returncode or not dsl.exists():
        return Test(name, FAIL, [f"iasl -d {table.name} failed (status "
                                 f"{proc.returncode})", *log_tail(log)])
    return Test(name, PASS, [str(dsl)])
