from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from elearn.auth.services import Registration
from elearn.models import SEXES
from elearn.records.codes import DIGITS, LIFETIME, MAX_TYPED_LENGTH, normalize_code

from elearn.forms import (BirthDateField, ChoiceField, clean_text, Form, NewPasswordField, PhoneField,
                          RadioChoiceField)
from elearn.inputs import whole_number
from elearn.prg import KeyedForm
from elearn.training.ages import GUARDIAN_CONSENT_BELOW, MIN_REGISTRATION_AGE, age_on
from elearn.training.passwords import MAX_LENGTH, MIN_LENGTH

SEX_NAMES = {"female": _l("Nữ"), "male": _l("Nam")}  # a new value in elearn.models.SEXES needs its name here
SEX_CHOICES = [SelectChoice(sex, SEX_NAMES[sex]) for sex in SEXES]


def check_birth_date(day, today, too_young_message) -> None:
    """A birth date a person can have and old enough for an account (one rule for every form)."""
    if day is None:
        return
    if day > today:
        raise ValidationError(_l("Ngày sinh không thể sau ngày hôm nay."))
    age = age_on(day, today)
    if age < MIN_REGISTRATION_AGE:
        raise ValidationError(too_young_message)
    if age > 120:
        raise ValidationError(_l("Ngày sinh chưa đúng. Hãy kiểm tra lại năm sinh."))


def check_confirmation(password, confirmation) -> None:
    """The new password typed twice, the same both times (a typo would lock the person out). Not
    checked when the password itself was refused: both boxes are typed again anyway, nor when the
    page that sent the form had no second box (an older page still open on a phone)."""
    if password.errors or not password.data or not confirmation.raw_data:
        return
    if not confirmation.data:
        raise ValidationError(_l("Vui lòng nhập lại mật khẩu vào ô này, giống hệt ô trên."))
    if confirmation.data != password.data:
        raise ValidationError(_l("Hai mật khẩu chưa giống nhau. Hãy nhập lại cả hai ô (có thể bấm \u201cHiện mật "
                                 "khẩu\u201d để xem mình đã gõ gì)."))


class ProfileFields(Form):
    full_name = StringField(
        _l("Họ và tên"),
        validators=[DataRequired(_l("Vui lòng nhập họ và tên.")),
                    Length(max=120, message=_l("Họ tên dài quá 120 ký tự."))],
        filters=[clean_text],
        render_kw={"autocomplete": "name", "maxlength": 120},
    )
    phone = PhoneField(_l("Số điện thoại"))
    birth_date = BirthDateField(_l("Ngày sinh"))
    sex = RadioChoiceField(_l("Giới tính"), choices=SEX_CHOICES, message=_l("Vui lòng chọn Nam hoặc Nữ."))
    village_id = ChoiceField(_l("Thôn / tổ dân phố nơi bạn ở"), coerce=whole_number,
                             message=_l("Vui lòng chọn thôn nơi bạn ở."))

    def validate_full_name(self, field):
        # A NUL byte or another control character: PostgreSQL would refuse to store it (a 500).
        if field.data and not field.data.isprintable():
            raise ValidationError(_l("Họ tên có ký tự không hợp lệ. Hãy gõ lại họ tên."))

    def __init__(self, *args, villages=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.village_id.choices = [SelectChoice(0, _l("— Chọn thôn —"))] + [
            SelectChoice(village.id, village.name, optgroup=commune_name) for village, commune_name in villages]
        self.village_id.validate_choice = True

    def validate_birth_date(self, field):
        check_birth_date(field.day, self.today,
                         _l("Bạn cần đủ %(age)d tuổi để tự đăng ký. Hãy nhờ Tổ Công nghệ số cộng đồng giúp.",
                            age=MIN_REGISTRATION_AGE))


class RegistrationForm(KeyedForm, ProfileFields):
    guardian_age = GUARDIAN_CONSENT_BELOW  # for the page's hint
    password = NewPasswordField(_l("Mật khẩu (ít nhất %(count)d ký tự)", count=MIN_LENGTH))
    confirm_password = PasswordField(_l("Nhập lại mật khẩu"), render_kw={"autocomplete": "new-password",
                                                                      "maxlength": MAX_LENGTH})
    consent = BooleanField(_l("Tôi đã đọc và đồng ý với Thông báo về dữ liệu cá nhân."))
    guardian_consent = BooleanField(_l("Cha, mẹ hoặc người giám hộ của tôi đồng ý cho tôi đăng ký."))

    def validate_confirm_password(self, field):
        check_confirmation(self.password, field)

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("Bạn cần đánh dấu ô này để đăng ký. Hãy đọc Thông báo về dữ liệu cá nhân trước."))

    def needs_guardian(self) -> bool:
        day = self.birth_date.day
        return day is not None and day <= self.today and age_on(day, self.today) < GUARDIAN_CONSENT_BELOW

    def validate_guardian_consent(self, field):
        if self.needs_guardian() and not field.data:
            raise ValidationError(_l("Bạn chưa đủ %(age)d tuổi: cần cha, mẹ hoặc người giám hộ đồng ý.",
                                     age=GUARDIAN_CONSENT_BELOW))

    def password_owner(self) -> dict:
        return {"phone": self.phone.normal, "full_name": self.full_name.data, "birth_date": self.birth_date.day}

    def to_registration(self, notice_version: str) -> Registration:
        """The validated form as the service takes it; the guardian's consent counts only when needed."""
        return Registration(
            full_name=self.full_name.data, phone=self.phone.normal, birth_date=self.birth_date.day,
            sex=self.sex.data, village_id=self.village_id.data, password=self.password.data,
            notice_version=notice_version, guardian_consent=bool(self.guardian_consent.data and self.needs_guardian()))


class ProfileForm(ProfileFields):
    # The phone number is what one signs in with: changing it asks for the password (checked by the service).
    current_password = PasswordField(_l("Mật khẩu hiện tại (chỉ cần khi đổi số điện thoại)"),
                                     render_kw={"autocomplete": "current-password", "maxlength": MAX_LENGTH})


class SignInForm(Form):
    phone = PhoneField(_l("Số điện thoại"))
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Ghi nhớ đăng nhập trên điện thoại này (đừng chọn nếu dùng chung máy)"))


class PasswordCheckForm(Form):
    password = PasswordField(_l("Nhập mật khẩu của bạn để xác nhận"),
                             validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Mật khẩu hiện tại"),
                                     validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = NewPasswordField(_l("Mật khẩu mới (ít nhất %(count)d ký tự)", count=MIN_LENGTH))
    confirm_password = PasswordField(_l("Nhập lại mật khẩu mới"), render_kw={"autocomplete": "new-password",
                                                                          "maxlength": MAX_LENGTH})

    def validate_confirm_password(self, field):
        check_confirmation(self.new_password, field)

    def password_owner(self) -> dict:
        user = current_user
        return {"phone": user.phone, "full_name": user.full_name, "birth_date": user.birth_date}


class ConsentForm(Form):
    consent = BooleanField(_l("Tôi đã đọc và đồng ý với Thông báo về dữ liệu cá nhân."))

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("Bạn cần đánh dấu ô này để tiếp tục học."))


class ConfirmForm(Form):
    """A button that changes something: CSRF token only."""


class CodeForm(Form):
    """Phone, the one-time code a trainer read out, and the new password (twice)."""

    digits, lifetime_hours = DIGITS, int(LIFETIME.total_seconds() // 3600)  # for the page's text
    phone = PhoneField(_l("Số điện thoại của bạn"))
    code = StringField(_l("Mã %(count)d chữ số", count=DIGITS), render_kw={
        "inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": MAX_TYPED_LENGTH})
    new_password = NewPasswordField(_l("Mật khẩu mới (ít nhất %(count)d ký tự)", count=MIN_LENGTH))
    confirm_password = PasswordField(_l("Nhập lại mật khẩu mới"), render_kw={"autocomplete": "new-password",
                                                                          "maxlength": MAX_LENGTH})

    def validate_code(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Vui lòng nhập mã Tổ Công nghệ số cộng đồng đưa cho bạn."))
        if normalize_code(field.data) is None:
            raise ValidationError(_l("Mã gồm %(count)d chữ số, ví dụ 1234 5678. Hãy kiểm tra lại.", count=DIGITS))

    def password_owner(self) -> dict:
        return {"phone": self.phone.normal}  # name and birth date: checked once the code is (services)

    def validate_confirm_password(self, field):
        if not field.data:
            raise ValidationError(_l("Vui lòng nhập lại mật khẩu mới."))
        if self.new_password.data and field.data != self.new_password.data:
            raise ValidationError(_l("Hai mật khẩu chưa giống nhau. Hãy nhập lại cả hai ô."))
