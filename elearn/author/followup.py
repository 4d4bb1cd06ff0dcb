"""The follow-up list (danh sách cần hỗ trợ): per village of the trainer, the labour-age residents
not trained yet, what each still lacks and the phone number to call; sortable, printable and
downloadable as CSV for the door-to-door round (the download is audited: it holds phone numbers)."""
from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user

from elearn import access
from elearn.audit import audit
from elearn.author import followup_rules as rules
from elearn.author.training_forms import FollowUpExportForm
from elearn.inputs import parse_id
from elearn.author.views import bp
from elearn.db import db_session
from elearn.i18n import local_today
from elearn.models import Unit, User


def _village(raw: str | None) -> Unit | None:
    """The village asked for (forged or not the trainer's: 404), or the trainer's only village."""
    if raw is None:
        villages = access.visible_units(db_session(), current_user, "trainer", kinds=("village",))
        return villages[0] if len(villages) == 1 else None
    unit = access.unit_in_scope(db_session(), current_user, "trainer", parse_id(raw) or 0)
    if unit is None or unit.kind != "village" or not unit.is_active:
        abort(404)
    return unit


def _people(village: Unit, order: str) -> list[rules.Person]:
    residents = access.residents_in_scope(current_user).where(User.village_id == village.id)
    return rules.sort_people(rules.follow_up(db_session(), residents, local_today()), order)


def _order(raw: str | None) -> str:
    return raw if raw in rules.ORDERS else "progress"


@bp.get("/follow-up")
@access.role_required("trainer")
def follow_up():
    village, order = _village(request.args.get("village")), _order(request.args.get("order"))
    villages = access.visible_units(db_session(), current_user, "trainer", kinds=("village",))
    people = _people(village, order) if village else []
    export = FollowUpExportForm(formdata=None, village=village.id if village else "", order=order)
    return render_template("author/followup/list.html", village=village, villages=villages, people=people,
                           order=order, export=export, today=local_today(),
                           resident_link="author.resident" in current_app.view_functions)


@bp.post("/follow-up.csv")
@access.role_required("trainer")
def follow_up_export():
    form = FollowUpExportForm()
    village = _village(form.village.data or None)
    if not form.validate_on_submit() or village is None:
        abort(400)
    people = _people(village, _order(form.order.data))
    audit(db_session(), "follow_up_exported", actor_id=current_user.id, village_id=village.id, rows=len(people))
    return Response(rules.to_csv(village.name, local_today(), people), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=can-ho-tro-{village.id}-{local_today():%Y%m%d}.csv",
        "Cache-Control": "no-store"})
