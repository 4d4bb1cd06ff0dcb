"""Scam alerts (cảnh báo lừa đảo). Trainers and officials post a short alert for a unit of their own
scope, see their alerts with how many residents there have read them, change or end them early.
Residents see theirs on their course list (learn.courses) and mark each read. Every scope check is
in elearn.access; the rules in elearn.training.alerts; the writes in elearn.records.alerts."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn import access, prg
from elearn.alerts.forms import DEFAULT_ADVICE, AlertForm, EndForm
from elearn.db import db_session
from elearn.i18n import local_today
from elearn.models.types import utcnow
from elearn.records import alerts as records
from elearn.training.alerts import POSTING_ROLES

bp = Blueprint("alerts", __name__, template_folder="templates", url_prefix="/alerts")


def _alert_or_404(alert_id: int):
    return access.alert_in_scope(db_session(), current_user, alert_id) or abort(404)


def _form(alert=None) -> AlertForm:
    data = {"advice": str(DEFAULT_ADVICE)} if alert is None else {
        "unit_id": alert.unit_id, "title": alert.title, "body": alert.body, "advice": alert.advice,
        "expires_on": alert.expires_on}
    return AlertForm(today=local_today(), units=access.alert_units(db_session(), current_user), data=data)


def _entry(form: AlertForm) -> records.AlertEntry:
    """What a validated form says (each field checked: anything else is a forged request, 400)."""
    unit_id, day = form.unit_id.data, form.expires_on.day
    if not isinstance(unit_id, int) or day is None:
        abort(400)
    return records.AlertEntry(unit_id, form.title.data or "", form.body.data or "", form.advice.data or "", day)


def _form_page(form: AlertForm, alert=None):
    return render_template("alerts/form.html", form=form, alert=alert, end_form=EndForm())


def _refused_or_page(form: AlertForm, alert=None):
    """Post/Redirect/Get (elearn.prg): a refused form goes back to its GET with what was typed and each
    message by its field; the GET puts that draft back, once."""
    if request.method == "GET":
        prg.restore(form)
        return _form_page(form, alert)
    return prg.refused(form, lambda: _form_page(form, alert))


@bp.get("/")
@access.role_required(*POSTING_ROLES)
def index():
    listed = records.listed(db_session(), access.alerts_in_scope(current_user), local_today())
    return render_template("alerts/index.html", listed=listed, end_form=EndForm())


@bp.route("/new", methods=["GET", "POST"])
@access.role_required(*POSTING_ROLES)
def new_alert():
    form = _form()
    if request.method == "GET" or not form.validate_on_submit():
        return _refused_or_page(form)
    key, entry = form.key(), _entry(form)
    if key is None:
        abort(400)
    try:
        records.post_alert(db_session(), current_user.id, entry, key, local_today())
    except records.KeyTaken:
        abort(404)
    flash(_("Đã gửi cảnh báo. Người dân sẽ thấy ở trang Khóa học đến hết ngày %(day)s.",
            day=entry.expires_on.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("alerts.index"), code=303)


@bp.route("/<id:alert_id>/edit", methods=["GET", "POST"])
@access.role_required(*POSTING_ROLES)
def edit_alert(alert_id):
    alert = _alert_or_404(alert_id)
    form = _form(alert)
    if request.method == "GET" or not form.validate_on_submit():
        return _refused_or_page(form, alert)
    records.update_alert(db_session(), current_user.id, alert, _entry(form))
    flash(_("Đã lưu thay đổi của cảnh báo."), "success")
    return redirect(url_for("alerts.index"), code=303)


@bp.post("/<id:alert_id>/end")
@access.role_required(*POSTING_ROLES)
def end_alert(alert_id):
    alert = _alert_or_404(alert_id)
    if EndForm().validate_on_submit() and records.end_alert(db_session(), current_user.id, alert, utcnow()):
        flash(_("Đã kết thúc cảnh báo \u201c%(title)s\u201d: người dân không còn thấy nữa.", title=alert.title),
              "success")
    return redirect(url_for("alerts.index"), code=303)


@bp.post("/<id:alert_id>/read")
@access.consent_required
def mark_read(alert_id):
    """"Tôi đã đọc" on the resident's course list: recorded once however often it is tapped, then
    back to the list (Post/Redirect/Get). An alert not meant for the resident's village is a 404."""
    alert = records.for_resident(db_session(), access.units_over_home(current_user), alert_id) or abort(404)
    records.mark_read(db_session(), current_user.id, alert.id)
    flash(_("Cảm ơn bạn đã đọc cảnh báo. Hãy nhắc người thân cùng cảnh giác."), "success")
    return redirect(url_for("learn.courses", _anchor="alerts"), code=303)
