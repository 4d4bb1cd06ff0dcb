from __future__ import annotations

import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from wtforms import HiddenField, RadioField, SelectChoice
from wtforms.validators import ValidationError
from werkzeug.datastructures import MultiDict

from elearn.forms import Form
from elearn.inputs import parse_id


NO_VERSION = -1  # an id no row has
ANSWER_FIELD = re.compile(r"q\d{1,12}")


class QuizForm(Form):
    """CSRF and the hidden fields; the answers are read from `q<question id>` fields."""

    idempotency_key = HiddenField()
    quiz_version_id = HiddenField()
    picked: dict[int, set[int]] | None = None  # the answers of a posted form (see `posted`)

    @classmethod
    def posted(cls, formdata: MultiDict) -> QuizForm:
        """A submitted quiz read whole: the answers in `picked`, the hidden fields, and the CSRF token,
        which `expired` checks here rather than before the view, so a page left open keeps its answers."""
        form = cls(formdata, meta={"csrf": False})
        form.picked = cls.answers(formdata)
        form.posted_token = formdata.get("csrf_token")
        return form

    def well_formed(self) -> bool:
        """Answers and key as a real form sends them (the version is checked against the course)."""
        return self.picked is not None and self.key() is not None

    def expired(self) -> bool:
        """The CSRF token is no longer valid (the page was open too long, or it was never ours)."""
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return False
        try:
            validate_csrf(self.posted_token)
        except ValidationError:
            return True
        return False

    @classmethod
    def fresh(cls, version_id: int) -> QuizForm:
        form = cls(formdata=None)
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.quiz_version_id.data = str(version_id)
        return form

    @staticmethod
    def answers(formdata: MultiDict) -> dict[int, set[int]] | None:
        """{question id: {choice ids}}; None when a field is not a pair of whole numbers."""
        answers: dict[int, set[int]] = {}
        for name in formdata:
            if not ANSWER_FIELD.fullmatch(name):
                continue
            question, choices = parse_id(name[1:]), {parse_id(value) for value in formdata.getlist(name)}
            if question is None or None in choices:
                return None
            answers[question] = choices
        return answers

    def version_id(self) -> int | None:
        """The version the form was built from; None when it sent none (the current quiz is
        meant); NO_VERSION when what it sent is no id ('²', 2**63): a forged form gets the quiz again."""
        value = (self.quiz_version_id.data or "").strip()
        return (parse_id(value) or NO_VERSION) if value else None

    def key(self) -> str | None:
        value = (self.idempotency_key.data or "").strip()
        # The form sends URL-safe ASCII; anything else (a NUL byte fails on PostgreSQL) is no key.
        return value if 16 <= len(value) <= 64 and value.isascii() and value.isprintable() else None


ANSWERS = [SelectChoice("yes", _l("Có")), SelectChoice("no", _l("Không")),
           SelectChoice("unsure", _l("Không rõ / không muốn trả lời"))]


class SurveyForm(Form):
    """Four questions a resident may answer about themselves, or skip; none is required."""

    has_smartphone = RadioField(_l("Bạn có điện thoại thông minh (vào được mạng, cài được ứng dụng) không?"),
                                choices=ANSWERS, validate_choice=False)
    has_bank_account = RadioField(_l("Bạn có tài khoản ngân hàng hoặc ví điện tử để chuyển tiền, trả tiền không?"),
                                  choices=ANSWERS, validate_choice=False)
    has_digital_signature = RadioField(_l("Bạn có chữ ký số hoặc chữ ký điện tử cá nhân không?"),
                                       choices=ANSWERS, validate_choice=False)
    has_vneid_level2 = RadioField(_l("Tài khoản VNeID của bạn đã là mức 2 chưa?"), choices=ANSWERS,
                                  validate_choice=False)

    QUESTIONS = ("has_smartphone", "has_bank_account", "has_digital_signature", "has_vneid_level2")

    def answers(self) -> dict[str, bool | None]:
        """Yes is True, no is False; unsure, skipped or anything else is None."""
        return {name: {"yes": True, "no": False}.get(self[name].data) for name in self.QUESTIONS}

    def fill(self, response) -> None:
        for name in self.QUESTIONS:
            value = getattr(response, name)
            self[name].data = {True: "yes", False: "no"}.get(value, "unsure")
