"""The tree of administrative units: add, rename, merge, import the official list, remove demo units.

Plain values in, no Flask. Every change is audited with ids and names of places only.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from elearn.audit import audit
from elearn.csvfiles import csv_records, decode_csv, plain
from elearn.db import add_to_counters
from elearn.models import (PARENT_KIND, Alert, ApiToken, AuditEvent, CourseActivity, PopulationFigure, QuestionStat,
                           RoleAssignment, SurveyResponse, TrainedMonth, TrainedResident, Unit, User)
from elearn.models.types import utcnow
from elearn.problems import Problem, Refused

MAX_NAME_LENGTH = 120
MAX_CODE_LENGTH = 32  # Unit.code is String(32): PostgreSQL refuses a longer one with an error
# Which units a staff role looks after (an admin's role covers the whole instance, no unit).
ROLE_UNIT_KINDS = {"trainer": ("village", "commune"), "official": ("commune", "province"), "admin": ()}


def add_unit(session: Session, *, kind: str, name: str, parent: Unit | None = None, code: str | None = None,
             is_demo: bool = False, actor_id: int | None = None) -> Unit:
    """A new unit under `parent`; its path is known once it has an id. Audited when a person
    (`actor_id`) adds it; units loaded from the bundled file at first run are not."""
    problems = unit_problems(session, kind=kind, name=name, parent=parent, code=code)
    if problems:
        raise Refused(problems)
    unit = Unit(kind=kind, name=name, parent=parent, code=code or None,
                is_demo=is_demo or bool(parent and parent.is_demo))
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    if actor_id is not None:
        audit(session, "unit_added", actor_id=actor_id, unit_id=unit.id, kind=kind, name=name, code=unit.code,
              parent_id=parent.id if parent else None)
    return unit


def unit_problems(session: Session, *, kind: str, name: str, parent: Unit | None, code: str | None,
                  unit: Unit | None = None) -> list[Problem]:
    problems = []
    if kind not in PARENT_KIND:
        problems.append(Problem("unknown_kind", "kind", values={"kind": kind}))
    elif (parent.kind if parent else None) != PARENT_KIND[kind]:
        problems.append(Problem("wrong_parent", "parent_id", values={"kind": kind, "parent_kind": PARENT_KIND[kind]}))
    if parent is not None and not parent.is_active:
        problems.append(Problem("parent_merged", "parent_id"))
    if not name.strip():
        problems.append(Problem("name_missing", "name"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(Problem("name_too_long", "name"))
    if code and len(code) > MAX_CODE_LENGTH:
        problems.append(Problem("code_too_long", "code", values={"max": MAX_CODE_LENGTH}))
    elif code:
        holder = session.scalar(select(Unit.id).where(Unit.code == code))
        if holder is not None and (unit is None or holder != unit.id):
            problems.append(Problem("code_taken", "code", values={"code": code}))
    return problems


def rename_unit(session: Session, unit: Unit, name: str, code: str | None, actor_id: int) -> None:
    problems = unit_problems(session, kind=unit.kind, name=name, parent=unit.parent, code=code, unit=unit)
    if problems:
        raise Refused(problems)
    if (unit.name, unit.code) == (name, code or None):
        return
    audit(session, "unit_renamed", actor_id=actor_id, unit_id=unit.id, old_name=unit.name, new_name=name,
          old_code=unit.code, new_code=code or None)
    unit.name, unit.code = name, code or None
    session.flush()


def active_villages(session: Session) -> list[tuple[Unit, str]]:
    """Every village people can live in, with its commune's name, ordered for a picker."""
    commune = aliased(Unit)
    rows = session.execute(
        select(Unit, commune.name).join(commune, Unit.parent_id == commune.id)
        .where(Unit.kind == "village", Unit.merged_into_id.is_(None))
        .order_by(commune.name, Unit.name)).all()
    return [(village, commune_name) for village, commune_name in rows]


def is_active_village(session: Session, village_id: int) -> bool:
    return session.scalar(select(Unit.id).where(
        Unit.id == village_id, Unit.kind == "village", Unit.merged_into_id.is_(None))) is not None


@dataclass(frozen=True)
class MergePlan:
    """What a merge will move, shown to the admin before they confirm."""
    source: Unit
    target: Unit
    children: int
    residents: int
    assignments: int


def plan_merge(session: Session, source: Unit, target: Unit) -> MergePlan:
    """Check that merging `source` into `target` loses nothing; refuse otherwise."""
    if source.id == target.id:
        # Said once: the checks below would each find fault with a unit merged into itself.
        raise Refused(Problem("merge_into_itself", "target_id"))
    problems = []
    if source.kind != target.kind:
        problems.append(Problem("merge_other_kind", "target_id"))
    elif target.path.startswith(source.path):  # only a unit of another level can be under `source`
        problems.append(Problem("merge_into_own_subtree", "target_id"))
    if not source.is_active or not target.is_active:
        problems.append(Problem("merge_merged_unit", "target_id"))
    problems += [Problem("merge_population_clash", "target_id", values={"year": year})
                 for year in _population_clashes(session, source, target)]
    if problems:
        raise Refused(problems)
    return MergePlan(
        source=source, target=target,
        children=session.scalar(select(func.count(Unit.id)).where(Unit.parent_id == source.id)) or 0,
        residents=session.scalar(select(func.count(User.id)).where(User.village_id == source.id)) or 0,
        assignments=session.scalar(select(func.count(RoleAssignment.id)).where(
            RoleAssignment.unit_id == source.id)) or 0,
    )


def _population_clashes(session: Session, source: Unit, target: Unit) -> list[int]:
    """What a merge cannot move without losing data: two villages with a population figure for
    the same year (which one is right is the statistics office's call, not ours)."""
    if source.kind != "village":
        return []
    theirs = select(PopulationFigure.year).where(PopulationFigure.village_id == target.id)
    clash = session.scalars(select(PopulationFigure.year).where(
        PopulationFigure.village_id == source.id, PopulationFigure.year.in_(theirs)).order_by(
        PopulationFigure.year)).all()
    return list(clash)


def _move_village_records(session: Session, source: Unit, target: Unit) -> None:
    """Everything keyed by a village follows it into the village it is merged into."""
    for model in (TrainedResident, PopulationFigure, SurveyResponse):
        session.execute(update(model).where(model.village_id == source.id).values(village_id=target.id)
                        .execution_options(synchronize_session=False))
    for counter, keys in ((CourseActivity, ("village_id", "course_id", "month")),
                          (QuestionStat, ("village_id", "question_id")), (TrainedMonth, ("village_id", "month"))):
        rows = [{**row._asdict(), "village_id": target.id}
                for row in session.execute(select(*counter.__table__.columns).where(counter.village_id == source.id))]
        add_to_counters(session, counter, rows, keys)
        session.execute(delete(counter).where(counter.village_id == source.id))


def merge_units(session: Session, source: Unit, target: Unit, actor_id: int) -> MergePlan:
    """Merge `source` into `target`: its children, residents, staff roles and records move to
    `target`; `source` stays as history, marked merged, with no children."""
    plan = plan_merge(session, source, target)
    # Listed first: move_subtree flushes and expires the session between children.
    for child in session.scalars(select(Unit).where(Unit.parent_id == source.id)).all():
        move_subtree(session, child, target)
    session.execute(update(User).where(User.village_id == source.id).values(village_id=target.id)
                    .execution_options(synchronize_session=False))
    _move_assignments(session, source, target)
    session.execute(update(ApiToken).where(ApiToken.unit_id == source.id).values(unit_id=target.id))
    # Scam alerts follow their unit: its residents, now in `target`, keep seeing them (and the counts).
    session.execute(update(Alert).where(Alert.unit_id == source.id).values(unit_id=target.id))
    _move_village_records(session, source, target)
    source.merged_into_id, source.merged_at = target.id, utcnow()
    audit(session, "units_merged", actor_id=actor_id, unit_id=source.id, into_unit_id=target.id,
          name=source.name, into_name=target.name, children=plan.children, residents=plan.residents)
    session.flush()
    return plan


def _move_assignments(session: Session, source: Unit, target: Unit) -> None:
    duplicate = exists().where(RoleAssignment.unit_id == target.id)
    for assignment in session.scalars(select(RoleAssignment).where(RoleAssignment.unit_id == source.id)):
        already = session.scalar(select(duplicate.where(RoleAssignment.user_id == assignment.user_id,
                                                        RoleAssignment.role == assignment.role)))
        if already:
            session.delete(assignment)
        else:
            assignment.unit_id = target.id
    session.flush()


def move_subtree(session: Session, unit: Unit, new_parent: Unit) -> None:
    """Give `unit` a new parent; every path under it changes with one UPDATE."""
    old_prefix = unit.path
    new_prefix = new_parent.path + f"{unit.id}/"
    session.execute(
        update(Unit).where(Unit.path.like(old_prefix + "%"))
        .values(path=new_prefix + func.substr(Unit.path, len(old_prefix) + 1))
        .execution_options(synchronize_session=False))
    unit.parent_id = new_parent.id
    session.flush()
    session.expire_all()


def removal_problems(session: Session, unit: Unit) -> list[Problem]:
    """A demo unit may go when nothing real lives under it."""
    if not unit.is_demo:
        return [Problem("not_demo")]
    subtree = select(Unit.id).where(Unit.path.like(unit.path + "%"))
    real_people = session.scalar(select(func.count(User.id)).where(
        User.village_id.in_(subtree), User.is_demo.is_(False))) or 0
    real_units = session.scalar(select(func.count(Unit.id)).where(
        Unit.path.like(unit.path + "%"), Unit.is_demo.is_(False))) or 0
    problems = []
    if real_people:
        problems.append(Problem("demo_has_real_residents", values={"count": real_people}))
    if real_units:
        problems.append(Problem("demo_has_real_units", values={"count": real_units}))
    return problems


def remove_demo_unit(session: Session, unit: Unit, actor_id: int) -> int:
    """Delete a demo unit, everything under it and its demo residents; returns how many units went."""
    problems = removal_problems(session, unit)
    if problems:
        raise Refused(problems)
    subtree_ids = select(Unit.id).where(Unit.path.like(unit.path + "%")).scalar_subquery()
    # Counters, figures and survey answers go with their units (ON DELETE CASCADE); these do not.
    for model, column in ((TrainedResident, TrainedResident.village_id), (ApiToken, ApiToken.unit_id)):
        session.execute(delete(model).where(column.in_(subtree_ids)).execution_options(synchronize_session=False))
    demo_people = select(User.id).where(User.village_id.in_(subtree_ids), User.is_demo.is_(True)).scalar_subquery()
    # Their own audit trail is demo noise too; anything they did to real data keeps its row.
    session.execute(delete(AuditEvent).where(AuditEvent.subject_id.in_(demo_people))
                    .execution_options(synchronize_session=False))
    session.execute(delete(User).where(User.id.in_(demo_people)).execution_options(synchronize_session=False))
    session.execute(delete(RoleAssignment).where(RoleAssignment.unit_id.in_(subtree_ids))
                    .execution_options(synchronize_session=False))
    units = session.scalars(select(Unit).where(Unit.path.like(unit.path + "%"))).all()
    audit(session, "demo_units_removed", actor_id=actor_id, unit_id=unit.id, name=unit.name, units=len(units))
    session.execute(update(Unit).where(Unit.id.in_([u.id for u in units])).values(merged_into_id=None))
    # Deepest first, so no unit is deleted before its children.
    for doomed in sorted(units, key=lambda u: u.path.count("/"), reverse=True):
        session.delete(doomed)
        session.flush()
    return len(units)


def ancestors_and_self(session: Session, unit: Unit) -> list[Unit]:
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def units_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Unit]:
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(ids))))}


# Importing the official list of units from a spreadsheet saved as CSV.
#
# One unit a row, under a header row naming four columns (in any order; case, accents and spaces
# in the names do not matter, so "Mã cấp trên" is ma_cap_tren):
#   cap          the level: tinh, xa or thon (tỉnh, xã, thôn, and the local names below)
#   ma           the unit's code: required for a province or a commune (the statistics code),
#                optional for a village
#   ten          the name, as people should read it
#   ma_cap_tren  the code of the unit it belongs to: empty for a province; the province or commune
#                must be in the database already or on a row above
# A known code renames its unit when the name differs; a village without a code is matched by
# name in its commune. The file is checked whole first: one bad row and nothing is imported.

CSV_COLUMNS = ("cap", "ma", "ten", "ma_cap_tren")
_COLUMN_FIELDS = {"cap": "kind", "ma": "code", "ten": "name", "ma_cap_tren": "parent_code"}
# The level column, compared without accents: the three levels, their other official names since
# 2025 (phường, đặc khu; a centrally-run city) and the local names of villages.
LEVEL_WORDS = {
    "tinh": "province", "thanh_pho": "province", "province": "province",
    "xa": "commune", "phuong": "commune", "dac_khu": "commune", "commune": "commune",
    "thon": "village", "to_dan_pho": "village", "to": "village", "ap": "village", "ban": "village",
    "buon": "village", "lang": "village", "xom": "village", "khom": "village", "village": "village",
}
_CODE_CHARACTERS = re.compile(r"[0-9A-Za-z._-]+")
_CHUNK = 500  # ids per IN (...): SQLite caps the number of parameters of one statement


@dataclass(frozen=True)
class UnitRow:
    """One row of the file, cleaned; `kind` is None when the level was not understood."""
    row: int
    kind: str | None
    code: str | None
    name: str
    parent_code: str | None


@dataclass
class ImportReport:
    added: int = 0
    renamed: int = 0
    unchanged: int = 0


def plain_words(text: str) -> str:
    """'Mã cấp trên ' -> 'ma_cap_tren': what people type, compared without case, accents or spacing."""
    return "_".join(plain(text.replace("-", " ").replace("_", " ")).split())


def clean_name(text: str) -> str:
    """One Unicode form (NFC) and single spaces: a name typed two ways is one name."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _columns(row: int, header: list[str]) -> dict[str, int]:
    """{field: cell index} from the header row; refused when a column is unknown, twice or missing."""
    problems, found = [], {}
    for index, cell in enumerate(header):
        key = plain_words(cell)
        if not key:
            continue  # Excel keeps empty header cells after the last column
        if key not in _COLUMN_FIELDS:
            problems.append(Problem("header_unknown", row=row, values={"column": cell.strip()}))
        elif _COLUMN_FIELDS[key] in found:
            problems.append(Problem("header_twice", row=row, values={"column": key}))
        else:
            found[_COLUMN_FIELDS[key]] = index
    missing = [column for column in CSV_COLUMNS if _COLUMN_FIELDS[column] not in found]
    if missing:
        problems.append(Problem("header_missing", row=row, values={"columns": ", ".join(missing)}))
    if problems:
        raise Refused(problems)
    return found


def parse_units_csv(data: bytes) -> tuple[list[UnitRow], list[Problem]]:
    """The rows of an uploaded file and what is wrong with each on its own (no database)."""
    records = csv_records(decode_csv(data))
    if not records:
        raise Refused(Problem("file_empty"))
    (header_row, header), body = records[0], records[1:]
    columns = _columns(header_row, header)
    if not body:
        raise Refused(Problem("file_no_rows", row=header_row))
    rows, problems = [], []
    for number, cells in body:
        row, row_problems = _read_row(number, cells, columns, len(header))
        rows.append(row)
        problems += row_problems
    return rows, problems


def _read_row(number: int, cells: list[str], columns: dict[str, int], width: int) -> tuple[UnitRow, list[Problem]]:
    def cell(name: str) -> str:
        index = columns[name]
        return cells[index].strip() if index < len(cells) else ""

    problems = []
    if any(extra.strip() for extra in cells[width:]):
        problems.append(Problem("row_extra_cells", row=number))  # a comma in a name, not in quotes
    kind, kind_problems = _read_level(number, cell("kind"))
    name = clean_name(cell("name"))
    code, parent_code = cell("code") or None, cell("parent_code") or None
    problems += kind_problems + _name_problems(number, name) + _code_problems(number, kind, code)
    if kind == "province" and parent_code:
        problems.append(Problem("province_has_parent", "ma_cap_tren", number))
    elif kind in ("commune", "village") and not parent_code:
        problems.append(Problem("parent_missing", "ma_cap_tren", number,
                                {"kind": kind, "parent_kind": PARENT_KIND[kind]}))
    return UnitRow(number, kind, code, name, parent_code), problems


def _read_level(number: int, text: str) -> tuple[str | None, list[Problem]]:
    if not text:
        return None, [Problem("level_missing", "cap", number)]
    kind = LEVEL_WORDS.get(plain_words(text))
    return kind, [] if kind else [Problem("level_unknown", "cap", number, {"value": text})]


def _name_problems(number: int, name: str) -> list[Problem]:
    if not name:
        return [Problem("name_missing", "ten", number)]
    if len(name) > MAX_NAME_LENGTH:
        return [Problem("name_too_long", "ten", number, {"max": MAX_NAME_LENGTH})]
    return []


def _code_problems(number: int, kind: str | None, code: str | None) -> list[Problem]:
    if code is None:
        # A village may go without: villages have no statistics code, and none is a parent's code.
        return [Problem("code_missing", "ma", number, {"kind": kind})] if kind in ("province", "commune") else []
    if len(code) > MAX_CODE_LENGTH:
        return [Problem("code_too_long", "ma", number, {"max": MAX_CODE_LENGTH})]
    if not _CODE_CHARACTERS.fullmatch(code):
        return [Problem("code_invalid", "ma", number, {"code": code})]
    return []


@dataclass
class ImportPlan:
    """Each row with the unit it names (None: a unit to add), the units known by code, the problems."""
    steps: list[tuple[UnitRow, Unit | None]] = field(default_factory=list)
    by_code: dict[str, Unit] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _ImportCheck:
    """Reads the rows top to bottom, as a person reads the sheet: a parent is above its children."""

    def __init__(self, session: Session, rows: list[UnitRow]):
        self.session = session
        self.plan = ImportPlan(by_code=_units_by_code(session, {c for r in rows for c in (r.code, r.parent_code) if c}))
        self.first_row_of_code: dict[str, int] = {}
        for row in rows:
            if row.code:
                self.first_row_of_code.setdefault(row.code, row.row)
        self.above: dict[str, UnitRow] = {}
        self.villages_above: dict[tuple[str, str], int] = {}
        self._villages_in: dict[int, dict[str, Unit]] = {}

    def run(self, rows: list[UnitRow]) -> ImportPlan:
        for row in rows:
            self.check(row)
            if row.code:
                self.above.setdefault(row.code, row)
        return self.plan

    def problem(self, name: str, column: str, row: UnitRow, /, **values) -> None:
        self.plan.problems.append(Problem(name, column, row.row, values))

    def check(self, row: UnitRow) -> None:
        if row.code in self.above:
            self.problem("code_twice", "ma", row, code=row.code, first_row=self.above[row.code].row)
            return
        parent_ok = self.check_parent(row)
        if row.code:
            self.match_by_code(row, parent_ok)
        elif row.kind == "village" and parent_ok:
            self.match_village_by_name(row)

    def check_parent(self, row: UnitRow) -> bool:
        """Whether the row's parent is known, active and of the right level."""
        code = row.parent_code
        if row.kind not in ("commune", "village") or not code:
            return row.kind == "province"
        if code in self.above:
            parent_kind = self.above[code].kind
        elif code in self.plan.by_code:
            parent = self.plan.by_code[code]
            if not parent.is_active:
                self.problem("parent_merged", "ma_cap_tren", row, code=code, into=parent.merged_into.name)
                return False
            parent_kind = parent.kind
        elif code in self.first_row_of_code:
            self.problem("parent_below", "ma_cap_tren", row, code=code, parent_row=self.first_row_of_code[code])
            return False
        else:
            self.problem("parent_unknown", "ma_cap_tren", row, code=code)
            return False
        if parent_kind is not None and parent_kind != PARENT_KIND[row.kind]:
            self.problem("parent_wrong_level", "ma_cap_tren", row, code=code, kind=row.kind,
                         parent_kind=PARENT_KIND[row.kind], found_kind=parent_kind)
            return False
        return parent_kind is not None

    def match_by_code(self, row: UnitRow, parent_ok: bool) -> None:
        unit = self.plan.by_code.get(row.code)
        if unit is None:
            self.plan.steps.append((row, None))
        elif row.kind is not None and unit.kind != row.kind:
            self.problem("code_other_level", "ma", row, code=row.code, found_kind=unit.kind, name=unit.name)
        elif not unit.is_active:
            self.problem("code_merged", "ma", row, code=row.code, into=unit.merged_into.name)
        elif parent_ok and self.parent_id(row) != unit.parent_id:
            # Moving a unit to another parent is a merge's job, with its checks, not a rename's.
            self.problem("code_other_parent", "ma_cap_tren", row, code=row.code,
                         parent=unit.parent.name if unit.parent else "")
        else:
            self.plan.steps.append((row, unit))

    def parent_id(self, row: UnitRow) -> int | None:
        """The database id of the row's parent; None for a province or a parent added by this file."""
        parent = self.plan.by_code.get(row.parent_code) if row.parent_code else None
        return parent.id if parent else None

    def match_village_by_name(self, row: UnitRow) -> None:
        key = (row.parent_code, row.name.casefold())
        if key in self.villages_above:
            self.problem("village_twice", "ten", row, name=row.name, first_row=self.villages_above[key])
            return
        self.villages_above[key] = row.row
        parent_id = self.parent_id(row)
        known = self.villages_in(parent_id).get(row.name.casefold()) if parent_id else None
        self.plan.steps.append((row, known))

    def villages_in(self, commune_id: int) -> dict[str, Unit]:
        if commune_id not in self._villages_in:
            self._villages_in[commune_id] = {unit.name.casefold(): unit for unit in self.session.scalars(
                select(Unit).where(Unit.parent_id == commune_id, Unit.kind == "village",
                                   Unit.merged_into_id.is_(None)))}
        return self._villages_in[commune_id]


def _units_by_code(session: Session, codes: set[str]) -> dict[str, Unit]:
    ordered, found = sorted(codes), {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        found.update({unit.code: unit for unit in session.scalars(select(Unit).where(Unit.code.in_(chunk)))})
    return found


def plan_unit_import(session: Session, rows: list[UnitRow]) -> ImportPlan:
    """What importing `rows` would do, and every problem found against the database."""
    return _ImportCheck(session, rows).run(rows)


def import_units(session: Session, data: bytes, actor_id: int) -> ImportReport:
    """Add and rename units from an uploaded CSV file, all or nothing.

    Refused with every problem (each with its row number) when any row is wrong."""
    rows, problems = parse_units_csv(data)
    plan = plan_unit_import(session, rows)
    problems = sorted(problems + plan.problems, key=lambda problem: problem.row or 0)
    if problems:
        raise Refused(problems)
    report = ImportReport()
    for row, unit in plan.steps:
        if unit is None:
            parent = plan.by_code.get(row.parent_code) if row.parent_code else None
            unit = add_unit(session, kind=row.kind, name=row.name, parent=parent, code=row.code, actor_id=actor_id)
            report.added += 1
            if row.code:
                plan.by_code[row.code] = unit
            continue
        # A sample unit named in the official list is real from now on: removing the sample data
        # must not take it, nor the units this file adds under it (they inherit the mark).
        unit.is_demo = False
        if unit.name != row.name:
            rename_unit(session, unit, row.name, unit.code, actor_id)
            report.renamed += 1
        else:
            report.unchanged += 1
    audit(session, "units_imported", actor_id=actor_id, added=report.added, renamed=report.renamed,
          unchanged=report.unchanged)
    return report
