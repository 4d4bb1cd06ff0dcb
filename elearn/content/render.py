"""The one way Markdown becomes HTML: Python-Markdown, then the nh3 allow-list.

Python-Markdown passes raw HTML through, so nothing it returns is trusted until nh3 has
cleaned it. Images from a course's media/ folder get their URL, their size and lazy loading;
every other image loses its address (an <img> loads without a click, so one pointing at a route
of this site, at another course or at another site would make every reader send that request).
"""
from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from pathlib import Path

import markdown
import nh3
from defusedxml import ElementTree as SafeET
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from elearn.content.images import svg_root_size

# Raise when the HTML made from the same Markdown changes: the next sync re-renders every course.
RENDERER_VERSION = 3  # 3: images only from the course's own media

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "ul", "ol", "li",
    "blockquote", "code", "pre", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"https", "http", "mailto", "tel"}

MediaResolver = Callable[[str], tuple[str, tuple[int, int] | None] | None]


def sanitize(html: str, image_urls: frozenset[str] = frozenset(), resolve_media: MediaResolver | None = None) -> str:
    """The allow-list. An <img> keeps its src only when it is one of `image_urls` (the course's
    own media, already resolved) or a `media/<name>` that `resolve_media` knows; otherwise the src
    is dropped and the image is inert. No other element that loads by itself is allowed at all."""

    def keep_attribute(tag: str, attribute: str, value: str) -> str | None:
        if tag != "img" or attribute != "src":
            return value
        if value in image_urls:
            return value
        resolved = resolve_media(value) if resolve_media else None
        return resolved[0] if resolved else None

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str, resolve_media: MediaResolver | None = None, shift_headings: int = 0) -> str:
    """Markdown -> safe HTML. `shift_headings` keeps a page's own <h1> the only one."""
    media = _MediaExtension(resolve_media, shift_headings)
    html = markdown.markdown(text, extensions=["sane_lists", "tables", media], output_format="html")
    return sanitize(html, frozenset(media.resolved_urls), resolve_media)


def media_resolver(course_slug: str, media: Mapping[str, tuple[int, int] | Path | None]) -> MediaResolver:
    """Images of a course by name, each with its size (or a file to read it from)."""

    def resolve(src: str):
        name = src.removeprefix("media/")
        if not src.startswith("media/") or name not in media:
            return None
        size = media[name]
        return f"/courses/{course_slug}/media/{name}", image_size(size) if isinstance(size, Path) else size

    return resolve


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height, so the page does not jump while a picture loads."""
    data = path.read_bytes()[:65536]
    suffix = path.suffix.lower()
    try:
        if suffix == ".png" and data[:8] == b"\x89PNG\r\n\x1a\n":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if suffix == ".svg":
            root = SafeET.fromstring(path.read_text(encoding="utf-8"))
            return svg_root_size(root)
        if suffix in (".jpg", ".jpeg"):
            return _jpeg_size(data)
    except (SafeET.ParseError, ValueError, struct.error):  # defusedxml refusals are ValueErrors
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        index += 2 + length
    return None


_QUOTE_PREFIX = re.compile(r"^((?:\s{0,3}>\s?)*)(.*)$")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+\S")


class _ListAfterParagraph(Preprocessor):
    """Let a list start right under a line of text, as CommonMark and most editors do.

    Authors write `> **Tóm tắt**` with the bullets on the next line; Python-Markdown would
    otherwise run them into the paragraph.
    """

    def run(self, lines):
        output: list[str] = []
        previous_prefix, previous_text = "", ""
        for line in lines:
            prefix, text = _QUOTE_PREFIX.match(line).groups()  # type: ignore[union-attr] # matches every line
            if (_LIST_ITEM.match(text) and previous_text.strip() and not _LIST_ITEM.match(previous_text)
                    and prefix.replace(" ", "") == previous_prefix.replace(" ", "")
                    and not previous_text.startswith((" ", "\t"))):
                output.append(prefix.rstrip())
            output.append(line)
            previous_prefix, previous_text = prefix, text
        return output


class _MediaTreeprocessor(Treeprocessor):
    def __init__(self, md, resolve_media: MediaResolver | None, shift_headings: int, resolved_urls: set[str]):
        super().__init__(md)
        self.resolve_media = resolve_media
        self.shift_headings = shift_headings
        self.resolved_urls = resolved_urls  # the only image addresses sanitize() keeps

    def run(self, root):
        for element in root.iter():
            if self.shift_headings and re.fullmatch(r"h[1-6]", element.tag):
                element.tag = f"h{min(6, int(element.tag[1]) + self.shift_headings)}"
            if element.tag != "img":
                continue
            element.set("loading", "lazy")
            element.set("decoding", "async")
            resolved = self.resolve_media(element.get("src", "")) if self.resolve_media else None
            if resolved:
                url, size = resolved
                element.set("src", url)
                self.resolved_urls.add(url)
                if size:
                    element.set("width", str(size[0]))
                    element.set("height", str(size[1]))


class _MediaExtension(Extension):
    def __init__(self, resolve_media: MediaResolver | None, shift_headings: int):
        super().__init__()
        self.resolve_media = resolve_media
        self.shift_headings = shift_headings
        self.resolved_urls: set[str] = set()

    def extendMarkdown(self, md):  # Python-Markdown's name
        md.preprocessors.register(_ListAfterParagraph(md), "elearn_list_after_paragraph", 25)
        md.treeprocessors.register(_MediaTreeprocessor(md, self.resolve_media, self.shift_headings,
                                                       self.resolved_urls), "elearn_media", 0)


def word_count(markdown_text: str) -> int:
    """Words a reader reads: links and image addresses do not count."""
    text = IMAGE_OR_LINK_TARGET.sub(" ", markdown_text)
    return len(re.findall(r"\w+", text))


IMAGE_OR_LINK_TARGET = re.compile(r"\]\([^)]*\)")
