"""Bochs lanes: the kernel arguments in a GRUB file on the lane's own ISO
(Bochs has no fw_cfg), a bochsrc from the matrix template; Bochs' exit
status says nothing, so only the serial log is judged."""

import re
import shutil
import time

from .ktap import clean, log_tail, read_lines
from .lanes import (emulator, emulator_result, kernel_args, lane_dir,
                    lane_failure, setup_failure, watch, write_cmds)
from .procs import (DEPS_FIX, REPO, file_missing, launch, reap,
                    tool_missing)


def grub_quote(text):
    """text as one GRUB word: inside double quotes only \\, " and $ are
    special."""
    return '"' + re.sub(r'([\\"$])', r"\\\1", text) + '"'


def bochs_needs(ctx, lane):
    b = ctx.matrix["bochs"]
    build = f"run make O={ctx.out}"
    return [tool_missing(emulator(ctx, lane).binary),
            tool_missing("grub-mkrescue"),
            tool_missing("xorriso"),
            file_missing(ctx.out / "isodir/boot/grub/grub.cfg", build),
            file_missing(b["romimage"], DEPS_FIX),
            file_missing(b["vgaromimage"], DEPS_FIX)]


MKRESCUE_TIMEOUT = 120  # s, for all of tools/mkrescue.sh's attempts


def bochs_iso(lane, ctx, d):
    """Builds lane.iso: the kernel's ISO tree plus boot/lane.cfg carrying the
    kernel arguments (Bochs has no fw_cfg). Returns the command and errors."""
    tree = d / "isodir"
    shutil.copytree(ctx.out / "isodir", tree)
    (tree / "boot/lane.cfg").write_text(
        f"set lane_args={grub_quote(kernel_args(lane, ctx))}\n")
    log = d / "grub-mkrescue.log"
    cmd = [str(REPO / "tools/mkrescue.sh"), str(d / "lane.iso"), str(tree),
           str(log)]
    notes = d / "mkrescue.out"  # its word on xorriso's crashes, if any
    proc = launch(cmd, notes)
    timed_out = reap(proc, MKRESCUE_TIMEOUT)
    for note in read_lines(notes):
        ctx.console.progress(f"[{lane['name']}] {clean(note)}")
    if timed_out or proc.returncode:
        said = (f"timed out after {MKRESCUE_TIMEOUT} s" if timed_out
                else f"failed (status {proc.returncode})")
        return cmd, [f"grub-mkrescue {said}", *log_tail(log)]
    return cmd, []


def bochs_command(lane, ctx, d):
    """Writes the lane's bochsrc from the matrix template (plus the lane's
    own "rc" lines) and the debugger script that just continues; returns
    the command line."""
    b = ctx.matrix["bochs"]
    values = dict(b, cpu=lane["cpu"], megs=lane["megs"], iso=d / "lane.iso",
                  serial=d / "serial.log", log=d / "bochs.log")
    rc = b["rc"] + lane.get("rc", [])  # a lane's own devices (usb_xhci)
    (d / "bochsrc").write_text("".join(line.format(**values) + "\n"
                                       for line in rc))
    (d / "bochs.dbg").write_text("c\n")
    return [emulator(ctx, lane).binary, "-q", "-f", str(d / "bochsrc"),
            "-rc", str(d / "bochs.dbg")]


# Bochs' display (rfb, the one Debian's Bochs can run headless) listens on
# the first free port of 5900-5949 and panics before the CPU starts when
# none binds. A run that ends so is tried again, at most RFB_TRIES times
# (each attempt's output kept as bochs.out.N).
RFB_BUSY = "RFB could not bind"
RFB_TRIES = 3


def run_bochs_lane(lane, ctx):
    d = lane_dir(ctx, lane)
    failed = setup_failure(lane, bochs_needs(ctx, lane))
    if failed:
        return failed
    iso_cmd, errors = bochs_iso(lane, ctx, d)
    if errors:
        return lane_failure(lane, "setup", *errors)
    cmd = bochs_command(lane, ctx, d)
    write_cmds(d, iso_cmd, cmd)
    serial = d / "serial.log"
    for attempt in range(1, RFB_TRIES + 1):
        serial.write_text("")
        proc = launch(cmd, d / "bochs.out")
        parser, timed_out = watch(lane, ctx, proc, serial)
        said = bochs_exit_message(d / "bochs.out")
        if (timed_out or parser.state != "before" or RFB_BUSY not in said
                or attempt == RFB_TRIES):
            break
        # The host's VNC ports, not the kernel: Bochs never started it.
        shutil.copy(d / "bochs.out", d / f"bochs.out.{attempt}")
        ctx.console.progress(f"[{lane['name']}] Bochs: {said}; attempt "
                             f"{attempt + 1} of {RFB_TRIES}")
        time.sleep(attempt)
    # Bochs exits with 1 however the kernel ends: only the report counts.
    reason = (f"timed out after {lane['timeout']} s" if timed_out
              else f"Bochs exited: {bochs_exit_message(d / 'bochs.out')}")
    parser.finish(reason, bochs_errors(d / "bochs.log"))
    failures = [("timeout", reason)] if timed_out else []
    return emulator_result(lane, d, parser, failures)


def bochs_exit_message(out):
    """The message Bochs prints on its way out (a panic, a config error)."""
    lines = [clean(l).strip() for l in read_lines(out)]
    said = [b for a, b in zip(lines, lines[1:])
            if a == "Bochs is exiting with the following message:"]
    return said[-1] if said else "no exit message"


def bochs_errors(log):
    """Bochs' last panic and error lines, which say why a run ended early."""
    return [l for l in map(clean, read_lines(log))
            if re.match(r"\d+[pe]\[", l)][-5:]
