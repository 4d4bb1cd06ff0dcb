"""The curriculum shipped in courses/: complete, well-formed, and short enough to finish."""
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from elearn.content.parse import IMAGE_RE, parse_collection
from elearn.content.stats import course_stats

COURSES = Path(__file__).resolve().parent.parent / "courses"
PARSED, PROBLEMS = parse_collection(COURSES)
BY_SLUG = {course.slug: course for course in PARSED}
ids = list(BY_SLUG)


def test_every_bundled_course_passes_the_checker():
    assert [str(p) for p in PROBLEMS] == []


def test_there_are_at_least_nine_courses_covering_both_tracks():
    assert len(PARSED) >= 9
    assert {course.track for course in PARSED} == {"digital-skills", "info-security"}


def test_the_required_set_covers_both_tracks_in_at_most_two_hours():
    required = [course for course in PARSED if course.required]
    assert {course.track for course in required} == {"digital-skills", "info-security"}
    minutes = sum(course_stats(course).study_minutes for course in required)
    assert minutes <= 120, f"required set takes {minutes:.0f} minutes"


@pytest.mark.parametrize("slug", ids)
def test_a_course_has_four_to_seven_lessons_of_three_to_six_minutes(slug):
    stats = course_stats(BY_SLUG[slug])
    assert 4 <= stats.lessons <= 7
    for minutes in stats.lesson_minutes:
        assert 3 <= minutes <= 6.5, f"{slug}: a lesson takes {minutes:.1f} minutes"


@pytest.mark.parametrize("slug", ids)
def test_a_quiz_has_ten_to_fifteen_questions_each_explained(slug):
    questions = BY_SLUG[slug].quiz.questions
    assert 10 <= len(questions) <= 15
    for question in questions:
        assert len(question.explanation_md) > 40, f"{slug}: '{question.text}' has no real explanation"
        if question.kind == "multiple":
            assert "chọn tất cả" in question.text.lower(), question.text


@pytest.mark.parametrize("slug", ids)
def test_the_right_answer_is_not_always_in_the_same_place(slug):
    positions = {next(i for i, c in enumerate(q.choices) if c.correct)
                 for q in BY_SLUG[slug].quiz.questions if q.kind == "single"}
    assert len(positions) >= 2


@pytest.mark.parametrize("slug", ids)
def test_every_lesson_ends_with_a_summary_box(slug):
    for lesson in BY_SLUG[slug].lessons:
        tail = lesson.body_md[lesson.body_md.rfind("> **Tóm tắt**"):]
        assert "> **Tóm tắt**" in lesson.body_md and re.search(r"^> [-*] ", tail, re.M), lesson.file


@pytest.mark.parametrize("slug", ids)
def test_a_course_lists_official_sources(slug):
    sources = BY_SLUG[slug].sources
    assert 1 <= len(sources) <= 8
    assert all(source["url"].startswith("https://") and source["title"] for source in sources)


@pytest.mark.parametrize("slug", ids)
def test_illustrations_are_small_described_svgs(slug):
    course = BY_SLUG[slug]
    for name, data in course.media.items():
        assert len(data) < 15 * 1024, name
        if name.endswith(".svg"):
            root = ET.fromstring(data)
            assert root.get("viewBox") and root.get("width") and root.get("height"), name
    for lesson in course.lessons:
        for match in IMAGE_RE.finditer(lesson.body_md):
            assert len(match.group(1).split()) >= 4, f"{lesson.file}: alt text too short: {match.group(1)!r}"


def test_the_text_is_written_with_vietnamese_diacritics():
    for course in PARSED:
        text = " ".join(lesson.body_md for lesson in course.lessons)
        words = re.findall(r"\w+", text)
        accented = [w for w in words if re.search(r"[À-ỹĐđ]", w)]
        assert len(accented) / len(words) > 0.3, course.slug


def test_no_course_mentions_districts_that_no_longer_exist():
    for course in PARSED:
        for lesson in course.lessons:
            assert not re.search(r"\b(UBND|Công an) huyện\b", lesson.body_md), lesson.file
