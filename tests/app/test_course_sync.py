"""Loading course files: all or nothing, learners' progress survives, old attempts keep their quiz."""
import shutil

import pytest
from sqlalchemy import func, select

from elearn.content.parse import CourseErrors
from elearn.content.sync import sync_folder
from elearn.models import Course, CourseCompletion, CourseRevision, Lesson, LessonView, QuizAttempt, QuizVersion
from tests.helpers import answers, quiz_form, read_all_lessons, read_lesson, submit
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
    read_lesson(client, "alpha", "mo-dau")
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


def test_a_course_folder_removed_from_the_collection_is_archived(client, db, auth, synced):
    shutil.rmtree(synced / "beta")
    report = sync(db, synced)
    assert report.archived == ["beta"]
    auth.register()
    assert client.get("/courses/beta").status_code == 404
    assert "Khóa Beta" not in client.get("/courses").get_data(as_text=True)


def test_a_course_folder_put_back_is_published_again(client, db, auth, synced):
    moved = synced.parent / "beta-away"
    (synced / "beta").rename(moved)
    sync(db, synced)
    moved.rename(synced / "beta")
    report = sync(db, synced)
    assert report.updated == ["beta"]
    auth.register()
    assert client.get("/courses/beta").status_code == 200
    assert [r.kind for r in revisions_of(db, "beta")] == ["sync", "sync-archive", "sync"]


def revisions_of(db, slug):
    db.expire_all()
    return db.scalars(select(CourseRevision).join(Course, Course.id == CourseRevision.course_id)
                      .where(Course.slug == slug).order_by(CourseRevision.number)).all()


def test_each_sync_that_changes_a_course_is_one_revision_by_nobody(db, synced):
    lesson = synced / "alpha" / "01-mo-dau.md"
    lesson.write_text(lesson.read_text() + "\nThêm một câu.\n")
    sync(db, synced)
    found = revisions_of(db, "alpha")
    assert [(r.number, r.kind, r.author_id) for r in found] == [(1, "sync", None), (2, "sync", None)]
    assert "Thêm một câu." in found[1].files["01-mo-dau.md"] and "Thêm một câu." not in found[0].files["01-mo-dau.md"]
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    assert course.published_revision == course.latest_revision == 2


def test_courses_made_on_the_web_or_imported_are_never_touched_by_the_sync(client, db, auth, app, synced):
    from elearn.content.authoring import create_course

    course = db.scalar(select(Course).where(Course.slug == "beta"))
    course.origin = "zip"
    web = create_course(db, "gamma", "Khóa Gamma trên web", "digital-skills", None)
    db.commit()
    shutil.copytree(synced / "alpha", synced / "gamma")
    beta_quiz = synced / "beta" / "quiz.md"
    beta_quiz.write_text(beta_quiz.read_text().replace("?", "? (sửa trong thư mục)", 1))
    report = sync(db, synced)
    assert report.not_bundled == ["beta", "gamma"] and report.created == [] and report.updated == []
    db.expire_all()
    assert db.get(Course, web.id).title == "Khóa Gamma trên web" and db.get(Course, web.id).status == "draft"
    assert [r.kind for r in revisions_of(db, "gamma")] == ["create"]
    assert [r.kind for r in revisions_of(db, "beta")] == ["sync"]
    shutil.rmtree(synced / "beta")
    shutil.rmtree(synced / "gamma")
    assert sync(db, synced).archived == []  # gone from the folder, but not the folder's to archive
    assert db.scalar(select(Course.status).where(Course.slug == "beta")) == "published"


def test_a_bundled_course_edited_on_the_web_is_not_overwritten_and_is_reported(runner, db, synced):
    from elearn.content.authoring import save_file

    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    save_file(db, course, "01-mo-dau.md", "# Mở đầu\n\nViết lại trên web.\n", 1, None)
    db.commit()
    lesson = synced / "alpha" / "01-mo-dau.md"
    lesson.write_text(lesson.read_text() + "\nBản mới trong thư mục.\n")
    result = runner.invoke(args=["courses", "sync", str(synced)])
    assert result.exit_code == 0, result.output
    assert "not loaded, changed on the web since the last sync (publish or restore them there): alpha" in result.output
    assert [r.kind for r in revisions_of(db, "alpha")] == ["sync", "edit"]
    assert "Bản mới trong thư mục." not in revisions_of(db, "alpha")[-1].files["01-mo-dau.md"]
    shutil.rmtree(synced / "alpha")
    report = sync(db, synced)
    assert report.archived == [] and report.kept_web_changes == ["alpha"]


def test_a_database_from_before_revisions_gets_revision_1_and_its_images_on_the_first_sync(client, db, auth, synced):
    """Migration 0006 left every course with latest_revision = 0 and no rows in course_media."""
    from sqlalchemy import delete, update

    from elearn.models import CourseMedia

    db.execute(delete(CourseRevision))
    db.execute(delete(CourseMedia))
    db.execute(update(Course).values(latest_revision=0, published_revision=None))
    db.commit()
    assert client.get("/courses/alpha/media/phone.svg").status_code == 404
    report = sync(db, synced)
    assert sorted(report.updated) == ["alpha", "beta"]
    for slug in ("alpha", "beta"):
        found = revisions_of(db, slug)
        assert [(r.number, r.kind) for r in found] == [(1, "sync")]
        assert found[0].files["quiz.md"] == (synced / slug / "quiz.md").read_text()
        course = db.scalar(select(Course).where(Course.slug == slug))
        assert course.published_revision == 1 and course.is_published
    assert db.scalar(select(func.count(QuizVersion.id))) == 2  # the same quiz: no new version
    assert client.get("/courses/alpha/media/phone.svg").data == (synced / "alpha" / "media" / "phone.svg").read_bytes()
    assert sync(db, synced).unchanged == ["alpha", "beta"]


def test_an_image_changed_in_the_folder_gets_a_new_name_so_earlier_revisions_keep_theirs(client, db, synced):
    svg = synced / "alpha" / "media" / "phone.svg"
    old = svg.read_bytes()
    svg.write_bytes(old.replace(b'fill="#eee"', b'fill="#ccc"'))
    sync(db, synced)
    found = revisions_of(db, "alpha")
    assert "media/phone.svg" in found[0].files["01-mo-dau.md"]
    assert "media/phone-2.svg" in found[1].files["01-mo-dau.md"]
    assert client.get("/courses/alpha/media/phone.svg").data == old
    assert b"#ccc" in client.get("/courses/alpha/media/phone-2.svg").data
    assert sync(db, synced).unchanged == ["alpha", "beta"]


def test_stored_html_from_an_older_renderer_loses_foreign_images_at_start(app, db, runner, courses, monkeypatch):
    """Lessons and quiz explanations stored before images were limited to the course's own media
    are cleaned when the server starts (`elearn prepare` runs before `elearn serve` answers)."""
    from elearn.content.publish import resanitize_stored_html
    from elearn.models import Question

    assert resanitize_stored_html(db) == 0  # today's HTML is left exactly as it is
    lesson = db.scalar(select(Lesson).where(Lesson.slug == "mo-dau"))
    question = db.scalars(select(Question)).first()
    own = '<img src="/courses/alpha/media/phone.svg" alt="Máy">'
    lesson.body_html += '<p><img src="/courses/alpha/lessons/tiep-theo">' + own + "</p>"
    question.explanation_html = '<p><img src="https://evil.example/t.png">Giải thích</p>'
    db.commit()
    monkeypatch.setenv("ELEARN_ADMIN_PHONE", "0912000111")
    monkeypatch.setenv("ELEARN_ADMIN_PASSWORD", "mot mat khau du dai 2026")
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    assert "2 stored text(s) cleaned" in result.output
    db.expire_all()
    body = db.get(Lesson, lesson.id).body_html
    assert "lessons/tiep-theo" not in body and own.replace(' alt="Máy"', "") in body.replace(' alt="Máy"', "")
    assert "evil.example" not in db.get(Question, question.id).explanation_html
