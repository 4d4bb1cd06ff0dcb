"""Smaller things a phone user meets (issue 9): the quiz result says what comes next, error pages
come compressed, every page has a description for search engines, and a lesson stays light."""
from __future__ import annotations

import gzip
import re

import pytest

from tests.helpers import answers, finish_course, quiz_form, read_all_lessons, submit

GZIP = {"Accept-Encoding": "gzip"}


def _result(client, response) -> str:
    assert response.status_code in (302, 303)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _way_on(page: str) -> str:
    """Where the first button after "Việc tiếp theo" leads, and what it says."""
    after = page.split("Việc tiếp theo", 1)[1]
    href, text = re.search(r'<a class="button" href="([^"]+)">([^<]+)</a>', after).groups()
    return f"{href} {text}"


def test_after_passing_a_course_the_result_leads_to_the_next_required_course(client, db, auth, courses):
    auth.register()
    page = _result(client, finish_course(client, db, "alpha"))
    assert "Khóa bắt buộc tiếp theo là:" in page and "Khóa Beta" in page
    assert _way_on(page) == "/courses/beta Học khóa tiếp theo"


def test_after_the_last_required_course_the_result_leads_to_the_certificate(client, db, auth, courses):
    auth.register()
    finish_course(client, db, "alpha")
    page = _result(client, finish_course(client, db, "beta"))
    assert "Bạn đã học xong mọi khóa bắt buộc." in page
    assert _way_on(page) == "/certificate Xem chứng nhận"


def test_with_no_required_course_left_the_result_leads_to_the_course_list(app, client, db, auth, courses):
    from sqlalchemy import update

    from elearn.models import Course

    db.execute(update(Course).values(required=False))  # nothing required: no certificate to earn
    db.commit()
    auth.register()
    page = _result(client, finish_course(client, db, "alpha"))
    assert "Bạn có thể chọn học thêm khóa khác." in page
    assert _way_on(page) == "/courses Chọn khóa học khác"


def test_after_passing_with_lessons_unread_the_result_leads_to_the_first_unread_one(client, db, auth, courses):
    auth.register()
    page = _result(client, submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")}))
    assert "hãy đọc nốt các bài sau" in page
    assert _way_on(page) == "/courses/alpha/lessons/mo-dau Đọc bài chưa đọc"


def test_after_failing_the_result_says_to_read_again_and_retry(client, db, auth, courses):
    auth.register()
    read_all_lessons(client, db, "alpha")
    page = _result(client, submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha", right=False)}))
    assert "Đọc lại các bài của khóa, rồi làm lại bài kiểm tra." in page
    assert _way_on(page) == "/courses/alpha/quiz Làm lại bài kiểm tra"
    assert '<a class="button secondary" href="/courses/alpha">Đọc lại các bài</a>' in page


@pytest.mark.parametrize("path", ["/no-such-page", "/courses/no-such-course"])
def test_error_pages_are_sent_gzipped_to_browsers_that_take_it(client, auth, courses, path):
    if path.startswith("/courses"):
        auth.register()
    response = client.get(path, headers=GZIP)
    assert response.status_code == 404
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    page = gzip.decompress(response.get_data()).decode()
    assert "Có lỗi (404)" in page and int(response.headers["Content-Length"]) == len(response.get_data())
    plain = client.get(path)  # no Accept-Encoding: the page as it is
    assert "Content-Encoding" not in plain.headers and "Có lỗi (404)" in plain.get_data(as_text=True)


def test_a_refused_form_token_page_is_gzipped_too(client, courses):
    response = client.post("/sign-in", data={"phone": "0912345678", "password": "x"}, headers=GZIP)
    assert response.status_code == 400
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Có lỗi (400)" in gzip.decompress(response.get_data()).decode()


def test_an_unexpected_error_page_is_gzipped_too(app, client, monkeypatch):
    from elearn.learn import views

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render_template", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/", headers=GZIP)
    assert response.status_code == 500
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Có lỗi (500)" in gzip.decompress(response.get_data()).decode()


def _description(page: str) -> str:
    found = re.findall(r'<meta name="description" content="([^"]*)">', page)
    assert len(found) == 1, "one description per page"
    return found[0]


def test_every_page_has_a_description_and_course_pages_their_own(client, auth, courses):
    default = _description(client.get("/sign-in").get_data(as_text=True))
    assert len(default) > 50 and default == _description(client.get("/privacy").get_data(as_text=True))
    home = _description(client.get("/").get_data(as_text=True))
    assert home != default and "Khóa Alpha" in home and "Khóa Beta" in home
    assert _description(client.get("/no-such-page").get_data(as_text=True)) == default
    auth.register()
    assert _description(client.get("/courses/alpha").get_data(as_text=True)) == "Khóa thử nghiệm kỹ năng số."
    lesson = _description(client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True))
    assert lesson == "Mở đầu · Khóa Alpha: Khóa thử nghiệm kỹ năng số."


def test_a_lesson_page_with_its_stylesheet_and_scripts_weighs_under_30_kb(client, auth, courses):
    auth.register()
    client.get("/courses/alpha/lessons/mo-dau")  # kept in memory: the page as most residents get it
    response = client.get("/courses/alpha/lessons/mo-dau", headers=GZIP)
    page = gzip.decompress(response.get_data()).decode()
    sizes = {"page": len(response.get_data())}
    for address in re.findall(r'<(?:script|link)[^>]* (?:src|href)="(/[^"]+)"', page):
        asset = client.get(address, headers=GZIP)
        assert asset.status_code == 200, address
        sizes[address] = len(asset.get_data())
        asset.close()
    scripts = {address: size for address, size in sizes.items() if ".js" in address}
    assert scripts and all(size < 4000 for size in scripts.values()), scripts
    assert sum(sizes.values()) < 30_000, sizes
