"""Training sessions: the list of a trainer's villages' sessions, record one (village first, then
its residents as checkboxes: works without JavaScript), its page, edit and delete with a confirm
step. Every id (village, attendee, session) is checked against the trainer's scope: 404 if not."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from elearn import access, prg
from elearn.author.training_forms import ConfirmForm, SessionForm
from elearn.inputs import parse_id
from elearn.author.views import bp
from elearn.db import db_session
from elearn.i18n import local_today
from elearn.models import Course, TrainingSession, Unit, User
from elearn.records import sessions as records


def _scoped_sessions():
    return access.scoped(select(TrainingSession), current_user, "trainer", TrainingSession.village_id)


def _session_or_404(session_id: int) -> TrainingSession:
    found = db_session().scalar(records.with_attendees(_scoped_sessions().where(TrainingSession.id == session_id)))
    return found or abort(404)


def _village_or_404(village_id: int | None) -> Unit:
    unit = access.unit_in_scope(db_session(), current_user, "trainer", village_id) if village_id else None
    if unit is None or unit.kind != "village" or not unit.is_active:
        abort(404)
    return unit


def _villages() -> list[Unit]:
    return access.visible_units(db_session(), current_user, "trainer", kinds=("village",))


def _chosen_village(default: int | None = None) -> Unit | None:
    """The village in the address (?village=ID; forged or out of scope: 404), else `default`, else the
    trainer's only village; None means "choose one first"."""
    if "village" in request.args:
        return _village_or_404(parse_id(request.args["village"]))
    if default is not None:
        return _village_or_404(default)
    villages = _villages()
    return villages[0] if len(villages) == 1 else None


def _residents(village: Unit) -> list[User]:
    return list(db_session().scalars(access.residents_in_scope(current_user).where(User.village_id == village.id)
                                     .order_by(User.full_name, User.id)))


def _form(village: Unit, record: TrainingSession | None = None) -> SessionForm:
    courses = records.published_courses(db_session())
    if record is not None and record.course_id and record.course_id not in {c.id for c in courses}:
        courses.append(db_session().get(Course, record.course_id))  # archived since: still shown
    data = None if record is None else {
        "held_on": record.held_on, "course_id": record.course_id or -1, "notes": record.notes,
        "attendees": [a.user_id for a in record.attendances]}
    form = SessionForm(today=local_today(), courses=courses, residents=_residents(village), data=data)
    if request.method == "POST" and form.attendees.forged:
        abort(404)  # someone not of this village, or not a resident the trainer looks after
    return form


def _entry(form: SessionForm, village: Unit) -> records.SessionEntry:
    return records.SessionEntry(village.id, form.course, form.held_on.day, form.notes.data or "",
                                frozenset(form.attendees.data or ()))


def _form_page(form, village, record=None, status=200):
    return render_template("author/sessions/form.html", form=form, village=village, record=record,
                           villages=_villages() if village is None else [], resident_link=_resident_link()), status


def _resident_link() -> bool:
    return "author.resident" in current_app.view_functions


@bp.get("/sessions")
@access.role_required("trainer")
def sessions():
    page = records.page_of_sessions(db_session(), _scoped_sessions(), parse_id(request.args.get("page")) or 1)
    return render_template("author/sessions/list.html", page=page)


@bp.route("/sessions/new", methods=["GET", "POST"])
@access.role_required("trainer")
def new_session():
    village = _chosen_village()
    if village is None:
        return _form_page(None, None)
    form = _form(village)
    if not form.validate_on_submit():  # refused: 303 to this page with what was typed (its key too)
        return prg.form_page(form, lambda: _form_page(form, village))
    if form.key() is None:
        abort(400)
    try:
        record = records.record_session(db_session(), current_user.id, _entry(form, village), form.key())
    except records.KeyTaken:
        abort(404)
    flash(_("Đã ghi buổi tập huấn ngày %(day)s.", day=record.held_on.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("author.training_session", session_id=record.id))


@bp.get("/sessions/<id:session_id>")
@access.role_required("trainer")
def training_session(session_id):
    record = _session_or_404(session_id)
    return render_template("author/sessions/show.html", record=record,
                           village=db_session().get(Unit, record.village_id),
                           course=db_session().get(Course, record.course_id) if record.course_id else None,
                           attendees=records.attendees_of(db_session(), record), resident_link=_resident_link())


@bp.route("/sessions/<id:session_id>/edit", methods=["GET", "POST"])
@access.role_required("trainer")
def edit_session(session_id):
    record = _session_or_404(session_id)
    village = _chosen_village(default=record.village_id)
    form = _form(village, record)
    if not form.validate_on_submit():
        return prg.form_page(form, lambda: _form_page(form, village, record))
    records.update_session(db_session(), current_user.id, record, _entry(form, village))
    flash(_("Đã lưu thay đổi của buổi tập huấn."), "success")
    return redirect(url_for("author.training_session", session_id=record.id))


@bp.route("/sessions/<id:session_id>/delete", methods=["GET", "POST"])
@access.role_required("trainer")
def delete_session(session_id):
    form = ConfirmForm()
    if request.method == "POST" and records.deleted_by(db_session(), current_user.id, session_id):
        return redirect(url_for("author.sessions"))  # a second tap: it is already gone
    record = _session_or_404(session_id)
    if not form.validate_on_submit():
        return prg.form_page(form, lambda: render_template(
            "author/sessions/delete.html", record=record, form=form, village=db_session().get(Unit, record.village_id)))
    records.delete_session(db_session(), current_user.id, record)
    flash(_("Đã xóa buổi tập huấn ngày %(day)s.", day=record.held_on.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("author.sessions"))
