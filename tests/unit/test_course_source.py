"""The parser reads in-memory sources: the web editor, a .zip and a folder share it. On the web a
problem names just the file; from a folder it keeps the folder's path, as `courses check` prints it."""
from pathlib import Path

from elearn.content.parse import CourseSource, media_references, parse_source, read_folder, rename_media

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courses"


def web_source(**changes):
    files = dict(read_folder(FIXTURES / "alpha").files)
    files.update(changes)
    return CourseSource(slug="alpha", files=files, media={"phone.svg": None})


def test_a_web_course_parses_like_its_folder():
    from_folder, folder_problems = parse_source(read_folder(FIXTURES / "alpha"))
    from_web, web_problems = parse_source(web_source())
    assert folder_problems == web_problems == []
    assert [lesson.title for lesson in from_web.lessons] == [lesson.title for lesson in from_folder.lessons]
    assert from_web.quiz == from_folder.quiz and from_web.media == {"phone.svg": None}


def test_a_web_problem_names_only_the_file_and_its_line():
    quiz = "# Kiểm tra\n\n## Câu một?\n- [x] A\n- [ ] B\n\n## Câu hai?\n- [ ] A\n- [ ] B\n"
    _, problems = parse_source(web_source(**{"quiz.md": quiz}))
    assert [str(p) for p in problems] == ["quiz.md:7: question has no correct choice ([x])"]
    assert (problems[0].code, problems[0].name, problems[0].line) == ("question_no_correct", "quiz.md", 7)


def test_an_image_problem_points_at_its_line_in_the_whole_file_without_reading_the_disk():
    lesson = "# Bài\n\nMột dòng.\n\nDòng hai.\n\n![Ảnh không có](media/khong-co.png)\n"
    _, problems = parse_source(web_source(**{"03-bai.md": lesson}))
    assert [str(p) for p in problems] == ["03-bai.md:7: media file does not exist: media/khong-co.png"]


def test_a_folder_problem_keeps_the_folders_path(tmp_path):
    import shutil

    shutil.copytree(FIXTURES / "alpha", tmp_path / "alpha")
    (tmp_path / "alpha" / "quiz.md").write_bytes("## Câu?\n- [x] \xe0\n".encode("latin-1"))
    _, problems = parse_source(read_folder(tmp_path / "alpha"))
    assert f"{tmp_path}/alpha/quiz.md:1: file is not UTF-8 text" in [str(p) for p in problems]


def test_renamed_images_are_pointed_at_in_every_file():
    files = {"01-a.md": "# A\n\n![Một](media/a.png) và ![Hai](media/b.png)\n", "quiz.md": "![Ba](media/a.png)"}
    renamed = rename_media(files, {"a.png": "a-2.png"})
    assert renamed["01-a.md"] == "# A\n\n![Một](media/a-2.png) và ![Hai](media/b.png)\n"
    assert media_references(renamed) == {"a-2.png", "b.png"}
