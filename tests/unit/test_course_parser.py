"""The course-file parser: every problem named as file:line: message."""
import shutil
from pathlib import Path

import pytest

from elearn.content.parse import parse_collection, parse_course, parse_quiz

FIXTURES = Path(__file__).parent.parent / "fixtures" / "courses"


@pytest.fixture
def course_dir(tmp_path):
    folder = tmp_path / "alpha"
    shutil.copytree(FIXTURES / "alpha", folder)
    return folder


def problems_of(folder):
    return [str(p) for p in parse_course(folder)[1]]


def test_the_fixture_course_parses_cleanly():
    course, problems = parse_course(FIXTURES / "alpha")
    assert problems == []
    assert course.title == "Khóa Alpha" and course.track == "digital-skills" and course.required
    assert course.pass_mark == 60
    assert [lesson.slug for lesson in course.lessons] == ["mo-dau", "tiep-theo"]
    assert [lesson.title for lesson in course.lessons] == ["Mở đầu", "Tiếp theo"]
    assert course.sources == [{"title": "Cổng Dịch vụ công Quốc gia", "url": "https://dichvucong.gov.vn"}]
    questions = course.quiz.questions
    assert [q.kind for q in questions] == ["single", "multiple", "single"]
    assert questions[0].explanation_md == "Vì đúng một là đúng."
    assert questions[2].body_md == "Một người gọi điện xưng là công an."
    assert [c.correct for c in questions[1].choices] == [True, True, False]


def test_a_question_with_no_correct_choice_is_named_with_its_line():
    problems = []
    parse_quiz("## Câu hỏi?\n- [ ] A\n- [ ] B\n", "quiz.md", problems)
    assert [str(p) for p in problems] == ["quiz.md:1: question has no correct choice ([x])"]


def test_a_choice_list_with_one_item_is_refused():
    problems = []
    parse_quiz("# Quiz\n\n## Câu hỏi?\n- [x] A\n", "quiz.md", problems)
    assert [str(p) for p in problems] == ["quiz.md:3: question has only one choice"]


def test_a_plain_list_item_instead_of_a_choice_is_refused():
    problems = []
    parse_quiz("## Câu hỏi?\n- [x] A\n- B\n", "quiz.md", problems)
    assert "quiz.md:3: a choice is written '- [ ] text' or '- [x] text'" in [str(p) for p in problems]


def test_text_after_the_choices_must_be_an_explanation():
    problems = []
    parse_quiz("## Q?\n- [x] A\n- [ ] B\nGiải thích\n", "quiz.md", problems)
    assert [str(p) for p in problems] == ["quiz.md:4: text after the choices must be a '> ' explanation"]


def test_a_quiz_with_no_questions_is_refused():
    problems = []
    parse_quiz("# Chỉ có tiêu đề\n", "quiz.md", problems)
    assert [p.message for p in problems] == ["quiz has no questions (a question starts with '## ')"]


def test_missing_title_is_reported_on_its_line(course_dir):
    text = (course_dir / "course.md").read_text().replace("title: Khóa Alpha\n", "")
    (course_dir / "course.md").write_text(text)
    assert f"{course_dir}/course.md:1: missing title" in problems_of(course_dir)


def test_an_unknown_front_matter_key_is_reported_on_its_line(course_dir):
    text = (course_dir / "course.md").read_text().replace("order: 1\n", "order: 1\nauthor: Lan\n")
    (course_dir / "course.md").write_text(text)
    assert f"{course_dir}/course.md:8: unknown front-matter key 'author'" in problems_of(course_dir)


def test_a_bad_track_and_pass_mark_are_reported(course_dir):
    text = (course_dir / "course.md").read_text().replace("digital-skills", "cooking").replace("60", "160")
    (course_dir / "course.md").write_text(text)
    found = problems_of(course_dir)
    assert f"{course_dir}/course.md:4: track must be one of digital-skills, info-security" in found
    assert f"{course_dir}/course.md:6: pass_mark must be a percentage from 1 to 100" in found


def test_invalid_yaml_is_reported_not_raised(course_dir):
    text = (course_dir / "course.md").read_text().replace("order: 1", "order: [1")
    (course_dir / "course.md").write_text(text)
    assert any("front matter is not valid YAML" in p for p in problems_of(course_dir))


def test_a_lesson_with_no_heading_is_reported(course_dir):
    (course_dir / "03-khong-tieu-de.md").write_text("\nChỉ có chữ, không có tiêu đề.\n")
    assert (f"{course_dir}/03-khong-tieu-de.md:2: a lesson must start with a '# Title' heading"
            in problems_of(course_dir))


def test_a_missing_media_file_is_reported_with_its_line(course_dir):
    (course_dir / "media" / "phone.svg").unlink()
    assert f"{course_dir}/01-mo-dau.md:5: media file does not exist: media/phone.svg" in problems_of(course_dir)


def test_an_image_without_alt_text_is_reported(course_dir):
    lesson = course_dir / "02-tiep-theo.md"
    lesson.write_text(lesson.read_text() + "\n![](media/phone.svg)\n")
    assert any("has no alt text" in p for p in problems_of(course_dir))


def test_an_svg_with_a_script_is_refused(course_dir):
    (course_dir / "media" / "bad.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    assert (f"{course_dir}/media/bad.svg:1: SVG must not hold scripts, event handlers, animation, style elements, "
            "embedded images or links") in problems_of(course_dir)


def test_a_missing_quiz_and_badly_named_lesson_are_reported(course_dir):
    (course_dir / "quiz.md").unlink()
    (course_dir / "bai-ba.md").write_text("# Bài ba\n\nNội dung.\n")
    found = problems_of(course_dir)
    assert f"{course_dir}/quiz.md:1: missing quiz.md" in found
    assert f"{course_dir}/bai-ba.md:1: lesson files are named like 01-lesson-name.md" in found


def test_a_collection_reports_every_course(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "courses")
    (tmp_path / "courses" / "beta" / "quiz.md").write_text("## Q?\n- [ ] A\n- [ ] B\n")
    courses, problems = parse_collection(tmp_path / "courses")
    assert [c.slug for c in courses] == ["alpha", "beta"]
    assert [str(p) for p in problems] == [f"{tmp_path}/courses/beta/quiz.md:1: question has no correct choice ([x])"]
