"""Input an attacker (or a strange keyboard) sends: Unicode digits, huge numbers, NUL bytes and other
control characters. Each case was a 500 on PostgreSQL or a second account; now it is a 404, or the
form again with a Vietnamese message next to the field, and nothing written.

Run on SQLite and on PostgreSQL (ELEARN_TEST_DATABASE_URL): only PostgreSQL refuses a NUL byte in
text and an integer above 2**31 - 1 with an error of its own.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from flask import abort
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from elearn.audit import audit
from elearn.db import db_session
from elearn.models import AuditEvent, Course, PopulationFigure, QuizAttempt, TrainingSession, Unit, User
from tests.app.authoring_helpers import course_id, editor, make_trainer, post, revisions, save, signed_in
from tests.app.trainers import error_for
from tests.conftest import csrf_token
from tests.helpers import answers, quiz_form, shown_again, submit
from tests.reports.conftest import commune, sign_in_as  # noqa: F401 (fixtures)

CONTROL_MESSAGE = "Ô này có ký tự không hợp lệ"
UNICODE_DIGITS = ["²", "１", "١", "௧", "𝟏"]  # superscript, full-width, Arabic-Indic, Tamil, mathematical
HUGE = ["2147483648", "9223372036854775808", "9" * 5000]


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


# Numbers and ids: ASCII digits only, 1 to 2**31 - 1.

@pytest.mark.parametrize("version", UNICODE_DIGITS + HUGE + ["-1", "0", "1\x00"])
def test_a_quiz_version_that_is_not_an_ascii_id_gets_the_quiz_again(client, db, auth, courses, version):
    auth.register()
    data = quiz_form(client, "alpha")
    response = submit(client, "alpha", {**data, **answers(db, "alpha"), "quiz_version_id": version})
    # Was a 500: '²'.isdigit() is True and int('²') fails.
    assert "Bài làm gửi lên không hợp lệ" in shown_again(client, response, "/courses/alpha/quiz")
    assert count(db, QuizAttempt) == 0


@pytest.mark.parametrize("value", UNICODE_DIGITS + HUGE + ["0"])
def test_an_answer_that_is_not_an_ascii_id_gets_the_quiz_again(client, db, auth, courses, value):
    auth.register()
    right = answers(db, "alpha")
    first = next(iter(right))
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **right, first: value})
    assert "Bài làm gửi lên không hợp lệ" in shown_again(client, response, "/courses/alpha/quiz")
    assert count(db, QuizAttempt) == 0


@pytest.mark.parametrize("path", [
    "/courses/alpha/quiz/attempts/2147483648", "/courses/alpha/quiz/attempts/99999999999999999999",
    "/courses/alpha/quiz/attempts/%C2%B2", "/courses/alpha/quiz/attempts/%EF%BC%91",
    "/trainer/residents/9223372036854775808", "/reports/2147483648", "/admin/units/%EF%BC%91",
])
def test_an_id_in_an_address_beyond_the_database_or_not_ascii_is_not_found(client, auth, courses, path):
    auth.register()
    assert client.get(path).status_code == 404


def test_full_width_digits_do_not_register_a_second_account_for_the_same_phone(client, db, auth):
    assert auth.register().status_code == 302
    auth.sign_out()
    page = shown_again(client, auth.register(phone="０９１２ ３４５ ６７８"), "/register")
    assert "Số điện thoại chưa đúng" in error_for(page, "phone")
    assert count(db, User) == 1


@pytest.mark.parametrize("village", ["１", "²", "9" * 5000, "2147483648"])
def test_a_village_chosen_in_other_digits_or_beyond_the_database_is_refused_next_to_the_field(client, db, auth,
                                                                                             village):
    page = shown_again(client, auth.register(village_id=village), "/register")
    assert "Vui lòng chọn thôn nơi bạn ở" in error_for(page, "village_id")
    assert count(db, User) == 0


@pytest.fixture
def trainer(app, db, villages, courses):
    make_trainer(db, villages[0])
    return signed_in(app, "0933000005")


@pytest.mark.parametrize("base", ["²", "9" * 5000, "9223372036854775808"])
def test_a_tampered_revision_number_in_the_editor_is_no_500(db, trainer, base):
    alpha = course_id(db, "alpha")
    form = editor(trainer, alpha, "01-mo-dau.md")
    response = save(trainer, alpha, "01-mo-dau.md", form["text"] + "\nMột câu.\n", base)
    assert response.status_code in (303, 409)


@pytest.mark.parametrize("page", ["9" * 5000, "²", "１"])
def test_a_page_number_in_other_digits_or_huge_is_a_page_not_a_500(trainer, page):
    assert trainer.get(f"/trainer/residents?page={page}").status_code == 200
    assert trainer.get(f"/trainer/sessions?page={page}").status_code == 200


@pytest.mark.parametrize("svg", [
    b"<svg xmlns='http://www.w3.org/2000/svg' width='" + b"9" * 400 + b"' height='10'/>",
    b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1e999 1'/>",
    b"<svg xmlns='http://www.w3.org/2000/svg' width='\xc2\xb2' height='10'/>",
    b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 99999999999999999999 5'/>",
])
def test_an_svg_with_a_size_that_is_no_number_is_stored_without_one(db, trainer, svg):
    # round(float('9' * 400)) is round(inf): an OverflowError, a 500 before.
    response = post(trainer, f"/trainer/courses/{course_id(db, 'alpha')}/media",
                    {"image": (io.BytesIO(svg), "plan.svg")}, content_type="multipart/form-data")
    assert response.status_code == 303


# Control characters: refused next to the field in every form, 404 in an address, 400 in a query.

@pytest.mark.parametrize("name", ["Nguyễn\x00Lan", "Lan\x1b[31m", "Lan\x7f", "Lan\u009b"])
def test_a_name_with_a_control_character_is_refused_next_to_the_field_and_the_rest_is_kept(client, db, auth, name):
    page = shown_again(client, auth.register(full_name=name), "/register")
    assert "ký tự không hợp lệ" in error_for(page, "full_name")
    assert 'value="0912 345 678"' in page and "\x00" not in page  # the rest of the input stays
    assert count(db, User) == 0


def test_a_course_title_or_slug_with_a_nul_byte_is_refused_next_to_the_field(db, trainer):
    for data, field in (({"title": "Zalo\x00", "slug": "", "track": "info-security"}, "title"),
                        ({"title": "Zalo", "slug": "za\x00lo", "track": "info-security"}, "slug")):
        page = shown_again(trainer, post(trainer, "/trainer/courses/new", data))
        assert CONTROL_MESSAGE in error_for(page, field) and page.count(f'id="{field}-error"') == 1
        assert "\x00" not in page and (field == "title" or 'value="Zalo"' in page)  # the rest of the input stays
    assert count(db, Course) == 2  # the fixture's two courses


def test_a_lesson_with_a_nul_byte_is_refused_but_tabs_and_line_breaks_are_kept(db, trainer):
    alpha = course_id(db, "alpha")
    form = editor(trainer, alpha, "01-mo-dau.md")
    written = len(revisions(db, alpha))
    refused = shown_again(trainer, save(trainer, alpha, "01-mo-dau.md", form["text"] + "\nMột\x00câu.\n",
                                        form["base"]))
    assert CONTROL_MESSAGE in refused
    assert "Mộtcâu." in refused and "\x00" not in refused  # the text comes back without the NUL byte
    assert len(revisions(db, alpha)) == written  # nothing written
    kept = save(trainer, alpha, "01-mo-dau.md", form["text"] + "\r\nMột\tcâu.\r\n", form["base"])
    assert kept.status_code == 303


def test_session_notes_with_an_escape_character_are_refused(app, db, villages, courses):
    make_trainer(db, villages[0])
    browser = signed_in(app, "0933000005")
    path = f"/trainer/sessions/new?village={villages[0]}"
    data = {"csrf_token": csrf_token(browser, path), "held_on": "01/03/2026", "course_id": "-1",
            "notes": "Buổi học\x1b tốt", "idempotency_key": "k" * 24}
    page = shown_again(browser, browser.post(path, data=data))
    assert CONTROL_MESSAGE in error_for(page, "notes") and page.count('id="notes-error"') == 1
    assert "Buổi học" in page and "\x1b" not in page  # the notes come back without the escape character
    assert count(db, TrainingSession) == 0


def test_every_form_refuses_control_characters_through_the_shared_base(app):
    from flask_wtf import FlaskForm

    from elearn.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("elearn.")]
    assert len(ours) > 25 and [cls for cls in ours if not issubclass(cls, Form)] == []


@pytest.mark.parametrize("path", ["/courses/al%00pha", "/courses/alpha/lessons/bai%00", "/verify/AB%00CD",
                                  "/courses/alpha/media/a%00.svg", "/courses/%1B"])
def test_a_control_character_in_an_address_is_not_found(client, auth, courses, path):
    auth.register()
    assert client.get(path).status_code == 404


def test_a_control_character_in_a_file_name_of_the_editor_is_not_found(db, trainer):
    assert trainer.get(f"/trainer/courses/{course_id(db, 'alpha')}/files/01%00.md").status_code == 404


@pytest.mark.parametrize("path", ["/trainer/residents?q=Lan%00&page=1%00", "/trainer/sessions?village=1%00",
                                  "/trainer/sessions?page=%C2%B2", "/trainer/follow-up?village=%EF%BC%91",
                                  "/trainer/courses/1/export?which=%00"])
def test_a_control_character_or_other_digits_in_a_query_string_are_ignored_or_not_found(trainer, path):
    assert trainer.get(path).status_code in (200, 404)


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    data.seek(0)
    return data


@pytest.mark.parametrize("file, content", [
    ("gamma/course.md", "---\ntitle: Gam\x00ma\ntrack: digital-skills\nrequired: false\n---\nGiới thiệu.\n"),
    ("gamma/01-mo-dau.md", "# Mở đầu\x00\n\nBài.\n"),
    ("gamma/quiz.md", "## Câu\x1b hỏi?\n- [x] Đúng\n- [ ] Sai\n"),
])
def test_a_course_archive_with_a_control_character_is_refused_with_its_file_and_line(db, trainer, file, content):
    files = {"gamma/course.md": "---\ntitle: Gamma\ntrack: digital-skills\nrequired: false\n---\nGiới thiệu.\n",
             "gamma/01-mo-dau.md": "# Mở đầu\n\nBài.\n", "gamma/quiz.md": "## Câu hỏi?\n- [x] Đúng\n- [ ] Sai\n"}
    files[file] = content
    response = post(trainer, "/trainer/courses/import",
                    {"archive": (_zip({k: v.encode() for k, v in files.items()}), "gamma.zip")},
                    content_type="multipart/form-data")
    page = shown_again(trainer, response)
    assert "ký tự điều khiển" in page and file.split("/")[1] in page
    assert count(db, Course) == 2


def test_a_course_archive_whose_file_name_holds_a_nul_byte_is_imported_under_a_clean_label(db, trainer):
    files = {"gamma/course.md": "---\ntitle: Gamma\ntrack: digital-skills\nrequired: false\n---\nGiới thiệu.\n",
             "gamma/01-mo-dau.md": "# Mở đầu\n\nBài.\n", "gamma/quiz.md": "## Câu hỏi?\n- [x] Đúng\n- [ ] Sai\n"}
    response = post(trainer, "/trainer/courses/import",
                    {"archive": (_zip({k: v.encode() for k, v in files.items()}), "gam\x00ma.zip")},
                    content_type="multipart/form-data")
    assert response.status_code == 303  # was a 500 on PostgreSQL: the name is the revision's summary
    assert count(db, Course) == 3


# Reports: figures typed by an official.

@pytest.fixture
def official(client, commune, sign_in_as):
    return sign_in_as("official", commune.commune)


@pytest.mark.parametrize("value, message", [("9" * 5000, "quá lớn"), ("１２", "số"), ("12²", "số")])
def test_a_population_figure_in_other_digits_or_huge_is_refused_next_to_its_cell(client, db, commune, official,
                                                                                value, message):
    path = f"/reports/{commune.commune.id}/population?year=2026"
    data = {"csrf_token": csrf_token(client, path), "source": "Thống kê", f"v{commune.a.id}_total": value}
    page = shown_again(client, client.post(path, data=data), path)
    assert message in error_for(page, f"v{commune.a.id}_total")
    assert 'value="Thống kê"' in page  # the rest of the input stays
    assert count(db, PopulationFigure) == 4


def test_a_population_source_with_a_nul_byte_is_refused_next_to_the_field(client, db, commune, official):
    path = f"/reports/{commune.commune.id}/population?year=2026"
    data = {"csrf_token": csrf_token(client, path), "source": "Thống\x00kê", f"v{commune.a.id}_total": "12"}
    page = shown_again(client, client.post(path, data=data), path)
    assert CONTROL_MESSAGE in error_for(page, "source") and page.count('id="source-error"') == 1
    assert 'value="12"' in page and "\x00" not in page  # the rest of the input stays
    assert count(db, PopulationFigure) == 4


# The error page after a failed database write.

def _failing_write():
    session = db_session()
    audit(session, "half_written")

    @event.listens_for(session, "before_flush", once=True)
    def _disk_full(*_args):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    session.flush()
    return "never"


def _write_then_refuse():
    db_session().add(Unit(kind="province", name="Tỉnh\x00", path="/"))
    abort(400)


@pytest.fixture
def failing_routes(app):
    app.add_url_rule("/t/failing-flush", "t_failing_flush", _failing_write)
    app.add_url_rule("/t/refuse", "t_refuse", _write_then_refuse)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a traceback
    return app


def test_the_error_page_renders_in_vietnamese_after_a_flush_that_fails(failing_routes, client, db, auth):
    auth.register()  # the error page reads the signed-in user from the failed session
    response = client.get("/t/failing-flush")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Hệ thống đang gặp lỗi" in page
    assert "Traceback" not in page and "disk is full" not in page
    assert "half_written" not in [row.action for row in db.scalars(select(AuditEvent))]


def test_an_aborted_request_after_a_write_keeps_nothing_and_still_renders(failing_routes, client, db, auth):
    auth.register()
    units = count(db, Unit)
    response = client.get("/t/refuse")
    assert response.status_code == 400 and "Yêu cầu không hợp lệ" in response.get_data(as_text=True)
    assert count(db, Unit) == units
