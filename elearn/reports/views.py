"""The officials' pages: progress toward the targets, the period report and its files, population
figures, API tokens. Every page is scoped through elearn.access; anything else is 404."""
from __future__ import annotations

from datetime import date
from fractions import Fraction

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn import access, prg
from elearn.audit import audit
from elearn.db import db_session
from elearn.forms import parse_day
from elearn.i18n import format_day, format_number, format_percent, local_today
from elearn.models.types import utcnow
from elearn.reports import exports, population, tokens
from elearn.reports.figures import build_report
from elearn.reports.forms import (AsOfForm, ExportForm, PeriodForm, PopulationUploadForm, TokenForm, entries_from,
                                  includes_external, population_form, show_problems, year_from)
from elearn.reports.messages import saved_message, with_row
from elearn.reports.sorting import Sort, sorted_rows

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")

REPORT_KINDS = ("province", "commune")


@bp.app_template_filter("cell")
def format_cell(value) -> str:
    """A report cell as the page shows it: numbers grouped, shares as percents, dates dd/mm/yyyy."""
    if isinstance(value, Fraction):
        return format_percent(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, int):
        return format_number(value)
    return "–" if value is None else value


def year_range() -> tuple[int, int]:
    return local_today().year + 1, population.FIRST_YEAR


def unit_or_404(unit_id: int, kinds=REPORT_KINDS):
    unit = access.unit_in_scope(db_session(), current_user, "official", unit_id)
    if unit is None or unit.kind not in kinds or not unit.is_active:
        abort(404)
    return unit


@bp.get("/")
@access.role_required("official")
def index():
    units = access.visible_units(db_session(), current_user, "official", kinds=REPORT_KINDS)
    if len(units) == 1:
        return redirect(url_for("reports.dashboard", unit_id=units[0].id))
    return render_template("reports/index.html", units=units)


@bp.get("/<id:unit_id>")
@access.role_required("official")
def dashboard(unit_id):
    unit = unit_or_404(unit_id)
    today = local_today()
    form = AsOfForm(request.args, today=today)
    valid = form.check()  # a message next to a wrong field; the figures below use the default
    day = today if form.as_of.errors else form.as_of.day or today
    if not form.as_of.errors:
        form.as_of.process_data(day)
    report = build_report(db_session(), unit, day, include_external=includes_external(form))
    sort = Sort.from_args(request.args)
    return render_template("reports/dashboard.html", unit=unit, report=report, form=form, today=today,
                           rows=sorted_rows(report.rows, sort), sort=sort), 200 if valid else 400


@bp.get("/<id:unit_id>/period")
@access.role_required("official")
def period(unit_id):
    unit = unit_or_404(unit_id)
    form = PeriodForm(request.args, today=local_today())
    if not form.validate():
        return render_template("reports/period.html", unit=unit, form=form, report=None), 400
    start, end = form.period()
    include = includes_external(form)
    report = build_report(db_session(), unit, end, since=start, activity_since=start, include_external=include)
    export = ExportForm(start=start.isoformat(), end=end.isoformat(), external="yes" if include else "no")
    return render_template("reports/period.html", unit=unit, form=form, report=report, export=export,
                           tables=exports.report_tables(report), nominal_end=form.nominal_end())


@bp.post("/<id:unit_id>/period.<any(xlsx, csv):kind>")
@access.role_required("official")
def export(unit_id, kind):
    unit = unit_or_404(unit_id)
    form = ExportForm()
    start, end = parse_day(form.start.data), parse_day(form.end.data)
    if not form.validate_on_submit() or not start or not end or not start <= end <= local_today():
        abort(400)
    include = form.external.data == "yes"
    report = build_report(db_session(), unit, end, since=start, activity_since=start, include_external=include)
    audit(db_session(), "report_exported", actor_id=current_user.id, unit_id=unit.id, format=kind,
          start=start.isoformat(), end=end.isoformat(), **({"external_included": True} if include else {}))
    body, mimetype = exports.render(report, kind)
    name = f"bao-cao-{unit.id}-{start:%Y%m%d}-{end:%Y%m%d}.{kind}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}",
                                                      "Cache-Control": "no-store"})


@bp.route("/<id:unit_id>/population", methods=["GET", "POST"])
@access.role_required("official")
def population_figures(unit_id):
    unit = unit_or_404(unit_id, kinds=("commune",))
    villages = population.villages_of(db_session(), unit)
    year = year_from(request.values.get("year"), local_today())
    form = population_form(villages, population.figures_of(db_session(), [v.id for v in villages], year),
                           request.form if request.method == "POST" else None)
    upload, errors = PopulationUploadForm(formdata=None), list[str]()
    page = lambda: render_template("reports/population.html", unit=unit, villages=villages,  # noqa: E731
                                   form=form, year=year, years=year_range(), upload=upload, errors=errors)
    here = url_for("reports.population_figures", unit_id=unit.id, year=year)
    if request.method == "GET":
        prg.restore(form)  # a refused form (here, or an upload) comes back once, with its messages
        errors = (prg.restore(upload) or {}).get("errors", [])
        return page()
    if form.validate_on_submit():
        entries, problems = entries_from(form, villages, year)
        if not problems:
            saved = population.save_figures(db_session(), entries, form.source.data, current_user.id, unit.id)
            flash(saved_message(saved), "success")
            return redirect(here)
        show_problems(form, problems)
    return prg.refused(form, page, shown_on=here)


@bp.post("/<id:unit_id>/population/upload")
@access.role_required("official")
def population_upload(unit_id):
    unit = unit_or_404(unit_id, kinds=("commune",))
    villages = population.villages_of(db_session(), unit)
    upload = PopulationUploadForm()
    file = request.files.get("file")
    entries, problems = population.read_csv(file.read() if file else b"", villages, local_today().year)
    if upload.validate_on_submit() and not problems:
        saved = population.save_figures(db_session(), entries, upload.source.data, current_user.id, unit.id)
        flash(saved_message(saved), "success")
        return redirect(url_for("reports.population_figures", unit_id=unit.id))
    year = local_today().year
    form = population_form(villages, population.figures_of(db_session(), [v.id for v in villages], year), None)
    errors = [str(with_row(p)) for p in problems]
    page = lambda: render_template("reports/population.html", unit=unit, villages=villages,  # noqa: E731
                                   form=form, year=year, years=year_range(), upload=upload, errors=errors)
    return prg.refused(upload, page, {"errors": errors}, anchor="#upload",
                       shown_on=url_for("reports.population_figures", unit_id=unit.id, year=year))


@bp.get("/<id:unit_id>/population/template.csv")
@access.role_required("official")
def population_template(unit_id):
    unit = unit_or_404(unit_id, kinds=("commune",))
    body = population.template_csv(population.villages_of(db_session(), unit), local_today().year)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=so-dan-{unit.id}.csv", "Cache-Control": "no-store"})


@bp.route("/tokens", methods=["GET", "POST"])
@access.role_required("official")
def api_tokens():
    units = access.visible_units(db_session(), current_user, "official", kinds=REPORT_KINDS)
    form = TokenForm(units=units)
    page = lambda: render_template(  # noqa: E731
        "reports/tokens.html", form=form, now=utcnow(), new_token=session.pop("new_api_token", None),
        tokens=tokens.tokens_for_units(db_session(), access.units_in_scope(current_user, "official")))
    if not form.validate_on_submit():
        return prg.form_page(form, page)
    if (again := prg.tapped_again(form, page)) is not None:
        return again  # a double tap: one token, the list where the first one led
    unit = unit_or_404(form.unit_id.data)  # type: ignore[arg-type] # a validated choice
    _token, plain = tokens.create_token(db_session(), name=form.name.data, unit=unit, days=form.days.data,
                                        actor_id=current_user.id, now=utcnow())
    session["new_api_token"] = plain  # shown once, on the next page, then forgotten
    prg.settle_key(form, current_user.id, url_for("reports.api_tokens"))
    return redirect(url_for("reports.api_tokens"))


@bp.post("/tokens/<id:token_id>/revoke")
@access.role_required("official")
def revoke_api_token(token_id):
    listed = tokens.tokens_for_units(db_session(), access.units_in_scope(current_user, "official"))
    token = next((t for t in listed if t.id == token_id), None) or abort(404)
    if ExportForm().validate_on_submit():
        tokens.revoke_token(db_session(), token, current_user.id, utcnow())
        flash(_("Đã thu hồi mã \u201c%(name)s\u201d. Hệ thống dùng mã này sẽ không lấy được số liệu nữa.",
                name=token.name), "success")
    return redirect(url_for("reports.api_tokens"))
