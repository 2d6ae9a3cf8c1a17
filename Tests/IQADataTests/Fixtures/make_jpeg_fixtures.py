#!/usr/bin/python3
# Test-fixture maker, run once by hand (not part of the product, not run by the tests):
#   PYTHONPATH=<pillow> python3 Tests/IQADataTests/Fixtures/make_jpeg_fixtures.py
# Writes round_trip_source.png (a 53x41 RGB test pattern with texture, odd sizes so that JPEG pads its
# edges) and jpeg_round_trip.json: what PIL makes of it after save(JPEG, quality=q, subsampling=s) and
# Image.open(...).convert("RGB"), for the qualities and subsamplings baiqa robustness uses: size,
# CRC-32 of the RGB bytes and a few pixels.
import io
import json
import os
import zlib

import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))


def source(w=53, h=41):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            r = (x * 255) // (w - 1)
            g = (y * 255) // (h - 1)
            b = 220 if (x // 4 + y // 4) % 2 else 25           # a checkerboard: high frequencies
            if (x - 30) ** 2 + (y - 18) ** 2 < 120:
                r, g, b = 250 - r // 2, 40, (b + 90) % 256
            px[x, y] = (r, g, (b + 7 * x * y) % 256)
    return im


def main():
    im = source()
    im.save(os.path.join(HERE, "round_trip_source.png"))
    entries = []
    for quality, subsampling in [(95, "420"), (75, "420"), (50, "420"), (10, "420"), (90, "444"), (50, "444")]:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality, subsampling=2 if subsampling == "420" else 0)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        raw = out.tobytes()
        samples = [[x, y, *out.getpixel((x, y))] for x, y in [(0, 0), (52, 40), (17, 9), (30, 18), (44, 33)]]
        entries.append({"quality": quality, "subsampling": subsampling, "width": out.width, "height": out.height,
                        "crc32": zlib.crc32(raw) & 0xFFFFFFFF, "samples": samples})
    with open(os.path.join(HERE, "jpeg_round_trip.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
                   "source": "round_trip_source.png", "round_trips": entries}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
