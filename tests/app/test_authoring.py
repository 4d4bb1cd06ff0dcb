"""Courses written on the web: edit, preview, publish, conflicts, history and restore, new courses,
lessons added and removed, archiving, .zip export and import. Residents see only what is published."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from elearn.models import AuditEvent, Course, CourseRevision, QuizAttempt, QuizVersion
from tests.app.authoring_helpers import course_id, editor, make_trainer, post, revisions, save, signed_in
from tests.helpers import answers, quiz_form, shown_again, submit


@pytest.fixture
def trainer(app, db, villages, courses):
    make_trainer(db, villages[0])
    return signed_in(app, "0933000005")


@pytest.fixture
def alpha(db, courses):
    return course_id(db, "alpha")


def test_a_lesson_edited_on_the_web_reaches_residents_only_when_published(client, auth, db, trainer, alpha):
    auth.register()
    form = editor(trainer, alpha, "01-mo-dau.md")
    new_text = form["text"].replace("Đây là bài mở đầu.", "Bài mở đầu viết lại trên web.")
    response = save(trainer, alpha, "01-mo-dau.md", new_text, form["base"], csrf=form["csrf_token"])
    assert response.status_code == 303
    assert "Đã lưu vào bản nháp." in trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đây là bài mở đầu." in client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True)
    assert "Có thay đổi chưa đăng" in trainer.get(f"/trainer/courses/{alpha}").get_data(as_text=True)

    assert post(trainer, f"/trainer/courses/{alpha}/publish").status_code == 303
    assert "Bài mở đầu viết lại trên web." in client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True)
    course = db.scalar(select(Course).where(Course.id == alpha))
    assert course.published_revision == course.latest_revision == 3
    assert [r.kind for r in revisions(db, alpha)] == ["sync", "edit", "publish"]
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "course_published")) == {
        "course_id": alpha, "revision": 3}


def test_a_broken_quiz_is_kept_as_a_draft_with_its_line_and_cannot_be_published(client, auth, db, trainer, alpha):
    form = editor(trainer, alpha, "quiz.md")
    broken = form["text"].replace("- [x] Đúng một", "- [ ] Đúng một").replace("- [x] Gác máy", "- Gác máy")
    response = save(trainer, alpha, "quiz.md", broken, form["base"])
    assert response.status_code == 303  # saved: nothing typed is lost
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dòng 3" in page and "Câu hỏi chưa có lựa chọn đúng" in page
    assert "Dòng 18" in page and "- Gác máy" in page and 'aria-describedby="text-hint text-problems"' in page

    page = shown_again(trainer, post(trainer, f"/trainer/courses/{alpha}/publish"), f"/trainer/courses/{alpha}")
    assert "Chưa đăng được." in page and "quiz.md, dòng 3" in page
    course = db.scalar(select(Course).where(Course.id == alpha))
    assert course.published_revision == 1 and course.latest_revision == 2 and course.is_published
    assert db.scalar(select(func.count(QuizVersion.id)).where(QuizVersion.course_id == alpha)) == 1
    auth.register()
    assert "Đúng một" in client.get("/courses/alpha/quiz").get_data(as_text=True)


def test_a_changed_quiz_is_a_new_version_and_an_earlier_attempt_keeps_its_questions(client, auth, db, trainer, alpha):
    auth.register()
    old_result = submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")}).headers["Location"]
    form = editor(trainer, alpha, "quiz.md")
    save(trainer, alpha, "quiz.md", form["text"].replace("## Câu hỏi một?", "## Câu hỏi một, viết lại?"), form["base"])
    post(trainer, f"/trainer/courses/{alpha}/publish")
    versions = db.scalars(select(QuizVersion).where(QuizVersion.course_id == alpha).order_by(QuizVersion.number)).all()
    assert [(v.number, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert db.scalar(select(QuizAttempt.quiz_version_id)) == versions[0].id
    page = client.get(old_result).get_data(as_text=True)
    assert "Câu hỏi một?" in page and "viết lại" not in page
    assert "Câu hỏi một, viết lại?" in client.get("/courses/alpha/quiz").get_data(as_text=True)


def test_the_second_of_two_trainers_saving_one_file_sees_the_change_it_would_overwrite(app, db, trainer, villages,
                                                                                       alpha):
    make_trainer(db, villages[0], phone="+84933000006", name="Lê Thị Hoa")
    other = signed_in(app, "0933000006")
    mine, hers = editor(trainer, alpha, "01-mo-dau.md"), editor(other, alpha, "01-mo-dau.md")
    assert save(other, alpha, "01-mo-dau.md", hers["text"] + "\nĐoạn của chị Hoa.\n", hers["base"]).status_code == 303
    response = save(trainer, alpha, "01-mo-dau.md", mine["text"] + "\nĐoạn của anh Huấn.\n", mine["base"])
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Chưa lưu." in page and "Lê Thị Hoa" in page
    assert "Đoạn của anh Huấn." in page.split("</textarea>")[0]  # my text stays in the box
    assert "<del>-Đoạn của chị Hoa.</del>" in page and "<ins>+Đoạn của anh Huấn.</ins>" in page
    assert 'name="base" type="hidden" value="2"' in page  # saving again, on purpose, is possible
    assert [r.kind for r in revisions(db, alpha)] == ["sync", "edit"]
    assert save(trainer, alpha, "01-mo-dau.md", mine["text"] + "\nCả hai đoạn.\n", "2").status_code == 303
    assert [r.author_id is not None for r in revisions(db, alpha)] == [False, True, True]


def test_a_change_to_another_file_since_opening_is_not_a_conflict(db, trainer, alpha):
    lesson, quiz = editor(trainer, alpha, "01-mo-dau.md"), editor(trainer, alpha, "quiz.md")
    save(trainer, alpha, "quiz.md", quiz["text"].replace("Sai hai", "Sai ba"), quiz["base"])
    response = save(trainer, alpha, "01-mo-dau.md", lesson["text"] + "\nThêm một câu.\n", lesson["base"])
    assert response.status_code == 303
    files = revisions(db, alpha)[-1].files
    assert "Sai ba" in files["quiz.md"] and "Thêm một câu." in files["01-mo-dau.md"]


def test_the_same_save_sent_twice_makes_one_revision(db, trainer, alpha):
    form = editor(trainer, alpha, "02-tiep-theo.md")
    text = form["text"] + "\nMột dòng mới.\n"
    assert save(trainer, alpha, "02-tiep-theo.md", text, form["base"]).status_code == 303
    again = save(trainer, alpha, "02-tiep-theo.md", text.replace("\n", "\r\n"), form["base"])
    assert again.status_code == 303
    assert "Không có gì thay đổi." in trainer.get(again.headers["Location"]).get_data(as_text=True)
    assert len(revisions(db, alpha)) == 2


def test_the_preview_renders_on_the_server_and_saves_nothing(db, trainer, alpha):
    form = editor(trainer, alpha, "01-mo-dau.md")
    text = form["text"] + "\n**Chữ đậm mới**\n\n<script>alert(1)</script>\n"
    response = save(trainer, alpha, "01-mo-dau.md", text, form["base"], action="preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>Chữ đậm mới</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'src="/courses/alpha/media/phone.svg"' in page and 'width="120"' in page
    quiz = editor(trainer, alpha, "quiz.md")
    page = save(trainer, alpha, "quiz.md", quiz["text"], quiz["base"], action="preview").get_data(as_text=True)
    assert "Câu hỏi ba?" in page and "Công an không làm việc qua điện thoại." in page
    assert len(revisions(db, alpha)) == 1


def test_history_shows_who_and_when_and_an_earlier_revision_can_be_restored(client, auth, db, trainer, alpha):
    form = editor(trainer, alpha, "01-mo-dau.md")
    save(trainer, alpha, "01-mo-dau.md", "# Mở đầu\n\nMột bài khác hẳn.\n", form["base"])
    post(trainer, f"/trainer/courses/{alpha}/publish")
    page = trainer.get(f"/trainer/courses/{alpha}/history").get_data(as_text=True)
    assert "Sửa 01-mo-dau.md" in page and "Trần Văn Huấn" in page and "Đăng bản 2" in page
    assert "Cập nhật từ thư mục khóa học có sẵn" in page and "hệ thống" in page
    assert "Bản 1" in trainer.get(f"/trainer/courses/{alpha}/history/1").get_data(as_text=True)

    assert post(trainer, f"/trainer/courses/{alpha}/history/1/restore").status_code == 303
    assert post(trainer, f"/trainer/courses/{alpha}/history/1/restore").status_code == 303  # a second tap
    assert [r.kind for r in revisions(db, alpha)] == ["sync", "edit", "publish", "restore"]
    assert revisions(db, alpha)[-1].files == revisions(db, alpha)[0].files
    auth.register()
    assert "Một bài khác hẳn." in client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True)
    post(trainer, f"/trainer/courses/{alpha}/publish")
    assert "Đây là bài mở đầu." in client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True)
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "course_restored")) == 1


def test_a_new_course_starts_as_a_valid_draft_and_publishes(client, auth, db, trainer):
    data = {"title": "Dùng Zalo an toàn", "slug": "", "track": "info-security"}
    response = post(trainer, "/trainer/courses/new", data)
    assert response.status_code == 303
    again = post(trainer, "/trainer/courses/new", data)  # a second tap lands on the same course
    assert again.headers["Location"] == response.headers["Location"]
    course = db.scalar(select(Course).where(Course.slug == "dung-zalo-an-toan"))
    assert (course.status, course.origin, course.latest_revision) == ("draft", "web", 1)
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bản nháp" in page and "Bài 1: Bài đầu tiên" in page and "lỗi" not in page
    auth.register()
    assert client.get("/courses/dung-zalo-an-toan").status_code == 404
    post(trainer, f"/trainer/courses/{course.id}/publish")
    assert client.get("/courses/dung-zalo-an-toan").status_code == 200
    assert "Dùng Zalo an toàn" in client.get("/courses").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"title": "", "slug": "", "track": "info-security"}, "Vui lòng nhập tên."),
    ({"title": "Khóa mới", "slug": "Khóa Mới!", "track": "info-security"}, "Tên ngắn chỉ gồm chữ thường"),
    ({"title": "Khóa mới", "slug": "alpha", "track": "info-security"}, "Đã có khóa học tên ngắn “alpha”"),
    ({"title": "Khóa mới", "slug": "", "track": "cooking"}, "Vui lòng chọn một nhóm."),
])
def test_a_new_course_with_bad_details_is_refused_next_to_the_field(db, trainer, data, message):
    page = shown_again(trainer, post(trainer, "/trainer/courses/new", data), "/trainer/courses/new")
    assert message in page and 'class="error"' in page and f'value="{data["title"]}"' in page
    assert db.scalar(select(func.count(Course.id))) == 2


def test_lessons_are_added_and_removed_after_a_confirmation(db, trainer, alpha):
    response = post(trainer, f"/trainer/courses/{alpha}/lessons", {"title": "Gọi video cho con cháu"})
    assert response.headers["Location"].endswith(f"/trainer/courses/{alpha}/files/03-goi-video-cho-con-chau.md")
    post(trainer, f"/trainer/courses/{alpha}/lessons", {"title": "Gọi video cho con cháu"})  # second tap
    assert len(revisions(db, alpha)) == 2
    empty = post(trainer, f"/trainer/courses/{alpha}/lessons", {"title": "  "})
    assert "Vui lòng nhập tên bài." in shown_again(trainer, empty, f"/trainer/courses/{alpha}")

    confirm = trainer.get(f"/trainer/courses/{alpha}/files/02-tiep-theo.md/remove")
    assert confirm.status_code == 200 and "Xóa bài “Tiếp theo”?" in confirm.get_data(as_text=True)
    assert len(revisions(db, alpha)) == 2  # asking removes nothing
    assert post(trainer, f"/trainer/courses/{alpha}/files/02-tiep-theo.md/remove").status_code == 303
    assert post(trainer, f"/trainer/courses/{alpha}/files/02-tiep-theo.md/remove").status_code == 303
    files = revisions(db, alpha)[-1].files
    assert sorted(files) == ["01-mo-dau.md", "03-goi-video-cho-con-chau.md", "course.md", "quiz.md"]
    assert [r.kind for r in revisions(db, alpha)] == ["sync", "add-lesson", "remove-lesson"]


def test_an_archived_course_is_hidden_from_residents_and_can_come_back(client, auth, db, trainer, alpha):
    auth.register()
    assert post(trainer, f"/trainer/courses/{alpha}/archive").status_code == 303
    assert client.get("/courses/alpha").status_code == 404
    assert post(trainer, f"/trainer/courses/{alpha}/unarchive").status_code == 303
    assert client.get("/courses/alpha").status_code == 200
    course = db.scalar(select(Course).where(Course.id == alpha))
    assert not course.has_unpublished_changes and course.status == "published"
    assert [r.kind for r in revisions(db, alpha)] == ["sync", "archive", "unarchive"]


@pytest.mark.parametrize("path, method", [
    ("/trainer/courses/999", "get"), ("/trainer/courses/999/files/quiz.md", "get"),
    ("/trainer/courses/999/files/quiz.md", "post"), ("/trainer/courses/999/publish", "post"),
    ("/trainer/courses/999/history/1/restore", "post"), ("/trainer/courses/999/export", "get"),
    ("/trainer/courses/{alpha}/files/..%2Fsecret.md", "get"), ("/trainer/courses/{alpha}/files/notes.txt", "post"),
    ("/trainer/courses/{alpha}/history/99", "get"), ("/trainer/courses/{alpha}/history/99/restore", "post"),
    ("/trainer/courses/{alpha}/files/07-khong-co.md", "get"),
    ("/trainer/courses/{alpha}/files/quiz.md/remove", "get"), ("/trainer/courses/99999999999", "get"),
])
def test_a_forged_course_file_or_revision_is_a_404(db, trainer, alpha, path, method):
    path = path.format(alpha=alpha)
    response = post(trainer, path, {"text": "x"}) if method == "post" else trainer.get(path)
    assert response.status_code == 404
    assert len(revisions(db, alpha)) == 1


def test_a_course_exported_as_zip_imports_back_on_the_web(db, trainer, alpha):
    form = editor(trainer, alpha, "01-mo-dau.md")
    save(trainer, alpha, "01-mo-dau.md", form["text"] + "\nBản nháp chưa đăng.\n", form["base"])
    draft = trainer.get(f"/trainer/courses/{alpha}/export")
    published = trainer.get(f"/trainer/courses/{alpha}/export?which=published")
    assert draft.headers["Content-Disposition"] == 'attachment; filename="alpha.zip"'
    with zipfile.ZipFile(io.BytesIO(draft.data)) as archive:
        assert "Bản nháp chưa đăng." in archive.read("alpha/01-mo-dau.md").decode()
        assert "alpha/media/phone.svg" in archive.namelist()
    with zipfile.ZipFile(io.BytesIO(published.data)) as archive:
        assert "Bản nháp chưa đăng." not in archive.read("alpha/01-mo-dau.md").decode()

    renamed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(draft.data)) as source, zipfile.ZipFile(renamed, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename.replace("alpha/", "gamma/", 1), source.read(info))
    response = post(trainer, "/trainer/courses/import", {"archive": (io.BytesIO(renamed.getvalue()), "gamma.zip")},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    gamma = db.scalar(select(Course).where(Course.slug == "gamma"))
    assert (gamma.origin, gamma.status, gamma.latest_revision) == ("zip", "draft", 1)
    assert "Bản nháp chưa đăng." in revisions(db, gamma.id)[0].files["01-mo-dau.md"]
    assert post(trainer, f"/trainer/courses/{gamma.id}/publish").status_code == 303
    assert trainer.get("/courses/gamma/media/phone.svg").status_code == 200

    again = post(trainer, "/trainer/courses/import", {"archive": (io.BytesIO(draft.data), "alpha.zip")},
                 content_type="multipart/form-data")
    assert "Thay khóa học cùng tên" in shown_again(trainer, again, "/trainer/courses")
    replaced = post(trainer, "/trainer/courses/import", {"archive": (io.BytesIO(draft.data), "alpha.zip"),
                                                         "replace": "y"}, content_type="multipart/form-data")
    assert replaced.status_code == 303
    assert db.scalar(select(Course.origin).where(Course.id == alpha)) == "zip"
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "course_imported")) == 2


@pytest.mark.parametrize("upload, message", [
    ((io.BytesIO(b"not a zip"), "khoa.zip"), "Đây không phải tệp .zip đọc được."),
    (None, "Vui lòng chọn một tệp .zip."),
])
def test_an_unreadable_archive_is_refused_in_vietnamese_next_to_the_field(db, trainer, upload, message):
    data = {"archive": upload} if upload else {}
    response = post(trainer, "/trainer/courses/import", data, content_type="multipart/form-data")
    page = shown_again(trainer, response, "/trainer/courses")
    assert message in page and 'id="archive-error"' in page
    assert db.scalar(select(func.count(Course.id))) == 2


def test_residents_and_officials_cannot_reach_the_editor(client, auth, alpha):
    auth.register()
    assert client.get(f"/trainer/courses/{alpha}").status_code == 404
    assert client.post(f"/trainer/courses/{alpha}/publish").status_code in (400, 404)
    assert CourseRevision  # the table is the only writer's trace, checked in the tests above
