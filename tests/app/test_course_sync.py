"""Loading course files: all or nothing, learners' progress survives, old attempts keep their quiz."""
import shutil

import pytest
from sqlalchemy import func, select

from elearn.content.parse import CourseErrors
from elearn.content.sync import sync_folder
from elearn.models import Course, CourseCompletion, Lesson, LessonView, QuizAttempt, QuizVersion
from tests.helpers import answers, quiz_form, read_all_lessons, submit
from tests.conftest import FIXTURE_COURSES


def sync(db, folder):
    """One `courses sync` command: load, then commit (or roll back what a refused sync flushed)."""
    try:
        report = sync_folder(db, folder)
    except CourseErrors:
        db.rollback()
        raise
    db.commit()
    return report


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, target)
    return target


@pytest.fixture
def synced(app, db, folder):
    app.config["COURSES_PATH"] = str(folder)
    sync(db, folder)
    return folder


def test_a_second_sync_of_unchanged_files_changes_nothing(db, synced):
    report = sync(db, synced)
    assert report.unchanged == ["alpha", "beta"] and not report.updated
    assert db.scalar(select(func.count(QuizVersion.id))) == 2


def test_a_broken_course_changes_nothing_in_the_database(db, synced):
    (synced / "alpha" / "01-mo-dau.md").write_text("# Mở đầu mới\n\nNội dung mới.\n")
    (synced / "beta" / "quiz.md").write_text("## Không có đáp án đúng?\n- [ ] A\n- [ ] B\n")
    with pytest.raises(CourseErrors) as error:
        sync(db, synced)
    assert "beta/quiz.md:1: question has no correct choice" in str(error.value)
    db.expire_all()
    assert db.scalar(select(Lesson.title).where(Lesson.slug == "mo-dau")) == "Mở đầu"


def test_renumbered_and_edited_lessons_keep_who_read_them(client, db, auth, synced):
    auth.register()
    client.get("/courses/alpha/lessons/mo-dau")
    (synced / "alpha" / "01-mo-dau.md").rename(synced / "alpha" / "02-mo-dau.md")
    (synced / "alpha" / "02-tiep-theo.md").rename(synced / "alpha" / "01-tiep-theo.md")
    lesson = synced / "alpha" / "02-mo-dau.md"
    lesson.write_text(lesson.read_text().replace("Đây là bài mở đầu.", "Bài đã được sửa."))
    report = sync(db, synced)
    assert report.updated == ["alpha"]
    db.expire_all()
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    assert [lesson.slug for lesson in course.active_lessons] == ["tiep-theo", "mo-dau"]
    assert db.scalar(select(func.count(LessonView.id))) == 1
    assert "Đã đọc 1/2 bài" in client.get("/courses").get_data(as_text=True)
    assert "Bài đã được sửa." in client.get("/courses/alpha/lessons/mo-dau").get_data(as_text=True)


def test_a_changed_quiz_keeps_earlier_attempts_with_their_questions_and_scores(client, db, auth, synced):
    auth.register()
    response = submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    old_result = response.headers["Location"]
    quiz = synced / "alpha" / "quiz.md"
    quiz.write_text(quiz.read_text().replace("## Câu hỏi một?", "## Câu hỏi một đã sửa?"))
    report = sync(db, synced)
    assert report.new_quiz_versions == ["alpha"]
    db.expire_all()
    versions = db.scalars(select(QuizVersion).join(Course).where(Course.slug == "alpha")
                          .order_by(QuizVersion.number)).all()
    assert [(v.number, v.is_current) for v in versions] == [(1, False), (2, True)]
    attempt = db.scalar(select(QuizAttempt))
    assert attempt.quiz_version_id == versions[0].id and attempt.percent == 100
    page = client.get(old_result).get_data(as_text=True)
    assert "Câu hỏi một?" in page and "đã sửa" not in page and "(100%)" in page
    assert "Câu hỏi một đã sửa?" in client.get("/courses/alpha/quiz").get_data(as_text=True)


def test_a_removed_lesson_is_hidden_but_completions_stay(client, db, auth, synced):
    auth.register()
    read_all_lessons(client, db, "alpha")
    submit(client, "alpha", {**quiz_form(client, "alpha"), **answers(db, "alpha")})
    assert db.scalar(select(func.count(CourseCompletion.id))) == 1
    (synced / "alpha" / "02-tiep-theo.md").unlink()
    sync(db, synced)
    assert client.get("/courses/alpha/lessons/tiep-theo").status_code == 404
    assert db.scalar(select(func.count(CourseCompletion.id))) == 1
    assert db.scalar(select(func.count(LessonView.id))) == 2


def test_a_course_folder_removed_from_the_collection_is_unpublished(client, db, auth, synced):
    shutil.rmtree(synced / "beta")
    report = sync(db, synced)
    assert report.archived == ["beta"]
    auth.register()
    assert client.get("/courses/beta").status_code == 404
    assert "Khóa Beta" not in client.get("/courses").get_data(as_text=True)
