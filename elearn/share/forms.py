"""The form of /verify: the code printed on a paper certificate, typed any way."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from elearn.forms import Form
from elearn.learn.services import CERTIFICATE_CODE_LENGTH
from elearn.share.rules import read_certificate_code


class VerifyForm(Form):
    """A GET form (no CSRF: it changes nothing); `code` holds the stored form once validated."""

    class Meta:
        csrf = False

    code = StringField(_l("Mã trên giấy chứng nhận"), render_kw={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "maxlength": "40"})
    found_code: str | None = None

    def validate_code(self, field) -> None:
        reading = read_certificate_code(field.data)
        if reading.problem == "empty":
            raise ValidationError(_("Hãy nhập mã in trên giấy chứng nhận, gồm %(count)d chữ và số.",
                                    count=CERTIFICATE_CODE_LENGTH))
        if reading.problem == "letters":
            raise ValidationError(_("Mã chỉ có chữ và số, không có chữ O, I, L và số 0, 1. "
                                    "Hãy xem kỹ từng ký tự trên giấy rồi nhập lại."))
        if reading.problem == "length":
            raise ValidationError(_("Mã có %(count)d chữ và số, bạn đã nhập %(typed)d. Hãy xem lại mã trên giấy.",
                                    count=CERTIFICATE_CODE_LENGTH, typed=reading.length))
        self.found_code = reading.code
