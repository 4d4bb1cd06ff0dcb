"""The second step of a staff sign-in (enrolment of the authenticator app first), the staff member's
own second-factor page and their recovery codes. The rules are in elearn.auth.second_factor.

Between the right password and the second step the person is not signed in: the Flask session holds
only who they are, until when (5 minutes), "remember me" and where to go next. Flask-Login's
login_user happens after the second step only."""
from __future__ import annotations

import time

import segno
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from markupsafe import Markup

from elearn import prg
from elearn.access import is_staff, role_required
from elearn.auth import second_factor as factors
from elearn.auth import guard
from elearn.auth.second_factor_forms import AppCodeForm, SecondStepForm
from elearn.db import db_session
from elearn.models import User
from elearn.models.types import utcnow
from elearn.security import is_safe_next
from elearn.training.phones import national_phone

bp = Blueprint("second_factor", __name__, template_folder="templates")

PENDING = "pending_sign_in"
NEW_RECOVERY_CODES = "new_recovery_codes"  # rides from the POST to the one page that shows them, once


def begin(user: User, remember: bool, target: str):
    """After a staff member's right password (the session just cleared): the second step, or the
    enrolment of their app when they have none yet."""
    if not factors.is_enrolled(user):
        factors.begin_enrollment(db_session(), user, utcnow())
    until = int(time.time() + factors.PENDING_LIFETIME.total_seconds())
    session[PENDING] = {"user_id": user.id, "until": until, "remember": bool(remember), "next": target}
    return redirect(url_for("second_factor.enroll" if user.second_factor.confirmed_at is None
                            else "second_factor.verify"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("until"), int) or pending["until"] < time.time():
        return None
    user = db_session().get(User, pending.get("user_id"))
    return user if user is not None and is_staff(user) and user.second_factor is not None else None


def _start_again():
    if current_user.is_authenticated:
        return redirect(url_for("learn.courses"))
    if session.pop(PENDING, None) is not None:
        flash(_("Đã quá 5 phút kể từ khi bạn nhập mật khẩu. Vì an toàn, hãy đăng nhập lại."), "error")
    return redirect(url_for("auth.sign_in"))


def _finish(user: User):
    """Both factors passed: a fresh session, signed in."""
    pending = session.pop(PENDING)
    session.clear()
    login_user(user, remember=pending.get("remember", False))
    target = pending.get("next")
    return redirect(target if is_safe_next(target) else url_for("learn.courses"))


def _wait_for(user: User) -> int:
    """Seconds before this person's next code is looked at: wrong codes are limited per person
    (whichever browser or address they come from), 0 when they may try now."""
    limits = guard.request_throttle()
    return max(limits.refused_for(limit, "second-factor", str(user.id)) for limit in factors.WRONG_CODE_LIMITS)


def _count_wrong(user: User) -> None:
    for limit in factors.WRONG_CODE_LIMITS:
        guard.request_throttle().count(limit, "second-factor", str(user.id))


class _Refused(Exception):
    """The typed code was not accepted; its message is next to the field."""

    def __init__(self, headers=None):
        super().__init__()
        self.headers = headers or {}


def _checked(user: User, field, check, message=None):
    """`check()` unless the person typed too many wrong codes lately; a refusal is counted and
    said next to `field`. Raises _Refused."""
    if wait := _wait_for(user):
        field.errors.append(_("Đã nhập sai quá nhiều lần. Vì an toàn, hãy thử lại sau %(minutes)d phút.",
                              minutes=max(1, -(-wait // 60))))
        raise _Refused({"Retry-After": str(wait)})
    try:
        return check()
    except factors.SecondFactorRefused as refused:
        _count_wrong(user)
        field.errors.append(message or _refusal(refused))
        raise _Refused() from None


def _page(template: str, refused: _Refused | None = None, *, form, **context):
    """The page again; after a refused code, on its GET (Post/Redirect/Get), unless it is a slowdown (429)."""
    if refused and refused.headers:
        return render_template(template, form=form, **context), 429, refused.headers
    return prg.form_page(form, lambda: render_template(template, form=form, **context))


def _refusal(refused: factors.SecondFactorRefused) -> str:
    if refused.reason == "used":
        return _("Mã này vừa được dùng rồi. Hãy chờ ứng dụng hiện mã mới (sau ít giây) rồi nhập mã mới.")
    return _("Mã chưa đúng. Hãy nhập mã đang hiện trong ứng dụng; nếu vẫn sai, kiểm tra giờ trên điện thoại.")


def _qr_code(user: User) -> Markup:
    uri = factors.provisioning_uri(user.second_factor, national_phone(user.phone))
    # segno draws the code as paths: no text of the URI (or anything else typed) is in the SVG.
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=4, omitsize=True)
    return Markup(svg)  # nosec B704 # segno's own markup, no user text


@bp.route("/sign-in/enroll", methods=["GET", "POST"])
def enroll():
    user = _pending_user()
    if user is None:
        return _start_again()
    if factors.is_enrolled(user):
        return redirect(url_for("second_factor.verify"))
    form, refused = AppCodeForm(), None
    if form.validate_on_submit():
        try:
            codes = _checked(user, form.code, lambda: factors.confirm_enrollment(db_session(), user, form.code.data,
                                                                                 utcnow()))
        except _Refused as not_accepted:
            refused = not_accepted
        else:
            response = _finish(user)
            session[NEW_RECOVERY_CODES] = {"user_id": user.id, "codes": codes, "next": response.location}
            flash(_("Đã bật xác thực hai bước."), "success")
            return redirect(url_for("second_factor.recovery_codes"))
    return _page("auth/second_factor/enroll.html", refused, form=form, qr_code=_qr_code(user),
                 secret=factors.display_secret(user.second_factor.secret))


@bp.route("/sign-in/verify", methods=["GET", "POST"])
def verify():
    user = _pending_user()
    if user is None:
        return _start_again()
    if not factors.is_enrolled(user):
        return redirect(url_for("second_factor.enroll"))
    form, refused = SecondStepForm(), None
    if form.validate_on_submit():
        message = None if form.field_used is form.code else _(
            "Mã dự phòng chưa đúng, hoặc đã được dùng rồi (mỗi mã chỉ dùng được một lần).")
        try:
            passed = _checked(user, form.field_used,
                              lambda: factors.check_second_step(db_session(), user, form.typed, utcnow()), message)
        except _Refused as not_accepted:
            refused = not_accepted
        else:
            response = _finish(user)
            if passed.method == "recovery":
                flash(_("Bạn vừa dùng một mã dự phòng. Còn lại %(count)d mã chưa dùng.",
                        count=passed.recovery_codes_left), "success" if passed.recovery_codes_left > 2 else "error")
            return response
    return _page("auth/second_factor/verify.html", refused, form=form)


@bp.get("/me/second-factor/recovery-codes")
@role_required("trainer", "official")
def recovery_codes():
    """The new recovery codes, shown once: a reload or another page and they are gone."""
    saved = session.pop(NEW_RECOVERY_CODES, None)
    if not saved or saved.get("user_id") != current_user.id:
        return redirect(url_for("second_factor.status"))
    target = saved.get("next")
    return render_template("auth/second_factor/recovery_codes.html", codes=saved["codes"],
                           next_url=target if is_safe_next(target) else url_for("second_factor.status"))


@bp.route("/me/second-factor", methods=["GET", "POST"])
@role_required("trainer", "official")
def status():
    """The staff member's own second factor; new recovery codes need a current code from the app."""
    form, refused = AppCodeForm(), None
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            _checked(user, form.code, lambda: factors.check_app_code(db_session(), user, form.code.data, utcnow()))
        except _Refused as not_accepted:
            refused = not_accepted
        else:
            codes = factors.new_recovery_codes(db_session(), user, utcnow())
            session[NEW_RECOVERY_CODES] = {"user_id": user.id, "codes": codes, "next": url_for("second_factor.status")}
            return redirect(url_for("second_factor.recovery_codes"))
    return _page("auth/second_factor/status.html", refused, form=form, factor=user.second_factor,
                 codes_left=factors.recovery_codes_left(db_session(), user))
