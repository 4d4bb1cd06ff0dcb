"""Registration, sign-in and the resident's own data (see, correct, export, withdraw, delete)."""
from __future__ import annotations

import json
import re
from datetime import date, datetime

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from elearn.audit import audit
from elearn.access import is_staff, needs_consent
from elearn import privacy as personal_data  # the view `privacy` below shows the notice
from elearn.auth import guard, second_factor_views, services
from elearn.auth.forms import (ChangePasswordForm, CodeForm, ConfirmForm, ConsentForm, PasswordCheckForm,
                               ProfileForm, RegistrationForm, SignInForm)
from elearn.db import db_session
from elearn.extensions import csrf
from elearn import prg
from elearn.forms import password_message
from elearn.i18n import LANGUAGE_COOKIE, format_day, format_moment, local_today
from elearn.models import Unit, UsedFormKey
from elearn.models.types import utcnow
from elearn.problems import Refused
from elearn.records.codes import MAX_FAILED_ATTEMPTS, CodeNotAccepted
from elearn.units import active_villages
from elearn.security import is_safe_next
from elearn.training.phones import national_phone

bp = Blueprint("auth", __name__, template_folder="templates")


def villages() -> list[tuple[Unit, str]]:
    return active_villages(db_session())


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return _("%(count)d giây", count=seconds)
    return _("%(count)d phút", count=-(-seconds // 60))


def _slowed_down(field, seconds: int) -> None:
    field.errors.append(_("Đã có nhiều lần nhập sai. Để giữ an toàn, hãy chờ %(wait)s rồi thử lại.",
                          wait=_wait_text(seconds)))


def _too_many_phone_taken(form, phone: str):
    """The registration page with 429 while this address (or phone) has been told too often."""
    wait = guard.phone_taken_wait(phone)
    if not wait:
        return None
    form.phone.errors.append(_("Đã có quá nhiều lần đăng ký bằng số điện thoại đã có tài khoản. Để giữ an toàn, "
                               "hãy chờ %(wait)s rồi thử lại.", wait=_wait_text(wait)))
    form.password.errors.append(_password_not_kept())
    return render_template("auth/register.html", form=form), 429, {"Retry-After": str(wait)}


def _password_not_kept() -> str:
    return _("Vì an toàn, mật khẩu không được giữ lại. Hãy nhập lại mật khẩu.")


def _register_refused(form: RegistrationForm, reused: UsedFormKey | None = None):
    """The form again on its GET (Post/Redirect/Get), with what was typed but the password, asked for again plainly."""
    if not form.password.errors:
        form.password.errors = [_password_not_kept()]
    page = lambda: render_template("auth/register.html", form=form)  # noqa: E731
    return prg.refuse_reused(form, page) if reused else prg.refused(form, page, discard=True)


def _signed_in_here(form: RegistrationForm | None = None):
    """Someone signed in opens the registration page (Back from the course list after registering):
    a page saying so, with the way on; a second tap of the form that made their account goes where the first did."""
    if form is not None:
        earlier = prg.earlier_use(form)
        return (earlier and prg.repeat_redirect(earlier)) or redirect(url_for("auth.register"), code=303)
    return render_template("auth/signed_in.html", sign_out_form=ConfirmForm())


def _welcome(user, target: str):
    session.clear()  # a fresh session at sign-in
    login_user(user)
    flash(_("Chào mừng %(name)s! Tài khoản của bạn đã sẵn sàng.", name=user.full_name), "success")
    return redirect(target)


def _register_again(form: RegistrationForm, earlier: UsedFormKey, phone: str, password: str):
    """The same registration form sent again (a double tap): signed in and sent where the first one went,
    when it made this phone's account lately and the password is that account's; else refused plainly."""
    user = services.authenticate(db_session(), phone, password) if earlier.user_id else None
    if user is not None and user.id == earlier.user_id and prg.repeat_redirect(earlier, user.id):
        return _welcome(user, earlier.target)
    return _register_refused(form, reused=earlier)


@bp.route("/register", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token: a double tap's second request may come with the session the first made
def register():
    form = RegistrationForm(villages=villages(), today=local_today())
    if current_user.is_authenticated:
        return _signed_in_here(form if request.method == "POST" else None)
    if request.method == "GET":
        prg.restore(form)
        return render_template("auth/register.html", form=form)
    if not form.validate_on_submit():
        return _register_refused(prg.checked_token(form))
    data = form.to_registration(current_app.config["PRIVACY_NOTICE_VERSION"])
    if refused := _too_many_phone_taken(form, data.phone):
        return refused
    if (earlier := prg.claim_key(form)) is not None:
        return _register_again(form, earlier, data.phone, data.password)
    try:
        user = services.register_resident(db_session(), data)
    except Refused:  # its one refusal: the phone has an account
        guard.count_phone_taken(data.phone)
        form.phone.errors.append(_("Số điện thoại này đã có tài khoản. Hãy đăng nhập, hoặc nhờ Tổ Công nghệ số "
                                   "cộng đồng giúp nếu quên mật khẩu."))
        return _register_refused(form)
    target = url_for("learn.courses")
    prg.settle_key(form, user.id, target)
    return _welcome(user, target)


@bp.route("/sign-in", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token: a double tap's second request may come with the session the first made
def sign_in():
    next_url = request.args.get("next")
    target = next_url if is_safe_next(next_url) else url_for("learn.courses")
    if current_user.is_authenticated:  # a second tap goes on; Back from the course list shows a page
        return redirect(target, code=303) if next_url or request.method == "POST" else _signed_in_here()
    form = SignInForm()
    page = lambda: render_template("auth/sign_in.html", form=form, asked=bool(next_url))  # noqa: E731
    if not form.validate_on_submit():
        return prg.form_page(prg.checked_token(form), page)
    counters = guard.counters(form.phone.normal)
    if wait := guard.request_throttle().wait("sign-in", counters):  # looked at before the password: a slowdown
        _slowed_down(form.password, wait)
        return render_template("auth/sign_in.html", form=form), 429, {"Retry-After": str(wait)}
    user = services.authenticate(db_session(), form.phone.normal, form.password.data)
    if user is None:
        guard.request_throttle().failed("sign-in", counters)
        form.password.errors.append(_("Số điện thoại hoặc mật khẩu chưa đúng. Vui lòng thử lại."))
        return prg.refused(form, page)
    guard.request_throttle().forget("sign-in", counters[:1])  # the phone's (or this device's), never the address's
    session.clear()  # a fresh session at sign-in
    if is_staff(user):  # signed in only after the second factor
        return guard.remember_device(second_factor_views.begin(user, form.remember.data, target), user.phone)
    login_user(user, remember=form.remember.data)
    if needs_consent(user):  # a new version of the privacy notice (or consent withdrawn): asked first
        target = url_for("auth.consent", next=target)
    return guard.remember_device(redirect(target), user.phone)


def _show_refusal(form, refused: Refused) -> None:
    """A refusal of auth.services (a new password, a corrected profile): each message next to its field."""
    for problem in refused.problems:
        if problem.code == "password_refused":
            message = password_message(problem.values["reason"])
        elif problem.code == "wrong_password":
            message = _("Để đổi số điện thoại, hãy nhập đúng mật khẩu hiện tại của bạn.")
        else:  # phone_taken
            message = _("Số điện thoại này đã được dùng cho một tài khoản khác.")
        form[problem.field].errors.append(message)


def _code_message(refused: CodeNotAccepted) -> str:
    ask = _("Hãy nhờ Tổ Công nghệ số cộng đồng ở thôn cấp cho bạn mã mới.")
    if refused.reason == "too_many_tries":
        return _("Mã đã bị hủy vì nhập sai %(count)d lần.", count=MAX_FAILED_ATTEMPTS) + " " + ask
    if refused.reason == "expired":
        return _("Mã này đã hết hạn (mã chỉ dùng được trong %(hours)d giờ).", hours=CodeForm.lifetime_hours) + " " + ask
    if refused.reason == "used":
        return _("Mã này đã được dùng rồi: mỗi mã chỉ dùng được một lần.") + " " + ask
    if refused.reason == "replaced":
        return _("Mã này đã được thay bằng một mã mới hơn. Hãy dùng mã mới nhất bạn nhận được.")
    if refused.tries_left is not None:
        return _("Mã chưa đúng. Bạn còn %(count)d lần thử.", count=refused.tries_left)
    return _("Số điện thoại hoặc mã chưa đúng. Hãy kiểm tra lại cả hai.")


def _code_page(form: CodeForm, wait: int = 0):
    if request.method == "POST" and not (form.new_password.errors or form.confirm_password.errors):
        form.new_password.errors = [_password_not_kept()]
    if wait:
        return render_template("auth/code.html", form=form), 429, {"Retry-After": str(wait)}
    return prg.form_page(form, lambda: render_template("auth/code.html", form=form))


@bp.route("/code", methods=["GET", "POST"])
def use_code():
    """A new password with the one-time code from a trainer: the first one, or after forgetting it.
    Wrong codes are slowed down like sign-ins, on counters of their own: failed sign-ins never stop a code."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _code_page(form)
    counters = guard.counters(form.phone.normal)
    if wait := guard.request_throttle().wait("code", counters):
        _slowed_down(form.code, wait)
        return _code_page(form, wait)
    try:
        user = services.set_password_with_code(db_session(), form.phone.normal, form.code.data,
                                               form.new_password.data, current_app.secret_key, utcnow())
    except CodeNotAccepted as refused:
        guard.request_throttle().failed("code", counters)
        form.code.errors.append(_code_message(refused))
        return _code_page(form)
    except Refused as refused:
        _show_refusal(form, refused)
        return _code_page(form)
    session.clear()  # whoever was signed in on this phone (often the trainer) is not any more
    if is_staff(user):  # a new password never skips the second factor
        flash(_("Đã đặt mật khẩu mới. Bước cuối: mã từ ứng dụng xác thực."), "success")
        return second_factor_views.begin(user, False, url_for("learn.courses"))
    login_user(user)
    flash(_("Đã đặt mật khẩu mới. Từ nay bạn đăng nhập bằng số điện thoại và mật khẩu này."), "success")
    return redirect(url_for("learn.courses"))


@bp.post("/sign-out")
@login_required
def sign_out():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.sign_out_everywhere(db_session(), current_user._get_current_object())
        logout_user()
        session.clear()
        flash(_("Bạn đã đăng xuất. Hẹn gặp lại!"), "success")
    return redirect(url_for("learn.home"))


@bp.post("/language")
def set_language():
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        services.set_locale(db_session(), current_user, code)
    next_url = request.form.get("next")
    response = redirect(next_url if is_safe_next(next_url) else url_for("learn.home"), code=303)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=guard.A_YEAR, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/privacy")
def privacy():
    return render_template("auth/privacy.html", version=current_app.config["PRIVACY_NOTICE_VERSION"],
                           retention=current_app.config["RETENTION_DAYS"])


@bp.route("/consent", methods=["GET", "POST"])
@login_required
def consent():
    form = ConsentForm()
    if form.validate_on_submit():
        services.give_consent(db_session(), current_user, current_app.config["PRIVACY_NOTICE_VERSION"])
        next_url = request.args.get("next")
        return redirect(next_url if is_safe_next(next_url) else url_for("learn.courses"))
    # Someone who agreed to an older notice is told what changed; someone who withdrew, how to come back.
    return prg.form_page(form, lambda: render_template(
        "auth/consent.html", form=form, notice_changed=current_user.active_consent is not None,
        version=current_app.config["PRIVACY_NOTICE_VERSION"]))


@bp.get("/me")
@login_required
def profile():
    return render_template("auth/profile.html", user=current_user, sign_out_form=ConfirmForm())


@bp.route("/me/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    user = current_user
    form = ProfileForm(obj=user, villages=villages(), today=local_today())
    if request.method == "GET":
        form.phone.data = national_phone(user.phone)
    page = lambda: render_template("auth/edit_profile.html", form=form)  # noqa: E731
    if not form.validate_on_submit():
        return prg.form_page(form, page)
    try:
        changed = services.update_profile(
            db_session(), user, full_name=form.full_name.data, phone=form.phone.normal, birth_date=form.birth_date.day,
            sex=form.sex.data, village_id=form.village_id.data, password=form.current_password.data)
    except Refused as refused:
        _show_refusal(form, refused)
        return prg.refused(form, page, discard=True)
    if "phone" not in changed:
        flash(_("Đã lưu thông tin của bạn."), "success")
        return redirect(url_for("auth.profile"))
    _stay_signed_in(user._get_current_object())  # the new sign-in name ended every other session
    flash(_("Đã lưu thông tin. Từ nay bạn đăng nhập bằng số điện thoại mới; các điện thoại khác đã bị đăng xuất."),
          "success")
    return guard.remember_device(redirect(url_for("auth.profile")), user.phone)


def _stay_signed_in(user) -> None:
    """After the user's session token changed: this browser goes on with the new one (and keeps its
    remember-me cookie if it had one); every other session is over."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.password_matches(current_user, form.current_password.data):
            services.change_password(db_session(), current_user, form.new_password.data)
            # This phone stays signed in with the new token; the others are out.
            login_user(current_user._get_current_object())
            flash(_("Đã đổi mật khẩu. Các điện thoại khác đã bị đăng xuất."), "success")
            return redirect(url_for("auth.profile"))
        form.current_password.errors.append(_("Mật khẩu hiện tại chưa đúng."))
    return prg.form_page(form, lambda: render_template("auth/change_password.html", form=form))


@bp.get("/me/data")
@login_required
def my_data():
    """Everything the JSON file holds, to read on the phone, with the file to download beside it.
    Reading one's own data on screen is not an export: nothing is recorded (no GET writes)."""
    data = personal_data.export_data(db_session(), current_user)
    return render_template("auth/my_data.html", data=data)


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z)?")


@bp.app_template_filter("when")
def when(value: str) -> str:
    """An export's ISO date ("1985-05-12") or UTC time ("...T08:00:00Z") as people read it; other
    text as it is."""
    if not _ISO_MOMENT.fullmatch(value):
        return value
    if value.endswith("Z"):
        return format_moment(datetime.fromisoformat(value.removesuffix("Z")))
    return format_day(date.fromisoformat(value))


@bp.post("/me/data.json")  # a POST with CSRF: the export is audited, and no GET may write
@login_required
def export_data():
    data = personal_data.export_data(db_session(), current_user)
    audit(db_session(), "data_exported", actor_id=current_user.id, subject_id=current_user.id)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=hoc-so-du-lieu-cua-toi.json", "Cache-Control": "no-store"})


@bp.route("/me/withdraw-consent", methods=["GET", "POST"])
@login_required
def withdraw_consent():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.withdraw_consent(db_session(), current_user)
        flash(_("Bạn đã rút lại sự đồng ý. Bạn sẽ không học tiếp được cho đến khi đồng ý lại."), "success")
        return redirect(url_for("auth.profile"))
    return prg.form_page(form, lambda: render_template("auth/withdraw_consent.html", form=form,
                                                       days=current_app.config["RETENTION_DAYS"]["withdrawn"]))


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = PasswordCheckForm()
    if form.validate_on_submit():
        if services.password_matches(current_user, form.password.data):
            user = current_user._get_current_object()
            logout_user()
            personal_data.erase_account(db_session(), user)
            session.clear()
            flash(_("Tài khoản và thông tin cá nhân của bạn đã được xóa."), "success")
            return redirect(url_for("learn.home"))
        form.password.errors.append(_("Mật khẩu chưa đúng."))
    return prg.form_page(form, lambda: render_template("auth/delete_account.html", form=form))
