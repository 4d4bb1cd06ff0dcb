"""The period report as tables: one list of tables feeds the printable page, the XLSX workbook
(one sheet each) and the CSV file, so the three always show the same figures.

Headings are Vietnamese whatever the reader's language: the report is filed with the commune's
authorities. Numbers stay numbers; text from users (unit names, questions) can never become a
formula in a spreadsheet."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from elearn.reports.figures import Counts, Report
from elearn.training.rates import band_label

Cell = int | str | date | Fraction | None

KIND_NAMES = {"province": "Tỉnh", "commune": "Xã", "village": "Thôn"}
SEX_NAMES = {"female": "Nữ", "male": "Nam"}
INDICATOR_NAMES = {
    "has_smartphone": "Có điện thoại thông minh",
    "has_bank_account": "Có tài khoản ngân hàng hoặc tài khoản thanh toán",
    "has_digital_signature": "Có chữ ký số hoặc chữ ký điện tử cá nhân",
    "has_vneid_level2": "Có tài khoản định danh điện tử VNeID mức 2",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    sheet: str  # an Excel sheet name: at most 31 characters
    title: str
    headings: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


def period_text(report: Report) -> str:
    return f"{report.since:%d/%m/%Y} – {report.day:%d/%m/%Y}"


EXTERNAL_HEADING = "Có chứng nhận nơi khác"


def external_choice(report: Report) -> str:
    """Which choice is in effect, in words, for every table and file."""
    if report.include_external:
        return "Tỷ lệ tính cả người có chứng nhận nơi khác (chưa học xong trên Học số)."
    return "Tỷ lệ chỉ tính người học xong trên Học số; người có chứng nhận nơi khác không tính vào tỷ lệ."


def report_tables(report: Report) -> list[Table]:
    return [_summary(report), _by_unit(report), _by_sex(report), _by_band(report), _by_month(report),
            _by_course(report), _survey(report)]


def _summary(report: Report) -> Table:
    total, (t2025, t2030) = report.total, report.targets
    table = Table("Tổng hợp", f"Tổng hợp: {report.root.name}", ["Chỉ tiêu", "Giá trị"])
    table.rows = [
        ["Đơn vị", report.root.name],
        ["Kỳ báo cáo", period_text(report)],
        ["Số liệu tính đến ngày", report.day],
        ["Số dân trong độ tuổi lao động", total.population],
        ["Số thôn chưa có số dân", total.villages_without_figure],
        ["Đã đăng ký (trong độ tuổi lao động)", total.registered],
        ["Đã học xong (trong độ tuổi lao động)", total.trained],
        ["Trong đó: ở các thôn có số dân", total.trained_counted],
        ["Trong đó: học xong trong kỳ", total.trained_in_period],
        ["Trong đó: học có hỗ trợ của Tổ Công nghệ số", total.assisted],
        ["Đã học xong, kể cả ngoài độ tuổi lao động", total.trained_any_age],
        ["Có chứng nhận nơi khác, chưa học trên Học số (trong độ tuổi lao động)", total.external],
        ["Trong đó: ở các thôn có số dân", total.external_counted],
        ["Trong đó: cấp trong kỳ", total.external_in_period],
        ["Tính người có chứng nhận nơi khác vào tỷ lệ", "Có" if report.include_external else "Không"],
        ["Tỷ lệ đã học xong", total.rate],
        [f"Mục tiêu {t2025.year}: trên {t2025.percent}%", _met(total, t2025)],
        [f"Cần đào tạo thêm để đạt trên {t2025.percent}%", total.gap(t2025)],
        [f"Mục tiêu {t2030.year}: trên {t2030.percent}%", _met(total, t2030)],
        [f"Cần đào tạo thêm để đạt trên {t2030.percent}%", total.gap(t2030)],
    ]
    table.note = external_choice(report)
    return table


def _met(counts: Counts, target) -> str | None:
    if counts.rate is None:
        return None
    return "Đã đạt" if counts.meets(target) else "Chưa đạt"


def _by_unit(report: Report) -> Table:
    t2025, t2030 = report.targets
    kind = KIND_NAMES[report.row_kind]
    table = Table(f"Theo {kind.lower()}", f"Theo {kind.lower()}", [
        kind, "Số dân trong độ tuổi lao động", "Năm số liệu", "Đã đăng ký", "Đã học xong", "Học xong trong kỳ",
        "Tỷ lệ", f"Cần thêm để đạt trên {t2025.percent}%", f"Cần thêm để đạt trên {t2030.percent}%",
        EXTERNAL_HEADING])
    for row in [*report.rows, None]:
        counts, name = (row.counts, row.name) if row else (report.total, "Tổng cộng")
        years = ", ".join(str(y) for y in sorted(counts.figure_years)) or None
        table.rows.append([name, counts.population, years, counts.registered, counts.trained,
                           counts.trained_in_period, counts.rate, counts.gap(t2025), counts.gap(t2030),
                           counts.external])
    table.note = ("Tỷ lệ và số cần thêm chỉ tính ở các thôn có số dân; thôn chưa có số dân để trống. "
                  + external_choice(report))
    return table


def _by_sex(report: Report) -> Table:
    table = Table("Theo giới tính", "Theo giới tính (trong độ tuổi lao động)",
                  ["Giới tính", "Số dân", "Đã đăng ký", "Đã học xong", "Tỷ lệ", EXTERNAL_HEADING])
    table.rows = [[SEX_NAMES[line.sex], line.population, line.registered, line.trained, line.rate, line.external]
                  for line in report.by_sex]
    table.note = external_choice(report)
    if report.total.population_by_sex is None:
        table.note = "Số dân theo giới tính chưa có ở mọi thôn nên chưa tính tỷ lệ theo giới tính."
    return table


def _by_band(report: Report) -> Table:
    table = Table("Theo nhóm tuổi", "Theo nhóm tuổi (trong độ tuổi lao động)",
                  ["Nhóm tuổi", "Đã đăng ký", "Đã học xong", "Tỷ lệ học xong trên số đã đăng ký"])
    table.rows = [[band_label(line.band), line.registered, line.trained,
                   Fraction(line.trained, line.registered) if line.registered else None] for line in report.bands]
    table.note = "Chưa có số dân theo nhóm tuổi nên tỷ lệ tính trên số người đã đăng ký."
    return table


def _by_month(report: Report) -> Table:
    table = Table("Theo tháng", "Theo tháng", ["Tháng", "Học xong trong tháng",
                                               "Đã học xong cuối tháng (thôn có số dân)", "Số dân", "Tỷ lệ",
                                               f"{EXTERNAL_HEADING} cuối tháng (thôn có số dân)"])
    table.rows = [[f"{point.month:%m/%Y}", point.newly_trained, point.trained, point.population, point.rate,
                   point.external] for point in report.trend]
    table.note = external_choice(report)
    return table


def _by_course(report: Report) -> Table:
    table = Table("Theo khóa học", "Theo khóa học", [
        "Khóa học", "Bắt buộc", "Bắt đầu học", "Hoàn thành", "Tự học", "Có hỗ trợ", "Làm bài lần đầu",
        "Đạt ngay lần đầu", "Tỷ lệ đạt lần đầu", "Câu hay trả lời sai nhất"])
    for line in report.courses:
        wrong = "; ".join(f"{q.text} ({q.wrong}/{q.answered} lần sai)" for q in line.most_wrong) or None
        table.rows.append([line.title, "Có" if line.required else "Không", line.started, line.completed,
                           line.completed_self, line.completed_assisted, line.first_attempts,
                           line.first_attempt_passes, line.first_attempt_pass_rate, wrong])
    table.note = "Câu hay sai nhất tính trên mọi lần làm bài từ trước đến nay."
    return table


def _survey(report: Report) -> Table:
    table = Table("Khảo sát", "Chỉ tiêu xã hội số (người dân tự khai)",
                  ["Chỉ tiêu", "Số người trả lời có", "Số người trả lời", "Tỷ lệ", "Mục tiêu 2025", "Mục tiêu 2030"])
    table.rows = [[INDICATOR_NAMES[i.key], i.yes, i.answered, i.rate, i.target_2025, i.target_2030]
                  for i in report.survey]
    table.note = (f"Người dân tự trả lời, không bắt buộc: {report.survey_responses} người đã trả lời. "
                  "Đây không phải số liệu thống kê chính thức.")
    return table


# -- files -------------------------------------------------------------------------------------

def render(report: Report, kind: str) -> tuple[bytes, str]:
    if kind == "xlsx":
        return to_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return to_csv(report).encode("utf-8-sig"), "text/csv; charset=utf-8"


def inert(text: str) -> str:
    """Text a spreadsheet will never run: a leading = + - @ is preceded by an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def uninert(text: str) -> str:
    """A cell of a file we wrote, read back: the apostrophe `inert` added comes off again."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in report_tables(report):
        sheet = book.create_sheet(table.sheet[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(table.headings)
        for cell in sheet[2]:
            cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        for values in table.rows:
            sheet.append([None] * len(values))
            for column, value in enumerate(values, start=1):
                _set_cell(sheet.cell(row=sheet.max_row, column=column), value)
        if table.note:
            sheet.append([])
            sheet.append([table.note])
        for column in range(1, len(table.headings) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 40 if column == 1 else 16
        sheet.freeze_panes = "B3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set_cell(cell, value: Cell) -> None:
    if isinstance(value, Fraction):
        cell.value, cell.number_format = float(value), "0.0%"
    elif isinstance(value, date):
        cell.value, cell.number_format = value, "DD/MM/YYYY"
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value
        if isinstance(value, int):
            cell.number_format = "#,##0"


def to_csv(report: Report) -> str:
    """The table per village (or commune) with its total: what another system imports."""
    table = report_tables(report)[1]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Kỳ báo cáo", period_text(report), "Đơn vị", inert(report.root.name),
                     "Tính người có chứng nhận nơi khác vào tỷ lệ", "Có" if report.include_external else "Không"])
    writer.writerow(table.headings)
    for values in table.rows:
        writer.writerow([csv_value(value) for value in values])
    return out.getvalue()


def csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Fraction):
        return f"{float(value * 100):.1f}"  # percent, one decimal, a dot for machines
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return inert(value) if isinstance(value, str) else str(value)
