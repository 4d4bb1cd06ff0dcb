"""Course sources (a folder, a .zip, the web editor's files) into plain data, collecting every
problem with its file and line.

The parser works on an in-memory `CourseSource`, so `elearn courses check`, the sync, a .zip
import and the web editor read courses the same way. A problem carries a code and values; its
English sentence (for the command line) is `Problem.message`, and the web shows it in Vietnamese
(elearn.author.course_messages). No Flask and no database here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from elearn.content.images import check_media
from elearn.inputs import has_control
from elearn.training.scoring import DEFAULT_PASS_MARK

TRACKS = ("digital-skills", "info-security")
FRONT_MATTER_KEYS = ("title", "summary", "track", "required", "pass_mark", "order", "version", "sources",
                     "questions_per_attempt")
MEDIA_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
# Images in the bundled folder are drawn small; uploaded and imported ones are resized to 1,000 px
# and may be larger (elearn.content.images.MAX_UPLOAD_BYTES).
MAX_MEDIA_BYTES = 200 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
TASK_ITEM_RE = re.compile(r"^[-*+]\s+\[([ xX])\]\s*(.*)$")
PLAIN_ITEM_RE = re.compile(r"^[-*+]\s+")

# The English sentence of each problem code (the command line's language).
MESSAGES = {
    "not_a_folder": "not a folder",
    "duplicate_slug": "two courses have the same folder name",
    "bad_folder_name": "folder name must be lowercase letters, digits and dashes",
    "missing_quiz": "missing quiz.md",
    "not_utf8": "file is not UTF-8 text",
    "missing_course_file": "missing course.md",
    "no_front_matter": "course.md must start with front matter between '---' lines",
    "front_matter_not_closed": "front matter is not closed with '---'",
    "bad_yaml": "front matter is not valid YAML: {detail}",
    "front_matter_not_mapping": "front matter must be 'key: value' lines",
    "unknown_key": "unknown front-matter key '{key}'",
    "missing_key": "missing {key}",
    "wrong_type": "{key} must be {kind}",
    "bad_track": "track must be one of digital-skills, info-security",
    "bad_pass_mark": "pass_mark must be a percentage from 1 to 100",
    "bad_order": "order must be a whole number",
    "bad_version": "version must be a whole number from 1",
    "bad_questions_per_attempt": "questions_per_attempt must be a whole number from 1",
    "pool_too_small": "questions_per_attempt ({drawn}) is more than the quiz's {pool} questions",
    "sources_not_list": "sources must be a list of 'title' and 'url' entries",
    "bad_source": "each source needs exactly a title and a url",
    "source_not_https": "source url must start with https://: {url}",
    "lesson_file_name": "lesson files are named like 01-lesson-name.md",
    "unexpected_file": "only course.md, quiz.md, lessons (01-name.md) and media/ belong in a course",
    "duplicate_lesson_number": "two lessons have number {number:02d}",
    "lesson_no_title": "a lesson must start with a '# Title' heading",
    "lesson_empty": "lesson has no text after its title",
    "no_lessons": "course has no lessons (01-name.md)",
    "media_not_file": "media/ may hold only image files",
    "media_type": "media must be one of .svg, .png, .jpg, .jpeg, .webp",
    "media_too_large": "image is larger than {kb} KB",
    "media_name_too_long": "image file name is longer than 100 characters",
    "unsafe_svg": "SVG must not hold scripts, event handlers, animation, style elements, embedded images or links",
    "svg_not_utf8": "SVG must be UTF-8 text",
    "not_image": "file is not the image its name says",
    "too_many_pixels": "image has too many pixels",
    "image_no_alt": "image {src} has no alt text",
    "image_not_media": "images must be files in media/: {src}",
    "image_missing": "media file does not exist: {src}",
    "text_before_question": "text before the first question (a question starts with '## ')",
    "choice_after_explanation": "choices must come before the explanation",
    "choice_no_text": "choice has no text",
    "explanation_before_choices": "the explanation (> ...) comes after the choices",
    "choice_format": "a choice is written '- [ ] text' or '- [x] text'",
    "text_after_choices": "text after the choices must be a '> ' explanation",
    "explanation_format": "explanation lines start with '> '",
    "no_questions": "quiz has no questions (a question starts with '## ')",
    "question_no_text": "question has no text",
    "question_no_choices": "question has no choices (- [ ] / - [x])",
    "question_one_choice": "question has only one choice",
    "question_no_correct": "question has no correct choice ([x])",
    "question_same_choices": "question has two identical choices",
    # .zip archives (elearn.content.archive)
    "zip_unreadable": "not a readable .zip file ({detail})",
    "zip_too_many": "more than {max} entries",
    "zip_outside": "path points outside the course folder",
    "zip_twice": "appears twice in the archive",
    "zip_link": "links are not allowed",
    "zip_type": "only Markdown (.md) and images (.svg, .png, .jpg, .jpeg, .webp) are allowed",
    "zip_executable": "executable files are not allowed",
    "zip_too_large": "larger than 2 MB",
    "zip_total_too_large": "the files together are larger than {max} MB once unpacked",
    "zip_damaged": "damaged, or its size in the .zip is wrong ({detail})",
    "zip_empty": "holds no course files",
    "zip_mixed": "mixes files at the top with folders ({folders})",
    "zip_several": "holds several folders ({folders}); export one course per file",
    "control_character": "line holds a control character (a NUL byte, an escape ...)",
    "zip_bad_name": "a course name is lowercase letters, digits and dashes (name the folder or the .zip like "
                    "mat-khau-otp)",
}
# Problems with the files themselves rather than their text: an import refuses them outright.
FILE_PROBLEMS = {"media_not_file", "media_name_too_long", "media_type", "media_too_large", "unsafe_svg", "svg_not_utf8",
                 "not_image", "too_many_pixels", "not_utf8", "unexpected_file", "bad_folder_name", "control_character"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    code: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(**self.params)

    @property
    def shown_line(self) -> int:
        # A problem with a whole file (missing, too large) is reported on its line 1, as linters do.
        return max(self.line, 1)

    @property
    def name(self) -> str:
        """The file's own name (`quiz.md`, `media/a.png`), whatever folder it was read from."""
        parts = PurePosixPath(self.file).parts
        return "/".join(parts[-2:]) if len(parts) > 1 and parts[-2] == "media" else (parts[-1] if parts else "")

    def __str__(self) -> str:
        return f"{self.file}:{self.shown_line}: {self.message}"


@dataclass
class CourseSource:
    """A course's files in memory: {"course.md": text, "01-x.md": text, "quiz.md": text} and its
    images {"phone.svg": bytes}. An image given as None is already stored (and was checked then).
    `label` is put before file names in problems: the folder's path, or nothing on the web."""

    slug: str
    files: dict[str, str]
    media: dict[str, bytes | None] = field(default_factory=dict)
    label: str = ""
    problems: list[Problem] = field(default_factory=list)  # found while reading
    max_media_bytes: int = MAX_MEDIA_BYTES

    def where(self, name: str) -> str:
        return f"{self.label}/{name}" if self.label else name


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
    name: str = ""  # the file's own name, 01-slug.md


@dataclass
class ParsedCourse:
    slug: str
    label: str = ""
    title: str = ""
    summary: str = ""
    track: str = ""
    required: bool = False
    pass_mark: int = DEFAULT_PASS_MARK
    order: int = 0
    version: int = 1
    sources: list[dict] = field(default_factory=list)
    # How many of the quiz's questions one attempt draws; None: all of them.
    questions_per_attempt: int | None = None
    intro_md: str = ""
    lessons: list[ParsedLesson] = field(default_factory=list)
    quiz: ParsedQuiz | None = None
    media: dict[str, bytes | None] = field(default_factory=dict)


class CourseErrors(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def find_course_folders(path: Path) -> list[Path]:
    """A single course folder, or every course folder below a collection."""
    if (path / "course.md").exists():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def read_collection(path: Path) -> tuple[list[CourseSource], list[Problem]]:
    if not path.is_dir():
        return [], [Problem(str(path), 0, "not_a_folder")]
    sources = [read_folder(folder) for folder in find_course_folders(path)]
    slugs = [s.slug for s in sources]
    return sources, [Problem(slug, 0, "duplicate_slug") for slug in sorted({s for s in slugs if slugs.count(s) > 1})]


def parse_collection(path: Path) -> tuple[list[ParsedCourse], list[Problem]]:
    sources, collection_problems = read_collection(path)
    courses, problems = [], []
    for source in sources:
        course, found = parse_source(source)
        courses.append(course)
        problems.extend(found)
    return courses, problems + collection_problems


def read_folder(folder: Path) -> CourseSource:
    """Every Markdown file at the top of `folder` and every image in its media/ folder."""
    source = CourseSource(slug=folder.name, files={}, label=str(folder))
    for path in sorted(folder.glob("*.md")):
        try:
            source.files[path.name] = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            source.problems.append(Problem(str(path), 0, "not_utf8"))
            source.files[path.name] = ""
    media = folder / "media"
    if media.is_dir():
        for path in sorted(media.iterdir()):
            if path.is_dir() or path.is_symlink():
                source.problems.append(Problem(str(path), 0, "media_not_file"))
            else:
                source.media[path.name] = path.read_bytes()
    return source


def parse_course(folder: Path) -> tuple[ParsedCourse, list[Problem]]:
    return parse_source(read_folder(folder))


def parse_source(source: CourseSource) -> tuple[ParsedCourse, list[Problem]]:
    course = ParsedCourse(slug=source.slug, label=source.label)
    problems: list[Problem] = list(source.problems)
    for name, text in source.files.items():
        # A NUL byte would fail the database's write (PostgreSQL) and has no business in a course.
        line = next((n for n, text_line in enumerate(text.split("\n"), 1) if has_control(text_line, True)), 0)
        if line:
            problems.append(Problem(source.where(name), line, "control_character"))
    if not SLUG_RE.match(source.slug):
        problems.append(Problem(source.label or source.slug, 0, "bad_folder_name"))
    _parse_course_file(source, course, problems)
    _parse_lessons(source, course, problems)
    _collect_media(source, course, problems)
    if "quiz.md" in source.files:
        course.quiz = parse_quiz(source.files["quiz.md"], source.where("quiz.md"), problems)
        pool = len(course.quiz.questions)
        if course.questions_per_attempt and pool and course.questions_per_attempt > pool:
            problems.append(Problem(source.where("course.md"), 0, "pool_too_small",
                                    {"drawn": course.questions_per_attempt, "pool": pool}))
    else:
        problems.append(Problem(source.where("quiz.md"), 0, "missing_quiz"))
    for lesson in course.lessons:
        _check_images(lesson.body_md, source.files.get(lesson.name, ""), lesson.file, course, problems)
    _check_images(course.intro_md, source.files.get("course.md", ""), source.where("course.md"), course, problems)
    return course, problems


def _parse_course_file(source: CourseSource, course: ParsedCourse, problems: list[Problem]) -> None:
    name = source.where("course.md")
    if "course.md" not in source.files:
        problems.append(Problem(name, 0, "missing_course_file"))
        return
    lines = source.files["course.md"].split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(name, 1, "no_front_matter"))
        return
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(name, 1, "front_matter_not_closed"))
        return
    front_lines = lines[1:end]
    course.intro_md = "\n".join(lines[end + 1:]).strip()
    try:
        meta = yaml.safe_load("\n".join(front_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problems.append(Problem(name, line, "bad_yaml", {"detail": str(getattr(exc, "problem", exc))}))
        return
    if not isinstance(meta, dict):
        problems.append(Problem(name, 2, "front_matter_not_mapping"))
        return

    def line_of(key: str) -> int:
        for i, text in enumerate(front_lines):
            if re.match(rf"^{re.escape(str(key))}\s*:", text):
                return i + 2
        return 1

    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            problems.append(Problem(name, line_of(key), "unknown_key", {"key": key}))

    def need(key: str, kind: type, check=None, code: str = "") -> Any:
        value = meta.get(key)
        if value is None or value == "":
            problems.append(Problem(name, line_of(key), "missing_key", {"key": key}))
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(Problem(name, line_of(key), "wrong_type", {"key": key, "kind": kind.__name__}))
            return None
        if check and not check(value):
            problems.append(Problem(name, line_of(key), code))
            return None
        return value

    course.title = str(need("title", str) or "")
    course.summary = str(meta.get("summary") or "")
    course.track = str(need("track", str, lambda v: v in TRACKS, "bad_track") or "")
    course.required = bool(need("required", bool))
    pass_mark = need("pass_mark", int, lambda v: 1 <= v <= 100, "bad_pass_mark")
    course.pass_mark = int(pass_mark or DEFAULT_PASS_MARK)
    course.order = int(meta.get("order") or 0) if isinstance(meta.get("order"), int) else 0
    if "order" in meta and not isinstance(meta["order"], int):
        problems.append(Problem(name, line_of("order"), "bad_order"))
    version = meta.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem(name, line_of("version"), "bad_version"))
    else:
        course.version = version
    course.sources = _parse_sources(meta.get("sources"), name, line_of("sources"), problems)
    drawn = meta.get("questions_per_attempt")
    if drawn is not None:
        if isinstance(drawn, int) and not isinstance(drawn, bool) and drawn >= 1:
            course.questions_per_attempt = drawn
        else:
            problems.append(Problem(name, line_of("questions_per_attempt"), "bad_questions_per_attempt"))


def _parse_sources(value, name: str, line: int, problems: list[Problem]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(name, line, "sources_not_list"))
        return []
    sources = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"title", "url"}:
            problems.append(Problem(name, line, "bad_source"))
            continue
        if not str(entry["url"]).startswith("https://"):
            problems.append(Problem(name, line, "source_not_https", {"url": str(entry["url"])}))
            continue
        sources.append({"title": str(entry["title"]), "url": str(entry["url"])})
    return sources


def lesson_names(files: dict[str, str]) -> list[str]:
    """The lesson files among a course's files, in order."""
    return sorted(name for name in files if LESSON_FILE_RE.match(name))


def _parse_lessons(source: CourseSource, course: ParsedCourse, problems: list[Problem]) -> None:
    seen_numbers: dict[int, str] = {}
    for name in sorted(source.files):
        if name in ("course.md", "quiz.md"):
            continue
        where = source.where(name)
        match = LESSON_FILE_RE.match(name)
        if not match:
            code = "lesson_file_name" if name.endswith(".md") and "/" not in name else "unexpected_file"
            problems.append(Problem(where, 0, code))
            continue
        number, slug = int(match.group(1)), match.group(2)
        if number in seen_numbers:
            problems.append(Problem(where, 0, "duplicate_lesson_number", {"number": number}))
        seen_numbers[number] = slug
        lines = source.files[name].split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None or not re.match(r"^#\s+\S", lines[first]):
            problems.append(Problem(where, (first or 0) + 1, "lesson_no_title"))
            continue
        title = lines[first].lstrip("#").strip()
        body = "\n".join(lines[first + 1:]).strip()
        if not body:
            problems.append(Problem(where, first + 1, "lesson_empty"))
        course.lessons.append(ParsedLesson(slug, number, title, body, where, name))
    if not course.lessons and "course.md" in source.files:
        problems.append(Problem(source.label or source.slug, 0, "no_lessons"))


def _collect_media(source: CourseSource, course: ParsedCourse, problems: list[Problem]) -> None:
    for name, data in sorted(source.media.items()):
        where = source.where(f"media/{name}")
        if data is None:  # stored in the database, checked when it came in
            course.media[name] = None
            continue
        if PurePosixPath(name).suffix.lower() not in MEDIA_SUFFIXES:
            problems.append(Problem(where, 0, "media_type"))
            continue
        if len(name) > 100:
            problems.append(Problem(where, 0, "media_name_too_long"))
            continue
        if len(data) > source.max_media_bytes:
            problems.append(Problem(where, 0, "media_too_large", {"kb": source.max_media_bytes // 1024}))
            continue
        reason = check_media(name, data)
        if reason:
            problems.append(Problem(where, 0, reason))
            continue
        course.media[name] = data


def _check_images(markdown: str, whole_file: str, file: str, course: ParsedCourse, problems: list[Problem]) -> None:
    file_lines = whole_file.split("\n")
    for number, line in enumerate(markdown.split("\n"), start=1):
        for match in IMAGE_RE.finditer(line):
            alt, src = match.group(1).strip(), match.group(2)
            where = _line_in(file_lines, line) or number
            if not alt:
                problems.append(Problem(file, where, "image_no_alt", {"src": src}))
            if not src.startswith("media/") or src.count("/") != 1:
                problems.append(Problem(file, where, "image_not_media", {"src": src}))
            elif src.removeprefix("media/") not in course.media:
                problems.append(Problem(file, where, "image_missing", {"src": src}))


def _line_in(lines: list[str], text: str) -> int | None:
    """The line of the file that holds `text` (the Markdown was cut out of the whole file)."""
    for number, line in enumerate(lines, start=1):
        if line == text:
            return number
    return None


def media_references(files: dict[str, str]) -> set[str]:
    """The names of the images that a course's files show."""
    found = set()
    for text in files.values():
        for match in IMAGE_RE.finditer(text):
            src = match.group(2)
            if src.startswith("media/") and src.count("/") == 1:
                found.add(src.removeprefix("media/"))
    return found


def rename_media(files: dict[str, str], renamed: dict[str, str]) -> dict[str, str]:
    """The files with `media/old` images pointing at `media/new`."""
    if not renamed:
        return dict(files)

    def replace(match: re.Match) -> str:
        src = match.group(2)
        name = src.removeprefix("media/")
        if not src.startswith("media/") or name not in renamed:
            return match.group(0)
        return match.group(0).replace(src, f"media/{renamed[name]}", 1)

    return {name: IMAGE_RE.sub(replace, text) for name, text in files.items()}


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
                problems.append(Problem(name, number, "text_before_question"))
            continue
        task = TASK_ITEM_RE.match(stripped)
        if task:
            if state == "explanation":
                problems.append(Problem(name, number, "choice_after_explanation"))
                continue
            state = "choices"
            current.choices.append(ParsedChoice(task.group(2).strip(), task.group(1) in "xX"))
            if not task.group(2).strip():
                problems.append(Problem(name, number, "choice_no_text"))
            continue
        if stripped.startswith(">"):
            if state != "choices" and state != "explanation":
                problems.append(Problem(name, number, "explanation_before_choices"))
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
                problems.append(Problem(name, number, "choice_format"))
                continue
            body.append(line)
        elif state == "choices":
            if PLAIN_ITEM_RE.match(stripped):
                problems.append(Problem(name, number, "choice_format"))
            else:
                problems.append(Problem(name, number, "text_after_choices"))
        else:
            problems.append(Problem(name, number, "explanation_format"))
    finish()
    if not questions:
        problems.append(Problem(name, 1, "no_questions"))
    return ParsedQuiz(title=title, questions=questions)


def _check_question(question: ParsedQuestion, name: str, problems: list[Problem]) -> None:
    if not question.text:
        problems.append(Problem(name, question.line, "question_no_text"))
    if not question.choices:
        problems.append(Problem(name, question.line, "question_no_choices"))
        return
    if len(question.choices) == 1:
        problems.append(Problem(name, question.line, "question_one_choice"))
    if not any(c.correct for c in question.choices):
        problems.append(Problem(name, question.line, "question_no_correct"))
    texts = [c.text for c in question.choices]
    if len(set(texts)) != len(texts):
        problems.append(Problem(name, question.line, "question_same_choices"))
