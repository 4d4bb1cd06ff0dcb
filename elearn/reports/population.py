"""The labour-age population figures (the denominators): checked the same way from the form and
from a CSV file, saved all or nothing. Plain values in, no Flask; refusals are Problem codes."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.audit import audit
from elearn.models import PopulationFigure, Unit
from elearn.models.types import utcnow
from elearn.csvfiles import csv_records, decode_csv, plain
from elearn.inputs import ascii_digits, parse_number
from elearn.problems import Problem, Refused
from elearn.reports.exports import inert, uninert

FIRST_YEAR = 2015
MAX_PEOPLE = 10_000_000
MAX_ROWS = 5_000
MAX_SOURCE = 300
GROUPED_NUMBER = re.compile(r"\d{1,3}(?:[.,\s]\d{3})+")  # 1.234 / 1,234 / 1 234 as people write them

# The CSV columns, and other headings people use for them (compared without accents or case).
COLUMNS = {
    "village": ("Thôn", ("thon", "thon/to dan pho", "to dan pho", "village")),
    "year": ("Năm", ("nam", "year")),
    "total": ("Tổng số", ("tong so", "tong", "total")),
    "male": ("Số nam", ("so nam", "nam gioi", "male")),
    "female": ("Số nữ", ("so nu", "nu gioi", "nu", "female")),
    "source": ("Nguồn", ("nguon", "nguon so lieu", "source")),
}
REQUIRED_COLUMNS = ("village", "year", "total")
VILLAGE_WORDS = ("thon", "to dan pho", "tdp", "xom", "ap", "ban", "khu pho")


@dataclass(frozen=True)
class Entry:
    """A village's figure for a year; total None means "no figure" (an existing one is removed)."""
    village_id: int
    year: int
    total: int | None
    male: int | None = None
    female: int | None = None
    source: str = ""


@dataclass(frozen=True)
class Saved:
    added: int
    updated: int
    removed: int


def parse_count(text: str | None) -> int | None:
    """A whole number of people, or None for an empty cell; ValueError with a code otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("-") and text[1:].strip().isascii() and text[1:].strip().isdigit():
        raise ValueError("count_negative")
    if GROUPED_NUMBER.fullmatch(text):
        text = re.sub(r"[.,\s]", "", text)
    if not ascii_digits(text):
        raise ValueError("count_not_number")
    value = parse_number(text, max_digits=12)  # 5,000 digits are not converted
    if value is None or value > MAX_PEOPLE:
        raise ValueError("count_too_big")
    return value


def parse_year(text: str | None, this_year: int) -> int:
    text = (text or "").strip()
    year = parse_number(text, max_digits=4)
    if year is None or len(text) != 4:
        raise ValueError("year_invalid")
    if not FIRST_YEAR <= year <= this_year + 1:
        raise ValueError("year_out_of_range")
    return year


def check_entry(village_id: int, year: int, cells: dict[str, str | None], *, row: int | None = None,
                prefix: str = "") -> tuple[Entry | None, list[Problem]]:
    """One village's numbers from a form row or a CSV line: counts, and the split adding up."""
    problems, numbers = [], {}
    for name in ("total", "male", "female"):
        try:
            numbers[name] = parse_count(cells.get(name))
        except ValueError as error:
            problems.append(Problem(str(error), f"{prefix}{name}", row, {"value": (cells.get(name) or "")[:20]}))
    if problems:
        return None, problems
    total, male, female = numbers["total"], numbers["male"], numbers["female"]
    if total is None and (male is not None or female is not None):
        problems.append(Problem("total_missing", f"{prefix}total", row))
    elif (male is None) != (female is None):
        problems.append(Problem("split_incomplete", f"{prefix}{'female' if female is None else 'male'}", row))
    elif male is not None and female is not None and male + female != total:
        problems.append(Problem("split_mismatch", f"{prefix}total", row,
                                {"total": total, "male": male, "female": female}))
    source = " ".join((cells.get("source") or "").split())[:MAX_SOURCE]
    return (None if problems else Entry(village_id, year, total, male, female, source)), problems


# -- CSV ---------------------------------------------------------------------------------------

def _header_map(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    found, problems = {}, []
    for index, heading in enumerate(header):
        name = next((key for key, (_label, aliases) in COLUMNS.items() if plain(heading) in aliases), None)
        if name is None:
            if heading.strip():
                problems.append(Problem("header_unknown", "file", 1, {"heading": heading.strip()[:40]}))
        elif name in found:
            problems.append(Problem("header_repeated", "file", 1, {"heading": heading.strip()[:40]}))
        else:
            found[name] = index
    missing = [COLUMNS[name][0] for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        problems.append(Problem("headers_missing", "file", 1, {"missing": ", ".join(missing)}))
    return found, problems


def village_finder(villages: list[Unit]):
    """Match a village by its name as people type it: accents, case and 'Thôn' optional."""
    def key(name: str) -> str:
        words = plain(uninert(name))
        for word in VILLAGE_WORDS:
            if words.startswith(word + " "):
                return words[len(word) + 1:]
        return words

    by_key: dict[str, list[Unit]] = {}
    for village in villages:
        by_key.setdefault(key(village.name), []).append(village)
    return lambda name: by_key.get(key(name), [])


def read_csv(raw: bytes, villages: list[Unit], this_year: int) -> tuple[list[Entry], list[Problem]]:
    """Every row checked; the entries are only good to save when there is no problem at all."""
    try:
        records = csv_records(decode_csv(raw))
    except Refused as refused:
        return [], refused.problems
    if not records:
        return [], [Problem("file_empty", "file")]
    columns, problems = _header_map(records[0][1])
    if problems:
        return [], problems
    if len(records) - 1 > MAX_ROWS:
        return [], [Problem("too_many_rows", "file", None, {"limit": MAX_ROWS})]
    find = village_finder(villages)
    entries: list = []
    seen: dict = {}
    for number, cells in records[1:]:
        cell = {name: (cells[index] if index < len(cells) else "") for name, index in columns.items()}
        entry, row_problems = _check_row(number, cell, find, this_year)
        if entry is not None:
            first = seen.setdefault((entry.village_id, entry.year), number)
            if first != number:
                row_problems.append(Problem("duplicate_village_year", "file", number,
                                            {"first_row": first, "year": entry.year}))
            else:
                entries.append(entry)
        problems += row_problems
    if not entries and not problems:
        problems.append(Problem("file_no_rows", "file"))
    return entries, problems


def _check_row(number: int, cell: dict, find, this_year: int) -> tuple[Entry | None, list[Problem]]:
    problems = []
    name = " ".join((cell.get("village") or "").split())
    matches = find(name) if name else []
    if not name:
        problems.append(Problem("village_missing", "file", number))
    elif not matches:
        problems.append(Problem("village_unknown", "file", number, {"name": name[:60]}))
    elif len(matches) > 1:
        problems.append(Problem("village_ambiguous", "file", number, {"name": name[:60]}))
    try:
        year = parse_year(cell.get("year"), this_year)
    except ValueError as error:
        problems.append(Problem(str(error), "file", number, {"value": (cell.get("year") or "")[:20]}))
        year = None
    entry, entry_problems = check_entry(matches[0].id if len(matches) == 1 else 0, year or 0, cell, row=number)
    problems += entry_problems
    if entry is not None and entry.total is None and not problems:
        problems.append(Problem("total_missing", "file", number))
    return (entry if not problems else None), problems


def template_csv(villages: list[Unit], year: int) -> str:
    """What to fill in: one line per village, with Excel's byte-order mark so accents show."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([COLUMNS[name][0] for name in ("village", "year", "total", "male", "female", "source")])
    for village in villages:
        writer.writerow([inert(village.name), year, "", "", "", ""])  # a name never becomes a formula
    return "\ufeff" + out.getvalue()


def villages_of(session: Session, commune: Unit) -> list[Unit]:
    return list(session.scalars(select(Unit).where(
        Unit.parent_id == commune.id, Unit.kind == "village", Unit.merged_into_id.is_(None)).order_by(Unit.name)))


# -- saving ----------------------------------------------------------------------------------

def figures_of(session: Session, village_ids: list[int], year: int) -> dict[int, PopulationFigure]:
    return {figure.village_id: figure for figure in session.scalars(select(PopulationFigure).where(
        PopulationFigure.village_id.in_(village_ids), PopulationFigure.year == year))}


def save_figures(session: Session, entries: list[Entry], default_source: str, actor_id: int,
                 unit_id: int) -> Saved:
    """Add, update or remove each village's figure; the caller has checked every entry."""
    added = updated = removed = 0
    existing: dict[tuple[int, int], PopulationFigure] = {}
    for year in {entry.year for entry in entries}:
        for stored in figures_of(session, [e.village_id for e in entries if e.year == year], year).values():
            existing[(stored.village_id, stored.year)] = stored
    for entry in entries:
        figure = existing.get((entry.village_id, entry.year))
        if entry.total is None:
            if figure is not None:
                session.delete(figure)
                removed += 1
            continue
        values = {"total": entry.total, "male": entry.male, "female": entry.female,
                  "source": entry.source or default_source, "entered_by_id": actor_id, "entered_at": utcnow()}
        if figure is None:
            session.add(PopulationFigure(village_id=entry.village_id, year=entry.year, **values))
            added += 1
        elif (figure.total, figure.male, figure.female, figure.source) != (
                entry.total, entry.male, entry.female, values["source"]):
            for name, value in values.items():
                setattr(figure, name, value)
            updated += 1
    audit(session, "population_figures_saved", actor_id=actor_id, unit_id=unit_id,
          years=sorted({entry.year for entry in entries}), added=added, updated=updated, removed=removed)
    session.flush()
    return Saved(added, updated, removed)
