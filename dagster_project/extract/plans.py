"""Plan metadata: one ``plans`` row per document.

A plan page carries its identity in up to three places, read in this order of
trust:

1. the site's metadata panel, either as a table (``| Số hiệu | 348/KH-UBND |``)
   or as a list (``- Số hiệu: 234/KH-UBND``);
2. the letterhead (``Số: 348/KH-UBND``, ``Nghệ An, ngày 14 tháng 5 năm 2025``,
   ``TỈNH BẮC KẠN``);
3. the signature block at the end (``KT. CHỦ TỊCH`` / ``PHÓ CHỦ TỊCH`` and a
   name).

The metadata panel wins; where the letterhead or signature says something
different the row is flagged, never silently reconciled.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dagster_project.semantics.dates import date_parts

from .cells import clean_text
from .documents import Document
from .schema import SEED_TABLES, join_flags

METADATA_FIELDS = {
    "số hiệu": "number",
    "ngày ban hành": "date",
    "người ký": "signer",
    "cơ quan ban hành": "issuer",
    "nơi ban hành": "issuer",
}
METADATA_TABLE_ROW = re.compile(r"^\|\s*(?P<key>[^|]+?)\s*\|\s*(?P<value>[^|]*?)\s*\|\s*$")
METADATA_LIST_ROW = re.compile(r"^-\s*(?P<key>[^:]+?)\s*:\s*(?P<value>.*?)\s*$")

# "Số:" opens a line or a table cell; "Kế hoạch số: 131/..." inside a sentence is a citation.
LETTERHEAD_NUMBER = re.compile(r"^Số\s*:\s*(?P<number>.*)$")
LETTERHEAD_DATE = re.compile(
    r"^(?P<place>[^,]+?),\s*(?P<date>ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})"
)
LETTERHEAD_PROVINCE = re.compile(r"^(?:TỈNH|THÀNH PHỐ)\s+(?P<name>[^\W\d_][^\d|]*)$")
ISSUER_PREFIX = re.compile(r"^(?:UBND\s+|Ủy ban nhân dân\s+)?(?:tỉnh|thành phố)\s+", re.IGNORECASE)

DOCUMENT_NUMBER_DIGITS = re.compile(r"^\s*(\d+)")

TITLE_HEADING = "KẾ HOẠCH"
INTRO_START = re.compile(r"^(?:Thực hiện|Căn cứ|Triển khai)\b")
GOVERNMENT_RESOLUTION = re.compile(r"\b\d+/NQ-CP\b")
CITED_DOCUMENT = re.compile(
    r"(?P<kind>Công văn|Quyết định|Nghị quyết|Nghị định|Chỉ thị|Thông tư|Kế hoạch|Chương trình)"
    r"\s+(?:số\s+)?(?P<number>\d+/[\w.-]+(?:/[\w.-]+)*)"
)
BUDGET_PLAN_WORDS = ("dự toán ngân sách", "dự toán nsnn", "kế hoạch kinh phí")

SIGNATURE_MARKER = re.compile(r"^(?:TM\.|KT\.|Q\.|TL\.|CHỦ TỊCH|PHÓ CHỦ TỊCH)")
SIGNATURE_LOOKAHEAD = 8


@dataclass(frozen=True)
class Found:
    """A value read from the document and the line it was printed on."""

    value: str
    line: int


# --- small text helpers -------------------------------------------------------


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated slug: 'Lạng Sơn' -> 'lang-son'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _cells(line: str) -> list[str]:
    """Non-empty cells of a line, splitting the web page's ``|`` table borders."""
    return [clean_text(part.replace("*", "")) for part in line.split("|") if part.strip()]


def _province_from_issuer(issuer: str) -> str:
    return ISSUER_PREFIX.sub("", issuer).strip()


# --- where the facts are printed ----------------------------------------------


def read_metadata(doc: Document) -> dict[str, Found]:
    """Fields of the site's metadata panel (table or list layout), first occurrence each."""
    found: dict[str, Found] = {}
    for number, text in doc.numbered():
        stripped = text.strip()
        match = METADATA_TABLE_ROW.match(stripped) or METADATA_LIST_ROW.match(stripped)
        if not match:
            continue
        field = METADATA_FIELDS.get(clean_text(match.group("key")).lower())
        value = clean_text(match.group("value"))
        if field and value and field not in found:
            found[field] = Found(value, number)
    return found


def read_letterhead(doc: Document) -> dict[str, Found]:
    """Number, place, date and province as printed in the letterhead (first occurrence).

    The letterhead ends where the plan's heading or introduction starts, so a
    "TỈNH ..." or "Số: ..." printed further down is never taken for it.
    """
    found: dict[str, Found] = {}
    for number, text in doc.numbered():
        cells = _cells(text)
        if cells and (cells[0] == TITLE_HEADING or INTRO_START.match(cells[0])):
            break
        for cell in cells:
            number_match = LETTERHEAD_NUMBER.match(cell)
            date_match = LETTERHEAD_DATE.match(cell)
            province_match = LETTERHEAD_PROVINCE.match(cell)
            if number_match and "number" not in found:
                found["number"] = Found(number_match.group("number").strip(), number)
            if date_match and "date" not in found:
                found["date"] = Found(date_match.group("date"), number)
                found["place"] = Found(clean_text(date_match.group("place")), number)
            if province_match and cell.isupper() and "province" not in found:
                found["province"] = Found(province_match.group("name").strip().title(), number)
    return found


def _is_person_name(text: str) -> bool:
    """Vietnamese personal names print every syllable capitalized: 'Tổng Thanh Hải'."""
    words = text.split()
    return 2 <= len(words) <= 5 and all(
        word.isalpha() and word[0].isupper() and word[1:].islower() for word in words
    )


def read_signature(doc: Document) -> Found | None:
    """The signer's name printed under the signature block, if any."""
    lines = doc.lines
    for index, text in enumerate(lines):
        cells = _cells(text)
        if not cells or not SIGNATURE_MARKER.match(cells[0]):
            continue
        looked = 0
        for offset in range(index + 1, len(lines)):
            candidate = " ".join(_cells(lines[offset]))
            if not candidate:
                continue
            looked += 1
            if looked > SIGNATURE_LOOKAHEAD:
                break
            if candidate.isupper() or SIGNATURE_MARKER.match(candidate):
                continue
            if _is_person_name(candidate):
                return Found(candidate, offset + 1)
            break
    return None


def _subtitle(following: tuple[str, ...]) -> list[str]:
    """Subtitle lines under 'KẾ HOẠCH': lines in capitals until the first that is not."""
    parts: list[str] = []
    for raw in following:
        part = " ".join(_cells(raw))
        if not part:
            continue
        if parts and not part.isupper():
            break
        parts.append(part)
        if not part.isupper():
            break
    return parts


def read_title(doc: Document, document_number: str) -> tuple[Found | None, str]:
    """The ``KẾ HOẠCH`` heading with its subtitle, or the page title; plus a flag.

    A subtitle printed in capitals may run over several lines and is joined; a
    sentence-case subtitle is one line, the next being the plan's introduction.
    """
    lines = doc.lines
    for index, text in enumerate(lines):
        if " ".join(_cells(text)) == TITLE_HEADING:
            parts = [TITLE_HEADING, *_subtitle(lines[index + 1 :])]
            return Found(clean_text(" ".join(parts)), index + 1), ""
    if document_number:
        prefix = f"kế hoạch {document_number}".lower()
        for number, text in doc.numbered():
            if clean_text(text).lower().startswith(prefix):
                return Found(clean_text(text), number), (
                    f"title_from_page_title: no '{TITLE_HEADING}' heading; title taken "
                    f"from the web page title at line {number}"
                )
    return None, "title_missing: no 'KẾ HOẠCH' heading and no page title naming the plan"


def read_legal_basis(doc: Document, title: Found | None) -> Found | None:
    """The government resolution the plan implements, else the document it acts on.

    The title names it in most plans; otherwise the introduction ("Thực hiện
    Nghị quyết số 71/NQ-CP ...", "Thực hiện Công văn số 11112/BTC-KTN ...").
    """
    if title:
        match = GOVERNMENT_RESOLUTION.search(title.value)
        if match:
            return Found(match.group(0), title.line)
    start = title.line if title else 1
    for number, text in doc.numbered(start):
        if not INTRO_START.match(text.strip()):
            continue
        match = GOVERNMENT_RESOLUTION.search(text)
        if match:
            return Found(match.group(0), number)
        cited = CITED_DOCUMENT.search(text)
        if cited:
            return Found(f"{cited.group('kind')} số {cited.group('number')}", number)
        return None
    return None


# --- the plans row --------------------------------------------------------------


def _mismatch(code: str, label: str, chosen: Found, other: Found | None, same) -> str:
    if other is None or same(chosen.value, other.value):
        return ""
    return (
        f"{code}: metadata {label} '{chosen.value}' (line {chosen.line}) differs from "
        f"'{other.value}' printed at line {other.line}"
    )


def _same_text(a: str, b: str) -> bool:
    return clean_text(a).lower() == clean_text(b).lower()


def _same_date(a: str, b: str) -> bool:
    return date_parts(a) == date_parts(b)


def _choose(
    code: str, label: str, preferred: Found | None, fallback: Found | None, same
) -> tuple[Found | None, str]:
    """The metadata value when present (flagging a different letterhead value), else the fallback."""
    if preferred is None:
        return fallback, ""
    return preferred, _mismatch(code, label, preferred, fallback, same)


def plan_kind(title: str) -> str:
    """'budget_plan' for a science-and-technology budget plan, else 'implementation_plan'."""
    lowered = title.lower()
    return (
        "budget_plan"
        if any(word in lowered for word in BUDGET_PLAN_WORDS)
        else "implementation_plan"
    )


def make_plan_id(province_name: str, document_number: str, issue_date_text: str) -> str:
    """'nghe-an-348-2025'; 'lai-chau-khong-so-2025' when the number was left blank."""
    digits = DOCUMENT_NUMBER_DIGITS.match(document_number)
    date = date_parts(issue_date_text)
    year = str(date[2]) if date else "khong-ngay"
    return f"{slugify(province_name)}-{digits.group(1) if digits else 'khong-so'}-{year}"


def extract_plan(doc: Document, province_override: str | None = None) -> dict:
    """One ``plans`` seed row for a plan document.

    ``province_override`` is the province name ``seeds/layouts.yml`` gives the
    document (``nq57 add-plan --province``); it wins over what is printed, with
    a flag when the print says something else or nothing.
    """
    meta, head = read_metadata(doc), read_letterhead(doc)
    signature = read_signature(doc)
    flags: list[str] = []

    number, flag = _choose(
        "document_number_mismatch", "number", meta.get("number"), head.get("number"), _same_text
    )
    flags.append(flag)
    date, flag = _choose(
        "issue_date_mismatch", "issue date", meta.get("date"), head.get("date"), _same_date
    )
    flags.append(flag)
    issuer = meta.get("issuer")
    letterhead_province = head.get("province") or head.get("place")
    province = Found(_province_from_issuer(issuer.value), issuer.line) if issuer else None
    province, flag = _choose(
        "province_mismatch", "province", province, letterhead_province, _same_text
    )
    flags.append(flag)
    if province_override is not None:
        if province is None or not _same_text(province.value, province_override):
            printed = f"'{province.value}' (line {province.line})" if province else "none"
            flags.append(
                f"province_from_layout: seeds/layouts.yml gives '{province_override}'; "
                f"printed: {printed}"
            )
        anchor_line = province.line if province else 1
        province = Found(province_override, anchor_line)
    signer, flag = _choose("signer_mismatch", "signer", meta.get("signer"), signature, _same_text)
    flags.append(flag)

    number_text = number.value if number else ""
    if not DOCUMENT_NUMBER_DIGITS.match(number_text):
        where = f"line {number.line} prints 'Số: {number_text}'" if number else "no 'Số:' line"
        flags.append(f"missing_document_number: the number is blank ({where})")
    if date is None:
        flags.append("issue_date_missing: no issue date in the metadata or letterhead")
    if province is None:
        flags.append("province_missing: no issuing province in the metadata or letterhead")
    if signer is None:
        flags.append(
            "signer_missing: no 'Người ký' in the metadata and no name under the signature"
        )

    title, title_flag = read_title(doc, number_text)
    flags.append(title_flag)
    title_text = title.value if title else ""
    kind = plan_kind(title_text)
    basis = read_legal_basis(doc, title)
    if basis is None:
        flags.append("legal_basis_missing: neither the title nor the introduction cites a basis")
    elif kind == "implementation_plan" and not GOVERNMENT_RESOLUTION.fullmatch(basis.value):
        flags.append(
            f"legal_basis_not_government_programme: implementation plan cites '{basis.value}' "
            "rather than a Government resolution (NQ-CP)"
        )

    province_name = province.value if province else ""
    date_text = date.value if date else ""
    anchor = number or title
    row = {
        "plan_id": make_plan_id(province_name, number_text, date_text),
        "province_name": province_name,
        "document_number": number_text,
        "issue_date_text": date_text,
        "issue_date": "",  # filled from the text by parsed.add_parsed_values
        "signer_name": signer.value if signer else "",
        "legal_basis": basis.value if basis else "",
        "plan_kind": kind,
        "title": title_text,
        "flags": join_flags(*flags),
        "source_file": doc.source_file,
        "source_line": anchor.line if anchor else 1,
    }
    return {column: row[column] for column in SEED_TABLES["plans"]}
