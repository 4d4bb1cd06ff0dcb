"""Draw the PNG icons Android Chrome needs to install the app (192 and 512 px) from the shapes of
elearn/static/icon.svg, small: a few colours, optimised. Run after changing icon.svg:

    .venv/bin/python scripts/make_icons.py
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "elearn" / "static"
GREEN, WHITE = "#0b5d3b", "#ffffff"
SIZES = (192, 512)
SMOOTH = 4  # drawn this many times larger, then shrunk, for smooth edges


def draw(size: int) -> Image.Image:
    big = size * SMOOTH
    unit = big / 64  # icon.svg's viewBox is 64 wide
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(x, y, width, height):
        return [x * unit, y * unit, (x + width) * unit - 1, (y + height) * unit - 1]

    pen.rounded_rectangle(box(0, 0, 64, 64), radius=12 * unit, fill=GREEN)
    pen.rounded_rectangle(box(20, 10, 24, 44), radius=4 * unit, fill=WHITE)
    pen.rectangle(box(24, 16, 16, 28), fill=GREEN)
    pen.ellipse(box(29.5, 46.5, 5, 5), fill=GREEN)
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    return small.quantize(colors=16, method=Image.Quantize.FASTOCTREE)


def main() -> None:
    for size in SIZES:
        target = STATIC / f"icon-{size}.png"
        draw(size).save(target, optimize=True)
        print(f"{target.name}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
