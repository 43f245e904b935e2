"""QEMU lanes: the command line from the matrix, gdb on request, and the
verdict of QEMU's exit status (isa-debug-exit) against the report."""

import os
import shlex
import shutil
import signal
import subprocess

from .ktap import log_tail
from .lanes import (emulator, emulator_missing, emulator_result, kernel_args,
                    lane_dir, setup_failure, watch, write_cmds)
from .procs import DEPS_FIX, file_missing, kill, launch, tool_missing
from .qmp import SerialRing
from .screen import ScreenGrab


def qemu_needs(lane, ctx, emu):
    q = ctx.matrix["qemu"]
    build = f"run make O={ctx.out}"
    image = "kernel.elf" if lane["boot"] == "kernel" else "vtdtest.iso"
    needs = [tool_missing(emu.binary), file_missing(ctx.out / image, build)]
    if lane["boot"] == "iso-uefi":
        needs += [file_missing(q[k], DEPS_FIX)
                  for k in ("ovmf_code", "ovmf_vars")]
    if ctx.gdb:
        needs.append(tool_missing("gdb"))
    return needs


def qemu_command(lane, ctx, d, qmp=None, ring=None):
    """The lane's QEMU command; with @ring (a SerialRing) its serial port
    is that ring instead of standard output, and the kernel is asked for
    the exit handshake the ring needs (exit_ack)."""
    q = ctx.matrix["qemu"]
    emu = emulator(ctx, lane)
    args = kernel_args(lane, ctx)
    common = list(q["common"])
    if lane.get("icount") is False:
        at = common.index("-icount")
        del common[at:at + 2]
    if ring:
        at = common.index("-serial")
        common[at:at + 2] = ring.argv()
        args = " ".join(a for a in (args, "exit_ack") if a)
    cmd = [emu.binary, *emu.args, *common, *lane["argv"],
           *ram_on_memfd(lane["argv"])]
    if qmp:
        cmd += ["-qmp", f"unix:{qmp},server=on,wait=off"]
    if lane["boot"] == "kernel":
        return cmd + ["-kernel", str(ctx.out / "kernel.elf"), "-append", args]
    cmd += ["-cdrom", str(ctx.out / "vtdtest.iso"), "-boot", "d"]
    if args:  # QEMU option values escape a comma by doubling it
        cmd += ["-fw_cfg", f"name={q['fw_cfg_args']},"
                f"string={args.replace(',', ',,')}"]
    if lane["boot"] == "iso-uefi":
        nvram = d / "OVMF_VARS.fd"
        shutil.copyfile(q["ovmf_vars"], nvram)
        cmd += ["-drive", f"if=pflash,format=raw,readonly=on,"
                f"file={q['ovmf_code']}",
                "-drive", f"if=pflash,format=raw,file={nvram}"]
    return cmd


def ram_on_memfd(argv):
    """Guest RAM (the lane's -m) on a memfd. QEMU asks for transparent huge
    pages on anonymous guest RAM, so the first store into each 2 MiB of it
    zeroes 2 MiB: 1.7-3 ms each on the 2-core CI machine, and the qemu lane
    touches seven such blocks its boot-and-exit floor does not (the
    allocator test's pages, the 2 MiB-leaf tests' regions and their canary
    windows). Shared memory gets 4 KiB pages (unless
    /sys/kernel/mm/transparent_hugepage/shmem_enabled asks otherwise; its
    default is "never"), each a fault of about 10 us when first touched:
    the lane measured 30 ms faster, its floor unchanged. The guest sees
    the same RAM either way."""
    if "-m" not in argv:
        return []
    size = argv[argv.index("-m") + 1]
    return ["-object", f"memory-backend-memfd,id=ram0,size={size}",
            "-machine", "memory-backend=ram0"]


def attach_gdb(proc, ctx, serial):
    """Runs gdb in the foreground against QEMU waiting with -s -S."""
    ctx.console.say(f"QEMU waits for gdb on :1234; serial output: {serial}")
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is gdb's
    try:
        # qemu-system-x86_64 always reports 64-bit registers: an ELF32
        # kernel image must not make gdb expect i386 ones.
        subprocess.run(["gdb", "-ex", "set architecture i386:x86-64",
                        "-ex", "target remote :1234",
                        *shlex.split(ctx.gdb_args),
                        str(ctx.out / "kernel.elf")])
    finally:
        signal.signal(signal.SIGINT, old)
    # A scripted (-batch) session detaches and QEMU runs on to the verdict;
    # after an interactive one the run is over.
    if proc.poll() is None and "-batch" not in shlex.split(ctx.gdb_args):
        kill(proc)


def qemu_verdict(ctx, proc, parser, timed_out, timeout, err):
    """Judges QEMU's exit status against the report; returns failures."""
    q = ctx.matrix["qemu"]
    status, tail = proc.returncode, log_tail(err)
    if timed_out:
        parser.finish(f"timed out after {timeout} s", tail)
        return [("timeout", f"timed out after {timeout} s")]
    parser.finish(f"QEMU exited with status {status}", tail)
    if status not in (q["exit_pass"], q["exit_fail"]):
        return [("exit_status", "kernel did not exit through isa-debug-exit: "
                 + describe_status(status), *tail)]
    if (status == q["exit_fail"]) != parser.failed():
        said = "failure" if status == q["exit_fail"] else "pass"
        found = "has failures" if parser.failed() else "has no failure"
        return [("verdict", f"verdict mismatch: the kernel exited with "
                 f"{said} (status {status}) but its report {found}")]
    return []


def describe_status(status):
    if status < 0:
        return f"killed by signal {-status}"
    if status == 0:  # -no-reboot turns a reset into a clean exit
        return "status 0 (the machine reset: triple fault?)"
    return f"status {status}"


def run_qemu_lane(lane, ctx):
    d = lane_dir(ctx, lane)
    emu = emulator(ctx, lane)
    if emu.missing:
        return emulator_missing(lane, emu)
    failed = setup_failure(lane, qemu_needs(lane, ctx, emu))
    if failed:
        return failed
    grab = ScreenGrab(d) if lane.get("screendump") and not ctx.gdb else None
    # Under gdb the log is read while QEMU waits: QEMU writes it itself.
    ring = None if ctx.gdb else SerialRing()
    cmd = qemu_command(lane, ctx, d, grab and grab.socket, ring) \
        + (["-s", "-S"] if ctx.gdb else [])
    write_cmds(d, cmd, env="".join(f"{k}={shlex.quote(v)} "
                                   for k, v in emu.env.items()))
    serial, err = d / "serial.log", d / "qemu.stderr"
    env = dict(os.environ, **emu.env)
    proc = (launch(cmd, serial, err, env) if ctx.gdb
            else launch(cmd, err, env=env))  # its stdout: nothing, or errors
    if ctx.gdb:
        attach_gdb(proc, ctx, serial)
    if grab:
        grab.proc = proc
    try:
        parser, timed_out = watch(lane, ctx, proc, serial,
                                  grab and grab.on_line,
                                  **({"follower": ring.follow} if ring
                                     else {}))
    finally:
        if grab:
            grab.close()
        if ring:
            ring.close()
    failures = qemu_verdict(ctx, proc, parser, timed_out, lane["timeout"],
                            err)
    result = emulator_result(lane, d, parser, failures)
    if grab:
        result.suites.append(grab.judge(parser.text))
    return result
