"""The resident's path: lessons, quiz with instant feedback, completion, certificate."""
import re

import pytest
from sqlalchemy import func, select, update

from elearn.models import Certificate, Choice, Course, CourseCompletion, LessonView, Question, QuizAttempt
from tests.conftest import csrf_token
from tests.helpers import answers, quiz_form, read_all_lessons, read_lesson, shown_again, submit


@pytest.fixture
def resident(auth, courses):
    auth.register()
    return auth


def test_the_course_list_shows_each_courses_progress(client, db, resident):
    read_lesson(client, "alpha", "mo-dau")
    page = client.get("/courses").get_data(as_text=True)
    assert "Đã đọc 1/2 bài" in page and "Đang học" in page
    assert "Đã đọc 0/1 bài" in page and "Chưa bắt đầu" in page


def test_a_lesson_page_shows_the_sanitised_lesson_and_the_way_on(client, resident):
    page = client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True)
    assert "<h1>Mở đầu</h1>" in page and "Đây là bài mở đầu." in page
    [image] = [tag for tag in re.findall(r"<img\b[^>]*>", page) if 'src="/courses/alpha/media/phone.svg"' in tag]
    # The picture's own size on its tag: the text does not jump when it arrives on a slow line.
    assert 'loading="lazy"' in image and 'width="120"' in image and 'height="200"' in image
    assert "Bài 1 trên 2" in page
    assert 'action="/courses/alpha/lessons/mo-dau/read"' in page and "sang bài tiếp theo" in page
    last = client.get("/courses/alpha/lessons/tiep-theo").get_data(as_text=True)
    assert 'action="/courses/alpha/lessons/tiep-theo/read"' in last and "làm bài kiểm tra" in last
    assert 'href="/courses/alpha/lessons/mo-dau"' in last


def test_the_next_button_records_the_lesson_and_goes_on(client, db, resident):
    """A plain form (works with JavaScript off): POST, then a redirect to the next step (PRG)."""
    response = read_lesson(client, "alpha", "mo-dau")
    assert response.status_code == 303 and response.headers["Location"].endswith("/courses/alpha/lessons/tiep-theo")
    response = read_lesson(client, "alpha", "tiep-theo")
    assert response.status_code == 303 and response.headers["Location"].endswith("/courses/alpha/quiz")
    assert db.scalar(select(func.count(LessonView.id))) == 2
    read_lesson(client, "alpha", "mo-dau")  # read twice, recorded once
    assert db.scalar(select(func.count(LessonView.id))) == 2
    assert "Đã đọc 2/2 bài" in client.get("/courses").get_data(as_text=True)


def test_opening_a_lesson_records_nothing(client, db, resident):
    """An <img src="/courses/alpha/lessons/mo-dau"> in any lesson must not mark it read."""
    assert client.get("/courses/alpha/lessons/mo-dau").status_code == 200
    assert db.scalar(select(func.count(LessonView.id))) == 0
    assert "Đã đọc 0/2 bài" in client.get("/courses").get_data(as_text=True)


def test_recording_a_lesson_needs_the_csrf_token(client, db, resident):
    response = client.post("/courses/alpha/lessons/mo-dau/read")
    assert response.status_code == 400
    assert db.scalar(select(func.count(LessonView.id))) == 0
    assert client.post("/courses/alpha/lessons/nope/read",
                       data={"csrf_token": csrf_token(client, "/courses/alpha/lessons/mo-dau")}).status_code == 404


def test_unknown_courses_and_lessons_are_404(client, resident):
    assert client.get("/courses/nope").status_code == 404
    assert client.get("/courses/alpha/lessons/nope").status_code == 404
    assert client.get("/courses/alpha/quiz/attempts/999").status_code == 404


def test_course_media_is_served_inert(client, resident):
    response = client.get("/courses/alpha/media/phone.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    # Opened on its own, an SVG is a document: it may run nothing and fetch nothing.
    policy = {part.strip() for part in response.headers["Content-Security-Policy"].split(";")}
    assert {"default-src 'none'", "sandbox"} <= policy and not any("script" in part for part in policy)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    assert client.get("/courses/alpha/media/../course.md").status_code == 404


def test_the_quiz_works_without_javascript(client, resident):
    page = client.get("/courses/alpha/quiz").get_data(as_text=True)
    # Scripts only add comfort (text size, ...): none in the page itself, none the quiz needs.
    assert "<script" not in page.split("<main", 1)[1] and " onclick=" not in page
    assert page.count('type="radio"') == 5 and page.count('type="checkbox"') == 3
    assert 'action="/courses/alpha/quiz"' in page and "Chọn tất cả các ý đúng" in page


def test_a_right_answer_passes_and_a_wrong_one_is_marked_wrong(client, db, resident):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    first_question = db.scalar(select(Question).order_by(Question.id))
    wrong = db.scalar(select(Choice).where(Choice.question_id == first_question.id, Choice.is_correct.is_(False)))
    data[f"q{first_question.id}"] = [wrong.id]
    response = submit(client, "alpha", data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn trả lời đúng 2 trên 3 câu (66%)" in page and "Chúc mừng, bạn đã đạt!" in page
    assert page.count("✗ Sai") == 1 and page.count("✓ Đúng") == 2
    assert "Vì đúng một là đúng." in page  # the explanation
    assert "(bạn chọn)" in page


def test_a_failed_quiz_can_be_tried_again(client, db, resident):
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha", right=False)})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chưa đạt: cần đúng 60%" in page and "Làm lại bài kiểm tra" in page
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    assert "Chúc mừng" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.scalar(select(func.count(QuizAttempt.id))) == 2


def test_a_double_tapped_submit_records_one_attempt(client, db, resident):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    first = submit(client, "alpha", data)
    second = submit(client, "alpha", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1


def test_missing_answers_are_pointed_out_and_the_rest_kept(client, db, resident):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    dropped = sorted(k for k in data if k.startswith("q"))[0]
    kept = sorted(k for k in data if k.startswith("q"))[1]
    del data[dropped]
    page = shown_again(client, submit(client, "alpha", data), "/courses/alpha/quiz")  # Back shows a page
    assert "Bạn còn 1 câu chưa trả lời" in page
    assert f'id="{dropped}-error"' in page
    for choice_id in data[kept]:
        assert re.search(rf'name="{kept}" value="{choice_id}" checked', page)
    assert db.scalar(select(func.count(QuizAttempt.id))) == 0
    # The message at the top links to the first unanswered question, marked where it is (not by colour only).
    assert f'<a href="#{dropped}">Đến câu chưa trả lời đầu tiên (câu 1)</a>' in page
    fieldset = re.search(rf'<fieldset[^>]*id="{dropped}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in fieldset and f'aria-describedby="{dropped}-error"' in fieldset
    assert re.search(rf'id="{dropped}-error"><strong>Lỗi:</strong> Bạn chưa trả lời câu này', page)
    kept_field = re.search(rf'<fieldset[^>]*id="{kept}"[^>]*>', page).group(0)
    assert "aria-invalid" not in kept_field
    # The same key rides along: sending the completed quiz records it once.
    assert re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1) == data["idempotency_key"]
    again = client.get("/courses/alpha/quiz").get_data(as_text=True)  # shown once: a reload is the plain quiz
    assert "chưa trả lời" not in again and " checked" not in again


@pytest.mark.parametrize("tamper", ["other_question", "unknown_question", "not_a_number", "two_for_single",
                                    "other_course_version"])
def test_a_tampered_quiz_post_records_nothing(client, db, resident, tamper):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    keys = sorted(k for k in data if k.startswith("q"))
    if tamper == "other_question":
        data[keys[0]] = data[keys[2]]
    elif tamper == "unknown_question":
        data["q999999"] = data[keys[0]]
    elif tamper == "not_a_number":
        data[keys[0]] = ["abc"]
    elif tamper == "two_for_single":
        question_id = int(keys[0][1:])
        data[keys[0]] = list(db.scalars(select(Choice.id).where(Choice.question_id == question_id)))[:2]
    else:
        beta = db.scalar(select(Course).where(Course.slug == "beta"))
        data["quiz_version_id"] = str(beta.current_quiz.id)
    response = submit(client, "alpha", data)
    assert "không hợp lệ" in shown_again(client, response, "/courses/alpha/quiz")
    assert db.scalar(select(func.count(QuizAttempt.id))) == 0


def test_an_idempotency_key_used_by_someone_else_is_refused(app, client, db, resident, auth):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    first = submit(client, "alpha", data)
    assert first.status_code == 303
    other = app.test_client()
    assert auth.on(other).register(phone="0987 654 321").status_code == 302
    replay = {**data, "csrf_token": quiz_form(other, "alpha")["csrf_token"]}
    response = other.post("/courses/alpha/quiz", data=replay)
    page = shown_again(other, response, "/courses/alpha/quiz")
    assert "không hợp lệ" in page and "Chúc mừng" not in page
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1


def test_a_key_with_a_nul_byte_is_no_key_and_records_nothing(client, db, resident):
    # PostgreSQL refuses NUL in text: before, the lookup of such a key answered 500.
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha"), "idempotency_key": "abcdefgh\x00ijklmnop"}
    response = submit(client, "alpha", data)
    assert "không hợp lệ" in shown_again(client, response, "/courses/alpha/quiz")
    assert db.scalar(select(func.count(QuizAttempt.id))) == 0


def test_an_expired_token_brings_the_quiz_back_with_the_answers_selected(client, db, resident):
    data = {**quiz_form(client, "alpha"), **answers(db, "alpha")}
    data["csrf_token"] = "expired-or-forged"
    page = shown_again(client, submit(client, "alpha", data), "/courses/alpha/quiz")
    assert "Trang đã mở quá lâu" in page
    for name, picked in data.items():
        if re.fullmatch(r"q\d+", name):
            for choice_id in picked:
                assert re.search(rf'name="{name}" value="{choice_id}" checked', page)
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = submit(client, "alpha", {**data, "csrf_token": fresh})
    assert response.status_code == 303
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1


def test_a_passed_quiz_without_every_lesson_read_does_not_complete_the_course(client, db, resident):
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "hãy đọc nốt các bài sau" in page and "Mở đầu" in page
    assert db.scalar(select(func.count(CourseCompletion.id))) == 0
    read_all_lessons(client, db, "alpha")
    assert db.scalar(select(func.count(CourseCompletion.id))) == 1


def test_completing_every_required_course_gives_a_certificate_that_verifies(client, db, resident):
    for slug in ("alpha", "beta"):
        read_all_lessons(client, db, slug)
        assert client.get("/certificate").status_code == 302
        submit(client, slug, {**quiz_form(client, slug), **answers(db, slug)})
    certificate = db.scalar(select(Certificate))
    assert certificate is not None
    page = client.get("/certificate").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in page and "<svg" in page
    assert certificate.code[:4] in page
    assert "Khóa Alpha; Khóa Beta" in page
    assert re.search(r"\d{2}/\d{2}/\d{4}", page)
    verify = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "N. T. L." in verify and "Nguyễn" not in verify and "Chứng nhận này là thật" in verify
    grouped = f"{certificate.code[:4]}-{certificate.code[4:8]}-{certificate.code[8:]}".lower()
    assert client.get(f"/verify/{grouped}").status_code == 200
    progress = client.get("/progress").get_data(as_text=True)
    assert "Bạn đã học xong chương trình kỹ năng số cơ bản" in progress


def test_an_unknown_certificate_code_says_so(client):
    response = client.get("/verify/ABCD-EFGH-JKMN")
    assert response.status_code == 404
    assert "Không tìm thấy chứng nhận" in response.get_data(as_text=True)


def test_a_resident_cannot_open_another_residents_attempt(app, client, db, resident, auth):
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    location = response.headers["Location"]
    other = app.test_client()
    assert auth.on(other).register(phone="0987 654 321").status_code == 302
    assert other.get(location).status_code == 404
    assert client.get(location).status_code == 200


def test_learning_pages_need_a_signed_in_resident(client, courses):
    # The course page itself is open to all (tests/app/test_sharing.py): what the course is, how to start.
    for path in ("/courses", "/courses/alpha/lessons/mo-dau", "/courses/alpha/quiz", "/progress", "/certificate",
                 "/me"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path


def test_the_home_page_lists_courses_for_visitors(client, courses):
    page = client.get("/").get_data(as_text=True)
    assert "Khóa Alpha" in page and "Đăng ký để bắt đầu" in page


def test_the_course_list_points_to_the_next_required_course(client, db, resident):
    page = client.get("/courses").get_data(as_text=True)
    assert 'class="button block" href="/courses/alpha">Học tiếp: Khóa Alpha' in page
    read_all_lessons(client, db, "alpha")
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    page = client.get("/courses").get_data(as_text=True)
    assert 'href="/courses/beta">Học tiếp: Khóa Beta' in page


def test_the_certificate_page_issues_nothing_on_get_only_its_button_does(client, db, resident):
    """Someone who finished every course required today without a certificate (the required
    courses changed after their last completion) gets it from a POST button, never from a GET."""
    read_all_lessons(client, db, "alpha")
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    db.execute(update(Course).where(Course.slug == "beta").values(required=False))
    db.commit()
    assert client.get("/certificate").status_code == 302
    assert db.scalar(select(func.count(Certificate.id))) == 0
    page = client.get("/progress").get_data(as_text=True)
    assert 'action="/certificate"' in page and "Nhận chứng nhận" in page
    response = client.post("/certificate", data={"csrf_token": csrf_token(client, "/progress")})
    assert response.status_code == 303 and response.headers["Location"].endswith("/certificate")
    assert db.scalar(select(func.count(Certificate.id))) == 1
    assert "Nhận chứng nhận" not in client.get("/progress").get_data(as_text=True)


def test_the_course_page_says_how_long_it_takes_a_slow_reader(client, db, resident):
    minutes = db.scalar(select(Course.study_minutes).where(Course.slug == "alpha"))
    assert minutes >= 1
    page = client.get("/courses/alpha").get_data(as_text=True)
    assert f"Khoảng {minutes} phút đọc chậm và làm bài, học trong một buổi." in page
    db.execute(update(Course).where(Course.slug == "alpha").values(study_minutes=65))
    db.commit()
    assert "Khoảng 65 phút đọc chậm và làm bài, nên chia làm 4 buổi học." in client.get("/courses/alpha").get_data(
        as_text=True)
