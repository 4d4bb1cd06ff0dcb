"""Read a course folder into plain data, collecting every problem as `file:line: message`.

No Flask and no database here: `elearn courses check`, the sync and the tests all use it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TRACKS = ("digital-skills", "info-security")
FRONT_MATTER_KEYS = ("title", "summary", "track", "required", "pass_mark", "order", "version", "sources")
MEDIA_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
MAX_MEDIA_BYTES = 200 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
TASK_ITEM_RE = re.compile(r"^[-*+]\s+\[([ xX])\]\s*(.*)$")
PLAIN_ITEM_RE = re.compile(r"^[-*+]\s+")
UNSAFE_SVG_RE = re.compile(r"<script|<foreignObject|\son\w+\s*=|(?:xlink:)?href\s*=\s*[\"'](?!#)", re.I)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        # A problem with a whole file (missing, too large) is reported on its line 1, as linters do.
        return f"{self.file}:{max(self.line, 1)}: {self.message}"


@dataclass
class ParsedChoice:
    text: str
    correct: bool


@dataclass
class ParsedQuestion:
    text: str
    line: int
    body_md: str = ""
    choices: list[ParsedChoice] = field(default_factory=list)
    explanation_md: str = ""

    @property
    def kind(self) -> str:
        return "multiple" if sum(c.correct for c in self.choices) > 1 else "single"


@dataclass
class ParsedQuiz:
    title: str
    questions: list[ParsedQuestion]


@dataclass
class ParsedLesson:
    slug: str
    position: int
    title: str
    body_md: str
    file: str


@dataclass
class ParsedCourse:
    slug: str
    folder: Path
    title: str = ""
    summary: str = ""
    track: str = ""
    required: bool = False
    pass_mark: int = 70
    order: int = 0
    version: int = 1
    sources: list[dict] = field(default_factory=list)
    intro_md: str = ""
    lessons: list[ParsedLesson] = field(default_factory=list)
    quiz: ParsedQuiz | None = None
    media: dict[str, Path] = field(default_factory=dict)


class CourseErrors(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def find_course_folders(path: Path) -> list[Path]:
    """A single course folder, or every course folder below a collection."""
    if (path / "course.md").exists():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def parse_collection(path: Path) -> tuple[list[ParsedCourse], list[Problem]]:
    courses, problems = [], []
    if not path.is_dir():
        return [], [Problem(str(path), 0, "not a folder")]
    for folder in find_course_folders(path):
        course, found = parse_course(folder)
        courses.append(course)
        problems.extend(found)
    slugs = [c.slug for c in courses]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(Problem(slug, 0, "two courses have the same folder name"))
    return courses, problems


def parse_course(folder: Path) -> tuple[ParsedCourse, list[Problem]]:
    course = ParsedCourse(slug=folder.name, folder=folder)
    problems: list[Problem] = []
    if not SLUG_RE.match(folder.name):
        problems.append(Problem(str(folder), 0, "folder name must be lowercase letters, digits and dashes"))
    _parse_course_file(folder / "course.md", course, problems)
    _parse_lessons(folder, course, problems)
    _collect_media(folder, course, problems)
    quiz_file = folder / "quiz.md"
    if quiz_file.exists():
        course.quiz = parse_quiz(_read(quiz_file, problems), str(quiz_file), problems)
    else:
        problems.append(Problem(str(quiz_file), 0, "missing quiz.md"))
    for lesson in course.lessons:
        _check_images(lesson.body_md, lesson.file, course, problems)
    _check_images(course.intro_md, str(folder / "course.md"), course, problems)
    return course, problems


def _read(path: Path, problems: list[Problem]) -> str:
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        problems.append(Problem(str(path), 0, "file is not UTF-8 text"))
        return ""


def _parse_course_file(path: Path, course: ParsedCourse, problems: list[Problem]) -> None:
    name = str(path)
    if not path.exists():
        problems.append(Problem(name, 0, "missing course.md"))
        return
    lines = _read(path, problems).split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(name, 1, "course.md must start with front matter between '---' lines"))
        return
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(name, 1, "front matter is not closed with '---'"))
        return
    front_lines = lines[1:end]
    course.intro_md = "\n".join(lines[end + 1:]).strip()
    try:
        meta = yaml.safe_load("\n".join(front_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problems.append(Problem(name, line, f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}"))
        return
    if not isinstance(meta, dict):
        problems.append(Problem(name, 2, "front matter must be 'key: value' lines"))
        return

    def line_of(key: str) -> int:
        for i, text in enumerate(front_lines):
            if re.match(rf"^{re.escape(str(key))}\s*:", text):
                return i + 2
        return 1

    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            problems.append(Problem(name, line_of(key), f"unknown front-matter key '{key}'"))

    def need(key: str, kind: type, check=None, message: str = "") -> object:
        value = meta.get(key)
        if value is None or value == "":
            problems.append(Problem(name, line_of(key), f"missing {key}"))
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(Problem(name, line_of(key), f"{key} must be {kind.__name__}"))
            return None
        if check and not check(value):
            problems.append(Problem(name, line_of(key), message))
            return None
        return value

    course.title = str(need("title", str) or "")
    course.summary = str(meta.get("summary") or "")
    course.track = str(need("track", str, lambda v: v in TRACKS, f"track must be one of {', '.join(TRACKS)}") or "")
    course.required = bool(need("required", bool))
    pass_mark = need("pass_mark", int, lambda v: 1 <= v <= 100, "pass_mark must be a percentage from 1 to 100")
    course.pass_mark = int(pass_mark or 70)
    course.order = int(meta.get("order") or 0) if isinstance(meta.get("order"), int) else 0
    if "order" in meta and not isinstance(meta["order"], int):
        problems.append(Problem(name, line_of("order"), "order must be a whole number"))
    version = meta.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem(name, line_of("version"), "version must be a whole number from 1"))
    else:
        course.version = version
    course.sources = _parse_sources(meta.get("sources"), name, line_of("sources"), problems)


def _parse_sources(value, name: str, line: int, problems: list[Problem]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(name, line, "sources must be a list of 'title' and 'url' entries"))
        return []
    sources = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"title", "url"}:
            problems.append(Problem(name, line, "each source needs exactly a title and a url"))
            continue
        if not str(entry["url"]).startswith("https://"):
            problems.append(Problem(name, line, f"source url must start with https://: {entry['url']}"))
            continue
        sources.append({"title": str(entry["title"]), "url": str(entry["url"])})
    return sources


def _parse_lessons(folder: Path, course: ParsedCourse, problems: list[Problem]) -> None:
    seen_numbers: dict[int, str] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name in ("course.md", "quiz.md"):
            continue
        match = LESSON_FILE_RE.match(path.name)
        if not match:
            problems.append(Problem(str(path), 0, "lesson files are named like 01-lesson-name.md"))
            continue
        number, slug = int(match.group(1)), match.group(2)
        if number in seen_numbers:
            problems.append(Problem(str(path), 0, f"two lessons have number {number:02d}"))
        seen_numbers[number] = slug
        text = _read(path, problems)
        lines = text.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None or not re.match(r"^#\s+\S", lines[first]):
            problems.append(Problem(str(path), (first or 0) + 1, "a lesson must start with a '# Title' heading"))
            continue
        title = lines[first].lstrip("#").strip()
        body = "\n".join(lines[first + 1:]).strip()
        if not body:
            problems.append(Problem(str(path), first + 1, "lesson has no text after its title"))
        course.lessons.append(ParsedLesson(slug, number, title, body, str(path)))
    if not course.lessons and (folder / "course.md").exists():
        problems.append(Problem(str(folder), 0, "course has no lessons (01-name.md)"))


def _collect_media(folder: Path, course: ParsedCourse, problems: list[Problem]) -> None:
    media = folder / "media"
    if not media.is_dir():
        return
    for path in sorted(media.iterdir()):
        if path.is_dir() or path.is_symlink():
            problems.append(Problem(str(path), 0, "media/ may hold only image files"))
            continue
        if path.suffix.lower() not in MEDIA_SUFFIXES:
            problems.append(Problem(str(path), 0, f"media must be one of {', '.join(MEDIA_SUFFIXES)}"))
            continue
        if path.stat().st_size > MAX_MEDIA_BYTES:
            problems.append(Problem(str(path), 0, f"image is larger than {MAX_MEDIA_BYTES // 1024} KB"))
            continue
        if path.suffix.lower() == ".svg":
            svg = path.read_text(encoding="utf-8", errors="replace")
            if UNSAFE_SVG_RE.search(svg):
                problems.append(Problem(str(path), 0, "SVG must not hold scripts, event handlers or links"))
                continue
        course.media[path.name] = path


def _check_images(markdown: str, file: str, course: ParsedCourse, problems: list[Problem]) -> None:
    for number, line in enumerate(markdown.split("\n"), start=1):
        for match in IMAGE_RE.finditer(line):
            alt, src = match.group(1).strip(), match.group(2)
            where = _line_in_file(file, line) or number
            if not alt:
                problems.append(Problem(file, where, f"image {src} has no alt text"))
            if not src.startswith("media/") or src.count("/") != 1:
                problems.append(Problem(file, where, f"images must be files in media/: {src}"))
            elif src.removeprefix("media/") not in course.media:
                problems.append(Problem(file, where, f"media file does not exist: {src}"))


def _line_in_file(file: str, text: str) -> int | None:
    try:
        for number, line in enumerate(Path(file).read_text(encoding="utf-8").split("\n"), start=1):
            if line == text:
                return number
    except OSError:
        return None
    return None


def parse_quiz(text: str, name: str, problems: list[Problem]) -> ParsedQuiz:
    """Parse the quiz format: '## question', optional paragraph, task list, '> explanation'."""
    title = ""
    questions: list[ParsedQuestion] = []
    current: ParsedQuestion | None = None
    state = "start"  # start | body | choices | explanation
    body: list[str] = []
    explanation: list[str] = []

    def finish() -> None:
        if current is None:
            return
        current.body_md = "\n".join(body).strip()
        current.explanation_md = "\n".join(explanation).strip()
        _check_question(current, name, problems)
        questions.append(current)

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if line.startswith("## "):
            finish()
            current = ParsedQuestion(text=line[3:].strip(), line=number)
            body, explanation, state = [], [], "body"
            continue
        if line.startswith("# ") and current is None:
            title = line[2:].strip()
            continue
        if current is None:
            if stripped:
                problems.append(Problem(name, number, "text before the first question (a question starts with '## ')"))
            continue
        task = TASK_ITEM_RE.match(stripped)
        if task:
            if state == "explanation":
                problems.append(Problem(name, number, "choices must come before the explanation"))
                continue
            state = "choices"
            current.choices.append(ParsedChoice(task.group(2).strip(), task.group(1) in "xX"))
            if not task.group(2).strip():
                problems.append(Problem(name, number, "choice has no text"))
            continue
        if stripped.startswith(">"):
            if state != "choices" and state != "explanation":
                problems.append(Problem(name, number, "the explanation (> ...) comes after the choices"))
            state = "explanation"
            explanation.append(stripped[1:].removeprefix(" "))
            continue
        if not stripped:
            if state == "body":
                body.append("")
            elif state == "explanation":
                explanation.append("")
            continue
        if state == "body":
            if PLAIN_ITEM_RE.match(stripped):
                problems.append(Problem(name, number, "a choice is written '- [ ] text' or '- [x] text'"))
                continue
            body.append(line)
        elif state == "choices":
            if PLAIN_ITEM_RE.match(stripped):
                problems.append(Problem(name, number, "a choice is written '- [ ] text' or '- [x] text'"))
            else:
                problems.append(Problem(name, number, "text after the choices must be a '> ' explanation"))
        else:
            problems.append(Problem(name, number, "explanation lines start with '> '"))
    finish()
    if not questions:
        problems.append(Problem(name, 1, "quiz has no questions (a question starts with '## ')"))
    return ParsedQuiz(title=title, questions=questions)


def _check_question(question: ParsedQuestion, name: str, problems: list[Problem]) -> None:
    if not question.text:
        problems.append(Problem(name, question.line, "question has no text"))
    if not question.choices:
        problems.append(Problem(name, question.line, "question has no choices (- [ ] / - [x])"))
        return
    if len(question.choices) == 1:
        problems.append(Problem(name, question.line, "question has only one choice"))
    if not any(c.correct for c in question.choices):
        problems.append(Problem(name, question.line, "question has no correct choice ([x])"))
    texts = [c.text for c in question.choices]
    if len(set(texts)) != len(texts):
        problems.append(Problem(name, question.line, "question has two identical choices"))
