"""Why a file or a row was quarantined, in Vietnamese and English.

Every quarantine row carries a stable ``reason_code`` (for queries and
dashboards) and the two sentences a sender reads on the receipt. The
sentences are templates filled with the offending value, so the sender can
find and fix the cell without asking.
"""

from __future__ import annotations

from dataclasses import dataclass

# (Vietnamese, English) templates keyed by reason code. File-level reasons
# first, then row-level ones.
REASONS: dict[str, tuple[str, str]] = {
    # Whole file
    "empty_file": ("Tệp rỗng (0 byte).", "The file is empty (0 bytes)."),
    "not_regular_file": (
        "Mục trong thư mục nhận không phải là tệp thông thường ({detail}) nên bị từ chối và không được lưu; hãy gửi chính tệp báo cáo.",
        "The entry in the landing folder is not a regular file ({detail}); it was refused and not copied. Send the report file itself.",
    ),
    "file_too_large": (
        "Tệp quá lớn: {detail} byte, tối đa {hint} byte.",
        "The file is too large: {detail} bytes, the limit is {hint} bytes.",
    ),
    "unsupported_file_type": (
        "Loại tệp không được chấp nhận ({detail}); chỉ nhận .xlsx hoặc .csv.",
        "File type not accepted ({detail}); only .xlsx or .csv files are accepted.",
    ),
    "not_xlsx": (
        "Tệp có đuôi .xlsx nhưng không phải tệp Excel .xlsx ({detail}).",
        "The file is named .xlsx but is not an Excel .xlsx workbook ({detail}).",
    ),
    "corrupt_xlsx": (
        "Tệp Excel bị hỏng hoặc không đầy đủ, không đọc được ({detail}).",
        "The Excel file is damaged or truncated and cannot be read ({detail}).",
    ),
    "zip_bomb": (
        "Tệp bị từ chối vì lý do an toàn: {detail}.",
        "The file was refused for safety: {detail}.",
    ),
    "macro_content": (
        "Tệp chứa macro (mã VBA, {detail}) nên bị từ chối; hãy lưu lại dạng .xlsx không có macro.",
        "The file holds macros (VBA code, {detail}) and was refused; save it as an .xlsx workbook without macros.",
    ),
    "external_link": (
        "Tệp chứa liên kết ra ngoài ({detail}) nên bị từ chối; hãy chép giá trị vào tệp thay cho liên kết.",
        "The file links outside itself ({detail}) and was refused; paste the values instead of the link.",
    ),
    "embedded_object": (
        "Tệp chứa đối tượng nhúng ({detail}) nên bị từ chối; hãy xóa đối tượng nhúng rồi gửi lại.",
        "The file holds an embedded object ({detail}) and was refused; remove it and send the file again.",
    ),
    "unsafe_xml": (
        "Tệp chứa khai báo XML không an toàn ({detail}: DTD/thực thể) nên bị từ chối.",
        "The file holds unsafe XML declarations ({detail}: DTD/entities) and was refused.",
    ),
    "unreadable_encoding": (
        "Không đọc được bảng mã của tệp CSV ({detail}); hãy lưu tệp dạng CSV UTF-8.",
        "The CSV file's text encoding cannot be read ({detail}); save it as CSV UTF-8.",
    ),
    "corrupt_csv": (
        "Tệp CSV sai cấu trúc ({detail}).",
        "The CSV file is malformed ({detail}).",
    ),
    "missing_sheet": (
        "Thiếu trang tính bắt buộc: {detail}.",
        "Required sheet missing: {detail}.",
    ),
    "missing_columns": (
        "Trang '{sheet}' thiếu cột bắt buộc: {detail}.",
        "Sheet '{sheet}' lacks required columns: {detail}.",
    ),
    "duplicate_columns": (
        "Trang '{sheet}' có cột trùng tên: {detail}.",
        "Sheet '{sheet}' has duplicated column names: {detail}.",
    ),
    "missing_metadata": (
        "Thiếu thông tin bắt buộc: {detail}.",
        "Required metadata missing: {detail}.",
    ),
    "formula_in_metadata": (
        "Ô thông tin '{detail}' chứa công thức (hoặc văn bản bắt đầu bằng =, +, -, @); hãy nhập giá trị, không nhập công thức.",
        "The metadata cell '{detail}' holds a formula (or text starting with =, +, -, @); type the value, not a formula.",
    ),
    "unsupported_format_version": (
        "Phiên bản mẫu '{value}' không được hỗ trợ; hãy dùng mẫu phiên bản {detail}.",
        "Format version '{value}' is not supported; use the version {detail} template.",
    ),
    "unknown_sheet_kind": (
        "Cột 'sheet' ghi '{value}'; phải là một trong: {detail}.",
        "Column 'sheet' says '{value}'; it must be one of: {detail}.",
    ),
    # Whole file: who sent it (signing.py); checked after reading, before any row is trusted
    "sender_unverified": (
        "Tệp không có mã xác thực (verification_code) của mẫu báo cáo do hệ thống cấp, nên không xác định được đơn vị gửi; tệp không được nạp, không thay thế báo cáo nào. Hãy điền vào mẫu do lệnh nq57 template tạo cho cơ quan và kỳ báo cáo của mình rồi gửi lại.",
        "The file carries no verification code (verification_code) of a template issued by the warehouse, so its sender cannot be verified; nothing of it was loaded and it replaces no report. Fill in the template made by nq57 template for your agency and period, and send it again.",
    ),
    "code_mismatch": (
        "Mã xác thực (khóa {value}) không khớp với tỉnh, cơ quan, kỳ báo cáo và phiên bản mẫu ghi trong tệp ({detail}): mã bị sửa hoặc giả mạo, các ô thông tin bị sửa sau khi cấp mẫu, hoặc mẫu được cấp cho cơ quan, kỳ hoặc tỉnh khác. Tệp không được nạp, không thay thế báo cáo nào; hãy dùng mẫu được cấp cho đúng cơ quan và kỳ báo cáo.",
        "The verification code (key {value}) does not match the province, agency, period and format version written in the file ({detail}): the code was edited or forged, the metadata cells were changed after the template was issued, or the template was issued to another agency, period or province. Nothing of the file was loaded and it replaces no report; use the template issued to your agency for this period.",
    ),
    "agency_folder_mismatch": (
        "Tệp nằm trong thư mục của cơ quan '{detail}' nhưng ghi mã cơ quan '{value}'; tệp không được nạp. Mỗi cơ quan chỉ gửi báo cáo của mình vào thư mục của mình.",
        "The file is in the folder of agency '{detail}' but names agency '{value}'; nothing of it was loaded. Each agency sends only its own reports, into its own folder.",
    ),
    "no_data": (
        "Tệp không có dòng số liệu nào được nhập.",
        "The file holds no filled-in data rows.",
    ),
    # Row level: metadata checked against the registry and the plans
    "province_unknown": (
        "Mã tỉnh '{value}' không có trong danh mục.",
        "Province id '{value}' is not in the registry.",
    ),
    "province_not_current": (
        "Tỉnh '{value}' không còn tồn tại vào {detail}; hãy báo cáo với tư cách tỉnh '{hint}'.",
        "Province '{value}' no longer exists on {detail}; report as province '{hint}'.",
    ),
    "agency_unknown": (
        "Mã cơ quan '{value}' không có trong danh mục.",
        "Agency id '{value}' is not in the registry.",
    ),
    "agency_not_in_province": (
        "Cơ quan '{value}' không thuộc tỉnh '{detail}'.",
        "Agency '{value}' does not belong to province '{detail}'.",
    ),
    "agency_not_current": (
        "Cơ quan '{value}' không còn hoạt động vào {detail}; cơ quan kế thừa là '{hint}'.",
        "Agency '{value}' no longer exists on {detail}; its successor is '{hint}'.",
    ),
    "agency_not_yet_existing": (
        "Cơ quan '{value}' chưa được thành lập vào {detail}.",
        "Agency '{value}' did not exist yet on {detail}.",
    ),
    "agency_is_group": (
        "'{value}' là một nhóm cơ quan, không phải một cơ quan; hãy dùng mã của từng cơ quan.",
        "'{value}' is a group of agencies, not one agency; use a single agency's id.",
    ),
    "period_invalid": (
        "Kỳ báo cáo '{value}' không hợp lệ; ghi theo dạng 2026, 2026-H1, 2026-Q1 hoặc 2026-03.",
        "Period '{value}' is invalid; write 2026, 2026-H1, 2026-Q1 or 2026-03.",
    ),
    "period_outside_plan_horizon": (
        "Kỳ báo cáo '{value}' nằm ngoài thời gian của kế hoạch ({detail}).",
        "Period '{value}' is outside the plan's time span ({detail}).",
    ),
    "period_in_future": (
        "Kỳ báo cáo '{value}' chưa bắt đầu (ngày nhận {detail}).",
        "Period '{value}' has not started yet (received on {detail}).",
    ),
    "metadata_mismatch": (
        "Cột '{column}' ghi '{value}', khác với giá trị của tệp '{detail}'; mỗi tệp chỉ cho một tỉnh, một cơ quan, một kỳ.",
        "Column '{column}' says '{value}', unlike the file's '{detail}'; one file is for one province, agency and period.",
    ),
    # Row level: plan items
    "key_missing": (
        "Thiếu {detail}.",
        "Missing {detail}.",
    ),
    "plan_unknown": (
        "Mã kế hoạch '{value}' không phải kế hoạch của tỉnh '{detail}'.",
        "Plan id '{value}' is not a plan of province '{detail}'.",
    ),
    "task_unknown": (
        "Mã nhiệm vụ '{value}' không có trong kế hoạch của tỉnh ({detail}).",
        "Task key '{value}' is not in the province's plans ({detail}).",
    ),
    "indicator_unknown": (
        "Mã chỉ tiêu '{value}' không có trong kế hoạch của tỉnh ({detail}).",
        "Indicator code '{value}' is not in the province's plans ({detail}).",
    ),
    "key_ambiguous": (
        "Mã '{value}' có trong nhiều kế hoạch ({detail}); hãy ghi cột plan_id.",
        "Code '{value}' exists in several plans ({detail}); fill in the plan_id column.",
    ),
    "task_not_assigned": (
        "Nhiệm vụ '{value}' không giao cho cơ quan '{detail}' (chủ trì hoặc phối hợp).",
        "Task '{value}' is not assigned to agency '{detail}' (as lead or coordinating).",
    ),
    "indicator_not_assigned": (
        "Chỉ tiêu '{value}' không do cơ quan '{detail}' theo dõi.",
        "Indicator '{value}' is not monitored by agency '{detail}'.",
    ),
    "period_before_plan": (
        "Kỳ báo cáo kết thúc trước khi kế hoạch '{value}' ban hành ({detail}).",
        "The period ends before plan '{value}' was issued ({detail}).",
    ),
    "budget_line_unknown": (
        "Mã dòng ngân sách '{value}' không có trong kế hoạch ngân sách của tỉnh.",
        "Budget line id '{value}' is not in the province's budget plans.",
    ),
    "duplicate_key": (
        "'{value}' xuất hiện nhiều lần trong trang (các dòng {detail}); mỗi mục chỉ ghi một dòng.",
        "'{value}' appears more than once in the sheet (rows {detail}); report each item once.",
    ),
    "too_many_issues": (
        "Dòng này còn {detail} lỗi khác không được liệt kê; hãy sửa các lỗi trên rồi gửi lại.",
        "This row has {detail} more problems, not listed; fix the ones above and send it again.",
    ),
    # Row level: values
    "formula_cell": (
        "Ô chứa công thức hoặc văn bản bảng tính sẽ chạy như công thức '{value}' (bắt đầu bằng =, +, -, @, tab hoặc xuống dòng); công thức không được xử lý: hãy nhập giá trị, hoặc bắt đầu văn bản bằng ký tự khác.",
        "The cell holds a formula, or text a spreadsheet would run as one '{value}' (it starts with =, +, -, @, a tab or a line break); formulas are never evaluated: type the value, or start the text with another character.",
    ),
    "value_missing": (
        "Cột '{column}' bắt buộc nhưng để trống.",
        "Column '{column}' is required but empty.",
    ),
    "status_invalid": (
        "Tình trạng '{value}' không hợp lệ; chọn một trong: {detail}.",
        "Status '{value}' is invalid; choose one of: {detail}.",
    ),
    "number_invalid": (
        "'{value}' ở cột '{column}' không phải là số.",
        "'{value}' in column '{column}' is not a number.",
    ),
    "number_ambiguous": (
        "'{value}' ở cột '{column}' có thể hiểu theo hai cách ({detail}).",
        "'{value}' in column '{column}' can be read two ways ({detail}).",
    ),
    "number_out_of_range": (
        "'{value}' ở cột '{column}' quá lớn hoặc có quá nhiều chữ số thập phân ({detail}).",
        "'{value}' in column '{column}' is too large or has too many decimal places ({detail}).",
    ),
    "percent_out_of_range": (
        "Tỷ lệ '{value}' phải nằm trong khoảng 0 đến 100.",
        "Percentage '{value}' must be between 0 and 100.",
    ),
    "status_percent_inconsistent": (
        "Tình trạng '{detail}' mâu thuẫn với tỷ lệ hoàn thành '{value}'.",
        "Status '{detail}' contradicts percent complete '{value}'.",
    ),
    "date_invalid": (
        "'{value}' ở cột '{column}' không phải ngày hợp lệ; ghi theo dạng dd/mm/yyyy.",
        "'{value}' in column '{column}' is not a valid date; write dd/mm/yyyy.",
    ),
    "date_in_future": (
        "Ngày '{value}' ở cột '{column}' sau ngày nhận tệp ({detail}).",
        "Date '{value}' in column '{column}' is after the day the file was received ({detail}).",
    ),
    "amount_negative": (
        "Số tiền '{value}' ở cột '{column}' không được âm.",
        "Amount '{value}' in column '{column}' must not be negative.",
    ),
    "disbursed_exceeds_allocated": (
        "Số đã giải ngân '{value}' lớn hơn kế hoạch vốn đã bố trí '{detail}'.",
        "Disbursed '{value}' exceeds allocated '{detail}'.",
    ),
}


# A value quoted in a reason sentence is cut past this many characters (the
# whole value stays in ``raw_value``): a 100 kB cell is not copied into two sentences.
MAX_QUOTED_CHARS = 200


def shorten(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


@dataclass(frozen=True)
class Issue:
    """One broken rule: a whole file (``row_number`` None) or one cell of a row."""

    reason_code: str
    sheet: str | None = None
    row_number: int | None = None
    column_name: str | None = None
    raw_value: str | None = None
    detail: str = ""
    hint: str = ""

    def __post_init__(self) -> None:
        if self.reason_code not in REASONS:
            raise KeyError(f"unknown quarantine reason code {self.reason_code!r}")

    def _fill(self, template: str) -> str:
        return template.format(
            value=shorten(self.raw_value if self.raw_value is not None else ""),
            column=shorten(self.column_name or ""),
            sheet=shorten(self.sheet or ""),
            detail=shorten(self.detail),
            hint=shorten(self.hint),
        )

    @property
    def reason_vi(self) -> str:
        return self._fill(REASONS[self.reason_code][0])

    @property
    def reason_en(self) -> str:
        return self._fill(REASONS[self.reason_code][1])
