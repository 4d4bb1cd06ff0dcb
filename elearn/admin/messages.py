"""What the admin reads when a service refuses: one message per problem code, in the reader's language.

Services return codes and values (elearn.problems); only this module turns them into sentences.
A message may have variants by the unit's kind or the role in question: ("wrong_parent", "province").
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, Form

from elearn.file_messages import FILE_MESSAGES
from elearn.problems import Problem

# Headings and choices.
KIND_LABELS = {"province": _l("Tỉnh / thành phố"), "commune": _l("Xã / phường / đặc khu"),
               "village": _l("Thôn / tổ dân phố")}
# Inside a sentence.
KIND_NAMES = {"province": _l("tỉnh"), "commune": _l("xã"), "village": _l("thôn")}
ROLE_NAMES = {"trainer": _l("Hướng dẫn viên"), "official": _l("Cán bộ"), "admin": _l("Quản trị viên")}
# The choices of a role, saying what each one does.
ROLE_CHOICES = {
    "trainer": _l("Hướng dẫn viên: giúp người dân học, ở một thôn hoặc một xã"),
    "official": _l("Cán bộ: xem báo cáo của một xã hoặc một tỉnh"),
    "admin": _l("Quản trị viên: quản lý đơn vị và tài khoản cán bộ"),
}

MESSAGES: dict[Any, Any] = {  # keys: a code, or (code, variant)
    # Adding and renaming a unit (elearn.units.unit_problems).
    "unknown_kind": _l("Vui lòng chọn cấp: tỉnh, xã hoặc thôn."),
    "wrong_parent": _l("Một %(kind)s phải thuộc một %(parent_kind)s. Hãy chọn %(parent_kind)s ở ô “Thuộc”."),
    ("wrong_parent", "province"): _l("Tỉnh không thuộc đơn vị nào. Hãy chọn “Không có” ở ô “Thuộc”."),
    "parent_merged": _l("Đơn vị cấp trên này đã sáp nhập. Hãy chọn đơn vị đang hoạt động."),
    "name_missing": _l("Vui lòng nhập tên."),
    "name_too_long": _l("Tên dài quá %(max)s ký tự."),
    "code_taken": _l("Mã %(code)s đã là mã của một đơn vị khác."),
    "code_too_long": _l("Mã dài quá %(max)s ký tự."),
    # Merging.
    "merge_into_itself": _l("Không thể sáp nhập một đơn vị vào chính nó. Hãy chọn đơn vị khác."),
    "merge_other_kind": _l("Chỉ sáp nhập được vào đơn vị cùng cấp: thôn vào thôn, xã vào xã, tỉnh vào tỉnh."),
    "merge_merged_unit": _l("Đơn vị này đã sáp nhập trước đó. Hãy chọn một đơn vị đang hoạt động."),
    "merge_into_own_subtree": _l("Không thể sáp nhập vào một đơn vị nằm bên trong chính nó."),
    "merge_population_clash": _l("Cả hai thôn đều có số dân năm %(year)s: hãy xóa một số liệu trước khi sáp nhập."),
    # Removing sample data.
    "not_demo": _l("Chỉ xóa được dữ liệu mẫu. Với đơn vị thật, hãy sáp nhập nó vào đơn vị khác."),
    "demo_has_real_residents": _l("Có %(count)s người dân thật đang ở đây nên không xóa được. "
                                  "Hãy sáp nhập đơn vị này vào một đơn vị thật."),
    "demo_has_real_units": _l("Có %(count)s đơn vị thật nằm bên trong nên không xóa được. "
                              "Hãy sáp nhập các đơn vị đó vào nơi khác trước."),
    # Choosing the required courses.
    "none_required": _l("Hãy chọn ít nhất một khóa học bắt buộc."),
    # The CSV file as a whole.
    "file_empty": _l("Tệp trống. Hãy chọn tệp CSV có danh sách đơn vị."),
    **FILE_MESSAGES,
    "file_no_rows": _l("Tệp chỉ có hàng tiêu đề. Hãy thêm mỗi đơn vị một hàng bên dưới."),
    "header_unknown": _l("Cột “%(column)s” không có trong mẫu. Hàng 1 phải là: cap, ma, ten, ma_cap_tren."),
    "header_twice": _l("Cột %(column)s xuất hiện hai lần. Hãy xóa một cột."),
    "header_missing": _l("Thiếu cột %(columns)s. Hàng 1 phải là: cap, ma, ten, ma_cap_tren."),
    # One row of the CSV file.
    "row_extra_cells": _l("Hàng có nhiều ô hơn hàng tiêu đề. Nếu tên có dấu phẩy, hãy lưu lại tệp bằng Excel."),
    "level_missing": _l("Ô cap trống. Hãy ghi tinh, xa hoặc thon."),
    "level_unknown": _l("Cấp “%(value)s” không rõ. Hãy ghi tinh, xa hoặc thon."),
    "code_missing": _l("Một %(kind)s cần có mã (ô ma)."),
    "code_invalid": _l("Mã “%(code)s” chỉ được có chữ không dấu, chữ số, dấu chấm, gạch ngang."),
    "province_has_parent": _l("Tỉnh không thuộc đơn vị nào: hãy để trống ô ma_cap_tren."),
    "parent_missing": _l("Một %(kind)s phải có mã %(parent_kind)s của nó ở ô ma_cap_tren."),
    "parent_unknown": _l("Không tìm thấy đơn vị có mã %(code)s, trong tệp cũng như trong hệ thống."),
    "parent_below": _l("Đơn vị có mã %(code)s nằm ở hàng %(parent_row)s, bên dưới. Hãy đưa hàng đó lên trên."),
    "parent_wrong_level": _l("Mã %(code)s là một %(found_kind)s, nhưng một %(kind)s phải thuộc một %(parent_kind)s."),
    "code_twice": _l("Mã %(code)s đã có ở hàng %(first_row)s. Mỗi mã chỉ ghi một lần."),
    "village_twice": _l("“%(name)s” đã có ở hàng %(first_row)s, trong cùng một xã."),
    "code_other_level": _l("Mã %(code)s đã là mã của %(name)s, một %(found_kind)s. Hãy kiểm tra lại ô cap hoặc ô ma."),
    "code_merged": _l("Mã %(code)s là của một đơn vị đã sáp nhập vào %(into)s. Hãy dùng mã của %(into)s."),
    "code_other_parent": _l("Mã %(code)s đã có và thuộc %(parent)s. Nhập tệp không chuyển đơn vị sang nơi khác: "
                            "hãy sáp nhập trên trang của đơn vị."),
    # Staff accounts and roles.
    "phone_taken_by_staff": _l("Số điện thoại này đã có tài khoản cán bộ."),
    "phone_taken_by_resident": _l("Số điện thoại này là của một người dân đã có tài khoản."),
    "role_unknown": _l("Vui lòng chọn vai trò."),
    ("unit_missing", "trainer"): _l("Hướng dẫn viên cần phụ trách một thôn hoặc một xã. Hãy chọn ở ô này."),
    ("unit_missing", "official"): _l("Cán bộ cần phụ trách một xã hoặc một tỉnh. Hãy chọn ở ô này."),
    ("unit_wrong_kind", "trainer"): _l("Hướng dẫn viên phụ trách một thôn hoặc một xã, không phải một tỉnh. "
                                       "Hãy chọn lại."),
    ("unit_wrong_kind", "official"): _l("Cán bộ phụ trách một xã hoặc một tỉnh, không phải một thôn. Hãy chọn lại."),
    "unit_merged": _l("Đơn vị này đã sáp nhập. Hãy chọn đơn vị đang hoạt động."),
    "already_assigned": _l("Người này đã có vai trò này ở đơn vị này."),
    "last_admin": _l("Đây là quản trị viên cuối cùng. Hãy giao vai trò quản trị cho một người khác trước."),
}


class _Values(dict):
    """A value the message needs but the problem lacks shows as '?' rather than failing the page."""

    def __missing__(self, key):
        return "?"


def _readable(values: dict) -> _Values:
    readable = _Values(values)
    for key in ("kind", "parent_kind", "found_kind"):
        if values.get(key) in KIND_NAMES:
            readable[key] = KIND_NAMES[values[key]]
    if values.get("role") in ROLE_NAMES:
        readable["role"] = ROLE_NAMES[values["role"]]
    return readable


def message_for(problem: Problem) -> str:
    variants = (problem.values.get("kind"), problem.values.get("role"))
    text = next((MESSAGES[(problem.code, v)] for v in variants if (problem.code, v) in MESSAGES),
                MESSAGES.get(problem.code))
    if text is None:
        return _("Chưa làm được (%(code)s). Hãy thử lại hoặc báo cho người phụ trách kỹ thuật.", code=problem.code)
    return str(text) % _readable(problem.values)


def row_message(problem: Problem) -> str:
    """A problem in an uploaded file, with the row to look at."""
    if problem.row is None:
        return message_for(problem)
    return _("Hàng %(row)s: %(message)s", row=problem.row, message=message_for(problem))


def show_problems(form: Form, problems: list[Problem], fallback: Field | None = None) -> list[str]:
    """Each problem's message next to its field (or `fallback`); returns those with no field to go to."""
    unplaced = []
    for problem in problems:
        target = getattr(form, problem.field, None) if problem.field else None
        target = target if isinstance(target, Field) else fallback
        if target is None:
            unplaced.append(message_for(problem))
        else:
            target.errors = [*target.errors, message_for(problem)]
    return unplaced
