from __future__ import annotations

import re
import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from werkzeug.datastructures import MultiDict


ANSWER_FIELD = re.compile(r"q\d{1,12}")


class QuizForm(FlaskForm):
    """CSRF and the hidden fields; the answers are read from `q<question id>` fields."""

    idempotency_key = HiddenField()
    quiz_version_id = HiddenField()

    @classmethod
    def fresh(cls, version_id: int) -> "QuizForm":
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
            values = formdata.getlist(name)
            if not all(value.isdigit() for value in values):
                return None
            answers[int(name[1:])] = {int(value) for value in values}
        return answers

    def version_id(self) -> int | None:
        value = self.quiz_version_id.data or ""
        return int(value) if value.isdigit() else None

    def key(self) -> str | None:
        value = (self.idempotency_key.data or "").strip()
        return value if 16 <= len(value) <= 64 else None
