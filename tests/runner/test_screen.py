"""The verdict page: the kernel's font, PNG and PPM, the QMP screendump."""

import json
import socket
import tempfile
import threading
import unittest
import zlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # tests/
sys.dont_write_bytecode = True  # no tests/runner/__pycache__ from the imports
sys.path.insert(0, str(HERE))
from runner import ktap, screen  # noqa: E402


def render_text(lines, glyphs, scale=1, attr_bg=b"\0\0\xaa", fg=b"\xff\xff\xff"):
    """An RGB picture of @lines drawn with the kernel font, as fb.c draws."""
    by_char = {c: bm for bm, c in glyphs.items()}
    cols = max(len(l) for l in lines) + 1
    w, h = 8 * scale * cols, 16 * scale * (len(lines) + 1)
    rgb = bytearray(attr_bg * (w * h))
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            bm = by_char[ch]
            for y in range(16 * scale):
                for x in range(8 * scale):
                    if bm[y // scale] & (0x80 >> (x // scale)):
                        p = 3 * ((row * 16 * scale + y) * w + col * 8 * scale
                                 + x)
                        rgb[p:p + 3] = fg
    return w, h, bytes(rgb)


class ScreenTest(unittest.TestCase):
    glyphs = screen.load_font()

    def test_font_has_95_distinct_glyphs(self):
        self.assertEqual(len(self.glyphs), 95)
        self.assertEqual(self.glyphs[bytes(16)], " ")

    def test_decode_at_scale_1_and_2(self):
        text = ["Totals: pass:76 fail:0 skip:13", "suite.name_[x] {y} ~|"]
        for scale in (1, 2):
            w, h, rgb = render_text(text, self.glyphs, scale)
            got = screen.decode_screen(w, h, rgb, self.glyphs, scale)
            self.assertEqual(got[:2], text)

    def test_png_and_ppm(self):
        w, h, rgb = render_text(["PNG"], self.glyphs)
        with tempfile.TemporaryDirectory() as tmp:
            ppm, png = Path(tmp) / "s.ppm", Path(tmp) / "s.png"
            ppm.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + rgb)
            self.assertEqual(screen.read_ppm(ppm), (w, h, rgb))
            screen.write_png(png, w, h, rgb)
            data = png.read_bytes()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(data[16:24], w.to_bytes(4, "big") + h.to_bytes(4, "big"))
        idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
        raw = zlib.decompress(idat)
        self.assertEqual(raw[1:1 + 3 * w], rgb[:3 * w])

    def judge(self, lines, text):
        with tempfile.TemporaryDirectory() as tmp:
            grab = screen.ScreenGrab(Path(tmp))
            grab.taken = True
            w, h, rgb = render_text(lines, self.glyphs)
            grab.ppm.write_bytes(b"P6\n%d %d\n255\n" % (w, h) + rgb)
            suite = grab.judge(text)
            grab.close()
            self.assertTrue((Path(tmp) / "screen.png").exists())
            return {t.name: t for t in suite.tests}

    def test_judge_finds_the_totals_line(self):
        text = ["# console: screen: framebuffer 1280x800, 32 bpp, pitch 5120 "
                "at 0xc0000000 (write-combining), 160x50 cells of 8x16 at scale 1",
                "# Totals: pass:1 fail:0 skip:0 todo:0 checks:3",
                "# screen: verdict page drawn (PASS)"]
        ok = self.judge(["PASS", "Totals: pass:1 fail:0 skip:0 todo:0 checks:3"],
                        text)
        self.assertEqual({n: t.status for n, t in ok.items()},
                         {"verdict_page_drawn": ktap.PASS,
                          "screendump_taken": ktap.PASS,
                          "screen_not_blank": ktap.PASS,
                          "verdict_on_screen": ktap.PASS})
        bad = self.judge(["Totals: pass:9"], text)
        self.assertEqual(bad["verdict_on_screen"].status, ktap.FAIL)
        vga = self.judge(["x"], text[1:])
        self.assertEqual(vga["verdict_on_screen"].status, ktap.SKIP)

    def test_qmp_screendump_then_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            grab = screen.ScreenGrab(Path(tmp))
            seen = []
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(grab.socket))
            server.listen(1)

            def fake_qemu():
                conn, _ = server.accept()
                f = conn.makefile("rwb")
                f.write(b'{"QMP": {"version": {}}}\r\n')
                f.flush()
                for line in f:
                    cmd = json.loads(line)
                    seen.append(cmd["execute"])
                    if cmd["execute"] == "screendump":
                        Path(cmd["arguments"]["filename"]).write_bytes(b"P6")
                        f.write(b'{"event": "X"}\r\n')
                    f.write(b'{"return": {}}\r\n')
                    f.flush()
                conn.close()

            t = threading.Thread(target=fake_qemu)
            t.start()
            grab.on_line("# hold: verdict on the screen; press a key\r")
            t.join(5)
            server.close()
            grab.close()
            self.assertIsNone(grab.error)
            self.assertEqual(seen, ["qmp_capabilities", "screendump",
                                    "send-key"])
            self.assertTrue(grab.ppm.exists())
