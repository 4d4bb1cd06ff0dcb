"""Sharing courses as .zip files: export, import, and archives that must be refused whole."""
import shutil
import zipfile

import pytest
from sqlalchemy import func, select

from elearn.models import Course, CourseMedia
from tests.conftest import FIXTURE_COURSES


@pytest.fixture
def collection(app, tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, folder)
    app.config["COURSES_PATH"] = str(folder)
    return folder


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def course_entries(slug="gamma"):
    alpha = FIXTURE_COURSES / "alpha"
    entries = []
    for path in sorted(alpha.rglob("*")):
        if path.is_file():
            entries.append((f"{slug}/{path.relative_to(alpha).as_posix()}", path.read_bytes(), 0o100644))
    return entries


def test_an_exported_course_imports_elsewhere_as_the_same_files(runner, db, collection, courses, tmp_path):
    result = runner.invoke(args=["courses", "export", "alpha", "-o", str(tmp_path / "alpha.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "alpha.zip") as archive:
        assert sorted(archive.namelist()) == ["alpha/01-mo-dau.md", "alpha/02-tiep-theo.md", "alpha/course.md",
                                              "alpha/media/phone.svg", "alpha/quiz.md"]
        assert archive.read("alpha/quiz.md") == (FIXTURE_COURSES / "alpha" / "quiz.md").read_bytes()
        assert archive.read("alpha/media/phone.svg") == (FIXTURE_COURSES / "alpha" / "media" / "phone.svg").read_bytes()
    # Another commune's database: the course arrives from the .zip, published, never into the folder.
    _empty_courses(db)
    result = runner.invoke(args=["courses", "import", str(tmp_path / "alpha.zip")])
    assert result.exit_code == 0, result.output
    assert "Imported alpha (published, revision 1)" in result.output
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    assert (course.title, course.origin, course.status) == ("Khóa Alpha", "zip", "published")
    assert [lesson.slug for lesson in course.active_lessons] == ["mo-dau", "tiep-theo"]
    assert sorted(p.name for p in collection.iterdir()) == ["alpha", "beta"]
    again = runner.invoke(args=["courses", "export", "alpha", "-o", str(tmp_path / "again.zip")])
    assert again.exit_code == 0
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "alpha.zip").read_bytes()


def _empty_courses(db):
    """As if in another commune's database (each row removed by hand: the tests' SQLite
    connection may have foreign keys off, so ON DELETE CASCADE cannot be relied on here)."""
    from sqlalchemy import delete

    from elearn.models import CourseRevision

    db.execute(delete(CourseRevision))
    db.execute(delete(CourseMedia))
    for course in db.scalars(select(Course)):
        db.delete(course)
    db.commit()


def test_importing_over_an_existing_course_needs_replace(runner, db, collection, courses, tmp_path):
    archive = make_zip(tmp_path / "alpha.zip", [
        (n, d.replace("Câu hỏi một?".encode(), "Câu hỏi mới?".encode()), m) for n, d, m in course_entries("alpha")])
    result = runner.invoke(args=["courses", "import", str(archive)])
    assert result.exit_code == 1 and "use --replace" in result.output
    result = runner.invoke(args=["courses", "import", str(archive), "--replace"])
    assert result.exit_code == 0 and "Imported alpha (published, revision 2)" in result.output
    db.expire_all()
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    assert course.origin == "zip" and course.current_quiz.questions[0].text == "Câu hỏi mới?"
    again = runner.invoke(args=["courses", "import", str(archive)])
    assert again.exit_code == 0 and "the same files were there already" in again.output


def test_an_import_with_draft_is_stored_but_not_published(runner, db, collection, tmp_path):
    result = runner.invoke(args=["courses", "import", "--draft", str(make_zip(tmp_path / "gamma.zip", course_entries()))])
    assert result.exit_code == 0, result.output
    course = db.scalar(select(Course).where(Course.slug == "gamma"))
    assert course.status == "draft" and course.latest_revision == 1 and course.published_revision is None
    assert course.lessons == []


@pytest.mark.parametrize("bad_entry, message", [
    (("../evil.md", b"# x", 0o100644), "outside the course folder"),
    (("gamma/../../evil.md", b"# x", 0o100644), "outside the course folder"),
    (("/etc/cron.d/evil.md", b"# x", 0o100644), "outside the course folder"),
    (("gamma/run.sh", b"#!/bin/sh\nrm -rf /", 0o100755), "only Markdown"),
    (("gamma/setup.py", b"import os", 0o100644), "only Markdown"),
    (("gamma/03-chay.md", b"# T\n\nx", 0o100755), "executable files are not allowed"),
    (("gamma/media/big.png", b"\0" * (2 * 1024 * 1024 + 1), 0o100644), "larger than 2 MB"),
    (("gamma/media/link.svg", b"/etc/passwd", 0o120777), "links are not allowed"),
    (("other/course.md", b"---\n---\n", 0o100644), "holds several folders"),
])
def test_a_dangerous_archive_is_refused_and_imports_nothing(runner, db, collection, tmp_path, bad_entry, message):
    archive = make_zip(tmp_path / "gamma.zip", course_entries() + [bad_entry])
    before = sorted(p.name for p in collection.iterdir())
    result = runner.invoke(args=["courses", "import", str(archive)])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    assert sorted(p.name for p in collection.iterdir()) == before
    assert not (tmp_path / "evil.md").exists()
    assert db.scalar(select(func.count(Course.id))) == 0


@pytest.mark.parametrize("name, data, message", [
    ("gamma/media/bad.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "SVG must not hold scripts"),
    ("gamma/media/fake.png", b"not a picture at all", "file is not the image its name says"),
    ("gamma/notes/readme.md", b"# x", "only course.md, quiz.md, lessons"),
])
def test_an_archive_with_an_unsafe_or_fake_image_is_refused(runner, db, collection, tmp_path, name, data, message):
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "gamma.zip",
                                                                   course_entries() + [(name, data, 0o100644)]))])
    assert result.exit_code == 1 and message in result.output
    assert db.scalar(select(func.count(Course.id))) == 0


def test_an_archive_with_a_broken_course_names_the_file_and_line(runner, db, collection, tmp_path):
    entries = [e for e in course_entries() if not e[0].endswith("quiz.md")]
    entries.append(("gamma/quiz.md", "## Câu hỏi?\n- [ ] A\n- [ ] B\n".encode(), 0o100644))
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "gamma.zip", entries))])
    assert result.exit_code == 1
    assert "gamma/quiz.md:1: question has no correct choice" in result.output
    assert db.scalar(select(func.count(Course.id))) == 0


def test_a_file_that_is_not_a_zip_is_refused(runner, collection, tmp_path):
    fake = tmp_path / "course.zip"
    fake.write_text("not a zip")
    result = runner.invoke(args=["courses", "import", str(fake)])
    assert result.exit_code == 1 and "not a readable .zip file" in result.output


def test_a_new_course_is_imported_and_loaded(runner, db, collection, courses, tmp_path):
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "gamma.zip", course_entries()))])
    assert result.exit_code == 0, result.output
    assert not (collection / "gamma").exists()
    assert db.scalar(select(func.count(Course.id))) == 3
    assert db.scalar(select(CourseMedia.name).join(Course).where(Course.slug == "gamma")) == "phone.svg"


def test_files_zipped_without_their_folder_take_the_archives_name(runner, db, collection, tmp_path):
    entries = [(name.removeprefix("gamma/"), data, mode) for name, data, mode in course_entries()]
    entries += [("__MACOSX/._course.md", b"junk", 0o100644), (".DS_Store", b"junk", 0o100644)]
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "delta.zip", entries))])
    assert result.exit_code == 0, result.output
    course = db.scalar(select(Course).where(Course.slug == "delta"))
    assert sorted(course_files(db, course)) == ["01-mo-dau.md", "02-tiep-theo.md", "course.md", "quiz.md"]


def course_files(db, course):
    from elearn.models import CourseRevision

    return db.scalar(select(CourseRevision.files).where(CourseRevision.course_id == course.id,
                                                        CourseRevision.number == course.latest_revision))


def test_an_archive_name_that_is_not_a_course_name_is_refused(runner, collection, tmp_path):
    entries = [(name.removeprefix("gamma/"), data, mode) for name, data, mode in course_entries()]
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "Khóa học mới.zip", entries))])
    assert result.exit_code == 1 and "a course name is lowercase letters" in result.output


def test_a_replacement_with_problems_changes_nothing(runner, db, collection, courses, tmp_path):
    entries = [(n, d if not n.endswith("quiz.md") else "## Không có đáp án?\n- [ ] A\n- [ ] B\n".encode(), m)
               for n, d, m in course_entries("alpha")]
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "alpha.zip", entries)), "--replace"])
    assert result.exit_code == 1 and "Nothing was imported." in result.output
    db.expire_all()
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    assert course.origin == "bundled" and course.latest_revision == 1
