"""The form base and fields shared by every blueprint: no control characters in any text field,
Vietnamese phones, birth dates in three boxes, passwords, choices of ids in ASCII digits."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (Field, HiddenField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, widgets)
from wtforms.utils import unset_value
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from elearn.inputs import has_control, parse_id
from elearn.training import dates
from elearn.training.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from elearn.training.phones import InvalidPhone, normalize_phone

CONTROL_MESSAGE = _l("Ô này có ký tự không hợp lệ (ký tự điều khiển), nay đã được bỏ đi. "
                     "Hãy kiểm tra lại rồi gửi lần nữa.")


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


DAY_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def parse_day(text: str | None) -> date | None:
    text = (text or "").strip()
    for pattern in DAY_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class TypedDayField(StringField):
    """A day typed as dd/mm/yyyy, the way it is written in Việt Nam (a plain text box with a numeric
    keyboard: a date input shows mm/dd/yyyy on many phones); `.day` holds it once valid. Each kind
    says in `pre_validate` which days it takes."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).update({"inputmode": "numeric", "autocomplete": "off", "maxlength": 10,
                                                    "placeholder": "dd/mm/yyyy"})
        super().__init__(label, validators, **kwargs)
        self.day: date | None = None

    def process_data(self, value):
        self.data = value.strftime("%d/%m/%Y") if isinstance(value, date) else value

    def typed_day(self, missing: str, wrong: str) -> date:
        """The day typed, or the message for a box left empty or a day that cannot be read."""
        text = (self.data or "").strip()
        if not text:
            raise ValidationError(missing)
        day = parse_day(text) if text.isascii() else None  # strptime would take other scripts' digits
        if day is None:
            raise ValidationError(wrong)
        return day


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


DATE_PART_LENGTHS = {"day": dates.MAX_PART_LENGTH, "month": 10, "year": 10}  # a whole date fits the day box
DATE_PART_NAMES = {"day": _l("Ngày"), "month": _l("Tháng"), "year": _l("Năm")}


class BirthDateField(Field):
    """A birth date in three plain boxes, ngày / tháng / năm (numeric keyboard), read by
    elearn.training.dates: `.day` is the date understood, or None. What was typed always comes back
    in the boxes (a whole date typed in the day box is spread over the three once understood). A form
    from an older page that sends one `birth_date` text is read the same way. Rendered by
    macros.html's `date_field`, which also says back the date understood in words."""

    def __init__(self, label=None, validators=None, autofill=True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.autofill = autofill  # False on a form filled in for someone else (the trainer's own birthday)
        self.day: date | None = None
        self.parts: tuple[str, str, str] = ("", "", "")
        self.parsed: dates.TypedDate | None = None
        self.typed = False

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.day = data if isinstance(data, date) else None
        self.parts = (str(self.day.day), str(self.day.month), str(self.day.year)) if self.day else ("", "", "")
        self.parsed, self.typed = None, False
        if formdata is not None:
            keys = [f"{self.name}-{part}" for part in dates.PARTS]
            values = formdata.getlist(self.name)
            if any(key in formdata for key in keys):
                values = [formdata.get(key) for key in keys]
            if len(values) == len(dates.PARTS):  # the three boxes (as a kept draft holds them too)
                typed = [_shown(value, DATE_PART_LENGTHS[part]) for value, part in zip(values, dates.PARTS)]
                self.parsed = dates.parse_date_parts(*typed)
            else:  # one text, from an older page or a script
                typed = [_shown(values[0] if values else "", dates.MAX_PART_LENGTH), "", ""]
                self.parsed = dates.parse_date_text(typed[0])
            self.typed, self.day = True, self.parsed.day
            whole = not typed[1].strip() and not typed[2].strip()
            self.parts = self.parsed.parts if self.parsed.parts and whole else (typed[0], typed[1], typed[2])
            self.raw_data = list(self.parts)  # what elearn.prg keeps of a refused form, and gives back
        self.data = self.day

    def pre_validate(self, form):
        if self.parsed is None and self.day is None:
            self.parsed = dates.TypedDate(problem="missing", bad=frozenset(dates.PARTS))
        if self.parsed is not None and self.parsed.problem:
            raise ValidationError(date_message(self.parsed, getattr(form, "today", None) or date.today()))

    def bad_parts(self) -> frozenset[str]:
        """The boxes to mark as wrong: the ones the problem is in, or all three for a date that is
        a date but not a possible one (in the future, too young)."""
        if self.parsed is not None and self.parsed.problem:
            return self.parsed.bad
        return frozenset(dates.PARTS) if self.errors else frozenset()

    def boxes(self) -> list[tuple[str, str, Markup]]:
        """(part, visible label, <input>) for ngày, tháng, năm."""
        bad = self.bad_parts()
        found = []
        for part, value in zip(dates.PARTS, self.parts):
            attributes = {
                "type": "text", "inputmode": "numeric", "id": f"{self.id}-{part}", "name": f"{self.name}-{part}",
                "value": value, "maxlength": DATE_PART_LENGTHS[part], "spellcheck": "false",
                "autocomplete": f"bday-{part}" if self.autofill else "off",
                "aria-invalid": "true" if part in bad else "false"}
            tag = f"<input {html_params(**attributes)}>"
            found.append((part, DATE_PART_NAMES[part], Markup(tag)))  # nosec B704 # html_params escapes every value
        return found

    def understood(self) -> str | None:
        """The date understood, in words, once the person has sent the form."""
        if not (self.typed and self.day):
            return None
        return _("Đã hiểu là: ngày %(day)s tháng %(month)s năm %(year)s.",
                 day=str(self.day.day), month=str(self.day.month), year=str(self.day.year))


def _shown(text: str | None, length: int) -> str:
    """What a person typed in a box, as it goes back into the box: cut to its length, control characters out."""
    return "".join(ch for ch in (text or "")[:length] if not has_control(ch))


def date_message(parsed: dates.TypedDate, today: date):
    """What to tell a person whose date was not understood (a TypedDate with a problem)."""
    if parsed.problem == "two_digit_year":
        guess = dates.two_digit_year_guess(parsed.values["typed"], today)
        if guess:
            return _l("Năm sinh cần đủ 4 chữ số. Bạn ghi \u201c%(typed)s\u201d: có phải năm %(year)d? "
                      "Hãy ghi đủ, ví dụ %(year)d.", typed=parsed.values["typed"], year=guess)
        return _l("Năm sinh cần đủ 4 chữ số (bạn ghi \u201c%(typed)s\u201d). Hãy ghi đủ, ví dụ 1985.",
                  typed=parsed.values["typed"])
    if parsed.problem == "no_such_day":
        return _l("Tháng %(month)d năm %(year)d không có ngày %(day)d. Hãy kiểm tra lại ngày.", **parsed.values)
    return {
        "missing": _l("Vui lòng nhập ngày sinh."),
        "incomplete": _l("Ngày sinh chưa đủ. Hãy nhập cả ngày, tháng và năm."),
        "bad_day": _l("Ngày phải là số từ 1 đến 31."),
        "bad_month": _l("Tháng phải là số từ 1 đến 12."),
        "bad_year": _l("Năm sinh chưa đúng: hãy ghi đủ 4 chữ số, ví dụ 1985."),
        "unknown": _l("Chưa đọc được ngày sinh này. Hãy ghi ngày, tháng, năm bằng số vào ba ô, ví dụ 25, 3, 1970."),
    }[parsed.problem or "unknown"]


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


class CheckboxesField(SelectMultipleField):
    """Ticked boxes of ids. Anything that is not one of the choices is kept aside in `.forged`
    for the view to refuse (404), never silently dropped or recorded."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_formdata(self, valuelist):
        self.raw = list(valuelist)
        self.data = [parse_id(value) for value in valuelist]

    def process_data(self, value):
        self.raw = []
        super().process_data(value)

    @property
    def forged(self) -> bool:
        allowed = {choice[0] for choice in self.choices}
        return any(value is None or value not in allowed for value in (self.data or []))

    def pre_validate(self, form):
        pass  # the view answers a forged id with 404
