"""Forms of the trainers' pages about residents: registering in person, searching, the assisted quiz."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, StringField
from wtforms.validators import ValidationError

from elearn.auth.forms import SEX_CHOICES, check_birth_date
from elearn.forms import BirthDateField, ChoiceField, Form, PhoneField, RadioChoiceField, clean_text
from elearn.inputs import parse_number, whole_number
from elearn.learn.forms import QuizForm
from elearn.prg import KeyedForm
from elearn.training.ages import GUARDIAN_CONSENT_BELOW, age_on

MAX_QUERY_LENGTH = 60
MAX_PAGE = 100_000


class InPersonRegistrationForm(KeyedForm, Form):
    """The self-registration fields, worded for the trainer, without a password: the resident sets
    their own with a one-time code. Consent is given to the trainer, who ticks the box after reading
    the privacy notice to the person."""

    guardian_age = GUARDIAN_CONSENT_BELOW  # for the page's hint
    full_name = StringField(_l("Họ và tên người dân"), filters=[clean_text],
                            render_kw={"autocomplete": "off", "maxlength": 120})
    phone = PhoneField(_l("Số điện thoại của người dân"))
    birth_date = BirthDateField(_l("Ngày sinh"), autofill=False)  # the person's, not the trainer's
    sex = RadioChoiceField(_l("Giới tính"), choices=SEX_CHOICES, message=_l("Vui lòng chọn Nam hoặc Nữ."))
    village_id = ChoiceField(_l("Thôn / tổ dân phố nơi người dân ở"), coerce=whole_number,
                             message=_l("Vui lòng chọn thôn nơi người dân ở (trong các thôn bạn phụ trách)."))
    consent = BooleanField(_l("Tôi đã đọc Thông báo về dữ liệu cá nhân cho người này nghe, và họ đồng ý."))
    guardian_consent = BooleanField(_l("Cha, mẹ hoặc người giám hộ của người này có mặt và đồng ý."))

    def __init__(self, *args, villages=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.village_id.choices = [SelectChoice(0, _l("— Chọn thôn —"))] + [
            SelectChoice(village.id, village.name, optgroup=village.parent.name if village.parent else None)
            for village in villages]

    def validate_full_name(self, field):
        if not field.data:
            raise ValidationError(_l("Vui lòng nhập họ và tên."))
        if len(field.data) > 120:
            raise ValidationError(_l("Họ tên dài quá 120 ký tự."))
        if not field.data.isprintable():
            raise ValidationError(_l("Họ tên có ký tự không hợp lệ. Hãy gõ lại họ tên."))

    def validate_birth_date(self, field):
        check_birth_date(field.day, self.today, _l("Người dân cần đủ 15 tuổi để có tài khoản."))

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("Hãy đọc Thông báo về dữ liệu cá nhân cho người dân nghe. Chỉ đánh dấu ô "
                                     "này khi họ đồng ý; không có sự đồng ý thì không đăng ký được."))

    def needs_guardian(self) -> bool:
        day = self.birth_date.day
        return day is not None and day <= self.today and age_on(day, self.today) < GUARDIAN_CONSENT_BELOW

    def validate_guardian_consent(self, field):
        if self.needs_guardian() and not field.data:
            raise ValidationError(_l("Người này chưa đủ %(age)d tuổi: cần cha, mẹ hoặc người giám hộ đồng ý.",
                                     age=GUARDIAN_CONSENT_BELOW))


def search_text(raw: str | None) -> str:
    """The search box's text, tidied; cut short rather than refused (a search never fails)."""
    text = clean_text((raw or "").replace("\x00", "")) or ""
    return text[:MAX_QUERY_LENGTH]


def page_number(raw: str | None) -> int:
    """?page=...: ASCII digits only, from 1; anything else is the first page, a huge one the last."""
    number = parse_number(raw, max_digits=100)
    return 1 if number is None else min(max(number, 1), MAX_PAGE)


class AssistedQuizForm(QuizForm):
    """The resident's quiz form, plus the trainer's word that they went through the lessons together."""

    lessons_covered = BooleanField(_l("Tôi đã cùng người dân xem qua các bài học của khóa này trước khi làm bài."))

    def covered(self) -> bool:
        return bool(self.lessons_covered.data)


COVERED_MESSAGE = _l("Hãy cùng người dân xem các bài học trước, rồi đánh dấu ô này. Bài làm chưa được ghi.")
