"""The lesson-to-framework table that `elearn courses check` reads from courses/README.md."""
from elearn.content.framework import BASIC_SKILLS, END, FRAMEWORK_AREAS, START, mapping_problems, read_mapping

REQUIRED = {"co-ban-a": ["01-mot", "02-hai"]}


def table(*rows: str) -> str:
    return "\n".join(["# Courses", START, "| Khóa | Bài | Kỹ năng | Lĩnh vực |", "|---|---|---|---|", *rows, END])


def full_rows() -> list[str]:
    return [f"| co-ban-a | 01-mot | {'; '.join(BASIC_SKILLS)} | {'; '.join(FRAMEWORK_AREAS[:4])} |",
            f"| co-ban-a | 02-hai.md | {BASIC_SKILLS[0]} | {'; '.join(FRAMEWORK_AREAS[4:])} |"]


def problems(text: str) -> list[str]:
    rows, unreadable = read_mapping(text)
    return [message for _, message in unreadable + mapping_problems(rows, REQUIRED)]


def test_a_complete_table_has_no_problem():
    rows, unreadable = read_mapping(table(*full_rows()))
    assert unreadable == [] and [row.lesson for row in rows] == ["01-mot", "02-hai"]
    assert problems(table(*full_rows())) == []


def test_a_required_lesson_without_a_row_is_named():
    assert problems(table(full_rows()[0])) == [
        "required lesson co-ban-a/02-hai has no row in the framework table",
        *[f"no required lesson serves the framework area '{area}'" for area in FRAMEWORK_AREAS[4:]]]


def test_unknown_names_and_lessons_that_are_not_required_are_refused():
    rows = full_rows() + ["| co-ban-a | 03-ba | Lướt mạng | An toàn |", "| co-ban-a | 01-mot | | Bay lượn |"]
    found = problems(table(*rows))
    assert "co-ban-a/03-ba is not a lesson of a required course" in found
    assert "unknown basic skill 'Lướt mạng'" in found and "unknown framework area 'Bay lượn'" in found


def test_a_skill_nobody_teaches_is_named():
    rows = [row.replace(f"; {BASIC_SKILLS[2]}", "") for row in full_rows()]
    assert problems(table(*rows)) == [f"no required lesson teaches the basic skill '{BASIC_SKILLS[2]}'"]


def test_no_table_is_a_problem_and_a_broken_row_is_pointed_at():
    assert "no lesson-to-framework table between the framework-map markers" in problems("# Courses\nnothing here")
    assert "a row must read | course | NN-lesson | skills | areas |" in problems(table(*full_rows(), "| co-ban-a |"))
