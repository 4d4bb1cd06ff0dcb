"""The audit view's filter: a GET form (a link to a filtered view can be shared), checked like the
reports' day fields; errors next to their field, what was typed kept."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from elearn.admin.audit_log import AuditQuery
from elearn.reports.forms import DayText

_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits only, and well inside any integer column


class AuditFilterForm(Form):
    action = SelectField(_l("Việc đã làm"), validate_choice=False)
    since = DayText(_l("Từ ngày"))
    until = DayText(_l("Đến ngày"))
    actor = StringField(_l("Mã người làm"), render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 9})

    def __init__(self, formdata, actions: list[str]):
        super().__init__(formdata)
        self.action.choices = [SelectChoice("", _l("Mọi việc"))] + [SelectChoice(a, a) for a in actions]

    def validate_action(self, field):
        if field.data and field.data not in {value for value, *_ in self.action.choices}:
            raise ValidationError(_l("Chưa có việc nào như thế trong nhật ký. Hãy chọn trong danh sách."))

    def validate_until(self, field):
        if field.day and self.since.day and field.day < self.since.day:
            raise ValidationError(_l("Ngày kết thúc phải sau ngày bắt đầu."))

    def validate_actor(self, field):
        if (field.data or "").strip() and not _ID.fullmatch(field.data.strip()):
            raise ValidationError(_l("Mã người làm là một số, ví dụ 12."))

    def check(self) -> bool:
        """Empty fields are no filter; a field given is checked."""
        valid = True
        for field in (self.action, self.since, self.until, self.actor):
            if (field.data or "").strip():
                inline = getattr(type(self), f"validate_{field.name}", None)
                valid &= field.validate(self, extra_validators=[inline] if inline else [])
        return valid

    def query(self, page: int) -> AuditQuery:
        """The filter from the fields that are right; a wrong one filters nothing (its error is shown)."""
        ok = {field.name: not field.errors for field in self}
        actor = (self.actor.data or "").strip()
        return AuditQuery(action=self.action.data or None if ok["action"] else None,
                          since=self.since.day if ok["since"] else None,
                          until=self.until.day if ok["until"] else None,
                          actor_id=int(actor) if actor and ok["actor"] else None, page=page)
