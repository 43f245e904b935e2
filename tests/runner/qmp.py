"""QEMU's monitor protocol (QMP) over a -qmp unix socket, and the serial
port read from QEMU's in-memory ring through it.

Why a ring: QEMU's 16550 hands each byte to its character device with a
write(2) of its own. Into a pipe or a file that is one system call a byte,
about 3 us of wall time each on the 2-core CI machine, so a third of the
qemu lane's time went to its 50 KB of output. A ringbuf character device
keeps the bytes in QEMU's memory; the runner reads them every POLL_S with
ringbuf-read. What a ring cannot do by itself is hand over its last bytes:
QEMU exits the moment the kernel writes isa-debug-exit. So the kernel,
given exit_ack, sends ENQ (0x05) on the serial port as its last byte and
waits for an answer on the line; the runner, on reading the ENQ, has read
everything before it and sends a BREAK (QMP chardev-send-break: the 16550
receives a NUL with LSR.BI; a key would go to a USB keyboard when the
machine has one, not to the PS/2 port the kernel reads). A machine that
stops in any other way (a reset under -no-reboot, a guest shutdown)
pauses instead of exiting (-action shutdown=pause), and the runner reads
the ring before it ends QEMU; at a timeout it reads it before the kill."""

import base64
import json
import shutil
import socket
import tempfile
import time
from pathlib import Path

from .procs import POLL_S, feed_lines, reap

ENQ = b"\x05"
RING = "serial0"
RING_SIZE = 1 << 22  # bytes; a power of two, 40 times the largest lane's log


class Qmp:
    """The few QMP commands a lane needs, over QEMU's -qmp unix socket.
    Events that arrive between replies are kept in .events."""

    def __init__(self, path, timeout=10):
        self.events = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.file = None
        try:
            self.sock.connect(str(path))
            self.file = self.sock.makefile("rb")
            self._reply()  # the greeting
            self.execute("qmp_capabilities")
        except (OSError, ValueError):
            self.close()
            raise

    def _reply(self):
        while True:
            line = self.file.readline()
            if not line:
                raise OSError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg
            self.events.append(msg)

    def execute(self, command, **arguments):
        cmd = {"execute": command}
        if arguments:
            cmd["arguments"] = arguments
        # No spaces: QEMU reads a monitor's input one byte at a time
        # (monitor/monitor.c, monitor_can_read() answers 1), about five
        # system calls of its monitor thread a byte.
        self.sock.sendall(json.dumps(cmd, separators=(",", ":")).encode()
                          + b"\n")
        reply = self._reply()
        if "error" in reply:
            raise OSError(f"QMP {command}: {reply['error'].get('desc')}")
        return reply.get("return")

    def close(self):
        if self.file:
            self.file.close()
        self.sock.close()


class QmpSocket:
    """A path for a -qmp unix socket in a temporary folder of its own,
    short enough for one (at most 107 bytes), removed by close()."""

    def __init__(self, prefix):
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.socket = Path(self.tmp) / "qmp.sock"

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class SerialRing(QmpSocket):
    """The serial port of one QEMU run: a ringbuf character device, read
    over a QMP socket of its own."""

    def __init__(self):
        super().__init__("vtdtest-ser-")

    @staticmethod
    def options(path):
        """QEMU's options for a ring read over the QMP socket at @path, in
        place of -serial stdio."""
        return ["-chardev", f"ringbuf,id={RING},size={RING_SIZE}",
                "-serial", f"chardev:{RING}",
                "-qmp", f"unix:{path},server=on,wait=off",
                "-action", "shutdown=pause"]

    def argv(self):
        return self.options(self.socket)

    @classmethod
    def span(cls, cmd):
        """Where in @cmd a ring's options are: (first, end)."""
        at = next(i for i, w in enumerate(cmd)
                  if w.startswith(f"ringbuf,id={RING},")) - 1
        return at, at + len(cls.options(""))

    def rebind(self, cmd):
        """@cmd, a command made with another ring's argv(), on this one."""
        first, end = self.span(cmd)
        return cmd[:first] + self.argv() + cmd[end:]

    def follow(self, proc, path, timeout, on_line):
        """procs.follow() for a QEMU whose serial port is this ring: each
        line of the log to @on_line; QEMU reaped (killed at the timeout);
        returns True on timeout."""
        deadline = time.monotonic() + timeout
        buf = b""

        def on_data(data):
            nonlocal buf
            buf = feed_lines(buf + data, on_line)

        timed_out = read_ring(proc, self, path, timeout, on_data)
        timed_out = reap(proc, 0 if timed_out
                         else max(deadline - time.monotonic(), 1)) \
            or timed_out
        if buf:
            on_line(buf.decode(errors="replace"))
        return timed_out



def connect(proc, path, deadline):
    """A QMP connection to the QEMU @proc once its socket answers, or None
    when QEMU exits or @deadline passes first."""
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            return Qmp(path, timeout=max(deadline - time.monotonic(), 1))
        except (OSError, ValueError):
            time.sleep(0.002)
    return None


def read_ring(proc, ring, path, timeout, on_data, poll_s=POLL_S):
    """Reads QEMU's serial ring into @path (flushed: the log is live) and
    passes each chunk to @on_data, every @poll_s, until QEMU exits or
    @timeout seconds pass (returns True: the caller kills it). An ENQ is
    answered with a BREAK and kept out of the log; a paused machine (it
    stopped without isa-debug-exit) is read to the end and told to
    quit."""
    deadline = time.monotonic() + timeout
    qmp = connect(proc, ring.socket, deadline)
    timed_out = qmp is None and proc.poll() is None
    with open(path, "wb") as log:
        def read():
            data = base64.b64decode(qmp.execute(
                "ringbuf-read", device=RING, size=RING_SIZE,
                format="base64"))
            asked = ENQ in data
            data = data.replace(ENQ, b"")
            if data:
                log.write(data)
                log.flush()
                on_data(data)
            return asked

        try:
            while qmp and not timed_out:
                if read():
                    qmp.execute("chardev-send-break", id=RING)
                if any(e["event"] == "SHUTDOWN" for e in qmp.events):
                    read()
                    qmp.execute("quit")
                    break
                if time.monotonic() >= deadline:
                    read()
                    timed_out = True
                    break
                time.sleep(poll_s)
        except (OSError, ValueError):
            # QEMU exited (the socket closed) or stopped answering until
            # the lane's deadline (the socket's timeout): reap() decides
            pass
        finally:
            if qmp:
                qmp.close()
    return timed_out

