#!/usr/bin/env python3
"""Checks a headless-Chromium screenshot of the HTML report (CI, see .ci/run).

Usage: check-screenshot.py SHOT.png NAME=RRGGBB [NAME=RRGGBB ...]

Fails (exit 1) when the screenshot is blank (a single colour, or almost no
variation) or when a chart's colour covers fewer than MIN_PIXELS pixels:
each chart of the report draws in its own colour (render/html.rs), so a
chart that did not render is missing from the picture. Standard library
only: PNG decoding is zlib plus the five PNG row filters.
"""

import struct
import sys
import zlib

MIN_PIXELS = 150
TOLERANCE = 28  # per channel, for anti-aliased edges


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, previous, pos = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + guess) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    width, height, channels, rows = read_png(sys.argv[1])
    wanted = {}
    for arg in sys.argv[2:]:
        name, hex_colour = arg.split("=")
        wanted[name] = tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    counts = {name: 0 for name in wanted}
    distinct, total, total_sq, n = set(), 0, 0, 0
    for row in rows:
        for x in range(0, len(row), channels):
            pixel = (row[x], row[x + 1], row[x + 2])
            distinct.add(pixel)
            grey = sum(pixel)
            total += grey
            total_sq += grey * grey
            n += 1
            for name, colour in wanted.items():
                if all(abs(a - b) <= TOLERANCE for a, b in zip(pixel, colour)):
                    counts[name] += 1
    variance = total_sq / n - (total / n) ** 2
    print(f"screenshot {width}x{height}: {len(distinct)} colours, variance {variance:.0f}")
    failed = False
    if len(distinct) < 16 or variance < 100:
        print("FAIL: the screenshot is blank")
        failed = True
    for name, count in counts.items():
        ok = count >= MIN_PIXELS
        failed |= not ok
        print(f"{'ok' if ok else 'FAIL'}: chart {name}: {count} pixels of its colour")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
