#!/usr/bin/python3
# Test-fixture maker, run once by hand (not part of the product, not run by the tests):
#   /usr/bin/python3 Tests/IQADataTests/Fixtures/make_pil_fixtures.py
# Needs Debian's python3-pil. It writes small images of the kinds our decoders must handle and
# pil_parity.json with what PIL's Image.open(p).convert("RGB") makes of them and of a few
# livec-mini files: size, CRC-32 of the RGB bytes, and some pixel values.
import json
import os
import struct
import sys
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
LIVEC = os.path.join(REPO, "..", "shared", "datasets", "livec-mini", "Images")
LIVEC_FILES = ["1000.JPG", "1001.JPG", "1024.JPG", "1113.JPG", "109.bmp", "t1.bmp"]


def scene(w, h):
    """A deterministic RGB test pattern: gradients, a hard edge and a disc."""
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            r = (x * 255) // max(1, w - 1)
            g = (y * 255) // max(1, h - 1)
            b = 200 if (x - w // 2) ** 2 + (y - h // 2) ** 2 < (min(w, h) // 3) ** 2 else 30
            if x > (2 * w) // 3:
                r, g = 255 - r, (g * 3) % 256
            px[x, y] = (r, g, b)
    return im


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, w, h, bit_depth, color_type, rows):
    """Writes a PNG by hand (PIL cannot save 16-bit RGB or sub-byte gray)."""
    raw = b"".join(b"\x00" + row for row in rows)
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    data += png_chunk(b"IDAT", zlib.compress(raw, 9))
    data += png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def write_bmp(path, w, h, bits, pixel_rows, top_down, masks=None):
    """Writes an uncompressed BMP by hand: BI_RGB, or BI_BITFIELDS when masks are given."""
    stride = ((w * bits + 31) // 32) * 4
    rows = [r + b"\x00" * (stride - len(r)) for r in pixel_rows]
    if not top_down:
        rows = rows[::-1]
    extra = struct.pack("<III", *masks) if masks else b""
    offset = 14 + 40 + len(extra)
    size = offset + stride * h
    header = b"BM" + struct.pack("<IHHI", size, 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bits, 3 if masks else 0,
                       stride * h, 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(header + info + extra + b"".join(rows))


def make_fixtures():
    base = scene(48, 40)
    base.convert("L").save(os.path.join(HERE, "gray.jpg"), quality=85)
    base.convert("CMYK").save(os.path.join(HERE, "cmyk.jpg"), quality=90)
    base.save(os.path.join(HERE, "rgb_444.jpg"), quality=75, subsampling=0)
    base.save(os.path.join(HERE, "progressive.jpg"), quality=80, progressive=True)

    pal = base.quantize(colors=16)
    pal.save(os.path.join(HERE, "palette4.png"), bits=4)
    pal.save(os.path.join(HERE, "palette_trns.png"), transparency=3)
    pal.save(os.path.join(HERE, "palette8.bmp"))
    base.convert("1").save(os.path.join(HERE, "bilevel.bmp"))
    rgba = base.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(base.size))
    rgba.save(os.path.join(HERE, "rgba.png"))
    rgba.convert("LA").save(os.path.join(HERE, "gray_alpha.png"))

    w, h = 37, 23  # odd sizes exercise row padding
    px = scene(w, h).load()
    rgb16 = [b"".join(struct.pack(">HHH", px[x, y][0] * 257 + x, px[x, y][1] * 256 + y * 7, px[x, y][2] * 250)
                      for x in range(w)) for y in range(h)]
    write_png(os.path.join(HERE, "rgb16.png"), w, h, 16, 2, rgb16)
    gray16 = [b"".join(struct.pack(">H", (x * 13 + y * 11) % 300) for x in range(w)) for y in range(h)]
    write_png(os.path.join(HERE, "gray16.png"), w, h, 16, 0, gray16)
    gray2 = []
    for y in range(h):
        values = [(x + y) % 4 for x in range(w)] + [0] * 3
        gray2.append(bytes((values[i] << 6) | (values[i + 1] << 4) | (values[i + 2] << 2) | values[i + 3]
                           for i in range(0, w, 4)))
    write_png(os.path.join(HERE, "gray2.png"), w, h, 2, 0, gray2)

    bgr = [b"".join(bytes((px[x, y][2], px[x, y][1], px[x, y][0])) for x in range(w)) for y in range(h)]
    write_bmp(os.path.join(HERE, "topdown24.bmp"), w, h, 24, bgr, top_down=True)
    bgrx = [b"".join(bytes((px[x, y][2], px[x, y][1], px[x, y][0], 0x80)) for x in range(w)) for y in range(h)]
    write_bmp(os.path.join(HERE, "bitfields32.bmp"), w, h, 32, bgrx, top_down=True,
              masks=(0x00FF0000, 0x0000FF00, 0x000000FF))
    write_bmp(os.path.join(HERE, "bottomup32.bmp"), w, h, 32, bgrx, top_down=False)


def describe(path):
    im = Image.open(path)
    mode = im.mode
    rgb = im.convert("RGB")
    w, h = rgb.size
    data = rgb.tobytes()
    points = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 3), (w // 3, (2 * h) // 3)]
    samples = [[x, y] + list(rgb.getpixel((x, y))) for x, y in points]
    return {"file": os.path.basename(path), "mode": mode, "width": w, "height": h,
            "crc32": zlib.crc32(data) & 0xFFFFFFFF, "samples": samples}


def main():
    make_fixtures()
    local = sorted(f for f in os.listdir(HERE) if f.endswith((".jpg", ".png", ".bmp")))
    result = {"fixtures": [describe(os.path.join(HERE, f)) for f in local], "livec": []}
    if os.path.isdir(LIVEC):
        result["livec"] = [describe(os.path.join(LIVEC, f)) for f in LIVEC_FILES
                           if os.path.exists(os.path.join(LIVEC, f))]
    else:
        print("livec-mini not found; livec entries left empty", file=sys.stderr)
    with open(os.path.join(HERE, "pil_parity.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
