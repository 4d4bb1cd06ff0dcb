"""The form base and fields shared by every blueprint: no control characters in any text field,
Vietnamese phones, dates typed either way, passwords, choices of ids in ASCII digits."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from elearn.inputs import has_control, parse_id
from elearn.training.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from elearn.training.phones import InvalidPhone, normalize_phone

CONTROL_MESSAGE = _l("Ô này có ký tự không hợp lệ (ký tự điều khiển), nay đã được bỏ đi. "
                     "Hãy kiểm tra lại rồi gửi lần nữa.")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def clean_text(value: str | None) -> str | None:
    """One Unicode form (NFC) and single spaces: 'Á' typed two ways is one letter."""
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFC", value).split())


class Form(FlaskForm):
    """The base of every form: a text field a person types in that holds a NUL byte or another
    control character (a tab or line break only in a text area) is refused next to the field, so
    none reaches the database (PostgreSQL answers a NUL with a 500). The field's own message wins
    when its own check already refused it ("Mã gồm 8 chữ số"); the text comes back without the
    characters, so the person only checks and resends. Hidden fields are not typed: each is parsed
    strictly where it is read (ids, keys, days)."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            multiline = isinstance(field, TextAreaField)
            if (isinstance(field, StringField) and not isinstance(field, HiddenField)
                    and isinstance(field.data, str) and has_control(field.data, multiline)):
                field.data = "".join(ch for ch in field.data if not has_control(ch, multiline))
                if not field.errors:
                    field.errors = [*field.errors, CONTROL_MESSAGE]
                valid = False
        return valid


class PhoneField(StringField):
    """Accepts 0912 345 678, 0912345678 or +84912345678; `.normal` holds +84912345678."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).update(
            {"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": 20})
        super().__init__(label, validators, **kwargs)
        self.normal: str | None = None

    def pre_validate(self, form):
        self.normal = None
        if not (self.data or "").strip():
            raise ValidationError(_l("Vui lòng nhập số điện thoại."))
        try:
            self.normal = normalize_phone(self.data)
        except InvalidPhone:
            raise ValidationError(
                _l("Số điện thoại chưa đúng. Hãy nhập số di động 10 chữ số, ví dụ 0912 345 678.")) from None


class DayField(StringField):
    """A date from <input type="date"> (yyyy-mm-dd) or typed by hand as dd/mm/yyyy."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).update({"type": "date", "autocomplete": "bday", "min": "1900-01-01"})
        super().__init__(label, validators, **kwargs)
        self.day: date | None = None

    def process_data(self, value):
        self.data = value.isoformat() if isinstance(value, date) else value

    def pre_validate(self, form):
        self.day = None
        text = (self.data or "").strip()
        if not text:
            raise ValidationError(_l("Vui lòng nhập ngày sinh."))
        for pattern in DATE_FORMATS:
            try:
                self.day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        if self.day is None or self.day.year < 1900:
            self.day = None
            raise ValidationError(_l("Ngày không đúng. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 25/03/1970."))
        # Show what was understood in the input's own format, so a re-rendered form keeps it.
        self.data = self.day.isoformat()


class NewPasswordField(PasswordField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).update({"autocomplete": "new-password", "maxlength": MAX_LENGTH})
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        # A form that knows whose password this is says so: `password_owner()` gives the phone,
        # full name and birth date that the password may not be (elearn.training.passwords).
        owner = form.password_owner() if hasattr(form, "password_owner") else {}
        problem = password_problem(self.data or "", **owner)
        if problem:
            raise ValidationError(password_message(problem))


def password_message(problem: str):
    """What to tell a person whose new password was refused (a reason from password_problem)."""
    return {
        "too_short": _l("Mật khẩu cần ít nhất %(count)d ký tự. Một câu ngắn dễ nhớ là tốt nhất.", count=MIN_LENGTH),
        "too_long": _l("Mật khẩu dài quá %(count)d ký tự.", count=MAX_LENGTH),
        "too_common": _l("Mật khẩu này quá dễ đoán. Hãy chọn một câu dài mà chỉ bạn nhớ."),
        "example": _l("Đây là mật khẩu ví dụ, ai cũng biết. Hãy tự nghĩ một câu khác mà chỉ bạn nhớ."),
        "personal": _l("Mật khẩu không được là số điện thoại, họ tên hay ngày sinh của bạn, vì người khác dễ "
                       "đoán ra. Hãy chọn một câu dài mà chỉ bạn nhớ."),
    }[problem]


class _ChoiceMessage:
    """A choice that is missing, tampered with or not a number gets the field's own message."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)  # type: ignore[call-arg] # a mixin: the field class follows
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)  # type: ignore[misc]
        except (ValidationError, ValueError):
            raise ValidationError(self.message) from None
        if self.data in (None, "", 0):
            raise ValidationError(self.message)


class ChoiceField(_ChoiceMessage, SelectField):
    pass


class RadioChoiceField(_ChoiceMessage, RadioField):
    pass


class HiddenIdField(HiddenField):
    """A hidden id or revision number: `.data` is an int from 1 to MAX_ID, or None when the form
    sent nothing, or something else ('²', 5,000 digits, 2**63)."""

    def process_formdata(self, valuelist):
        self.data = parse_id(valuelist[0]) if valuelist else None
