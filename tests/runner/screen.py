"""Screen: a QEMU screendump of the verdict page, taken over QMP, saved as
a PNG and read back with the kernel's font."""

import re
import struct
import zlib
from pathlib import Path

from .ktap import FAIL, PASS, SKIP, Suite, Test, clean
from .procs import REPO, kill
from .qmp import Qmp, QmpSocket


HOLD_LINE = "# hold: verdict on the screen"
FONT_FILE = REPO / "arch/x86/font8x16.c"
FB_LINE_RE = re.compile(r"# console: screen: framebuffer .* at scale (\d+)")


class ScreenGrab(QmpSocket):
    """Takes the screendump when the kernel holds on its verdict page (the
    runner adds 'hold' to the lane's arguments), then presses Enter so that
    the kernel goes on to exit; judges the picture afterwards."""

    def __init__(self, d):
        super().__init__("vtdtest-qmp-")
        self.d = d
        self.ppm = d / "screen.ppm"
        self.proc = None
        self.error = None
        self.taken = False

    def on_line(self, line):
        if self.taken or not clean(line).startswith(HOLD_LINE):
            return
        self.taken = True
        try:
            qmp = Qmp(self.socket)
            try:
                qmp.execute("screendump", filename=str(self.ppm))
                qmp.execute("send-key", keys=[{"type": "qcode",
                                               "data": "ret"}])
            finally:
                qmp.close()
        except (OSError, ValueError) as e:
            self.error = f"QMP: {e}"
            kill(self.proc)  # the kernel would wait for its key for minutes

    def judge(self, text):
        """The 'screen' suite of the lane; writes screen.png (and
        screen.txt, the page decoded, for a framebuffer console)."""
        suite = Suite("screen")
        drawn = any(l.startswith("# screen: verdict page drawn") for l in text)
        suite.tests.append(Test("verdict_page_drawn", PASS) if drawn else
                           Test("verdict_page_drawn", FAIL,
                                ["the kernel drew no verdict page",
                                 *[l for l in text if "console:" in l]]))
        try:
            w, h, rgb = read_ppm(self.ppm)
        except (OSError, ValueError) as e:
            why = self.error or ("the kernel never held on its verdict page"
                                 if not self.taken else str(e))
            suite.tests.append(Test("screendump_taken", FAIL, [why]))
            return suite
        write_png(self.d / "screen.png", w, h, rgb)
        self.ppm.unlink()
        suite.tests.append(Test("screendump_taken", PASS,
                                [f"{self.d / 'screen.png'} ({w}x{h})"]))
        colours = {rgb[i:i + 3] for i in range(0, len(rgb), 3 * 97)}
        suite.tests.append(Test("screen_not_blank", PASS) if len(colours) > 1
                           else Test("screen_not_blank", FAIL,
                                     ["the screendump is one colour"]))
        suite.tests.append(self._verdict_on_screen(text, w, h, rgb))
        return suite

    def _verdict_on_screen(self, text, w, h, rgb):
        fb = next((FB_LINE_RE.match(l) for l in text if FB_LINE_RE.match(l)),
                  None)
        if not fb:
            return Test("verdict_on_screen", SKIP, reason="not a framebuffer "
                        "console: QEMU draws VGA text with its own font")
        totals = next((l[2:] for l in text if l.startswith("# Totals:")), None)
        if not totals:
            return Test("verdict_on_screen", FAIL, ["no '# Totals:' line in "
                                                    "the serial log"])
        lines = decode_screen(w, h, rgb, load_font(), int(fb[1]))
        (self.d / "screen.txt").write_text("\n".join(lines) + "\n")
        if any(totals in l for l in lines):
            return Test("verdict_on_screen", PASS, [totals])
        return Test("verdict_on_screen", FAIL,
                    [f"'{totals}' from the serial log is not on the screen "
                     f"(decoded text in {self.d / 'screen.txt'})"])


def read_ppm(path):
    """Width, height and RGB bytes of a binary PPM (P6, maxval 255), as
    QEMU's screendump writes it."""
    data = Path(path).read_bytes()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    if not m:
        raise ValueError(f"{path}: not a P6 PPM with maxval 255")
    w, h = int(m[1]), int(m[2])
    rgb = data[m.end():m.end() + 3 * w * h]
    if len(rgb) != 3 * w * h:
        raise ValueError(f"{path}: truncated")
    return w, h, rgb


def write_png(path, w, h, rgb):
    """RGB bytes as an 8-bit truecolour PNG (filter 0 on every row)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = b"".join(b"\0" + rgb[y * 3 * w:(y + 1) * 3 * w] for y in range(h))
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n"
                           + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2,
                                                        0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(rows, 6))
                           + chunk(b"IEND", b""))


def load_font(path=FONT_FILE):
    """{glyph bitmap (16 row bytes): character} from the kernel's font."""
    text = re.sub(r"/\*.*?\*/", "", Path(path).read_text(), flags=re.S)
    values = [int(v, 16) for v in
              re.findall(r"0x([0-9a-fA-F]{2})", text[text.index("= {"):])]
    if len(values) != 95 * 16:
        raise ValueError(f"{path}: {len(values)} bytes, expected 95 * 16")
    return {bytes(values[16 * i:16 * i + 16]): chr(0x20 + i)
            for i in range(95)}


def decode_screen(w, h, rgb, glyphs, scale=1):
    """The framebuffer console's text, cell by cell: a cell's background is
    its top left pixel (row 0 of every glyph is blank); '?' where no glyph
    matches (large type, pictures)."""
    cw, ch = 8 * scale, 16 * scale
    stride = 3 * w
    lines = []
    for cy in range(h // ch):
        out = []
        for cx in range(w // cw):
            base = cy * ch * stride + cx * cw * 3
            bg = rgb[base:base + 3]
            rows = bytearray(16)
            for r in range(16):
                o = base + r * scale * stride
                for i in range(8):
                    p = o + i * scale * 3
                    if rgb[p:p + 3] != bg:
                        rows[r] |= 0x80 >> i
            out.append(glyphs.get(bytes(rows), "?"))
        lines.append("".join(out).rstrip())
    return lines
