"""The scam alert form: every message next to its field, in Vietnamese, what was typed kept."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, StringField, TextAreaField
from wtforms.validators import ValidationError

from elearn.author.training_forms import multiline_text, new_idempotency_key
from elearn.forms import ChoiceField, Form, TypedDayField, clean_text
from elearn.inputs import whole_number
from elearn.training import alerts as rules

DEFAULT_ADVICE = _l("Không làm theo, không chuyển tiền, không đọc mã OTP cho ai. Nếu nghi ngờ, hãy hỏi cán bộ thôn.")


class ExpiryDay(TypedDayField):
    """The last day the alert is shown: from today to a year ahead."""

    def pre_validate(self, form):
        self.day = None
        day = self.typed_day(_l("Hãy nhập ngày hết hạn, ví dụ %(day)s.", day=form.example_day()),
                             _l("Ngày chưa đúng. Hãy nhập theo dạng ngày/tháng/năm, ví dụ %(day)s.",
                                day=form.example_day()))
        problem = rules.expiry_problem(day, form.today)
        if problem == "past":
            raise ValidationError(_l("Ngày này đã qua. Hãy nhập hôm nay hoặc một ngày sau này."))
        if problem == "too_far":
            raise ValidationError(_l("Cảnh báo chỉ hiện tối đa một năm. Hãy chọn một ngày gần hơn."))
        self.day = day


class AlertForm(Form):
    idempotency_key = HiddenField()
    unit_id = ChoiceField(_l("Gửi cho người dân ở"), coerce=whole_number,
                          message=_l("Hãy chọn một nơi trong danh sách (thôn, xã bạn phụ trách)."))
    title = StringField(_l("Tiêu đề"), filters=[clean_text], render_kw={"maxlength": rules.MAX_TITLE})
    body = TextAreaField(_l("Nội dung"), filters=[multiline_text], render_kw={"maxlength": rules.MAX_BODY, "rows": 6})
    advice = StringField(_l("Người dân nên làm gì"), filters=[clean_text], render_kw={"maxlength": rules.MAX_ADVICE})
    expires_on = ExpiryDay(_l("Hiện đến hết ngày"))

    def __init__(self, *args, today: date, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.unit_id.choices = [SelectChoice(unit.id, unit_label(unit)) for unit in units]
        if not (self.idempotency_key.data or "").strip():
            self.idempotency_key.data = new_idempotency_key()

    def example_day(self) -> str:
        return self.today.replace(day=min(self.today.day, 28)).strftime("%d/%m/%Y")

    def validate_title(self, field):
        if not field.data:
            raise ValidationError(_l("Hãy viết tiêu đề ngắn, ví dụ: Giả danh công an gọi điện đòi chuyển tiền."))
        if len(field.data) > rules.MAX_TITLE:
            raise ValidationError(_l("Tiêu đề dài quá %(limit)d ký tự.", limit=rules.MAX_TITLE))

    def validate_body(self, field):
        if not field.data:
            raise ValidationError(_l("Hãy viết nội dung cảnh báo: kẻ gian làm gì, nói gì."))
        if len(field.data) > rules.MAX_BODY:
            raise ValidationError(_l("Nội dung dài quá %(limit)d ký tự.", limit=rules.MAX_BODY))

    def validate_advice(self, field):
        if not field.data:
            raise ValidationError(_l("Hãy viết một câu ngắn: người dân nên làm gì."))
        if len(field.data) > rules.MAX_ADVICE:
            raise ValidationError(_l("Câu này dài quá %(limit)d ký tự.", limit=rules.MAX_ADVICE))

    def key(self) -> str | None:
        value = (self.idempotency_key.data or "").strip()
        return value if 16 <= len(value) <= 64 and value.isascii() and value.isprintable() else None


def unit_label(unit) -> str:
    kind = {"province": _l("Cả tỉnh"), "commune": _l("Cả xã"), "village": _l("Thôn")}[unit.kind]
    return f"{kind}: {unit.name}"


class EndForm(Form):
    """End an alert early: a button with CSRF."""


class ReadForm(Form):
    """"Tôi đã đọc": a button with CSRF."""
