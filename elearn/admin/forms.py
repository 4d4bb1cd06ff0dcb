"""The admin's forms. Choices come from the database and are passed in by the view."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from elearn.admin.messages import KIND_LABELS, ROLE_CHOICES
from elearn.forms import CheckboxesField, Form, PhoneField, RadioChoiceField, clean_text
from elearn.models import STAFF_ROLES, UNIT_KINDS, Unit
from elearn.prg import KeyedForm
from elearn.inputs import parse_id
from elearn.units import MAX_CODE_LENGTH, MAX_NAME_LENGTH


def chosen_id(value) -> int:
    """A chosen unit's id; anything but a number in range (a tampered form) is 0, nothing chosen."""
    return parse_id(value) or 0


def strip(value: str | None) -> str | None:
    return value.strip() if value else value


def unit_options(units: list[Unit], nothing: str) -> list[SelectChoice]:
    """A picker of units grouped by level; a village shows its commune, a commune its province."""
    return [SelectChoice(0, nothing)] + [
        SelectChoice(unit.id, unit.full_name, optgroup=str(KIND_LABELS[unit.kind])) for unit in units]


class UnitFields(Form):
    name = StringField(_l("Tên"), filters=[clean_text], render_kw={"maxlength": MAX_NAME_LENGTH, "autocomplete": "off"},
                       validators=[DataRequired(_l("Vui lòng nhập tên.")),
                                   Length(max=MAX_NAME_LENGTH, message=_l("Tên dài quá 120 ký tự."))])
    code = StringField(_l("Mã (không bắt buộc)"), filters=[strip],
                       render_kw={"maxlength": MAX_CODE_LENGTH, "autocomplete": "off"},
                       validators=[Length(max=MAX_CODE_LENGTH, message=_l("Mã dài quá 32 ký tự."))])


class AddUnitForm(KeyedForm, UnitFields):
    kind = RadioChoiceField(_l("Cấp"), choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in UNIT_KINDS],
                            message=_l("Vui lòng chọn cấp: tỉnh, xã hoặc thôn."))
    parent_id = SelectField(_l("Thuộc"), coerce=chosen_id, validate_choice=False)

    def __init__(self, *args, parents: Sequence[Unit] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = unit_options(list(parents), _l("Không có (khi thêm một tỉnh)"))


class RenameUnitForm(UnitFields):
    pass


class MergeForm(Form):
    target_id = SelectField(_l("Sáp nhập vào"), coerce=chosen_id, validate_choice=False)
    # Set by the confirmation page: the first post shows what will move, the second merges.
    confirmed = HiddenField()

    def __init__(self, *args, targets: Sequence[Unit] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.target_id.choices = unit_options(list(targets), _l("— Chọn đơn vị —"))

    def validate_target_id(self, field):
        if not field.data:
            raise ValidationError(_l("Vui lòng chọn đơn vị sẽ nhận sáp nhập."))


class RemoveUnitForm(Form):
    confirm = BooleanField(_l("Tôi hiểu: đơn vị này và mọi thứ bên trong sẽ bị xóa hẳn, không lấy lại được."),
                           validators=[DataRequired(_l("Hãy đánh dấu ô này nếu bạn chắc chắn muốn xóa."))])


class ImportUnitsForm(Form):
    file = FileField(_l("Tệp CSV danh sách đơn vị"), validators=[FileRequired(_l("Vui lòng chọn tệp CSV."))],
                     render_kw={"accept": ".csv,text/csv"})


class _PersonFields(Form):
    # Declared before the role fields, so the list of mistakes follows the page's order.
    full_name = StringField(_l("Họ và tên"), filters=[clean_text], render_kw={"autocomplete": "off", "maxlength": 120},
                            validators=[DataRequired(_l("Vui lòng nhập họ và tên.")),
                                        Length(max=120, message=_l("Họ tên dài quá 120 ký tự."))])
    phone = PhoneField(_l("Số điện thoại"))


class AssignmentForm(KeyedForm, Form):
    role = RadioChoiceField(_l("Vai trò"), choices=[SelectChoice(role, ROLE_CHOICES[role]) for role in STAFF_ROLES],
                            message=_l("Vui lòng chọn vai trò."))
    unit_id = SelectField(_l("Phụ trách"), coerce=chosen_id, validate_choice=False)

    def __init__(self, *args, units: Sequence[Unit] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = unit_options(list(units), _l("Không cần (quản trị viên)"))


class NewStaffForm(_PersonFields, AssignmentForm):
    pass


class RequiredCoursesForm(Form):
    """The published courses, ticked when required. The view passes the courses in; choosing none is
    refused by elearn.records.trained.choose_required_courses."""

    course_ids = CheckboxesField(_l("Khóa học bắt buộc"), coerce=int)

    def __init__(self, *args, courses: Sequence = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.course_ids.choices = [(course.id, course.title) for course in courses]
