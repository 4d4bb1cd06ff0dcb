"""Course folders to and from .zip files, so communes can share courses.

An archive holds one folder, `<slug>/`, with the same files as in courses/. Import refuses, and
writes nothing, when an entry would land outside that folder, is not Markdown or an image, is a
link, or is larger than 2 MB.
"""
from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from elearn.content.parse import MEDIA_SUFFIXES, SLUG_RE, Problem, parse_course

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 300
ALLOWED_SUFFIXES = (".md",) + MEDIA_SUFFIXES


class ArchiveRefused(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def export_course(course_folder: Path, target: Path) -> Path:
    """Write `<slug>.zip` holding `<slug>/...`, files in a stable order."""
    slug = course_folder.name
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(course_folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                archive.write(path, f"{slug}/{path.relative_to(course_folder).as_posix()}")
    return target


OS_JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


def inspect_archive(path: Path) -> tuple[str, list[tuple[zipfile.ZipInfo, PurePosixPath]]]:
    """The course slug and the entries to extract with their path inside the course folder,
    or ArchiveRefused with every reason.

    The files may sit in one folder (as `courses export` writes them) or at the top of the
    archive, as when someone zips the files themselves; then the archive's name is the slug.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused([f"{path}: not a readable .zip file ({exc})"]) from None
    with archive:
        entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRefused([f"{path}: more than {MAX_ENTRIES} entries"])
    problems: list[str] = []
    files: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    seen: set[str] = set()
    for entry in entries:
        name = entry.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
            problems.append(f"{name}: path points outside the course folder")
            continue
        if OS_JUNK & set(pure.parts):
            continue  # left by the zip tools of macOS and Windows
        if name in seen:
            problems.append(f"{name}: appears twice in the archive")
            continue
        seen.add(name)
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(f"{name}: links are not allowed")
        elif entry.is_dir():
            continue
        elif pure.suffix.lower() not in ALLOWED_SUFFIXES:
            problems.append(f"{name}: only Markdown (.md) and images ({', '.join(MEDIA_SUFFIXES)}) are allowed")
        elif mode & 0o111:
            problems.append(f"{name}: executable files are not allowed")
        elif entry.file_size > MAX_FILE_BYTES:
            problems.append(f"{name}: larger than 2 MB")
        else:
            files.append((entry, pure))
    slug, placed = _place(path, files, problems)
    if not placed and not problems:
        problems.append(f"{path}: holds no course files")
    if problems:
        raise ArchiveRefused(problems)
    return slug, placed


def _place(path: Path, files, problems: list[str]):
    at_top = [item for item in files if len(item[1].parts) == 1]
    tops = {item[1].parts[0] for item in files if len(item[1].parts) > 1}
    if at_top and tops:
        # course.md at the top beside a media/ folder is the "zipped the files" layout too.
        if tops <= {"media"}:
            tops = set()
        else:
            problems.append(f"{path}: mixes files at the top with folders ({', '.join(sorted(tops))})")
            return "", []
    if len(tops) > 1:
        problems.append(f"{path}: holds several folders ({', '.join(sorted(tops))}); export one course per file")
        return "", []
    if tops:
        slug = next(iter(tops))
        placed = [(entry, pure.relative_to(slug)) for entry, pure in files]
    else:
        slug = path.stem
        placed = list(files)
    if placed and not SLUG_RE.match(slug):
        problems.append(f"{slug}: a course name is lowercase letters, digits and dashes (name the folder or the "
                        f".zip like mat-khau-otp)")
    return slug, placed


def extract_course(path: Path, into: Path) -> tuple[Path, list[Problem]]:
    """Extract a checked archive into a new folder under `into` and parse it there."""
    slug, files = inspect_archive(path)
    folder = into / slug
    folder.mkdir(parents=True)
    with zipfile.ZipFile(path) as archive:
        for entry, relative in files:
            destination = folder.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(entry) as source, open(destination, "wb") as target:
                # Read at most the declared size plus one byte: a lying header cannot fill the disk.
                data = source.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:
                    raise ArchiveRefused([f"{entry.filename}: larger than 2 MB"])
                target.write(data)
    _, problems = parse_course(folder)
    return folder, problems


def install_course(path: Path, courses_folder: Path, replace: bool = False) -> tuple[str, Path | None]:
    """Check an archive and put its course into `courses_folder`.

    Returns the slug and, when an existing course was replaced, where its old files were moved
    (so a caller whose database sync fails can put them back).
    """
    staging = Path(tempfile.mkdtemp(prefix="elearn-import-", dir=courses_folder.parent))
    try:
        folder, problems = extract_course(path, staging)
        if problems:
            raise ArchiveRefused([str(p).replace(str(staging) + "/", "") for p in problems])
        target = courses_folder / folder.name
        previous = None
        if target.exists():
            if not replace:
                raise ArchiveRefused([f"{folder.name}: a course with this name exists; use --replace to update it"])
            # Beside the courses folder, so both moves are renames on one file system.
            previous = Path(tempfile.mkdtemp(prefix="elearn-previous-", dir=courses_folder.parent)) / folder.name
            target.rename(previous)
        folder.rename(target)
        return folder.name, previous
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore_previous(courses_folder: Path, slug: str, previous: Path | None) -> None:
    """Undo install_course: remove the imported folder and put the old one back."""
    shutil.rmtree(courses_folder / slug, ignore_errors=True)
    if previous is not None:
        previous.rename(courses_folder / slug)
        previous.parent.rmdir()


def discard_previous(previous: Path | None) -> None:
    """Once the replacement is loaded, the old files are no longer needed."""
    if previous is not None:
        shutil.rmtree(previous.parent, ignore_errors=True)
