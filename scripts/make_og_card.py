"""Draw elearn/static/og-card.png: the 1200x630 picture a link to Học số shows when pasted in Zalo or
Facebook (they show no SVG). Run it again after changing the words; the PNG is committed, so the
server needs no font. The font must hold Vietnamese letters: DejaVu Sans (Debian's fonts-dejavu-core)
by default, or pass another .ttf.

    .venv/bin/python scripts/make_og_card.py [--font-dir /usr/share/fonts/truetype/dejavu]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "elearn" / "static" / "og-card.png"
BRAND, LIGHT, WHITE = (11, 93, 59), (220, 238, 228), (255, 255, 255)
WIDTH, HEIGHT = 1200, 630


def draw(font_dir: Path) -> Image.Image:
    bold = font_dir / "DejaVuSans-Bold.ttf"
    regular = font_dir / "DejaVuSans.ttf"
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND)
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((40, 40, WIDTH - 40, HEIGHT - 40), radius=36, outline=LIGHT, width=6)
    pen.text((100, 110), "Học số", font=ImageFont.truetype(str(bold), 120), fill=WHITE)
    pen.text((100, 290), "Học kỹ năng số ngay trên điện thoại", font=ImageFont.truetype(str(bold), 46), fill=WHITE)
    small = ImageFont.truetype(str(regular), 40)
    pen.text((100, 390), "Bài học ngắn, dễ hiểu · Tránh lừa đảo trên mạng", font=small, fill=LIGHT)
    pen.text((100, 450), "Học xong được cấp chứng nhận", font=small, fill=LIGHT)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font-dir", type=Path, default=Path("/usr/share/fonts/truetype/dejavu"))
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args()
    # Few colours: a palette PNG of a few kilobytes instead of a hundred.
    picture = draw(arguments.font_dir).quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    picture.save(arguments.out, optimize=True)
    print(f"{arguments.out}: {arguments.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
