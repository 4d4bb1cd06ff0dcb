"""Sharing and paper (issue 9): the /verify form, the certificate as a picture, the readable copy of
one's data, Open Graph previews of public pages, the course poster and the lesson handout."""
from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from elearn.models import Certificate, User
from elearn.share.rules import read_certificate_code
from tests.conftest import csrf_token
from tests.helpers import finish_course

CODE = "ABCDEFGHJKMN"


@pytest.fixture
def resident(auth, courses):
    auth.register()
    return auth


@pytest.fixture
def certified(resident, client, db):
    user = db.scalar(select(User).where(User.phone == "+84912345678"))
    db.add(Certificate(user_id=user.id, code=CODE, trained_on=date(2026, 3, 4)))
    db.commit()
    return user


def og(page: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in
            re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)"', page)}


# -- /verify: a code typed from paper ---------------------------------------------------------------

@pytest.mark.parametrize("typed", ["ABCDEFGHJKMN", "abcd-efgh-jkmn", " abcd efgh jkmn ", "ABCD.EFGH.JKMN",
                                   "ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ"])
def test_a_code_typed_any_way_reads_as_the_stored_code(typed):
    assert read_certificate_code(typed).code == CODE


def test_the_verify_form_leads_to_the_result_page(client, certified):
    form = client.get("/verify")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert 'name="code"' in page and 'method="get"' in page
    response = client.get("/verify", query_string={"code": " abcd-efgh jkmn"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{CODE}")
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chứng nhận này là thật" in result and "N. T. L." in result


@pytest.mark.parametrize("typed, message", [
    ("", "Hãy nhập mã in trên giấy chứng nhận"),
    ("ABCD-EFGH", "Mã có 12 chữ và số, bạn đã nhập 8"),
    ("ABCD-EFGH-JKM0", "không có chữ O, I, L và số 0, 1"),
    ("<script>", "không có chữ O, I, L"),
])
def test_a_mistyped_code_is_explained_next_to_the_field_and_kept(client, typed, message):
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in unescape(page)
    assert 'aria-describedby="code-hint code-error"' in page and 'id="code-error"' in page
    assert "<script>" not in page.split("<main", 1)[1]
    if typed:
        assert f'value="{typed}"' in unescape(page)


def test_an_unknown_code_says_so_and_offers_the_form_again(client):
    response = client.get("/verify", query_string={"code": "abcd efgh jkmp"})
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    page = result.get_data(as_text=True)
    assert result.status_code == 404 and "Không tìm thấy chứng nhận" in page
    assert 'action="/verify"' in page and 'value="ABCDEFGHJKMP"' in page


def test_the_verify_form_is_rate_limited(client):
    statuses = [client.get("/verify", query_string={"code": "ABCD"}).status_code for _ in range(31)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429


def test_home_and_certificate_page_link_to_the_verify_form(client, certified):
    assert 'href="/verify"' in client.get("/certificate").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/me")})
    assert 'href="/verify"' in client.get("/").get_data(as_text=True)


# -- the certificate as a picture ------------------------------------------------------------------

def test_the_holder_gets_the_certificate_as_a_picture_kept_private(client, certified):
    page = client.get("/certificate").get_data(as_text=True)
    assert 'href="/certificate/picture.svg"' in page and "Lưu ảnh" in page
    assert re.search(r'<button[^>]*data-share-picture[^>]*hidden>Chia sẻ</button>', page)  # only with Web Share
    response = client.get("/certificate/picture.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "Nguyễn Thị Lan" in svg and "ABCD-EFGH-JKMN" in svg
    assert "04/03/2026" in svg and "Khóa Alpha; Khóa Beta" in svg
    assert "http://hocso.test/verify/ABCDEFGHJKMN" in svg and "<path" in svg
    assert "<script" not in svg and "style=" not in svg


def test_nobody_else_gets_a_certificate_picture(app, client, certified, auth):
    other = app.test_client()
    assert auth.on(other).register(phone="0987 654 321").status_code in (302, 303)
    assert other.get("/certificate/picture.svg").status_code == 404
    anonymous = app.test_client()
    assert "/sign-in" in anonymous.get("/certificate/picture.svg").headers["Location"]


def test_a_name_with_markup_stays_text_in_the_picture(client, db, certified):
    certified.full_name = '<script>alert(1)</script> "Lan" & co'
    db.commit()
    svg = client.get("/certificate/picture.svg").get_data(as_text=True)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


# -- one's own data, readable ----------------------------------------------------------------------

def test_the_data_page_shows_every_section_of_the_json_and_links_to_it(app, client, db, resident):
    finish_course(client, db, "alpha")
    page = client.get("/me/data")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    text = unescape(page.get_data(as_text=True))
    exported = json.loads(client.post("/me/data.json", data={"csrf_token": csrf_token(client, "/me")}).data)
    for section in exported:
        assert f'id="data-{section}"' in text, section
    assert 'action="/me/data.json"' in text and "Tải về tệp JSON" in text
    assert "Nguyễn Thị Lan" in text and "Khóa Alpha" in text and "Thông tin cá nhân" in text
    assert re.search(r"\d{2}/\d{2}/\d{4}", text) and not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert "Đăng ký" in text and "Tự học" in text
    assert 'href="/me/data"' in client.get("/me").get_data(as_text=True)


def test_the_data_page_needs_sign_in(client):
    assert "/sign-in" in client.get("/me/data").headers["Location"]


# -- Open Graph previews: public pages only, no one's data -----------------------------------------

@pytest.mark.parametrize("path, title", [("/", "Học số: học kỹ năng số ngay trên điện thoại"),
                                         ("/courses/alpha", "Khóa Alpha"),
                                         ("/verify", "Kiểm tra giấy chứng nhận Học số")])
def test_public_pages_carry_open_graph_tags(client, courses, path, title):
    response = client.get(path)
    assert response.status_code == 200
    tags = og(response.get_data(as_text=True))
    assert tags["og:title"] == title and tags["og:description"]
    assert tags["og:image"] == "http://hocso.test/static/og-card.png"
    assert tags["og:url"] == "http://hocso.test" + path and tags["og:type"] == "website"
    assert tags["og:locale"] == "vi_VN" and tags["twitter:card"] == "summary_large_image"
    picture = client.get("/static/og-card.png")
    assert picture.mimetype == "image/png" and len(picture.data) < 40_000
    picture.close()


def test_the_public_course_page_shows_the_course_and_how_to_start(client, courses):
    page = client.get("/courses/alpha").get_data(as_text=True)
    assert "Khóa thử nghiệm kỹ năng số." in page and "Mở đầu" in page
    assert 'href="/register"' in page and 'href="/courses/alpha/poster"' in page
    assert client.get("/courses/nothing").status_code == 404


def test_the_verify_result_preview_names_no_one(client, certified):
    page = client.get(f"/verify/{CODE}").get_data(as_text=True)
    assert "N. T. L." in page
    tags = og(page)
    assert tags["og:url"] == "http://hocso.test/verify"
    assert not any(word in value for value in tags.values() for word in ("N. T. L.", "Lan", CODE))


def test_no_open_graph_tags_on_personal_pages(client, certified):
    for path in ("/courses", "/certificate", "/me/data", "/progress"):
        assert og(client.get(path).get_data(as_text=True)) == {}, path


# -- paper: the course poster and the lesson handout -----------------------------------------------

def test_the_poster_is_public_with_the_title_a_qr_code_and_print_styles(client, courses):
    response = client.get("/courses/alpha/poster")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Khóa Alpha" in page and "Khóa thử nghiệm kỹ năng số." in page and "Mở đầu" in page
    assert re.search(r'<div class="qr"><svg [^>]*viewBox=', page) and "<path" in page
    assert "http://hocso.test/courses/alpha" in page and "/static/print.css" in page
    assert "Cách bắt đầu" in page
    assert client.get("/courses/nothing/poster").status_code == 404


def test_the_handout_is_for_those_who_may_read_the_lesson(app, client, resident):
    response = client.get("/courses/alpha/lessons/mo-dau/handout")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "http://hocso.test/courses/alpha/lessons/mo-dau" in page and "<svg" in page
    assert "/static/print.css" in page and 'class="handout-body"' in page
    assert client.get("/courses/alpha/lessons/nothing/handout").status_code == 404
    anonymous = app.test_client()
    assert "/sign-in" in anonymous.get("/courses/alpha/lessons/mo-dau/handout").headers["Location"]
