#!/usr/bin/python3
"""Checks the LAVA job definitions in tests/lava/ without a LAVA instance.

1. Every job validates against lava-common's job schema, strictly: the
   validator LAVA's scheduler runs when a job is submitted (a broken job is
   also fed to it, to show the validator rejects).
2. qemu.yaml runs the machine of the matrix's "qemu" lane: the QEMU line
   lava-server's qemu.jinja2 renders from its context (for x86_64:
   "-nographic -net nic,... -net user -m {memory} -monitor none" and
   extra_options; "machine" and "cpu" ignored; "-cpu host -enable-kvm"
   unless no_kvm) is that lane's machine line, plus the -icount option of
   the matrix's common options, and its kernel arguments are the lane's
   plus exit=halt. tests/lava/devices/qemu-local.yaml holds that rendering.
3. Each job's test monitor, applied to KTAP output the way lava-dispatcher
   applies it (after "start", the earliest match of "end" or "pattern",
   results through "fixupdict"), yields exactly the pass and fail results
   tests/run's KTAP parser finds, SKIP (known divergences too) and TODO
   lines left out: on a canned
   report (for qemu.yaml also as LAVA's pty shows it, "\r\r\n" line ends),
   and on every --log given (a lane's serial.log).
4. With --lava-run, when Debian's lava-dispatcher is installed: lava-run
   runs qemu.yaml offline (the kernel from a file:// URL, the device
   configuration tests/lava/devices/qemu-local.yaml), and the results LAVA
   records are the pass/fail results tests/run's parser finds in the
   serial output of that same run (LAVA's log); without lava-run:
   "lava-run: not installed, skipped".

  /usr/bin/python3 tests/lava/check.py [--matrix FILE] [--log FILE]...
                                       [--lava-run [--kernel ELF]]
  /usr/bin/python3 tests/lava/check.py --base-url URL --render DIR

--render writes the jobs with https://example.org/vtdtest/ replaced by URL
(where the lab serves build/kernel.elf and build/vtdtest.iso), ready for
lavacli jobs submit. Needs Debian's lava-common and python3-yaml (the
interpreter is Debian's, which has them: tools/deps.sh installs them).
Exit status 0 when every check holds, 1 otherwise.
"""

import argparse
import copy
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from importlib.machinery import SourceFileLoader
from pathlib import Path

HERE = Path(__file__).resolve().parent
JOBS = sorted(HERE.glob("*.yaml"))
PLACEHOLDER = "https://example.org/vtdtest/"
DEVICE = HERE / "devices" / "qemu-local.yaml"
LAVA_RUN = Path("/usr/bin/lava-run")

try:
    import yaml
    from lava_common.schemas import validate
    from voluptuous import Invalid
except ImportError as e:
    sys.exit(f"tests/lava/check.py: {e}: install lava-common and python3-yaml "
             "(tools/deps.sh) and run this with Debian's /usr/bin/python3")

sys.dont_write_bytecode = True
run = SourceFileLoader("run", str(HERE.parent / "run")).load_module()

CANNED = (
    "SeaBIOS\r\nKTAP version 1\r\n1..2\r\n"
    "    KTAP version 1\r\n    # Subtest: boot\r\n    1..5\r\n"
    "    # memory_map_sane: the walk took 10229 us\r\n"
    "    ok 1 memory_map_sane\r\n"
    "    # allocator: EXPECT a == b: left 0x1, right 0x0\r\n"
    "    not ok 2 allocator_never_returns_reserved\r\n"
    "    ok 3 bridges_lead_to_their_buses # SKIP no bridge\r\n"
    "    not ok 4 invd_exits # TODO QEMU 7.2 reports INVD as WBINVD\r\n"
    "    ok 5 pfo # SKIP known divergence: QEMU 7.2: drops the fault\r\n"
    "not ok 1 boot\r\n"
    "    KTAP version 1\r\n    # Subtest: vtd\r\n    1..1\r\n"
    "    ok 1 units_found_and_reported\r\n"
    "ok 2 vtd\r\n"
    "# Totals: pass:2 fail:1 skip:1 todo:1 checks:9\r\n"
    "# screen: verdict page drawn (FAIL)\r\n"
    "    ok 9 after_the_end\r\n")


class Checks:
    def __init__(self):
        self.failed = 0

    def report(self, ok, what, detail=""):
        print(f"{'ok' if ok else 'FAIL'}: {what}" + (f": {detail}" if detail
                                                      and not ok else ""))
        self.failed += not ok


def lava_case(name):
    """The test case id lava-dispatcher records for a matched name."""
    return re.sub(r"\W+", "_", name.strip().lower())


def monitor_results(monitor, text):
    """[(test_case_id, result)] as lava-dispatcher's TestMonitor finds them
    in the console output @text."""
    start = re.search(re.escape(monitor["start"]), text)
    if not start:
        return []
    pattern, end = re.compile(monitor["pattern"]), re.compile(
        re.escape(monitor["end"]))
    fix = monitor.get("fixupdict", {})
    out, pos = [], start.end()
    while True:
        m_end, m_pat = end.search(text, pos), pattern.search(text, pos)
        if not m_pat or (m_end and m_end.start() <= m_pat.start()):
            return out
        g = m_pat.groupdict()
        out.append((lava_case(g["test_case_id"]),
                    fix.get(g["result"], g["result"])))
        pos = m_pat.end()


def parser_results(text):
    """[(name, pass|fail)] of tests/run's parser, directives left out, plus
    the suites' own result lines as LAVA sees them."""
    p = run.KtapParser()
    for line in text.split("\n"):
        p.feed(line)
    p.finish("the log ended")
    out = []
    for s in p.suites:
        out += [(lava_case(t.name), t.status) for t in s.tests
                if t.num and not t.reason and t.status in (run.PASS, run.FAIL)]
        out.append((lava_case(s.name),
                    run.FAIL if s.count(run.FAIL) else run.PASS))
    return out


def check_schema(c, jobs):
    for path, job in jobs.items():
        try:
            validate(job, strict=True)
            c.report(True, f"{path.name}: valid LAVA job (lava-common schema)")
        except Invalid as e:
            c.report(False, f"{path.name}: LAVA job schema", str(e))
    broken = copy.deepcopy(next(iter(jobs.values())))
    del broken["visibility"]
    broken["actions"][0]["deploy"]["to"] = "nowhere"
    try:
        validate(broken, strict=True)
        c.report(False, "the schema validator rejects a broken job")
    except Invalid:
        c.report(True, "the schema validator rejects a broken job")


def template_qemu(ctx):
    """(options, extra) of the qemu boot method lava-server's qemu.jinja2
    (2023.01) renders for an x86_64 job context @ctx."""
    opts = [] if ctx.get("no_kvm") else ["-cpu host", "-enable-kvm"]
    opts += ["-nographic",
             f"-net nic,{ctx.get('model', 'model=virtio')},"
             f"macaddr=52:54:00:12:34:58 -net {ctx.get('netdevice', 'user')}",
             f"-m {ctx.get('memory', 512)}",
             f"-monitor {ctx.get('monitor', 'none')}"]
    return opts, list(ctx.get("extra_options", []))


def check_qemu_machine(c, job, matrix):
    lane = next(l for l in matrix["lanes"] if l["name"] == "qemu")
    ctx = job["context"]
    c.report(ctx.get("arch") == "x86_64" and ctx.get("no_kvm") is True,
             "qemu.yaml: arch x86_64, no_kvm (the template adds -enable-kvm "
             "otherwise, which -icount refuses)", f"context {ctx}")
    opts, extra = template_qemu(ctx)
    got = ["-m", f"{ctx.get('memory', 512)}M"]
    for opt in extra:
        got += shlex.split(opt)
    common = matrix["qemu"]["common"]
    icount = ["-icount", common[common.index("-icount") + 1]]
    want = lane["argv"] + icount
    mem = want.index("-m")
    want = want[mem:mem + 2] + want[:mem] + want[mem + 2:]
    c.report(got == want, "qemu.yaml runs the machine line of the qemu lane "
             "(and its -icount)", f"job {got}, matrix {want}")
    dev = yaml.safe_load(DEVICE.read_text())
    params = dev["actions"]["boot"]["methods"]["qemu"]["parameters"]
    c.report((params.get("options"), params.get("extra")) == (opts, extra),
             f"{DEVICE.name}: the template's rendering of qemu.yaml's context",
             f"device {params.get('options')} {params.get('extra')}, "
             f"template {opts} {extra}")
    image = job["actions"][0]["deploy"]["images"]["kernel"]["image_arg"]
    words = shlex.split(image)
    append = words[words.index("-append") + 1].split()
    c.report(sorted(append) == sorted(lane["args"].split() + ["exit=halt"]),
             "qemu.yaml passes the qemu lane's kernel arguments",
             f"job {append}, lane {lane['args']}")


def check_monitors(c, jobs, logs):
    texts = {"canned report": CANNED}
    for log in logs:
        if Path(log).is_file():
            texts[str(log)] = Path(log).read_text(errors="replace")
    for path, job in jobs.items():
        monitors = [m for a in job["actions"] if "test" in a
                    for m in a["test"].get("monitors", [])]
        job_texts = dict(texts)
        if job["device_type"] == "qemu":
            # lava-dispatcher reads QEMU's stdio through a pty: onlcr
            job_texts["canned report through a pty"] = CANNED.replace(
                "\r\n", "\r\r\n")
        for name, text in job_texts.items():
            end = text.find("# Totals:")  # the monitors' end: KTAP is over
            want = parser_results(text[:end] if end >= 0 else text)
            got = [r for m in monitors for r in monitor_results(m, text)]
            c.report(got == want and bool(got),
                     f"{path.name}: monitor finds the {len(want)} pass/fail "
                     f"results of the {name}",
                     f"monitor {got[:5]}..., parser {want[:5]}...")


def lava_run(c, job_path, kernel, timeout):
    """Runs @job_path with lava-run, offline, and compares the results it
    records with tests/run's parse of the serial output in its log."""
    if not LAVA_RUN.exists():
        print("lava-run: not installed, skipped")
        return
    if not kernel.is_file():
        c.report(False, "lava-run", f"{kernel} missing (make all)")
        return
    job = yaml.safe_load(job_path.read_text())
    with tempfile.TemporaryDirectory(prefix="vtdtest-lava-") as tmp:
        tmp = Path(tmp)
        text = job_path.read_text().replace(
            job["actions"][0]["deploy"]["images"]["kernel"]["url"],
            kernel.resolve().as_uri())
        (tmp / "job.yaml").write_text(text)
        # the NFS address the qemu boot computes: no default route needed
        (tmp / "dispatcher.yaml").write_text("dispatcher_ip: 127.0.0.1\n")
        cmd = [str(LAVA_RUN), "--job-id", f"vtdtest-{os.getpid()}",
               "--output-dir", str(tmp / "out"), "--device", str(DEVICE),
               "--dispatcher", str(tmp / "dispatcher.yaml"),
               str(tmp / "job.yaml")]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            c.report(False, "lava-run", f"no end after {timeout} s")
            return
        took = time.monotonic() - t0
        log = tmp / "lava-run.log"
        log.write_text(p.stdout)
        events = []
        for line in p.stdout.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
        boot = [e["msg"] for e in events if isinstance(e.get("msg"), str)
                and e["msg"].startswith("Boot command: ")]
        serial = "\n".join(e["msg"] for e in events
                           if e.get("lvl") == "target"
                           and isinstance(e.get("msg"), str))
        results = [e["msg"] for e in events if e.get("lvl") == "results"]
        names = [m["name"] for a in job["actions"] if "test" in a
                 for m in a["test"].get("monitors", [])]
        got = [(r["case"], r["result"]) for r in results
               if r.get("definition") in names]
        verdict = [r for r in results if r.get("definition") == "lava"
                   and r.get("case") == "job"]
        ok = p.returncode == 0 and verdict and verdict[-1]["result"] == "pass"
        last = "\n".join(p.stdout.splitlines()[-5:])
        c.report(bool(ok), f"lava-run: the job finished ({took:.1f} s)",
                 f"exit {p.returncode}, "
                 f"{verdict[-1] if verdict else 'no job result'}; "
                 f"last lines:\n{last}")
        if boot:
            print(f"lava-run: {boot[0]}")
        end = serial.find("# Totals:")
        want = parser_results(serial[:end] if end >= 0 else serial)
        c.report(got == want and bool(got),
                 f"lava-run: LAVA recorded the {len(want)} pass/fail results "
                 "tests/run's parser finds in the run's serial output",
                 f"LAVA {len(got)} {got[:5]}..., parser {len(want)} "
                 f"{want[:5]}...; missing "
                 f"{[r for r in want if r not in got][:5]}, extra "
                 f"{[r for r in got if r not in want][:5]}")


def render(jobs, base, out):
    out.mkdir(parents=True, exist_ok=True)
    for path in jobs:
        text = path.read_text().replace(PLACEHOLDER, base.rstrip("/") + "/")
        (out / path.name).write_text(text)
        print(out / path.name)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--matrix", type=Path, default=HERE.parent / "matrix.json")
    p.add_argument("--log", action="append", default=[],
                   help="a serial log to apply the monitors to")
    p.add_argument("--base-url", help="URL for --render")
    p.add_argument("--render", type=Path, metavar="DIR")
    p.add_argument("--lava-run", action="store_true",
                   help="also run qemu.yaml with lava-run (if installed)")
    p.add_argument("--kernel", type=Path,
                   default=HERE.parent.parent / "build" / "kernel.elf",
                   help="the kernel --lava-run boots")
    p.add_argument("--lava-run-timeout", type=int, default=900,
                   help="seconds (the job's own timeout is 15 minutes)")
    opts = p.parse_args()
    if opts.render:
        if not opts.base_url:
            p.error("--render needs --base-url")
        render(JOBS, opts.base_url, opts.render)
        return 0
    jobs = {path: yaml.safe_load(path.read_text()) for path in JOBS}
    c = Checks()
    check_schema(c, jobs)
    check_qemu_machine(c, jobs[HERE / "qemu.yaml"],
                       run.load_matrix(opts.matrix))
    check_monitors(c, jobs, opts.log)
    if opts.lava_run:
        lava_run(c, HERE / "qemu.yaml", opts.kernel, opts.lava_run_timeout)
    print(f"lava: {c.failed} check(s) failed" if c.failed else
          "lava: all checks passed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
