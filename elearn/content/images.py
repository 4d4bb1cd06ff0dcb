"""Course images: what is let in, checked by content, never by the file's name.

An uploaded photo is decoded by Pillow, turned upright, stripped of its metadata (EXIF with the
place it was taken, camera, comments) by re-encoding only its pixels, and made at most 1,000 px
wide. An SVG is a document that browsers may run, so it is parsed with defusedxml and every
element and attribute must be on an allow-list of drawing elements, checked by namespace URI (a
prefix such as `svg:script` changes nothing); nothing that can run code, animate, or fetch
something from elsewhere is let in. No Flask here.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET  # nosec B405 # only TreeBuilder; parsing is done by defusedxml
from dataclasses import dataclass
from pathlib import PurePosixPath

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from defusedxml.ElementTree import DefusedXMLParser
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
    """None for an SVG made only of allowed drawing elements and attributes; else a reason code.

    Parsed with defusedxml (no DOCTYPE, entities or external references), in UTF-8 or ASCII only;
    then every element and attribute is checked against an allow-list by its namespace URI, so a
    prefix (`svg:script`, `h:script` bound to XHTML) changes nothing. Refused: scripts, event
    handlers, animation (<set> and animate* can rewrite an href), foreignObject, <style>,
    <image>, links, processing instructions, and any url(...) or href that is not `#id` inside
    the image.
    """
    text = _svg_text(data)
    if text is None:
        return "svg_not_utf8"
    builder = _SvgTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(text.encode("utf-8"))
        root = parser.close()
    except DefusedXmlException:
        return "unsafe_svg"  # a DOCTYPE, an entity or an external reference
    except ET.ParseError:
        return "not_image"
    if root.tag != f"{{{SVG_NS}}}svg":
        return "not_image"
    if builder.processing_instructions:
        return "unsafe_svg"  # <?xml-stylesheet?> fetches a style sheet
    for element in root.iter():
        if not _svg_element_allowed(element.tag) or not all(
                _svg_attribute_allowed(element.tag, name, value) for name, value in element.attrib.items()):
            return "unsafe_svg"
    return None


def _svg_text(data: bytes) -> str | None:
    """The SVG as text when it is UTF-8 (or ASCII) and says nothing else; None otherwise.
    UTF-16 and UTF-32 are refused rather than trusted to be read alike by every browser."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    declaration = re.match(r"\s*<\?xml\s([^?]*)\?>", text)
    if declaration:
        encoding = re.search(r"encoding\s*=\s*[\"']([^\"']*)", declaration.group(1))
        if encoding and encoding.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "ascii", "us-ascii"):
            return None
    return text


class _SvgTreeBuilder(ET.TreeBuilder):
    """Notes processing instructions, which ElementTree would otherwise drop silently."""

    def __init__(self):
        super().__init__()
        self.processing_instructions: list[str] = []

    def pi(self, target, data=None):
        self.processing_instructions.append(target)
        return super().pi(target, data)


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# What drawing programs (Inkscape, Illustrator) write beside the drawing; browsers ignore these
# elements and attributes, so they may stay (their attributes are still checked for url(...)).
EDITOR_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape", "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://creativecommons.org/ns#", "http://purl.org/dc/elements/1.1/",
    "http://ns.adobe.com/AdobeIllustrator/10.0/", "http://ns.adobe.com/Extensibility/1.0/",
}
SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "metadata", "symbol", "use", "switch",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
    "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB",
    "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
    "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
}  # not: script, style, a, image, feImage, foreignObject, set, animate*, iframe, video, audio, font...
SVG_ATTRIBUTES = set("""
    id class style lang tabindex role focusable version baseProfile x y x1 y1 x2 y2 cx cy r rx ry fx fy fr
    width height viewBox preserveAspectRatio transform d points pathLength dx dy rotate textLength lengthAdjust
    startOffset method spacing side fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin
    stroke-dasharray stroke-dashoffset stroke-miterlimit stroke-opacity opacity color display visibility overflow
    font-family font-size font-size-adjust font-stretch font-style font-variant font-weight text-anchor
    text-decoration dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing writing-mode
    direction unicode-bidi white-space paint-order vector-effect shape-rendering text-rendering image-rendering
    color-rendering color-interpolation color-interpolation-filters mix-blend-mode isolation
    offset stop-color stop-opacity gradientUnits gradientTransform spreadMethod patternUnits patternContentUnits
    patternTransform clip-path clipPathUnits clip-rule clip mask maskUnits maskContentUnits mask-type marker-start
    marker-mid marker-end markerWidth markerHeight markerUnits refX refY orient filter filterUnits primitiveUnits
    in in2 result stdDeviation mode operator k1 k2 k3 k4 values type tableValues slope intercept amplitude
    exponent flood-color flood-opacity lighting-color baseFrequency numOctaves seed stitchTiles scale
    xChannelSelector yChannelSelector radius order kernelMatrix divisor bias targetX targetY edgeMode
    preserveAlpha surfaceScale specularConstant specularExponent diffuseConstant kernelUnitLength azimuth
    elevation z pointsAtX pointsAtY pointsAtZ limitingConeAngle requiredFeatures requiredExtensions
    systemLanguage aria-label aria-labelledby aria-describedby aria-hidden aria-roledescription enable-background
""".split())
# Elements whose href may point inside the image (`#id`), and nowhere else.
SVG_LOCAL_HREF = {"use", "linearGradient", "radialGradient", "pattern", "textPath", "filter"}


def _svg_element_allowed(tag) -> bool:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return False  # comments never reach here; an element in no namespace is not SVG
    namespace, local = tag[1:].split("}", 1)
    return (namespace == SVG_NS and local in SVG_ELEMENTS) or namespace in EDITOR_NAMESPACES


def _svg_attribute_allowed(tag: str, attribute: str, value: str) -> bool:
    namespace, local = attribute[1:].split("}", 1) if attribute.startswith("{") else ("", attribute)
    element_ns, element = tag[1:].split("}", 1)
    if _unsafe_css(value) or "javascript:" in re.sub(r"\s+", "", value).lower():
        return False
    if namespace in ("", XLINK_NS) and local == "href":
        return element_ns == SVG_NS and element in SVG_LOCAL_HREF and value.strip().startswith("#")
    if namespace == "":
        return local in SVG_ATTRIBUTES or element_ns in EDITOR_NAMESPACES
    if namespace == XML_NS:
        return local in ("space", "lang")
    return namespace in EDITOR_NAMESPACES


def _unsafe_css(text: str) -> bool:
    """url(...) pointing anywhere but inside the image, @import, or CSS escapes that could hide them."""
    compact = re.sub(r"\s+", "", text).lower()
    if "@import" in compact or "\\" in compact or "expression(" in compact:
        return True
    return any(not re.match(r"[\"']?#", compact[m.end():]) for m in re.finditer(r"url\(", compact))


def svg_size(data: bytes) -> tuple[int, int] | None:
    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException):
        return None
    return svg_root_size(root)


MAX_SVG_SIDE = 100_000


def svg_root_size(root) -> tuple[int, int] | None:
    """Whole pixels from an SVG's width and height, else its viewBox; None when they are not plain
    numbers from 1 to MAX_SVG_SIDE (ASCII digits only: '²', '1e999' and 400 nines are no size)."""

    def pixels(text: str | None) -> int | None:
        text = (text or "").strip()
        if not (text and text.isascii() and text.replace(".", "", 1).isdigit()) or len(text) > 12:
            return None
        value = round(float(text))
        return value if 1 <= value <= MAX_SVG_SIDE else None

    width, height = pixels(root.get("width")), pixels(root.get("height"))
    if width and height:
        return width, height
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(view_box) == 4:
        width, height = pixels(view_box[2]), pixels(view_box[3])
        if width and height:
            return width, height
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
