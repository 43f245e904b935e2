"""The processes of a lane: started in their own session with output to
files, followed line by line (QEMU's serial ring: qmp.py), killed at a
deadline or on Ctrl-C; and the tools and files a lane needs before it
starts."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
DEPS_FIX = "install it with tools/deps.sh"


LIVE = set()  # processes running now, killed on Ctrl-C

# How often follow() reads the serial log. The runner's wall time of a suite
# (progress lines, JUnit's testsuite time) and a lane's end are seen no finer
# than this: at 0.1 s a 0.7 s QEMU lane showed most suites as 0.000 s and a
# few as 0.101 s. One read of a file that did not grow costs microseconds.
POLL_S = 0.01


def launch(cmd, stdout, stderr=None, env=None, cwd=REPO):
    """Starts cmd in its own process group, output to files (stderr joins
    stdout unless given)."""
    with open(stdout, "wb") as out, open(stderr or os.devnull, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out,
                                stderr=err if stderr else subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True)
    LIVE.add(proc)
    return proc


def kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def reap(proc, timeout):
    """Waits for proc; returns True if it had to be killed at timeout."""
    try:
        proc.wait(timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill(proc)
        timed_out = True
    LIVE.discard(proc)
    return timed_out


def follow(proc, path, timeout, on_line):
    """Feeds each line written to path until proc exits or timeout seconds
    pass (then kills its process group); returns True on timeout."""
    deadline = time.monotonic() + timeout
    buf = b""
    with open(path, "rb") as f:
        while proc.poll() is None and time.monotonic() < deadline:
            buf = feed_lines(buf + f.read(), on_line)
            time.sleep(POLL_S)
        timed_out = reap(proc, 0)
        buf = feed_lines(buf + f.read(), on_line)
    if buf:
        on_line(buf.decode(errors="replace"))
    return timed_out


def feed_lines(data, on_line):
    """Passes each complete line of data on; returns the incomplete rest."""
    *lines, rest = data.split(b"\n")
    for line in lines:
        on_line(line.decode(errors="replace"))
    return rest


def tool_missing(tool):
    if shutil.which(tool):
        return None
    return f"{tool} not found on PATH; {DEPS_FIX}"


def file_missing(path, fix):
    return None if Path(path).exists() else f"{path} does not exist; {fix}"
