"""The admin's pages: administrative units and staff accounts."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field, Form

from elearn import prg
from elearn import units as unit_services
from elearn.access import is_admin, is_staff, role_required
from elearn.admin import audit_forms, audit_log, forms, services
from elearn.auth import second_factor
from elearn.admin.messages import KIND_LABELS, ROLE_NAMES, message_for, row_message, show_problems
from elearn.db import db_session, discard_request_changes
from elearn.models import Unit, User
from elearn.models.types import utcnow
from elearn.author.resident_forms import page_number
from elearn.problems import Refused
from elearn.learn import services as learning
from elearn.records import codes, trained

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

# The new account's password rides in the signed session cookie from the form's redirect to the
# one page that shows it, and is dropped there.
ONE_TIME_PASSWORD = "admin_one_time_password"
ONE_TIME_CODE = "admin_one_time_code"  # the same way, for a one-time code to set a new password
REMOVE_ROLE = "remove_role"  # the draft of a refused removal of a role: its messages only
# Example rows of the downloadable template: replaced by the commune's own list.
TEMPLATE_ROWS = (("tinh", "51", "Tỉnh Quảng Ngãi", ""), ("xa", "21178", "Xã Tịnh Trà", "51"),
                 ("thon", "", "Thôn Trà Bình", "21178"))


@bp.context_processor
def names():
    return {"kind_labels": KIND_LABELS, "role_names": ROLE_NAMES}


def _unit_or_404(unit_id: int) -> Unit:
    return db_session().get(Unit, unit_id) or abort(404)


def _person_or_404(user_id: int) -> User:
    return services.person(db_session(), user_id) or abort(404)


def _refused(form: Form, refused: Refused, fallback: Field | None = None) -> list[str]:
    """A refused change keeps nothing of this request; the problems go next to their fields."""
    discard_request_changes()
    return show_problems(form, refused.problems, fallback)


@bp.get("/")
@role_required("admin")
def index():
    return render_template("admin/index.html", overview=services.overview(db_session()))


# Units: the tree, one unit's page, adding, renaming, merging, removing sample data, importing.

def _units_page(form: forms.AddUnitForm, status: int = 200):
    return render_template("admin/units.html", tree=services.unit_tree(db_session()), form=form), status


def _add_unit_form(**kwargs) -> forms.AddUnitForm:
    return forms.AddUnitForm(parents=services.active_units(db_session(), ("province", "commune")), **kwargs)


@bp.get("/units")
@role_required("admin")
def units():
    # After adding a village, the form keeps its level and commune for the next one.
    form = _add_unit_form(formdata=None, kind=request.args.get("kind"),
                          parent_id=forms.chosen_id(request.args.get("parent_id")))
    prg.restore(form)  # a refused unit comes back once, as typed, with its messages
    return _units_page(form)


@bp.post("/units")
@role_required("admin")
def add_unit():
    form, here = _add_unit_form(), url_for("admin.units")
    page = lambda: _units_page(form, 400)  # noqa: E731
    if not form.validate_on_submit():
        return prg.refused(form, page, anchor="#add", shown_on=here)
    if (again := prg.tapped_again(form, page, shown_on=here)) is not None:
        return again  # a double tap: where the first one led
    parent = _unit_or_404(form.parent_id.data) if form.parent_id.data else None
    try:
        unit = unit_services.add_unit(db_session(), kind=form.kind.data, name=form.name.data, parent=parent,
                                      code=form.code.data or None, actor_id=current_user.id)
    except Refused as refused:
        _refused(form, refused, form.name)
        return prg.refused(form, page, anchor="#add", shown_on=here)
    flash(_("Đã thêm %(name)s. Bạn có thể thêm đơn vị tiếp theo.", name=unit.name), "success")
    target = url_for("admin.units", kind=unit.kind, parent_id=unit.parent_id, _anchor="add")
    prg.settle_key(form, current_user.id, target)
    return redirect(target)


def _unit_page(unit: Unit, status: int = 200, **given_forms):
    session = db_session()
    page_forms = {
        "rename_form": given_forms.get("rename_form") or forms.RenameUnitForm(formdata=None, obj=unit),
        "merge_form": given_forms.get("merge_form") or forms.MergeForm(
            formdata=None, targets=services.merge_targets(session, unit)),
        "remove_form": given_forms.get("remove_form") or forms.RemoveUnitForm(formdata=None),
    }
    return render_template("admin/unit.html", unit=unit, above=unit_services.ancestors_and_self(session, unit)[:-1],
                           children=services.children_of(session, unit),
                           history=services.unit_history(session, unit), **page_forms), status


@bp.get("/units/<id:unit_id>")
@role_required("admin")
def unit(unit_id):
    unit = _unit_or_404(unit_id)
    page_forms = {"rename_form": forms.RenameUnitForm(formdata=None, obj=unit),
                  "merge_form": forms.MergeForm(formdata=None, targets=services.merge_targets(db_session(), unit)),
                  "remove_form": forms.RemoveUnitForm(formdata=None)}
    for form in page_forms.values():
        prg.restore(form)  # the one refused here comes back once, with its messages
    return _unit_page(unit, **page_forms)


def _unit_refused(unit: Unit, **given_form):
    """A refused rename, merge or removal: 303 to the unit's page, which shows it again."""
    form = next(iter(given_form.values()))
    return prg.refused(form, lambda: _unit_page(unit, 400, **given_form),
                       shown_on=url_for("admin.unit", unit_id=unit.id))


@bp.post("/units/<id:unit_id>/rename")
@role_required("admin")
def rename_unit(unit_id):
    unit = _unit_or_404(unit_id)
    form = forms.RenameUnitForm()
    if form.validate_on_submit():
        try:
            unit_services.rename_unit(db_session(), unit, form.name.data, form.code.data or None, current_user.id)
        except Refused as refused:
            _refused(form, refused, form.name)
        else:
            flash(_("Đã lưu tên và mã của %(name)s.", name=unit.name), "success")
            return redirect(url_for("admin.unit", unit_id=unit.id))
    return _unit_refused(unit, rename_form=form)


@bp.post("/units/<id:unit_id>/merge")
@role_required("admin")
def merge_unit(unit_id):
    """The first post shows what will move (nothing changes); the confirmed second one merges."""
    unit = _unit_or_404(unit_id)
    form = forms.MergeForm(targets=services.merge_targets(db_session(), unit))
    if form.validate_on_submit():
        target = _unit_or_404(form.target_id.data)
        try:
            if form.confirmed.data != "yes":
                plan = unit_services.plan_merge(db_session(), unit, target)
                return render_template("admin/merge.html", plan=plan, form=form)
            unit_services.merge_units(db_session(), unit, target, current_user.id)
        except Refused as refused:
            _refused(form, refused, form.target_id)
        else:
            flash(_("Đã sáp nhập %(source)s vào %(target)s.", source=unit.name, target=target.name), "success")
            return redirect(url_for("admin.unit", unit_id=target.id))
    return _unit_refused(unit, merge_form=form)


@bp.post("/units/<id:unit_id>/remove")
@role_required("admin")
def remove_unit(unit_id):
    unit = _unit_or_404(unit_id)
    form = forms.RemoveUnitForm()
    if form.validate_on_submit():
        name = unit.name
        try:
            removed = unit_services.remove_demo_unit(db_session(), unit, current_user.id)
        except Refused as refused:
            _refused(form, refused, form.confirm)
        else:
            flash(_("Đã xóa %(name)s và %(count)s đơn vị bên trong.", name=name, count=removed - 1), "success")
            return redirect(url_for("admin.units"))
    return _unit_refused(unit, remove_form=form)


@bp.route("/units/import", methods=["GET", "POST"])
@role_required("admin")
def import_units():
    form, here, problems = forms.ImportUnitsForm(), url_for("admin.import_units"), list[str]()
    page = lambda: render_template("admin/import.html", form=form, problems=problems)  # noqa: E731
    if request.method == "GET":
        problems = (prg.restore(form) or {}).get("problems", [])  # a refused file: its rows' messages, once
        return page()
    if not form.validate_on_submit():
        return prg.refused(form, page, keep_data=False, shown_on=here)
    try:
        report = unit_services.import_units(db_session(), form.file.data.read(), current_user.id)
    except Refused as refused:
        problems = [str(row_message(problem)) for problem in refused.problems]
        form.file.errors = [_("Chưa nhập gì: tệp có %(count)s lỗi, xem danh sách ở trên.", count=len(problems))]
        return prg.refused(form, page, {"problems": problems}, discard=True, keep_data=False, shown_on=here)
    flash(_("Đã nhập xong: %(added)s đơn vị mới, %(renamed)s đổi tên, %(unchanged)s không đổi.",
            added=report.added, renamed=report.renamed, unchanged=report.unchanged), "success")
    return redirect(url_for("admin.units"))


@bp.get("/units/import/template.csv")
@role_required("admin")
def import_template():
    # With a BOM, so that Excel reads the accents as UTF-8 when it opens the file.
    lines = [",".join(unit_services.CSV_COLUMNS)] + [",".join(row) for row in TEMPLATE_ROWS]
    return Response("\ufeff" + "\r\n".join(lines) + "\r\n", mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=mau-danh-sach-don-vi.csv"})


# Staff accounts and their roles.

@bp.route("/required-courses", methods=["GET", "POST"])
@role_required("admin")
def required_courses():
    """Which published courses make "trained". A change applies from now on: people already trained
    keep the set they were trained under, shown below with how many were trained under each."""
    session = db_session()
    courses = learning.published_courses(session)
    form = forms.RequiredCoursesForm(courses=courses)
    page = lambda: render_template("admin/required_courses.html", form=form, courses=courses,  # noqa: E731
                                   history=trained.required_set_history(session))
    if request.method == "GET":
        if prg.restore(form) is None:
            form.course_ids.data = [course.id for course in courses if course.required]
        return page()
    if not form.validate_on_submit() or form.course_ids.forged:
        if form.course_ids.forged:
            form.course_ids.errors = [_("Có khóa học không còn trong danh sách. Hãy chọn lại.")]
        return prg.refused(form, page)
    try:
        trained.choose_required_courses(session, form.course_ids.data, current_user.id)
    except Refused as refused:
        _refused(form, refused, form.course_ids)
        return prg.refused(form, page)
    flash(_("Đã lưu danh sách khóa học bắt buộc. Người đã được đào tạo vẫn giữ kết quả của mình."), "success")
    return redirect(url_for("admin.required_courses"), code=303)


@bp.get("/staff")
@role_required("admin")
def staff():
    return render_template("admin/staff.html", people=services.staff_members(db_session()))


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required("admin")
def new_staff():
    form, holder = forms.NewStaffForm(units=services.active_units(db_session())), None
    page = lambda: render_template("admin/new_staff.html", form=form, holder=holder)  # noqa: E731
    if request.method == "GET":
        kept = prg.restore(form) or {}
        holder = _person_or_404(kept["holder"]) if kept.get("holder") else None
        return page()
    if not form.validate_on_submit():
        return prg.refused(form, page, _holder_of(form))
    if (again := prg.tapped_again(form, page)) is not None:
        return again  # a double tap: the account the first one made
    data = services.NewStaff(form.full_name.data, form.phone.normal, form.role.data, form.unit_id.data or None)
    try:
        user, password = services.create_staff_account(db_session(), data, current_user.id)
    except Refused as refused:
        _refused(form, refused, form.unit_id)
        return prg.refused(form, page, _holder_of(form))
    browser_session[ONE_TIME_PASSWORD] = {"user_id": user.id, "password": password}
    flash(_("Đã tạo tài khoản cho %(name)s.", name=user.full_name), "success")
    target = url_for("admin.staff_member", user_id=user.id)
    prg.settle_key(form, current_user.id, target)
    return redirect(target)


def _holder_of(form: forms.NewStaffForm) -> dict:
    """The phone may be a resident's: the page offers to give that person the role instead."""
    holder = services.phone_holder(db_session(), form.phone.normal) if form.phone.normal else None
    return {"holder": holder.id} if holder else {}


def _person_page(user: User, status: int = 200, form: forms.AssignmentForm | None = None,
                 problems: Sequence[str] = (), password: str | None = None, code: dict | None = None):
    form = form or forms.AssignmentForm(formdata=None, units=services.active_units(db_session()))
    return render_template("admin/person.html", person=user, form=form, problems=problems,
                           one_time_password=password, one_time_code=code), status


@bp.get("/staff/<id:user_id>")
@role_required("admin")
def staff_member(user_id):
    user = _person_or_404(user_id)
    form = forms.AssignmentForm(formdata=None, units=services.active_units(db_session()))
    prg.restore(form)  # a refused role comes back once, with its message
    problems = (prg.restore(None, form_name=REMOVE_ROLE) or {}).get("problems", [])
    saved = browser_session.pop(ONE_TIME_PASSWORD, None)  # shown once, whichever page comes next
    password = saved["password"] if saved and saved.get("user_id") == user.id else None
    code = browser_session.pop(ONE_TIME_CODE, None)
    if code and code.get("user_id") == user.id:
        code = dict(code, expires=datetime.fromisoformat(code["expires"]))
    else:
        code = None
    return _person_page(user, form=form, problems=problems, password=password, code=code)


@bp.post("/staff/<id:user_id>/code")
@role_required("admin")
def issue_code(user_id):
    """A one-time code for a staff member who forgot their password (trainers never issue these for staff)."""
    user = _person_or_404(user_id)
    now = utcnow()
    try:
        code = codes.issue_code(db_session(), user, "reset", current_user.id, current_app.secret_key, now)
    except Refused:
        discard_request_changes()
        flash(_("Bạn đã cấp %(limit)s mã trong một giờ qua, là mức tối đa. Hãy chờ một lát rồi thử lại.",
                limit=codes.ISSUE_LIMIT), "error")
        return redirect(url_for("admin.staff_member", user_id=user.id))
    browser_session[ONE_TIME_CODE] = {"user_id": user.id, "code": codes.display_code(code),
                                      "expires": (now + codes.LIFETIME).isoformat()}
    return redirect(url_for("admin.staff_member", user_id=user.id))


@bp.post("/staff/<id:user_id>/second-factor/reset")
@role_required("admin")
def reset_second_factor(user_id):
    """A staff member lost their phone and their recovery codes: their app is removed, every session
    of theirs ends, and they add the app again at their next sign-in."""
    user = _person_or_404(user_id)
    if not is_staff(user):
        abort(404)
    second_factor.reset(db_session(), user, current_user.id)
    flash(_("Đã đặt lại xác thực hai bước của %(name)s. Lần đăng nhập sau, họ sẽ thêm lại tài khoản vào "
            "ứng dụng xác thực.", name=user.full_name), "success")
    return redirect(url_for("admin.staff_member", user_id=user.id))


@bp.post("/staff/<id:user_id>/roles")
@role_required("admin")
def add_role(user_id):
    user = _person_or_404(user_id)
    form, here = forms.AssignmentForm(units=services.active_units(db_session())), url_for("admin.staff_member",
                                                                                         user_id=user.id)
    page = lambda: _person_page(user, 400, form=form)  # noqa: E731
    if not form.validate_on_submit():
        return prg.refused(form, page, shown_on=here)
    if (again := prg.tapped_again(form, page, shown_on=here)) is not None:
        return again  # a double tap: the person's page, the role given once
    try:
        services.assign_role(db_session(), user, form.role.data, form.unit_id.data or None, current_user.id)
    except Refused as refused:
        _refused(form, refused, form.unit_id)
        return prg.refused(form, page, shown_on=here)
    flash(_("Đã giao vai trò %(role)s cho %(name)s.", role=ROLE_NAMES[form.role.data], name=user.full_name),
          "success")
    prg.settle_key(form, current_user.id, here)
    return redirect(here)


@bp.post("/staff/<id:user_id>/roles/<id:assignment_id>/remove")
@role_required("admin")
def remove_role(user_id, assignment_id):
    user = _person_or_404(user_id)
    assignment = services.assignment_of(user, assignment_id) or abort(404)
    try:
        services.remove_role(db_session(), user, assignment, current_user.id)
    except Refused as refused:
        problems = [str(message_for(problem)) for problem in refused.problems]
        return prg.refused(None, lambda: _person_page(user, 400, problems=problems), {"problems": problems},
                           form_name=REMOVE_ROLE, discard=True,
                           shown_on=url_for("admin.staff_member", user_id=user.id))
    flash(_("Đã bỏ vai trò %(role)s của %(name)s.", role=ROLE_NAMES[assignment.role], name=user.full_name), "success")
    if not is_admin(current_user):  # an admin who gave up their own admin role has no admin pages left
        return redirect(url_for("learn.home"))
    return redirect(url_for("admin.staff_member", user_id=user.id))


# The audit trail: who did what, newest first.

@bp.get("/audit")
@role_required("admin")
def audit():
    session = db_session()
    form = audit_forms.AuditFilterForm(request.args, actions=audit_log.actions(session))
    form.check()
    found = audit_log.audit_page(session, form.query(page_number(request.args.get("page"))),
                                 ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    filters = {name: request.args.get(name) for name in ("action", "since", "until", "actor") if request.args.get(name)}
    return render_template("admin/audit.html", form=form, found=found, filters=filters), 400 if form.errors else 200
