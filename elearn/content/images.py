"""Course images: what is let in, checked by content, never by the file's name.

An uploaded photo is decoded by Pillow, turned upright, stripped of its metadata (EXIF with the
place it was taken, camera, comments) by re-encoding only its pixels, and made at most 1,000 px
wide. An SVG is a document that browsers may run, so it is parsed as XML and every element and
attribute is checked by its local name (a namespace prefix such as `svg:script` changes nothing);
anything that can run code or fetch something from elsewhere is refused. No Flask here.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_WIDTH = 1000
MAX_PIXELS = 40_000_000  # a 2 MB file claiming more is a decompression bomb
# Pillow's name of a format -> (content type, file suffix).
RASTER_FORMATS = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"), "WEBP": ("image/webp", ".webp")}
SVG_TYPE = "image/svg+xml"
CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
                 ".svg": SVG_TYPE}
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Elements that run code, embed other documents, or change attributes (an <animate> can set href).
SVG_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
SVG_ANIMATION_ELEMENTS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}


class ImageRefused(ValueError):
    """`code` names the reason: too_large, not_image, unsafe_svg, svg_not_utf8, too_many_pixels."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    name: str  # the suggested file name, with the suffix of its real type
    content_type: str
    data: bytes
    width: int | None
    height: int | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def clean_upload(filename: str, data: bytes) -> CleanImage:
    """An uploaded image made safe and small, or ImageRefused."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused("too_large")
    if looks_like_svg(data):
        svg_problem = unsafe_svg_reason(data)
        if svg_problem:
            raise ImageRefused(svg_problem)
        width, height = svg_size(data) or (None, None)
        return CleanImage(media_name(filename, ".svg"), SVG_TYPE, data, width, height)
    image = _open_raster(data)
    content_type, suffix = RASTER_FORMATS[image.format]
    image = ImageOps.exif_transpose(image)  # a phone photo stays upright once its EXIF is gone
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, max(1, round(image.height * MAX_WIDTH / image.width))),
                             Image.Resampling.LANCZOS)
    output = _encode_pixels_only(image, suffix)
    if len(output) > MAX_UPLOAD_BYTES:
        raise ImageRefused("too_large")
    return CleanImage(media_name(filename, suffix), content_type, output, image.width, image.height)


def _open_raster(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(RASTER_FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused("too_many_pixels")
            image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ImageRefused("not_image") from None
    return image


def _encode_pixels_only(image: Image.Image, suffix: str) -> bytes:
    """Only the pixels are written: no EXIF, XMP, ICC profile, text chunks or comments."""
    mode = image.mode
    if suffix == ".jpg" and mode not in ("RGB", "L"):
        mode = "RGB"
    elif mode not in ("RGB", "RGBA", "L", "LA", "P"):
        mode = "RGBA"
    clean = image.convert(mode) if mode != image.mode else image.copy()
    clean.info = {}
    output = io.BytesIO()
    if suffix == ".jpg":
        clean.save(output, "JPEG", quality=85, optimize=True)
    elif suffix == ".png":
        clean.save(output, "PNG", optimize=True)
    else:
        clean.save(output, "WEBP", quality=85)
    return output.getvalue()


def media_name(filename: str, suffix: str) -> str:
    """A file name fit for a URL: `Ảnh Điện thoại.JPG` -> `anh-dien-thoai.jpg`."""
    stem = slugify(PurePosixPath(filename.replace("\\", "/")).stem)[:60].strip("-") or "anh"
    return stem + suffix


def slugify(text: str) -> str:
    """Vietnamese text to lowercase ASCII words joined by dashes: `Mật khẩu OTP` -> `mat-khau-otp`."""
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def looks_like_svg(data: bytes) -> bool:
    """Anything that is not a PNG, JPEG or WebP by its first bytes but holds a '<' is checked as an SVG."""
    if data.startswith((b"\x89PNG", b"\xff\xd8", b"RIFF", b"GIF8")):
        return False
    return b"<" in data[:1024].replace(b"\x00", b"")


def check_media(name: str, data: bytes) -> str | None:
    """For images arriving in a folder or a .zip: None when `data` is what its name says and
    safe, else a reason code. Not re-encoded, so an exported course comes back byte for byte."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".svg":
        return unsafe_svg_reason(data)
    try:
        image = _open_raster(data)
    except ImageRefused as refused:
        return refused.code
    return None if RASTER_FORMATS[image.format][1] == {".jpeg": ".jpg"}.get(suffix, suffix) else "not_image"


def unsafe_svg_reason(data: bytes) -> str | None:
    """None for an SVG that can neither run code nor fetch anything; else a reason code."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return "svg_not_utf8"  # UTF-16 or UTF-32: refused rather than trusted to be read alike everywhere
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "svg_not_utf8"
    declaration = re.match(r"\s*<\?xml\s([^?]*)\?>", text)
    if declaration:
        encoding = re.search(r"encoding\s*=\s*[\"']([^\"']+)", declaration.group(1))
        if encoding and encoding.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            return "svg_not_utf8"
    rest = text[declaration.end():] if declaration else text
    # No DOCTYPE means no entities (billion laughs, external files); no processing instructions
    # means no xml-stylesheet fetching a style sheet.
    if re.search(r"<!DOCTYPE|<!ENTITY|<\?", rest, re.I):
        return "unsafe_svg"
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        return "not_image"
    if _local(root.tag) != "svg":
        return "not_image"
    for element in root.iter():
        if not isinstance(element.tag, str):
            return "unsafe_svg"
        tag = _local(element.tag)
        if tag in SVG_FORBIDDEN_ELEMENTS:
            return "unsafe_svg"
        if tag == "style" and _unsafe_css(element.text or ""):
            return "unsafe_svg"
        for attribute, value in element.attrib.items():
            name = _local(attribute)
            if name.startswith("on") or (name == "href" and not value.strip().startswith("#")):
                return "unsafe_svg"
            if tag in SVG_ANIMATION_ELEMENTS and name == "attributename" and (
                    _local(value.strip()).lower() == "href" or value.strip().lower().startswith("on")):
                return "unsafe_svg"
            if _unsafe_css(value):
                return "unsafe_svg"
    return None


def _local(name: str) -> str:
    """`{http://www.w3.org/2000/svg}script` and `script` are both `script`."""
    return name.rsplit("}", 1)[-1].split(":")[-1].lower()


def _unsafe_css(text: str) -> bool:
    """url(...) pointing anywhere but inside the image, @import, or CSS escapes that could hide them."""
    compact = re.sub(r"\s+", "", text).lower()
    if "@import" in compact or "\\" in compact or "expression(" in compact:
        return True
    return any(not re.match(r"[\"']?#", compact[m.end():]) for m in re.finditer(r"url\(", compact))


def svg_size(data: bytes) -> tuple[int, int] | None:
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    width, height = root.get("width"), root.get("height")
    try:
        if width and height and width.replace(".", "").isdigit() and height.replace(".", "").isdigit():
            return round(float(width)), round(float(height))
        view_box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(view_box) == 4:
            return round(float(view_box[2])), round(float(view_box[3]))
    except ValueError:
        return None
    return None


def image_size_of(name: str, data: bytes) -> tuple[int, int] | None:
    """Width and height of an image already checked, so a page does not jump while it loads."""
    if name.lower().endswith(".svg"):
        return svg_size(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def content_type_of(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")
