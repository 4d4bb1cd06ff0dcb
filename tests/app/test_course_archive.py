"""Sharing courses as .zip files: export, import, and archives that must be refused whole."""
import shutil
import zipfile

import pytest
from sqlalchemy import func, select

from elearn.models import Course
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


def test_an_exported_course_imports_elsewhere_as_the_same_files(runner, db, collection, tmp_path):
    result = runner.invoke(args=["courses", "export", "alpha", "-o", str(tmp_path / "alpha.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "alpha.zip") as archive:
        assert sorted(archive.namelist()) == ["alpha/01-mo-dau.md", "alpha/02-tiep-theo.md", "alpha/course.md",
                                              "alpha/media/phone.svg", "alpha/quiz.md"]
    shutil.rmtree(collection / "alpha")
    result = runner.invoke(args=["courses", "import", str(tmp_path / "alpha.zip")])
    assert result.exit_code == 0, result.output
    assert (collection / "alpha" / "quiz.md").read_bytes() == (FIXTURE_COURSES / "alpha" / "quiz.md").read_bytes()
    assert db.scalar(select(Course.title).where(Course.slug == "alpha")) == "Khóa Alpha"


def test_importing_over_an_existing_course_needs_replace(runner, db, collection, tmp_path):
    archive = make_zip(tmp_path / "alpha.zip", course_entries("alpha"))
    result = runner.invoke(args=["courses", "import", str(archive)])
    assert result.exit_code == 1 and "use --replace" in result.output
    result = runner.invoke(args=["courses", "import", str(archive), "--replace"])
    assert result.exit_code == 0 and "(replaced)" in result.output


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


def test_an_archive_with_a_broken_course_names_the_file_and_line(runner, db, collection, tmp_path):
    entries = [e for e in course_entries() if not e[0].endswith("quiz.md")]
    entries.append(("gamma/quiz.md", "## Câu hỏi?\n- [ ] A\n- [ ] B\n".encode(), 0o100644))
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "gamma.zip", entries))])
    assert result.exit_code == 1
    assert "gamma/quiz.md:1: question has no correct choice" in result.output
    assert not (collection / "gamma").exists()


def test_a_file_that_is_not_a_zip_is_refused(runner, collection, tmp_path):
    fake = tmp_path / "course.zip"
    fake.write_text("not a zip")
    result = runner.invoke(args=["courses", "import", str(fake)])
    assert result.exit_code == 1 and "not a readable .zip file" in result.output


def test_a_new_course_is_imported_and_loaded(runner, db, collection, tmp_path):
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "gamma.zip", course_entries()))])
    assert result.exit_code == 0, result.output
    assert (collection / "gamma" / "course.md").exists()
    assert db.scalar(select(func.count(Course.id))) == 3


def test_files_zipped_without_their_folder_take_the_archives_name(runner, db, collection, tmp_path):
    entries = [(name.removeprefix("gamma/"), data, mode) for name, data, mode in course_entries()]
    entries += [("__MACOSX/._course.md", b"junk", 0o100644), (".DS_Store", b"junk", 0o100644)]
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "delta.zip", entries))])
    assert result.exit_code == 0, result.output
    assert (collection / "delta" / "media" / "phone.svg").exists()
    assert not (collection / "delta" / ".DS_Store").exists()


def test_an_archive_name_that_is_not_a_course_name_is_refused(runner, collection, tmp_path):
    entries = [(name.removeprefix("gamma/"), data, mode) for name, data, mode in course_entries()]
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "Khóa học mới.zip", entries))])
    assert result.exit_code == 1 and "a course name is lowercase letters" in result.output


def test_a_replacement_whose_load_fails_puts_the_old_course_back(runner, db, collection, tmp_path):
    old_quiz = (collection / "alpha" / "quiz.md").read_bytes()
    entries = [(n, d if not n.endswith("quiz.md") else d.replace("Câu hỏi một?".encode(), "Mới?".encode()), m)
               for n, d, m in course_entries("alpha")]
    (collection / "beta" / "quiz.md").write_text("## Không có đáp án?\n- [ ] A\n- [ ] B\n")
    result = runner.invoke(args=["courses", "import", str(make_zip(tmp_path / "alpha.zip", entries)), "--replace"])
    assert result.exit_code == 1 and "Nothing was imported." in result.output
    assert (collection / "alpha" / "quiz.md").read_bytes() == old_quiz
    assert sorted(p.name for p in collection.parent.iterdir() if p.name.startswith("elearn-")) == []
