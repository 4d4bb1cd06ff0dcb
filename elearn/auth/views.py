"""Registration, sign-in and the resident's own data (see, correct, export, withdraw, delete)."""
from __future__ import annotations

import json
import secrets
from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from elearn.access import needs_consent
from elearn.audit import audit
from elearn.auth import services
from elearn.auth.forms import (ChangePasswordForm, CodeForm, ConfirmForm, ConsentForm, PasswordCheckForm,
                               ProfileForm, RegistrationForm, SignInForm)
from elearn.db import db_session
from elearn.extensions import limiter
from elearn.i18n import LANGUAGE_COOKIE, local_today
from elearn.models import Unit
from elearn.models.types import utcnow
from elearn.records.codes import MAX_FAILED_ATTEMPTS, CodeNotAccepted
from elearn.units import active_villages
from elearn.security import is_safe_next
from elearn.training.phones import InvalidPhone, normalize_phone

bp = Blueprint("auth", __name__, template_folder="templates")


def villages() -> list[tuple[Unit, str]]:
    return active_villages(db_session())


DEVICE_COOKIE = "device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="elearn-device")


def _known_device_for(phone: str) -> str | None:
    """The device id when this browser signed in to `phone` before (OWASP "device cookies")."""
    try:
        data = _device_signer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return None
    return data.get("device") if data.get("phone") == phone else None


def _phone_key() -> str:
    """Failures are counted per phone number, except on a phone that signed in to it before:
    there they count per device, so an attacker cannot keep the resident out of their own phone."""
    try:
        phone = normalize_phone(request.form.get("phone", ""))
    except InvalidPhone:
        return "phone:invalid"
    device = _known_device_for(phone)
    return f"device:{device}" if device else f"phone:{phone}"


def _remember_device(response, phone: str):
    device = _known_device_for(phone) or secrets.token_urlsafe(16)
    value = _device_signer().dumps({"phone": phone, "device": device})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/sign-in")
    return response


def _failed(response) -> bool:
    # Only failed attempts count: a resident who signs in well is never slowed down.
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.courses"))
    form = RegistrationForm(villages=villages(), today=local_today())
    if not form.validate_on_submit():
        if request.method == "POST" and not form.password.errors:
            # The password is never sent back to the page: ask for it again, plainly.
            form.password.errors = [_("Vì an toàn, mật khẩu không được giữ lại. Hãy nhập lại mật khẩu.")]
        status = 400 if request.method == "POST" else 200
        return render_template("auth/register.html", form=form), status
    data = services.Registration(
        full_name=form.full_name.data,
        phone=form.phone.normal,
        birth_date=form.birth_date.day,
        sex=form.sex.data,
        village_id=form.village_id.data,
        password=form.password.data,
        notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        guardian_consent=bool(form.guardian_consent.data and form.needs_guardian()),
    )
    try:
        user = services.register_resident(db_session(), data)
    except services.PhoneTaken:
        form.phone.errors.append(_("Số điện thoại này đã có tài khoản. Hãy đăng nhập, hoặc nhờ Tổ Công nghệ số "
                                   "cộng đồng giúp nếu quên mật khẩu."))
        return render_template("auth/register.html", form=form), 400
    session.clear()
    login_user(user)
    flash(_("Chào mừng %(name)s! Tài khoản của bạn đã sẵn sàng.", name=user.full_name), "success")
    return redirect(url_for("learn.courses"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS"], key_func=_phone_key, methods=["POST"],
               deduct_when=_failed, scope="sign-in-phone")
@limiter.limit("100 per 15 minutes", methods=["POST"], deduct_when=_failed, scope="sign-in-ip")
def sign_in():
    next_url = request.args.get("next")
    target = next_url if is_safe_next(next_url) else url_for("learn.courses")
    if current_user.is_authenticated:
        return redirect(target)
    form = SignInForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/sign_in.html", form=form, asked=bool(next_url)), status
    user = services.authenticate(db_session(), form.phone.normal, form.password.data)
    if user is None:
        form.password.errors.append(_("Số điện thoại hoặc mật khẩu chưa đúng. Vui lòng thử lại."))
        return render_template("auth/sign_in.html", form=form), 400
    session.clear()  # a fresh session at sign-in
    login_user(user, remember=form.remember.data)
    if needs_consent(user):  # a new version of the privacy notice (or consent withdrawn): asked first
        target = url_for("auth.consent", next=target)
    return _remember_device(redirect(target), user.phone)


def _code_message(refused: CodeNotAccepted) -> str:
    ask = _("Hãy nhờ Tổ Công nghệ số cộng đồng ở thôn cấp cho bạn mã mới.")
    if refused.reason == "too_many_tries":
        return _("Mã đã bị hủy vì nhập sai %(count)d lần.", count=MAX_FAILED_ATTEMPTS) + " " + ask
    if refused.reason == "expired":
        return _("Mã này đã hết hạn (mã chỉ dùng được trong 24 giờ).") + " " + ask
    if refused.reason == "used":
        return _("Mã này đã được dùng rồi: mỗi mã chỉ dùng được một lần.") + " " + ask
    if refused.reason == "replaced":
        return _("Mã này đã được thay bằng một mã mới hơn. Hãy dùng mã mới nhất bạn nhận được.")
    if refused.tries_left is not None:
        return _("Mã chưa đúng. Bạn còn %(count)d lần thử.", count=refused.tries_left)
    return _("Số điện thoại hoặc mã chưa đúng. Hãy kiểm tra lại cả hai.")


def _code_page(form: CodeForm):
    if request.method == "POST" and not (form.new_password.errors or form.confirm_password.errors):
        form.new_password.errors = [_("Vì an toàn, mật khẩu không được giữ lại. Hãy nhập lại mật khẩu.")]
    return render_template("auth/code.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS"], key_func=_phone_key, methods=["POST"],
               deduct_when=_failed, scope="code-phone")
@limiter.limit(lambda: current_app.config["CODE_IP_LIMITS"], methods=["POST"],
               deduct_when=_failed, scope="code-ip")
def use_code():
    """A new password with the one-time code from a trainer: the first one, or after forgetting it."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _code_page(form)
    try:
        user = services.set_password_with_code(db_session(), form.phone.normal, form.code.data,
                                               form.new_password.data, current_app.secret_key, utcnow())
    except CodeNotAccepted as refused:
        form.code.errors.append(_code_message(refused))
        return _code_page(form)
    session.clear()  # whoever was signed in on this phone (often the trainer) is not any more
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
    response = redirect(next_url if is_safe_next(next_url) else url_for("learn.home"))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
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
    return render_template("auth/consent.html", form=form, notice_changed=current_user.active_consent is not None,
                           version=current_app.config["PRIVACY_NOTICE_VERSION"]), 400 if request.method == "POST" else 200


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
        form.phone.data = "0" + user.phone.removeprefix("+84")
    if not form.validate_on_submit():
        return render_template("auth/edit_profile.html", form=form), 400 if request.method == "POST" else 200
    try:
        services.update_profile(db_session(), user, full_name=form.full_name.data, phone=form.phone.normal,
                                birth_date=form.birth_date.day, sex=form.sex.data, village_id=form.village_id.data)
    except services.PhoneTaken:
        form.phone.errors.append(_("Số điện thoại này đã được dùng cho một tài khoản khác."))
        return render_template("auth/edit_profile.html", form=form), 400
    flash(_("Đã lưu thông tin của bạn."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.password_matches(current_user, form.current_password.data):
            services.change_password(db_session(), current_user, form.new_password.data)
            login_user(current_user._get_current_object())  # this phone stays signed in with the new token; others are out
            flash(_("Đã đổi mật khẩu. Các điện thoại khác đã bị đăng xuất."), "success")
            return redirect(url_for("auth.profile"))
        form.current_password.errors.append(_("Mật khẩu hiện tại chưa đúng."))
    return render_template("auth/change_password.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/me/data.json")  # a POST with CSRF: the export is audited, and no GET may write
@login_required
def export_data():
    data = services.export_data(db_session(), current_user)
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
    return render_template("auth/withdraw_consent.html", form=form,
                           days=current_app.config["RETENTION_DAYS"]["withdrawn"])


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = PasswordCheckForm()
    if form.validate_on_submit():
        if services.password_matches(current_user, form.password.data):
            user = current_user._get_current_object()
            logout_user()
            services.erase_account(db_session(), user)
            session.clear()
            flash(_("Tài khoản và thông tin cá nhân của bạn đã được xóa."), "success")
            return redirect(url_for("learn.home"))
        form.password.errors.append(_("Mật khẩu chưa đúng."))
    return render_template("auth/delete_account.html", form=form), 400 if request.method == "POST" else 200
