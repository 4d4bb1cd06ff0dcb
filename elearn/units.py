"""The tree of administrative units: add, rename, merge, import the official list, remove demo units.

Plain values in, no Flask. Every change is audited with ids and names of places only.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from elearn.audit import audit
from elearn.db import add_to_counters
from elearn.models import (PARENT_KIND, ApiToken, CourseActivity, PopulationFigure, QuestionStat, RoleAssignment,
                           SurveyResponse, TrainedResident, Unit, User)
from elearn.models.types import utcnow
from elearn.problems import Problem, Refused

MAX_NAME_LENGTH = 120


def add_unit(session: Session, *, kind: str, name: str, parent: Unit | None = None, code: str | None = None,
             is_demo: bool = False) -> Unit:
    """A new unit under `parent`; its path is known once it has an id."""
    problems = unit_problems(session, kind=kind, name=name, parent=parent, code=code)
    if problems:
        raise Refused(problems)
    unit = Unit(kind=kind, name=name, parent=parent, code=code or None, is_demo=is_demo or bool(parent and parent.is_demo))
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    return unit


def unit_problems(session: Session, *, kind: str, name: str, parent: Unit | None, code: str | None,
                  unit: Unit | None = None) -> list[Problem]:
    problems = []
    if kind not in PARENT_KIND:
        problems.append(Problem("unknown_kind", "kind", values={"kind": kind}))
    elif (parent.kind if parent else None) != PARENT_KIND[kind]:
        problems.append(Problem("wrong_parent", "parent_id", values={"kind": kind}))
    if parent is not None and not parent.is_active:
        problems.append(Problem("parent_merged", "parent_id"))
    if not name.strip():
        problems.append(Problem("name_missing", "name"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(Problem("name_too_long", "name"))
    if code:
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
    problems = []
    if source.id == target.id:
        problems.append(Problem("merge_into_itself", "target_id"))
    if source.kind != target.kind:
        problems.append(Problem("merge_other_kind", "target_id"))
    if not source.is_active or not target.is_active:
        problems.append(Problem("merge_merged_unit", "target_id"))
    if target.path.startswith(source.path):
        problems.append(Problem("merge_into_own_subtree", "target_id"))
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
    for model, keys in ((CourseActivity, ("village_id", "course_id", "month")),
                        (QuestionStat, ("village_id", "question_id"))):
        rows = [{**row._asdict(), "village_id": target.id}
                for row in session.execute(select(*model.__table__.columns).where(model.village_id == source.id))]
        add_to_counters(session, model, rows, keys)
        session.execute(delete(model).where(model.village_id == source.id))


def merge_units(session: Session, source: Unit, target: Unit, actor_id: int) -> MergePlan:
    """Merge `source` into `target`: its children, residents, staff roles and records move to
    `target`; `source` stays as history, marked merged, with no children."""
    plan = plan_merge(session, source, target)
    for child in session.scalars(select(Unit).where(Unit.parent_id == source.id)):
        move_subtree(session, child, target)
    session.execute(update(User).where(User.village_id == source.id).values(village_id=target.id)
                    .execution_options(synchronize_session=False))
    _move_assignments(session, source, target)
    session.execute(update(ApiToken).where(ApiToken.unit_id == source.id).values(unit_id=target.id))
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
    session.execute(delete(User).where(User.village_id.in_(subtree_ids), User.is_demo.is_(True))
                    .execution_options(synchronize_session=False))
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
