"""Course images are checked by content: photos lose their metadata and shrink to 1,000 px, SVGs that
could run code or fetch anything are refused however they are spelled."""
import io
from pathlib import Path

import pytest
from PIL import Image

from elearn.content.images import ImageRefused, check_media, clean_upload, media_name, unsafe_svg_reason

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courses"
SVG = 'xmlns="http://www.w3.org/2000/svg"'


def png(width=40, height=30, **save) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(output, "PNG", **save)
    return output.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSecret"  # Make
    exif[0x0110] = "PhoneModelSecret"  # Model
    exif[0x0112] = 6  # Orientation: turn right to show upright
    output = io.BytesIO()
    Image.new("RGB", (60, 20), (10, 120, 10)).save(output, "JPEG", exif=exif.tobytes())
    return output.getvalue()


def test_a_png_with_exif_is_stripped_of_it():
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSecret"
    data = png(exif=exif.tobytes())
    assert b"CameraMakerSecret" in data
    image = clean_upload("Ảnh Điện thoại.PNG", data)
    assert image.name == "anh-dien-thoai.png" and image.content_type == "image/png"
    assert b"CameraMakerSecret" not in image.data
    assert dict(Image.open(io.BytesIO(image.data)).getexif()) == {}


def test_a_phone_photo_is_turned_upright_and_loses_its_exif():
    image = clean_upload("IMG_0001.jpg", jpeg_with_exif())
    assert b"PhoneModelSecret" not in image.data and b"Exif" not in image.data
    assert (image.width, image.height) == (20, 60)
    assert image.content_type == "image/jpeg" and image.name == "img-0001.jpg"


def test_a_wide_image_is_resized_to_1000_px():
    image = clean_upload("rong.png", png(3000, 600))
    assert (image.width, image.height) == (1000, 200)
    assert Image.open(io.BytesIO(image.data)).size == (1000, 200)


def test_over_two_megabytes_is_refused_before_it_is_read():
    with pytest.raises(ImageRefused) as refused:
        clean_upload("to.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024))
    assert refused.value.code == "too_large"


@pytest.mark.parametrize("data", [b"hello, I am text", b"\x89PNG\r\n\x1a\nbroken", b"", b"%PDF-1.7"])
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(data):
    with pytest.raises(ImageRefused) as refused:
        clean_upload("anh.png", data)
    assert refused.value.code == "not_image"


@pytest.mark.parametrize("svg", [
    f"<svg {SVG}><script>alert(1)</script></svg>",
    '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></s:svg>',
    f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>',
    f'<svg {SVG}><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>',
    f'<svg {SVG} onload="alert(1)"><rect/></svg>',
    f'<svg {SVG}><rect ONCLICK="alert(1)"/></svg>',
    f'<svg {SVG} xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.example/x.png"/></svg>',
    f'<svg {SVG} xmlns:l="http://www.w3.org/1999/xlink"><a l:href="javascript:alert(1)"><rect/></a></svg>',
    f'<svg {SVG}><a href="javascript:alert(1)"><rect/></a></svg>',
    f'<svg {SVG}><rect style="fill:url(https://evil.example/track)"/></svg>',
    f'<svg {SVG}><style>@import "https://evil.example/a.css";</style></svg>',
    f'<svg {SVG}><style>rect{{fill:u\\72l(https://evil.example/x)}}</style></svg>',
    f'<svg {SVG}><rect fill="url( \'https://evil.example/x\' )"/></svg>',
    f'<svg {SVG}><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
    f'<!DOCTYPE svg [<!ENTITY x "y">]><svg {SVG}><text>&x;</text></svg>',
    f'<?xml-stylesheet href="https://evil.example/a.css"?><svg {SVG}/>',
    # Found by the attack, or let through by a check of local names only:
    f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:img src="/sign-out"/></svg>',
    f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:meta http-equiv="refresh" content="0;url=/x"/></svg>',
    f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:video src="/sign-out"/></svg>',
    f'<svg {SVG} xmlns:h="http://www.w3.org/1999/xhtml"><h:iframe srcdoc="&lt;script&gt;"/></svg>',
    f'<svg {SVG}><style>rect{{fill:red}}</style></svg>',  # no style elements at all
    f'<svg {SVG}><rect><animate attributeName="fill" values="red;blue" dur="1s"/></rect></svg>',
    f'<svg {SVG}><a><animate attributeName="href" values="javascript:alert(1)"/></a></svg>',
    f'<svg {SVG} xmlns:x="http://www.w3.org/1999/xlink"><a><set attributeName="x:href" to="javascript:1"/></a></svg>',
    f'<svg {SVG}><animateMotion path="M0 0"/><animateTransform attributeName="transform"/></svg>',
    f'<svg {SVG}><use href="https://evil.example/s.svg#a"/></svg>',
    f'<svg {SVG}><use href="data:image/svg+xml,&lt;svg/&gt;#a"/></svg>',
    f'<svg {SVG}><filter id="f"><feImage href="https://evil.example/x.png"/></filter></svg>',
    f'<svg {SVG}><rect fill="&#x75;rl(https://evil.example/x)"/></svg>',  # an XML escape is decoded first
    f'<svg {SVG}><rect xmlns="http://www.w3.org/1999/xhtml" onclick="alert(1)"/></svg>',
    f'<svg {SVG}><unknownthing/></svg>',
    f'<svg {SVG}><rect x="1"/><?foo bar?></svg>',
    f'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg {SVG}/>',
    f'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><svg {SVG}><text>&b;</text></svg>',
])
def test_an_svg_that_could_run_or_fetch_anything_is_refused(svg):
    assert unsafe_svg_reason(svg.encode()) == "unsafe_svg"
    with pytest.raises(ImageRefused):
        clean_upload("hinh.svg", svg.encode())


@pytest.mark.parametrize("data", [
    f'<svg {SVG}><script>alert(1)</script></svg>'.encode("utf-16"),
    f'<svg {SVG}><rect/></svg>'.encode("utf-16-le"),
    f'<?xml version="1.0" encoding="ISO-8859-1"?><svg {SVG}><rect/></svg>'.encode("latin-1"),
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>\xe9t\xe9</text></svg>',
    f'<?xml version="1.0" encoding="UTF-16"?><svg {SVG}><rect/></svg>'.encode("utf-16-be"),  # no BOM
    f'<?xml version="1.0" encoding="UTF-7"?><svg {SVG}><rect/></svg>'.encode(),
    f'<?xml version="1.0" encoding="windows-1258"?><svg {SVG}><text>Tiếng Việt</text></svg>'.encode(),
    f'<svg {SVG}><script>alert(1)</script></svg>'.encode("utf-32"),
])
def test_an_svg_not_in_utf8_is_refused(data):
    assert unsafe_svg_reason(data) == "svg_not_utf8"


def test_a_clean_svg_is_accepted_with_its_size():
    data = (FIXTURES / "alpha" / "media" / "phone.svg").read_bytes()
    image = clean_upload("phone.svg", data)
    assert image.data == data and image.content_type == "image/svg+xml" and (image.width, image.height) == (120, 200)
    local = (f'<svg {SVG} xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><defs><linearGradient '
             'id="g"/></defs><rect fill="url(#g)" style="fill: url(\'#g\')"/><use xlink:href="#g"/></svg>')
    assert unsafe_svg_reason(local.encode()) is None


def test_an_html_page_or_broken_xml_is_not_an_svg():
    assert unsafe_svg_reason(b"<html><body>hi</body></html>") == "not_image"
    assert unsafe_svg_reason(b"<svg><unclosed></svg>") == "not_image"


def test_bundled_or_imported_images_must_be_what_their_names_say():
    assert check_media("a.png", png()) is None
    assert check_media("a.jpg", png()) == "not_image"
    assert check_media("a.png", b"text") == "not_image"


def test_file_names_become_safe_for_addresses():
    assert media_name("Màn hình Đăng nhập (1).JPEG", ".jpg") == "man-hinh-dang-nhap-1.jpg"
    assert media_name("../../etc/passwd", ".png") == "passwd.png"
    assert media_name("ảnh", ".png") == "anh.png" and media_name("!!!", ".png") == "anh.png"


def test_an_svg_from_a_drawing_program_in_ascii_or_utf8_is_accepted():
    """What Inkscape writes beside the drawing (its own namespaces, metadata) does no harm."""
    drawing = f"""<?xml version="1.0" encoding="US-ASCII" standalone="no"?>
<!-- Created with Inkscape -->
<svg {SVG} xmlns:svg="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/"
     width="40" height="30" viewBox="0 0 40 30" version="1.1" xml:space="preserve">
  <sodipodi:namedview id="nv" inkscape:zoom="1"/>
  <metadata><rdf:RDF><rdf:Description rdf:about=""><dc:title>Phone</dc:title></rdf:Description></rdf:RDF></metadata>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>
    <filter id="s"><feGaussianBlur stdDeviation="1"/></filter></defs>
  <svg:g inkscape:label="Layer 1" inkscape:groupmode="layer" transform="translate(1,1)">
    <rect width="10" height="10" fill="url(#g)" filter="url(#s)" style="stroke:#000;stroke-width:1"/>
    <use xlink:href="#g"/><text x="1" y="20" font-family="sans-serif">Goi 113</text>
  </svg:g>
</svg>"""
    assert unsafe_svg_reason(drawing.encode("ascii")) is None
    assert unsafe_svg_reason(("\ufeff" + drawing.replace("US-ASCII", "utf-8")).encode("utf-8")) is None
    assert clean_upload("ve.svg", drawing.encode()).width == 40
