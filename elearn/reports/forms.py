from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from elearn.forms import ChoiceField, Form, RadioChoiceField, TypedDayField, clean_text, parse_day
from elearn.inputs import parse_number, whole_number
from elearn.prg import KeyedForm
from elearn.problems import Problem
from elearn.reports.messages import describe
from elearn.reports.population import FIRST_YEAR, MAX_SOURCE, Entry, check_entry

EARLIEST_DAY = date(FIRST_YEAR, 1, 1)


class DayText(TypedDayField):
    """A day of the reports (from the first year of figures on)."""

    def pre_validate(self, form):
        self.day = parse_day(self.data)
        if self.day is None or self.day < EARLIEST_DAY:
            self.day = None
            raise ValidationError(_l("Ngày chưa đúng. Hãy nhập theo dạng ngày/tháng/năm, ví dụ 30/06/2026."))


EXTERNAL_CHOICES = [SelectChoice("no", _l("Không tính: chỉ người học xong trên Học số")),
                    SelectChoice("yes", _l("Tính cả người có chứng nhận nơi khác"))]


def external_field():
    """The official's choice: do certificates from another recognised programme count toward the
    rate? Not by default; the page always says which choice is in effect."""
    return ChoiceField(_l("Người có chứng nhận nơi khác (ví dụ Bình dân học vụ số)"), choices=EXTERNAL_CHOICES,
                       default="no", message=_l("Hãy chọn có tính hay không tính."))


def includes_external(form) -> bool:
    return form.external.data == "yes" and not form.external.errors


class AsOfForm(Form):
    """The dashboard's day and the choice about certificates from elsewhere, from the address (a GET
    form: a link can be shared)."""

    class Meta:
        csrf = False

    as_of = DayText(_l("Số liệu tính đến ngày"))
    external = external_field()

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_as_of(self, field):
        if field.day and field.day > self.today:
            raise ValidationError(_l("Ngày này chưa đến. Hãy chọn hôm nay hoặc một ngày đã qua."))

    def check(self) -> bool:
        """Checks what the address gives: an empty day is today, no choice is the default."""
        valid = True
        if (self.as_of.data or "").strip():
            valid &= self.as_of.validate(self, extra_validators=[AsOfForm.validate_as_of])
        if self.external.raw_data:
            valid &= self.external.validate(self)
        return valid


PERIOD_KINDS = [SelectChoice("h1", _l("Sơ kết 6 tháng đầu năm (01/01 – 30/06)")),
                SelectChoice("year", _l("Tổng kết cả năm (01/01 – 31/12)")),
                SelectChoice("custom", _l("Khoảng thời gian khác"))]


class PeriodForm(Form):
    """Which report: the first half, the whole year, or any period (a GET form)."""

    class Meta:
        csrf = False

    kind = RadioChoiceField(_l("Loại báo cáo"), choices=PERIOD_KINDS, default="h1",
                            message=_l("Hãy chọn loại báo cáo."))
    year = ChoiceField(_l("Năm"), coerce=whole_number, message=_l("Hãy chọn năm."))
    start = DayText(_l("Từ ngày"))
    end = DayText(_l("Đến hết ngày"))
    external = external_field()

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.year.choices = [SelectChoice(y, str(y)) for y in range(today.year, FIRST_YEAR - 1, -1)]
        if self.year.data in (None, ""):
            self.year.data = today.year

    def nominal_end(self) -> date:
        """The period's last day as named, even if it has not come yet."""
        if self.kind.data == "custom":
            return self.end.day
        return date(self.year.data, 6, 30) if self.kind.data == "h1" else date(self.year.data, 12, 31)

    def period(self) -> tuple[date, date]:
        """(first day, last day counted): a period not over yet is counted up to today."""
        if self.kind.data == "custom":
            return self.start.day, self.end.day
        return date(self.year.data, 1, 1), min(self.nominal_end(), self.today)

    def validate(self, extra_validators=None) -> bool:
        if self.kind.data != "custom":
            self.start.data = self.end.data = None
            valid = self.kind.validate(self) & self.year.validate(self) & self.external.validate(self)
            if valid and date(self.year.data, 1, 1) > self.today:
                self.year.errors.append(_l("Năm này chưa bắt đầu."))
                return False
            return valid
        if not super().validate(extra_validators):
            return False
        if self.end.day > self.today:
            self.end.errors.append(_l("Ngày này chưa đến. Hãy chọn hôm nay hoặc một ngày đã qua."))
        elif self.start.day > self.end.day:
            self.end.errors.append(_l("Ngày kết thúc phải sau ngày bắt đầu."))
        return not (self.end.errors or self.start.errors)


class ExportForm(Form):
    """A file download: POST with CSRF, so no page elsewhere can make an official export silently."""

    start = HiddenField()
    end = HiddenField()
    external = HiddenField()  # "yes": certificates from elsewhere count toward the rates


class PopulationUploadForm(Form):
    source = StringField(_l("Nguồn số liệu"), filters=[clean_text],
                         validators=[DataRequired(_l("Hãy ghi nguồn, ví dụ: Báo cáo thống kê dân số xã năm 2026.")),
                                     Length(max=MAX_SOURCE, message=_l("Nguồn dài quá 300 ký tự."))],
                         render_kw={"maxlength": MAX_SOURCE})


EXPIRY_CHOICES = [SelectChoice(90, _l("3 tháng")), SelectChoice(365, _l("1 năm")),
                  SelectChoice(730, _l("2 năm"))]


class TokenForm(KeyedForm, Form):
    name = StringField(_l("Tên gợi nhớ"), filters=[clean_text],
                       validators=[DataRequired(_l("Hãy đặt tên, ví dụ: Hệ thống báo cáo của tỉnh.")),
                                   Length(max=80, message=_l("Tên dài quá 80 ký tự."))],
                       render_kw={"maxlength": 80})
    unit_id = ChoiceField(_l("Được xem số liệu của"), coerce=whole_number, message=_l("Hãy chọn đơn vị."))
    days = SelectField(_l("Hết hạn sau"), coerce=whole_number, choices=EXPIRY_CHOICES, default=365)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [SelectChoice(unit.id, unit.name) for unit in units]


NUMBER_INPUT = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 12}
SPLIT = ("total", "male", "female")


def year_from(text: str | None, today: date) -> int:
    """The year asked for in the address, or this year."""
    year = parse_number(text, max_digits=4) or today.year
    return year if FIRST_YEAR <= year <= today.year + 1 else today.year


def population_form(villages, figures: dict, formdata) -> Form:
    """One fieldset per village: total, men, women; filled with the figures already entered."""
    labels = {"total": _l("Tổng số"), "male": _l("Số nam"), "female": _l("Số nữ")}

    class PopulationForm(Form):
        source = StringField(_l("Nguồn số liệu"), filters=[clean_text], validators=[
            DataRequired(_l("Hãy ghi nguồn, ví dụ: Báo cáo thống kê dân số xã năm 2026.")),
            Length(max=MAX_SOURCE, message=_l("Nguồn dài quá 300 ký tự."))], render_kw={"maxlength": MAX_SOURCE})

    data = {"source": next((f.source for f in figures.values() if f.source), "")}
    for village in villages:
        figure = figures.get(village.id)
        for name in SPLIT:
            setattr(PopulationForm, f"v{village.id}_{name}", StringField(labels[name], render_kw=NUMBER_INPUT))
            value = getattr(figure, name) if figure else None
            data[f"v{village.id}_{name}"] = "" if value is None else str(value)
    return PopulationForm(formdata=formdata, data=data)


def entries_from(form: Form, villages, year: int) -> tuple[list[Entry], list[Problem]]:
    entries, problems = [], []
    for village in villages:
        cells = {name: form[f"v{village.id}_{name}"].data for name in SPLIT}
        entry, found = check_entry(village.id, year, cells, prefix=f"v{village.id}_")
        problems += found
        if entry is not None:
            entries.append(entry)
    return entries, problems


def show_problems(form: Form, problems: list[Problem]) -> None:
    for problem in problems:
        field = form[problem.field]
        field.errors = [*field.errors, describe(problem)]
