"""Markdown is rendered, then sanitised: nothing a lesson author writes can run in a reader's phone."""
import re
from pathlib import Path

import pytest

from elearn.content.render import image_size, media_resolver, render_markdown

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courses"


@pytest.mark.parametrize("markdown, forbidden", [
    ("Xin chào <script>alert('x')</script>", "<script"),
    ("[Bấm vào đây](javascript:alert(1))", "javascript:"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
    ('<img src="x.png" onerror="alert(1)">', "onerror"),
    ('<p onclick="steal()">Chữ</p>', "onclick"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ("<style>body{display:none}</style>", "<style"),
    ('<form action="https://evil.example"><input name="otp"></form>', "<form"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
])
def test_dangerous_markup_is_removed(markdown, forbidden):
    assert forbidden.lower() not in render_markdown(markdown).lower()


def test_ordinary_markdown_survives():
    html = render_markdown("## Bước 1\n\n- **Mở** ứng dụng\n- Chọn [Cài đặt](https://dichvucong.gov.vn)\n")
    assert "<h2>Bước 1</h2>" in html
    assert "<strong>Mở</strong>" in html
    assert 'href="https://dichvucong.gov.vn"' in html and 'rel="noopener noreferrer"' in html


def test_headings_shift_so_the_page_keeps_one_h1():
    assert render_markdown("# Lớn\n\n## Nhỏ", shift_headings=1).startswith("<h2>Lớn</h2>")


def test_course_images_get_their_url_size_and_lazy_loading():
    media = {"phone.svg": FIXTURES / "alpha" / "media" / "phone.svg"}
    html = render_markdown("![Điện thoại](media/phone.svg)", media_resolver("alpha", media))
    assert 'src="/courses/alpha/media/phone.svg"' in html
    assert 'width="120"' in html and 'height="200"' in html
    assert 'loading="lazy"' in html and 'alt="Điện thoại"' in html


def test_png_size_is_read_from_its_header(tmp_path):
    import struct
    import zlib

    png = tmp_path / "dot.png"
    header = struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)))
    assert image_size(png) == (3, 2)


def test_the_summary_box_bullets_render_as_a_list():
    html = render_markdown("Chữ.\n\n> **Tóm tắt**\n> - Một\n> - Hai\n")
    assert "<blockquote>" in html
    assert "<li>Một</li>" in html and "<li>Hai</li>" in html


def test_a_list_right_under_a_line_of_text_is_a_list():
    html = render_markdown("Làm như sau:\n1. Mở máy\n2. Chọn Cài đặt\n")
    assert "<ol>" in html and "<li>Mở máy</li>" in html


COURSE_MEDIA = media_resolver("alpha", {"phone.svg": (120, 200)})


@pytest.mark.parametrize("markdown", [
    '<img src="/courses/alpha/lessons/mo-dau">',  # a route of this site: every reader would GET it
    "![x](/courses/alpha/lessons/mo-dau)",
    "![x][r]\n\n[r]: /me/edit",
    '<img src="https://evil.example/track.png">',
    "![x](https://evil.example/track.png)",
    "![x](//evil.example/track.png)",
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<img src="/courses/beta/media/phone.svg">',  # another course's media
    '<img src="media/../../beta/media/phone.svg">',
    '<img src="media/missing.svg">',
    '<IMG SRC="/sign-out">',
    '<img src="media/phone.svg" srcset="/sign-out 2x">',
    '<picture><source srcset="/sign-out"><img src="/sign-out"></picture>',
    '<video src="/sign-out" poster="/sign-out"></video><audio src="/sign-out"></audio>',
    '<iframe src="/sign-out"></iframe><object data="/sign-out"></object><embed src="/sign-out">',
    '<link rel="prefetch" href="/sign-out"><meta http-equiv="refresh" content="0;url=/sign-out">',
    '<svg><image href="/sign-out"/></svg><input type="image" src="/sign-out">',
    '<table background="/sign-out"><tr><td background="/sign-out">x</td></tr></table>',
])
def test_nothing_that_loads_by_itself_keeps_a_foreign_address(markdown):
    html = render_markdown(markdown, COURSE_MEDIA)
    for tag in ("<picture", "<source", "<video", "<audio", "<iframe", "<object", "<embed", "<link", "<meta",
                "<svg", "<image", "<input", "srcset", "poster", "background"):
        assert tag not in html.lower()
    addresses = re.findall(r'(?:src|href|data)="([^"]*)"', html)
    assert set(addresses) <= {"/courses/alpha/media/phone.svg"}, html


def test_the_courses_own_images_keep_their_address_in_markdown_and_in_html():
    html = render_markdown('![Máy](media/phone.svg)\n\n<img src="media/phone.svg" alt="Máy">', COURSE_MEDIA)
    assert html.count('src="/courses/alpha/media/phone.svg"') == 2
    assert "<img" in render_markdown("![Máy](https://evil.example/x.png)")  # kept, inert, alt text shown
    assert "src=" not in render_markdown("![Máy](https://evil.example/x.png)")
