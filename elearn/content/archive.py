"""Courses to and from .zip files, so communes can share courses.

An archive holds one folder, `<slug>/`, with the same files as in courses/: course.md, the
lessons, quiz.md and media/. It is read in memory, never extracted to disk: import refuses, and
stores nothing, when an entry would land outside that folder (or names it oddly: a backslash, a
NUL, `..`), appears twice once its path is normalised (`a/./01.md` is `a/01.md`), is not Markdown
or an image, is a link, is larger than 2 MB, when all of them together are larger than 20 MB, or
when the archive is damaged or lies about a size. Sizes are counted on the bytes really
decompressed, as they are read, so a zip bomb stops at the cap. Export writes a course's files
from the database.
"""
from __future__ import annotations

import io
import posixpath
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from elearn.content.parse import MEDIA_SUFFIXES, SLUG_RE, CourseSource, Problem, media_references

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024  # all files together, decompressed
MAX_ENTRIES = 300
READ_CHUNK = 64 * 1024
# What a damaged archive, or one lying about a size or checksum, raises while it is read.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)
ALLOWED_SUFFIXES = (".md",) + MEDIA_SUFFIXES
# Entries carry this date, so exporting the same files twice gives the same bytes.
EXPORT_DATE = (2026, 1, 1, 0, 0, 0)


class ArchiveRefused(Exception):
    """Every reason an archive is refused, as Problems (the file inside the archive, a code)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """In English, for the command line: `gamma/run.sh: only Markdown ...`."""
        return [f"{p.file}: {p.message}" if p.file else p.message for p in self.problems]


def export_zip(slug: str, files: dict[str, str], media: dict[str, bytes]) -> bytes:
    """`<slug>.zip` holding `<slug>/...`: the files, and the images they show, in a stable order."""
    output = io.BytesIO()
    shown = media_references(files)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [(name, text.encode("utf-8")) for name, text in files.items()]
        entries += [(f"media/{name}", data) for name, data in media.items() if name in shown]
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(f"{slug}/{name}", date_time=EXPORT_DATE)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return output.getvalue()


OS_JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


def inspect_archive(path: Path | BinaryIO, name: str | None = None
                    ) -> tuple[str, list[tuple[zipfile.ZipInfo, PurePosixPath]]]:
    """The course slug and the entries to extract with their path inside the course folder,
    or ArchiveRefused with every reason.

    The files may sit in one folder (as `courses export` writes them) or at the top of the
    archive, as when someone zips the files themselves; then the archive's name is the slug.
    `name` is the archive's file name when `path` is an uploaded file held in memory.
    """
    name = name or str(path)
    try:
        archive = zipfile.ZipFile(path)
    except DAMAGED as exc:
        raise ArchiveRefused([Problem(name, 0, "zip_unreadable", {"detail": str(exc)})]) from None
    with archive:
        entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRefused([Problem(name, 0, "zip_too_many", {"max": MAX_ENTRIES})])
    problems: list[Problem] = []
    files: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    seen: set[str] = set()
    archive_name = name
    declared_total = 0
    for entry in entries:
        name = entry.filename
        normal = normal_member_path(entry.orig_filename)  # zipfile cuts a name at a NUL: look before it
        if normal is None:
            problems.append(Problem(name, 0, "zip_outside"))
            continue
        pure = PurePosixPath(normal)
        if OS_JUNK & set(pure.parts):
            continue  # left by the zip tools of macOS and Windows
        if normal in seen:
            problems.append(Problem(name, 0, "zip_twice"))
            continue
        seen.add(normal)
        declared_total += entry.file_size
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(Problem(name, 0, "zip_link"))
        elif entry.is_dir():
            continue
        elif pure.suffix.lower() not in ALLOWED_SUFFIXES:
            problems.append(Problem(name, 0, "zip_type"))
        elif mode & 0o111:
            problems.append(Problem(name, 0, "zip_executable"))
        elif entry.file_size > MAX_FILE_BYTES:
            problems.append(Problem(name, 0, "zip_too_large"))
        else:
            files.append((entry, pure))
    if declared_total > MAX_TOTAL_BYTES:
        problems.append(Problem(archive_name, 0, "zip_total_too_large", {"max": MAX_TOTAL_BYTES // (1024 * 1024)}))
    slug, placed = _place(archive_name, files, problems)
    if not placed and not problems:
        problems.append(Problem(archive_name, 0, "zip_empty"))
    if problems:
        raise ArchiveRefused(problems)
    return slug, placed


def _place(path: str, files, problems: list[Problem]):
    at_top = [item for item in files if len(item[1].parts) == 1]
    tops = {item[1].parts[0] for item in files if len(item[1].parts) > 1}
    if at_top and tops:
        # course.md at the top beside a media/ folder is the "zipped the files" layout too.
        if tops <= {"media"}:
            tops = set()
        else:
            problems.append(Problem(path, 0, "zip_mixed", {"folders": ", ".join(sorted(tops))}))
            return "", []
    if len(tops) > 1:
        problems.append(Problem(path, 0, "zip_several", {"folders": ", ".join(sorted(tops))}))
        return "", []
    if tops:
        slug = next(iter(tops))
        placed = [(entry, pure.relative_to(slug)) for entry, pure in files]
    else:
        slug = PurePosixPath(path.replace("\\", "/")).stem
        placed = list(files)
    if placed and not SLUG_RE.match(slug):
        problems.append(Problem(slug, 0, "zip_bad_name"))
    return slug, placed


def read_archive(path: Path | BinaryIO, name: str | None = None) -> CourseSource:
    """A checked archive's course, in memory. Problems of its files are named `<slug>/quiz.md:3`."""
    slug, entries = inspect_archive(path, name)
    source = CourseSource(slug=slug, files={}, label=slug, max_media_bytes=MAX_FILE_BYTES)
    if not isinstance(path, Path):
        path.seek(0)
    total = 0
    with zipfile.ZipFile(path) as archive:
        for entry, relative in entries:
            data = _read_member(archive, entry, MAX_TOTAL_BYTES - total)
            total += len(data)
            _add_entry(source, relative, data)
    return source


def normal_member_path(name: str) -> str | None:
    """`a/./01.md` -> `a/01.md`; None for a path that is absolute, climbs out (`..`), holds a
    backslash, a NUL or a drive letter, or names nothing."""
    if "\\" in name or "\x00" in name or name.startswith("/") or ".." in name.split("/"):
        return None
    normal = posixpath.normpath(name)
    if normal in (".", "") or normal.startswith(("/", "..")) or ":" in normal.split("/")[0]:
        return None
    return normal + ("/" if name.endswith("/") else "")


def _read_member(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, room: int) -> bytes:
    """The member's bytes, read in chunks and counted as they come: refused as soon as it passes
    2 MB or the room left under the total, whatever its header says; a damaged member or one whose
    size or checksum lies is refused with a message, not a traceback."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(entry) as opened:
            while chunk := opened.read(READ_CHUNK):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise ArchiveRefused([Problem(entry.filename, 0, "zip_too_large")])
                if size > room:
                    raise ArchiveRefused([Problem(entry.filename, 0, "zip_total_too_large",
                                                  {"max": MAX_TOTAL_BYTES // (1024 * 1024)})])
                chunks.append(chunk)
    except DAMAGED as exc:
        raise ArchiveRefused([Problem(entry.filename, 0, "zip_damaged", {"detail": str(exc)})]) from None
    if size != entry.file_size:
        raise ArchiveRefused([Problem(entry.filename, 0, "zip_damaged", {"detail": "size differs from its header"})])
    return b"".join(chunks)


def _add_entry(source: CourseSource, relative: PurePosixPath, data: bytes) -> None:
    parts = relative.parts
    where = source.where(relative.as_posix())
    if len(parts) == 1 and relative.suffix == ".md":
        try:
            source.files[parts[0]] = data.decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            source.problems.append(Problem(where, 0, "not_utf8"))
            source.files[parts[0]] = ""
    elif len(parts) == 2 and parts[0] == "media":
        source.media[parts[1]] = data
    else:
        source.problems.append(Problem(where, 0, "unexpected_file"))
