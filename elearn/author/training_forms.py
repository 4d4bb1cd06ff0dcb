"""Forms of the trainers' field work: training sessions, certificates from elsewhere, the
follow-up list. Every message is shown next to its field, in Vietnamese with diacritics."""
from __future__ import annotations

import secrets
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, StringField, TextAreaField
from wtforms.validators import ValidationError

from elearn.forms import CheckboxesField, ChoiceField, Form, TypedDayField, clean_text
from elearn.records.external import (EARLIEST_CERTIFICATE, MAX_CERTIFICATE_NUMBER, MAX_PROGRAMME_NAME, OTHER,
                                     PROGRAMMES, certificate_number_problem)
from elearn.inputs import whole_number

EARLIEST_SESSION = date(2020, 1, 1)
MAX_NOTES = 2000


def multiline_text(value: str | None) -> str | None:
    """Notes keep their lines, with single spaces; a NUL byte or another control character is
    refused next to the field by the forms' shared check (elearn.forms.Form)."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    return "\n".join(" ".join(line.split()) for line in value.strip().split("\n"))


class PastDay(TypedDayField):
    """A day from `earliest` up to today."""

    def __init__(self, label=None, validators=None, earliest: date = EARLIEST_SESSION, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.earliest = earliest

    def pre_validate(self, form):
        self.day = None
        day = self.typed_day(_l("Hãy nhập ngày, ví dụ 15/03/2026."),
                             _l("Ngày chưa đúng. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 15/03/2026."))
        if day > form.today:
            raise ValidationError(_l("Ngày này chưa đến. Hãy nhập hôm nay hoặc một ngày đã qua."))
        if day < self.earliest:
            raise ValidationError(_l("Ngày phải từ %(day)s trở về sau.", day=self.earliest.strftime("%d/%m/%Y")))
        self.day = day


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class SessionForm(Form):
    """A training session in one village (chosen first, in the address)."""

    idempotency_key = HiddenField()
    held_on = PastDay(_l("Ngày tập huấn"))
    course_id = ChoiceField(_l("Khóa học"), coerce=whole_number, message=_l("Hãy chọn một khóa học trong danh sách."))
    attendees = CheckboxesField(_l("Người tham dự"), coerce=whole_number)
    notes = TextAreaField(_l("Ghi chú"), filters=[multiline_text], render_kw={"maxlength": MAX_NOTES, "rows": 4})

    def __init__(self, *args, today: date, courses=(), residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.course_id.choices = [SelectChoice(-1, _l("Buổi chung (không theo khóa học nào)"))] + [
            SelectChoice(course.id, course.title) for course in courses]
        self.attendees.choices = [(resident.id, resident.full_name) for resident in residents]
        if not (self.idempotency_key.data or "").strip():
            self.idempotency_key.data = new_idempotency_key()

    def validate_notes(self, field):
        if len(field.data or "") > MAX_NOTES:
            raise ValidationError(_l("Ghi chú dài quá %(limit)d ký tự.", limit=MAX_NOTES))

    def key(self) -> str | None:
        value = (self.idempotency_key.data or "").strip()
        return value if 16 <= len(value) <= 64 and value.isascii() and value.isprintable() else None

    @property
    def course(self) -> int | None:
        return None if self.course_id.data == -1 else self.course_id.data


class ConfirmForm(Form):
    """A button with CSRF: delete after a confirm step, download a file."""


class ExternalForm(Form):
    programme = ChoiceField(_l("Chương trình đã học"), choices=[SelectChoice(key, name) for key, name in PROGRAMMES]
                            + [SelectChoice(OTHER, _l("Chương trình khác (ghi tên bên dưới)"))],
                            message=_l("Hãy chọn chương trình trong danh sách."))
    other_name = StringField(_l("Tên chương trình khác"), filters=[clean_text],
                             render_kw={"maxlength": MAX_PROGRAMME_NAME})
    certificate_number = StringField(_l("Số chứng nhận"), render_kw={"maxlength": MAX_CERTIFICATE_NUMBER,
                                                                     "autocomplete": "off"})
    certified_on = PastDay(_l("Ngày cấp chứng nhận"), earliest=EARLIEST_CERTIFICATE)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_other_name(self, field):
        if self.programme.data != OTHER:
            return
        if not field.data:
            raise ValidationError(_l("Hãy ghi tên chương trình."))
        if len(field.data) > MAX_PROGRAMME_NAME or not field.data.isprintable():
            raise ValidationError(_l("Tên chương trình dài quá %(limit)d ký tự hoặc có ký tự không hợp lệ.",
                                     limit=MAX_PROGRAMME_NAME))

    def validate_certificate_number(self, field):
        messages = {
            "missing": _l("Hãy nhập số chứng nhận, như in trên giấy chứng nhận."),
            "too_long": _l("Số chứng nhận dài quá %(limit)d ký tự.", limit=MAX_CERTIFICATE_NUMBER),
            "control": _l("Số chứng nhận có ký tự không hợp lệ. Hãy gõ lại đúng như trên giấy."),
        }
        problem = certificate_number_problem(field.data or "")
        if problem:
            raise ValidationError(messages[problem])


class FollowUpExportForm(Form):
    """Download the follow-up list: POST with CSRF (it holds phone numbers, and is audited)."""

    village = HiddenField()
    order = HiddenField()
