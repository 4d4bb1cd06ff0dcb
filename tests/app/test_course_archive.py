"""Sharing courses as .zip files: export, import, and archives that must be refused whole."""
import io
import shutil
import struct
import zipfile

import pytest
from sqlalchemy import func, select

from elearn.content import archive as archive_module
from elearn.content.archive import MAX_FILE_BYTES, MAX_TOTAL_BYTES, ArchiveRefused, read_archive
from elearn.models import Course, CourseMedia
from tests.conftest import FIXTURE_COURSES
from tests.helpers import shown_again


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
    archive = make_zip(tmp_path / "gamma.zip", course_entries())
    result = runner.invoke(args=["courses", "import", "--draft", str(archive)])
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


# -- archives built to hurt: lying headers, zip bombs, paths that hide a duplicate -------------------

def lie_about_sizes(data: bytes, claimed: int) -> bytes:
    """The same .zip with every member's uncompressed size, in its local header and in the central
    directory, replaced by `claimed` (what a hand-made archive can do)."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset:start + offset + 4] = struct.pack("<I", claimed)
            start = patched.find(signature, start + 4)
    return bytes(patched)


def deflated_zip(entries) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return output.getvalue()


@pytest.fixture
def unpacked(monkeypatch):
    """Counts the bytes zipfile really decompresses, whatever the headers say."""
    counted = {"bytes": 0}
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original(self, n)
        counted["bytes"] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counted


@pytest.mark.parametrize("claimed", [10, 50_000_000])
def test_a_zip_whose_header_lies_about_a_size_is_refused_with_a_message(runner, db, collection, tmp_path, claimed):
    honest = deflated_zip([(name, data) for name, data, _mode in course_entries()])
    (tmp_path / "gamma.zip").write_bytes(lie_about_sizes(honest, claimed))
    result = runner.invoke(args=["courses", "import", str(tmp_path / "gamma.zip")])
    assert result.exit_code == 1 and "Nothing was imported." in result.output, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    assert db.scalar(select(func.count(Course.id))) == 0


def test_a_zip_bomb_is_refused_before_more_than_the_cap_is_unpacked(runner, db, collection, tmp_path, unpacked):
    """40 members of 2 MB of zeros: 80 MB from about 85 KB (962:1 and more), each under the 2 MB limit."""
    bomb = deflated_zip([(name, data) for name, data, _mode in course_entries()]
                        + [(f"gamma/media/anh-{n:02d}.png", b"\0" * MAX_FILE_BYTES) for n in range(40)])
    assert len(bomb) * 900 < 40 * MAX_FILE_BYTES
    (tmp_path / "gamma.zip").write_bytes(bomb)
    result = runner.invoke(args=["courses", "import", str(tmp_path / "gamma.zip")])
    assert result.exit_code == 1 and "larger than 20 MB once unpacked" in result.output, result.output
    assert unpacked["bytes"] <= MAX_TOTAL_BYTES
    assert db.scalar(select(func.count(Course.id))) == 0


def test_a_zip_bomb_that_hides_its_sizes_stops_at_the_cap(tmp_path, unpacked):
    """The same bomb claiming 1 KB per member: the bytes are counted as they are read."""
    bomb = deflated_zip([(name, data) for name, data, _mode in course_entries()]
                        + [(f"gamma/media/anh-{n:02d}.png", b"\0" * MAX_FILE_BYTES) for n in range(40)])
    (tmp_path / "gamma.zip").write_bytes(lie_about_sizes(bomb, 1024))
    with pytest.raises(ArchiveRefused) as refused:
        read_archive(tmp_path / "gamma.zip")
    assert {p.code for p in refused.value.problems} <= {"zip_damaged", "zip_too_large", "zip_total_too_large"}
    assert unpacked["bytes"] <= MAX_TOTAL_BYTES


def test_members_are_counted_as_they_are_read_and_stop_at_the_cap(tmp_path, unpacked):
    """The reading itself stops at 2 MB per member and at the room left under the total."""
    path = tmp_path / "big.zip"
    path.write_bytes(deflated_zip([("big.png", b"\0" * (MAX_FILE_BYTES + 1)), ("small.png", b"\0" * 300_000)]))
    with zipfile.ZipFile(path) as opened:
        with pytest.raises(ArchiveRefused) as refused:
            archive_module._read_member(opened, opened.getinfo("big.png"), room=MAX_TOTAL_BYTES)
        assert refused.value.problems[0].code == "zip_too_large"
        assert unpacked["bytes"] <= MAX_FILE_BYTES + archive_module.READ_CHUNK
        unpacked["bytes"] = 0
        with pytest.raises(ArchiveRefused) as refused:
            archive_module._read_member(opened, opened.getinfo("small.png"), room=100_000)
        assert refused.value.problems[0].code == "zip_total_too_large"
        assert unpacked["bytes"] <= 100_000 + archive_module.READ_CHUNK


@pytest.mark.parametrize("first, second", [
    ("gamma/./01-mo-dau.md", "gamma/01-mo-dau.md"),
    ("gamma//01-mo-dau.md", "gamma/01-mo-dau.md"),
    ("gamma/media/./phone.svg", "gamma/media/phone.svg"),
])
def test_a_path_written_another_way_is_still_a_duplicate(runner, db, collection, tmp_path, first, second):
    entries = [e for e in course_entries() if e[0] != second]
    data = {name: data for name, data, _mode in course_entries()}[second]
    archive = make_zip(tmp_path / "gamma.zip", entries + [(second, data, 0o100644), (first, b"# other", 0o100644)])
    result = runner.invoke(args=["courses", "import", str(archive)])
    assert result.exit_code == 1 and "appears twice in the archive" in result.output, result.output
    assert db.scalar(select(func.count(Course.id))) == 0


@pytest.mark.parametrize("name", ["gamma\\01-mo-dau.md", "gamma/media/a.md\0.sh", "gamma/x/../../evil.md",
                                  "C:/gamma/01.md", "/gamma/01.md", "./../gamma/01.md"])
def test_an_odd_member_path_is_refused(runner, db, collection, tmp_path, name):
    archive = make_zip(tmp_path / "gamma.zip", course_entries() + [(name.replace("\0", "#"), b"# x", 0o100644)])
    # zipfile will not write a NUL in a name; a hand-made archive can.
    archive.write_bytes(archive.read_bytes().replace(name.replace("\0", "#").encode(), name.encode()))
    result = runner.invoke(args=["courses", "import", str(archive)])
    assert result.exit_code == 1 and "path points outside the course folder" in result.output, result.output
    assert db.scalar(select(func.count(Course.id))) == 0


def test_a_damaged_zip_uploaded_on_the_web_gets_a_vietnamese_message(app, db, villages, courses):
    from tests.app.authoring_helpers import make_trainer, post, signed_in

    make_trainer(db, villages[0])
    trainer = signed_in(app, "0933000005")
    honest = deflated_zip([(name, data) for name, data, _mode in course_entries()])
    response = post(trainer, "/trainer/courses/import",
                    {"archive": (io.BytesIO(lie_about_sizes(honest, 10)), "gamma.zip")},
                    content_type="multipart/form-data")
    assert "bị hỏng hoặc ghi sai kích thước" in shown_again(trainer, response, "/trainer/courses")
    bomb = deflated_zip([(name, data) for name, data, _mode in course_entries()]
                        + [(f"gamma/media/anh-{n:02d}.png", b"\0" * MAX_FILE_BYTES) for n in range(12)])
    response = post(trainer, "/trainer/courses/import", {"archive": (io.BytesIO(bomb), "gamma.zip")},
                    content_type="multipart/form-data")
    assert "cộng lại lớn quá 20 MB" in shown_again(trainer, response, "/trainer/courses")
    assert db.scalar(select(func.count(Course.id)).where(Course.slug == "gamma")) == 0
