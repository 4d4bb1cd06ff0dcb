"""Forms of the staff second factor: a code from the authenticator app, or a recovery code."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from elearn.auth.second_factor import MAX_TYPED_LENGTH, normalize_app_code, normalize_recovery_code
from elearn.forms import Form

# A phone shows its number pad and offers the code from an SMS or the app's notification.
APP_CODE_INPUT = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": MAX_TYPED_LENGTH,
                  "autocapitalize": "off", "spellcheck": "false"}


def app_code_field(label=None) -> StringField:
    return StringField(label or _l("Mã 6 chữ số trong ứng dụng xác thực"), render_kw=APP_CODE_INPUT)


def check_app_code(field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_l("Vui lòng nhập mã 6 chữ số đang hiện trong ứng dụng xác thực."))
    if normalize_app_code(field.data) is None:
        raise ValidationError(_l("Mã gồm 6 chữ số, ví dụ 123 456. Hãy kiểm tra lại."))


class AppCodeForm(Form):
    """Confirming the app at enrolment, or making new recovery codes: a code from the app only."""

    code = app_code_field()

    def validate_code(self, field):
        check_app_code(field)


class SecondStepForm(Form):
    """The second step of a staff sign-in: the app's code, or (phone lost) a recovery code. The
    page shows two forms, each with one of the fields; whichever was sent is checked."""

    code = app_code_field()
    recovery_code = StringField(_l("Mã dự phòng (12 ký tự)"), render_kw={
        "autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "maxlength": MAX_TYPED_LENGTH})

    def validate_code(self, field):
        if not self.recovery_code.raw_data:
            check_app_code(field)

    def validate_recovery_code(self, field):
        if not field.raw_data:
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("Vui lòng nhập một mã dự phòng bạn đã ghi lại."))
        if normalize_recovery_code(field.data) is None:
            raise ValidationError(_l("Mã dự phòng gồm 12 chữ và số, ví dụ abcd-efgh-jkmn. Hãy kiểm tra lại."))

    @property
    def typed(self) -> str:
        return self.recovery_code.data if self.recovery_code.raw_data else self.code.data

    @property
    def field_used(self):
        return self.recovery_code if self.recovery_code.raw_data else self.code
