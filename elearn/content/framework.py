"""What "trained" covers: each lesson of the required courses mapped to the ministry's five basic
digital skills and to an area of the basic digital-skills framework (Decision 757/QĐ-BKHCN).

The mapping is a table in the courses folder's README.md, between two marker lines, so the people
who write the courses keep it beside them. `elearn courses check` reads it and refuses a required
lesson with no row, a row for a lesson that is not required, an unknown skill or area, or a set
that leaves a basic skill or an area uncovered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# The ministry's five basic digital skills for residents (DOMAIN.md §3).
BASIC_SKILLS = (
    "Dịch vụ công trực tuyến",
    "Mua sắm trực tuyến",
    "Thanh toán trực tuyến",
    "Tự bảo vệ trên môi trường số",
    "Nền tảng số ở địa phương",
)
# Areas of a basic digital-skills framework: device operations (UNESCO's DLGF), the five DigComp 2.2
# areas, and AI, which Decision 757 stresses. Check the names against Annex I of the decision before
# quoting them in an official report.
FRAMEWORK_AREAS = (
    "Thiết bị và phần mềm",
    "Thông tin và dữ liệu",
    "Giao tiếp và hợp tác",
    "Sáng tạo nội dung số",
    "An toàn",
    "Giải quyết vấn đề",
    "Trí tuệ nhân tạo",
)
START = "<!-- framework-map:start -->"
END = "<!-- framework-map:end -->"
ROW = re.compile(r"^\|\s*`?([a-z0-9-]+)`?\s*\|\s*`?(\d{2}-[a-z0-9-]+?)(?:\.md)?`?\s*\|([^|]*)\|([^|]*)\|\s*$")


@dataclass(frozen=True)
class MappedLesson:
    course: str
    lesson: str  # the lesson file's name without .md, e.g. 01-thao-tac-phai-biet
    skills: tuple[str, ...]
    areas: tuple[str, ...]
    line: int


def required_lessons(courses) -> dict[str, list[str]]:
    """Each required course's lesson file names without .md, as the table names them."""
    return {c.slug: [lesson.name.removesuffix(".md") for lesson in c.lessons] for c in courses if c.required}


def _names(cell: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in cell.split(";") if name.strip())


def read_mapping(readme: str) -> tuple[list[MappedLesson], list[tuple[int, str]]]:
    """The rows of the table between the markers, and (line, message) for what cannot be read."""
    lines = readme.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == START)
        end = next(i for i in range(start, len(lines)) if lines[i].strip() == END)
    except StopIteration:
        return [], [(0, "no lesson-to-framework table between the framework-map markers")]
    rows, problems = [], []
    for number in range(start + 1, end):
        line = lines[number].strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        match = ROW.match(line)
        if match is None:
            if not line.lower().startswith(("| khóa", "| course")):
                problems.append((number + 1, "a row must read | course | NN-lesson | skills | areas |"))
            continue
        rows.append(MappedLesson(match[1], match[2], _names(match[3]), _names(match[4]), number + 1))
    return rows, problems


def mapping_problems(rows: list[MappedLesson], required: dict[str, list[str]]) -> list[tuple[int, str]]:
    """`required`: each required course's lesson file names (without .md)."""
    problems = []
    mapped = {(row.course, row.lesson) for row in rows}
    for row in rows:
        if row.lesson not in required.get(row.course, []):
            problems.append((row.line, f"{row.course}/{row.lesson} is not a lesson of a required course"))
        problems += [(row.line, f"unknown basic skill '{name}'") for name in row.skills if name not in BASIC_SKILLS]
        problems += [(row.line, f"unknown framework area '{name}'") for name in row.areas
                     if name not in FRAMEWORK_AREAS]
        if not row.areas:
            problems.append((row.line, f"{row.course}/{row.lesson} names no framework area"))
    for course, lessons in required.items():
        problems += [(0, f"required lesson {course}/{lesson} has no row in the framework table")
                     for lesson in lessons if (course, lesson) not in mapped]
    if rows and required:
        covered_skills = {name for row in rows for name in row.skills}
        covered_areas = {name for row in rows for name in row.areas}
        problems += [(0, f"no required lesson teaches the basic skill '{name}'")
                     for name in BASIC_SKILLS if name not in covered_skills]
        problems += [(0, f"no required lesson serves the framework area '{name}'")
                     for name in FRAMEWORK_AREAS if name not in covered_areas]
    return problems
