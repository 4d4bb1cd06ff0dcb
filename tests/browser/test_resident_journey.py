"""A resident's whole path on a small phone, in a real browser against a real server.

Register through the form, read every lesson of every required course by following
its "next" button (a POST), pass each quiz, open the certificate and its verify page. Along the way: no
request leaves the server (no CDN, font or analytics), and a lesson fits a 360 px screen.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import horizontal_overflow, required_courses, village_name

pytestmark = pytest.mark.browser

FULL_NAME = "Lê Thị Ánh Tuyết"
INITIALS = "L. T. Á. T."
PHONE_TYPED = "0912 345 678"
BIRTH_DATE = ("15", "07", "1968")  # ngày / tháng / năm, three plain boxes
PASSWORD = "mua xuan tren ruong bac thang"  # not the page's example


def test_resident_registers_learns_and_gets_a_certificate(app, live_server, phone, villages, tmp_path):
    from playwright.sync_api import expect

    page = phone.page
    courses = required_courses(app)
    assert [c.slug for c in courses] == ["alpha", "beta"], "the fixture courses are both required"
    # For a person to look at after a run (pytest keeps the last three runs' tmp_path); not checked.
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()

    # Registration, through the real form, the way a resident fills it in.
    page.goto("/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký tài khoản")
    assert horizontal_overflow(page) <= 0, "the registration form is wider than the phone"
    page.get_by_label("Họ và tên").fill(FULL_NAME)
    page.get_by_label("Số điện thoại").press_sequentially(PHONE_TYPED)
    for label, value in zip(("Ngày", "Tháng", "Năm"), BIRTH_DATE):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Thôn / tổ dân phố nơi bạn ở").select_option(label=village_name(app, villages[0]))
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tôi đã đọc và đồng ý với Thông báo về dữ liệu cá nhân.").check()
    page.get_by_role("button", name="Đăng ký").tap()

    expect(page).to_have_url(f"{live_server.url}/courses")
    expect(page.get_by_role("status").first).to_contain_text(f"Chào mừng {FULL_NAME}!")

    first_lesson_shot = quiz_shot = None
    for number, course in enumerate(courses, start=1):
        # Open the course from the list, then start at lesson 1.
        expect(page.get_by_role("heading", level=1)).to_have_text("Khóa học của bạn")
        page.get_by_role("link", name=course.title, exact=True).tap()
        expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
        page.get_by_role("link", name="Bắt đầu bài 1").tap()

        # Every lesson, by its "sang bài tiếp theo" button; the last one leads to the quiz.
        count = len(course.lesson_titles)
        for index, title in enumerate(course.lesson_titles, start=1):
            expect(page.get_by_role("heading", level=1)).to_have_text(title)
            expect(page.get_by_text(f"Bài {index} trên {count}")).to_be_visible()
            page.wait_for_load_state("load")
            overflow = horizontal_overflow(page)
            assert overflow <= 0, f"lesson {course.slug}/{index} scrolls sideways by {overflow}px at 360px"
            # Pictures load lazily: bring each into view, as a reader scrolling down would.
            page.evaluate("document.querySelectorAll('article img').forEach(i => i.scrollIntoView())")
            # Polled from Python: wait_for_function would need eval(), which the page's CSP forbids.
            for _ in range(100):
                if page.evaluate("() => [...document.images].every(i => i.complete)"):
                    break
                page.wait_for_timeout(100)
            page.evaluate("window.scrollTo(0, 0)")
            broken = page.evaluate("[...document.images].filter(i => !i.complete || !i.naturalWidth)"
                                   ".map(i => i.src)")
            assert not broken, f"images that did not load: {broken}"
            if first_lesson_shot is None:
                first_lesson_shot = screenshots / f"lesson-{course.slug}-{index}.png"
                page.screenshot(path=str(first_lesson_shot), full_page=True)
            # A button (a POST that records the lesson as read), not a link: opening a page records nothing.
            if index < count:
                page.get_by_role("button", name="sang bài tiếp theo").tap()
            else:
                expect(page.get_by_role("button", name="sang bài tiếp theo")).to_have_count(0)
                page.get_by_role("button", name="làm bài kiểm tra").tap()

        # The quiz: tap the right answers, read from the database, not written into this test.
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Bài kiểm tra: {course.title}")
        if quiz_shot is None:
            quiz_shot = screenshots / f"quiz-{course.slug}.png"
            page.screenshot(path=str(quiz_shot), full_page=True)
        for key in course.quiz:
            assert key.correct_choice_ids, f"question {key.question_id} has no right answer"
            for choice_id in key.correct_choice_ids:
                choice = page.locator(f'input[name="q{key.question_id}"][value="{choice_id}"]')
                page.locator("label.check", has=choice).tap()
                expect(choice).to_be_checked()
        assert horizontal_overflow(page) <= 0, f"the quiz of {course.slug} is wider than the phone"
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").tap()
        refused = page.get_by_role("alert")
        if refused.count():
            pytest.fail(f"the quiz of {course.slug} was refused: {refused.first.inner_text()!r}", pytrace=False)
        expect(page).to_have_url(re.compile(rf"/courses/{course.slug}/quiz/attempts/\d+$"))
        result = page.get_by_role("status").first
        total = len(course.quiz)
        expect(result).to_contain_text(f"Bạn trả lời đúng {total} trên {total} câu (100%).")
        expect(result).to_contain_text("Chúc mừng, bạn đã đạt!")
        if number < len(courses):
            expect(page.get_by_text("Bạn đã hoàn thành khóa học này.")).to_be_visible()
            page.get_by_role("link", name="Về danh sách khóa học").first.tap()

    # Every required course is done: the last result page offers the certificate.
    expect(page.get_by_text("Bạn đã học xong mọi khóa bắt buộc.")).to_be_visible()
    page.get_by_role("link", name="Xem chứng nhận").first.tap()
    expect(page).to_have_url(f"{live_server.url}/certificate")
    certificate = page.locator(".certificate")
    expect(certificate.locator(".name")).to_have_text(FULL_NAME)
    for course in courses:
        expect(certificate).to_contain_text(course.title)
    qr = certificate.locator(".qr svg")
    expect(qr).to_have_count(1)
    expect(qr).to_be_visible()
    drawn = qr.locator("path").first.bounding_box()  # the modules themselves, not the box around them
    assert drawn["width"] >= 150, "the QR code is drawn too small to scan"

    # The verify address printed on the certificate (the one the QR code holds) says who, by initials only.
    printed = certificate.locator(".hint").inner_text()
    match = re.search(r"(https?://\S+/verify/([A-Z0-9]+))", printed)
    assert match, f"no verify address on the certificate: {printed!r}"
    verify_url, code = match.groups()
    assert verify_url == f"{live_server.url}/verify/{code}"
    expect(certificate).to_contain_text(f"{code[:4]}-{code[4:8]}-{code[8:]}")
    page.goto(verify_url)
    expect(page.get_by_text("Chứng nhận này là thật.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text(INITIALS)
    expect(page.locator("main")).not_to_contain_text(FULL_NAME)

    # Nothing was fetched from anywhere but this server: no CDN, web font or tracker.
    assert phone.requests, "no request was recorded"
    assert any("/static/site.css" in url for url in phone.requests)
    assert any("/courses/alpha/media/phone.svg" in url for url in phone.requests)
    elsewhere = sorted({url for url in phone.requests if not live_server.is_local(url)})
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
