"""What a plan's prose says: the appendices it refers to, and the targets it states.

Appendix references
-------------------
Every "Phụ lục I" / "Phụ lục 2" in the body (before the first appendix
heading) names an appendix; labels are normalized to roman numerals. The
appendix is ``present`` when the document prints its heading ("PHỤ LỤC 1" on
its own line), else ``referenced_absent``. Its kind is what the wording names:
``indicators`` ("chỉ tiêu", "mục tiêu"), ``tasks`` ("nhiệm vụ"), or ``other``
for appendices of issued documents or budget tables ("văn bản", "dự toán",
"kinh phí", as Lạng Sơn 234's "Phụ lục I" of documents issued). The title under
a printed heading decides first, then the referring sentence, then the heading
a bare "(Chi tiết tại Phụ lục I kèm theo)" line follows; when nothing names the
kind, the usual plan layout (I indicators, II tasks) is used and flagged.

Body targets
------------
Plans whose indicators are not attached (Lạng Sơn 145, Lai Châu) still state
targets in their text: "bố trí ít nhất 3% tổng chi ngân sách địa phương",
"đạt tối thiểu 80% trong giao dịch", "hoàn thành phủ sóng 5G trên địa bàn toàn
tỉnh". The rule, applied the same way to every document:

1. The body is read from its first goal heading ("II. MỤC TIÊU", "1. Mục tiêu
   chung", "Đến năm 2030:") to the first of: an appendix heading ("PHỤ LỤC I"),
   the recipients list ("Nơi nhận"), the signature block. A document without a
   goal heading states no targets and yields no rows; appendix tables are never
   read.
2. Lines are joined into paragraphs (a line starting in lower case continues
   the one before, as page dumps break sentences), and paragraphs are split
   into clauses at sentence ends and semicolons.
3. Every quantity in a clause is a target: a percentage with its comparators
   ("tối thiểu đạt 25%"), a comparator with a count ("ít nhất 2-3 chuyên gia"),
   a rank ("Top 10", "nhóm 20 tỉnh"), an amount of money, a multiple ("gấp 2
   lần") or the extent of a coverage ("toàn tỉnh" in "phủ sóng 5G toàn tỉnh").
   Bare numbers (dates, document numbers, "Đề án 06") are not targets.
4. The horizon is the time phrase of the clause nearest the quantity ("vào năm
   2045", "Đến năm 2030", "Hàng năm"); failing that, the nearest enclosing
   heading that names one (flagged ``year_inferred``); failing that, empty and
   flagged ``year_missing``.

Page dumps repeat blocks of text; a clause printed twice yields one row, flagged
with the lines of the repeats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .appendix import ROMAN, find_appendix_headings
from .cells import clean_text
from .documents import Document
from .schema import SEED_TABLES, join_flags

SUBJECT_LIMIT = 200
CONTEXT_LIMIT = 300
ELLIPSIS = "…"

NUMBER = r"\d+(?:[.,]\d+)*"
AMOUNT = rf"{NUMBER}(?:\s*[-–]\s*{NUMBER})?"
COMPARATOR = (
    r"(?:ít nhất|tối thiểu|tối đa|không dưới|không quá|không thấp hơn|trên|dưới|hơn|đạt"
    r"|khoảng|≥|≤|>=|<=|>|<)"
)
QUANTITY = re.compile(
    "|".join(
        (
            # The comparator words are kept: "ít nhất 3%" and "3%" are different targets.
            # "30% GRDP": the economy the share is of belongs to the quantity.
            rf"(?:(?<!\w){COMPARATOR}\s*){{0,2}}{AMOUNT}\s*%(?:\s*(?:GRDP|GDP)\b)?",
            # Coverage of a whole territory is a target of 100%; the extent is the
            # quantity ("toàn tỉnh"), what is covered stays in the subject.
            r"phủ sóng(?:\s+[2-6]G)?(?:\s+trên địa bàn)?\s+(?P<extent>toàn\s+(?:tỉnh|quốc))",
            r"(?<!\w)Top\s*\d+\b",
            r"(?<!\w)nhóm\s+\d+\s+(?:tỉnh|địa phương)(?:,\s*thành phố)?",
            rf"(?<!\w)gấp\s+{AMOUNT}\s+lần",
            rf"(?:(?<!\w){COMPARATOR}\s+){{0,2}}{AMOUNT}\s*(?:nghìn\s+)?(?:tỷ|triệu)\s+đồng",
            # A count needs a comparator, so "Đề án 06" or "02 cấp" never qualify;
            # the two words after the number are its unit ("chuyên gia", "cán bộ").
            # A number closing its clause has no unit ("HDI trên 0,7.").
            rf"(?:(?<!\w){COMPARATOR}\s+){{1,2}}{AMOUNT}(?![\d/%])"
            r"(?:(?:\s+[^\W\d_]+){1,2}|(?=\s*(?:[.,;:)]|$)))",
        )
    ),
    re.IGNORECASE,
)

YEAR = r"20\d{2}"
HORIZON = re.compile(
    rf"(?:(?:đến|tới|vào|trước|hết|trong|sau)\s+)?năm\s+{YEAR}"
    rf"|tầm nhìn(?:\s+(?:đến|tới))?(?:\s+năm)?\s+{YEAR}"
    rf"|(?:đến|tới)\s+{YEAR}"
    rf"|giai đoạn\s+{YEAR}\s*[-–]\s*{YEAR}"
    r"|(?:hàng|hằng)\s+năm",
    re.IGNORECASE,
)
# "ngày 22 tháng 12 năm 2024" is a date, not a horizon.
DATE_BEFORE = re.compile(r"tháng\s+\d{1,2}\s*$", re.IGNORECASE)

NUMBERED_HEADING = re.compile(
    r"^(?:(?P<roman>[IVX]+)\.|(?P<arabic>\d+(?:\.\d+)+\.?|\d+\.)|(?P<letter>[a-zđ])\))\s+(?P<text>\S.*)$"
)
HORIZON_HEADING = re.compile(
    rf"^(?:mục tiêu\s+)?(?:(?:đến|tới)\s+năm\s+{YEAR}|tầm nhìn\b.*{YEAR})\s*:?$", re.IGNORECASE
)
GOAL_HEADING_TEXT = re.compile(rf"^(?:mục tiêu|(?:đến|tới)\s+năm\s+{YEAR}|tầm nhìn)", re.IGNORECASE)
LETTER_HEADING_LEVEL = 8
BODY_END = re.compile(r"^(?:Nơi nhận|TM\.|KT\.)")
BULLET = re.compile(r"^(?:[-+•–]\s*|(?:[IVX]+\.|\d+(?:\.\d+)+\.?|\d+\.|[a-zđ]\))\s+)")
# A sentence ends at '.', '!' or '?' followed by a capital ("năm 2030. Phấn đấu"),
# never inside a number ("56.016,1") or an ellipsis; a ';' always ends a clause.
CLAUSE_BREAK = re.compile(r"(?<![.])[.!?]\s+(?=[^\W\d_])|;\s*")


APPENDIX_REFERENCE = re.compile(
    r"\bph[ụu]c?\s+l[ụu]c\s+(?:số\s+)?(?P<label>[IVX]+|\d{1,2})\b", re.IGNORECASE
)
APPENDIX_KIND_WORDS = {
    "indicators": ("chỉ tiêu", "mục tiêu"),
    "tasks": ("nhiệm vụ",),
    "other": ("văn bản", "dự toán", "kinh phí"),
}
# The usual layout of a full plan (docs/DOMAIN.md), used only when the wording
# does not say what an appendix holds; such rows are flagged.
CONVENTIONAL_APPENDIX_KIND = {"I": "indicators", "II": "tasks"}
APPENDIX_TITLE_LOOKAHEAD = 6


@dataclass(frozen=True)
class Heading:
    """A heading line; ``level`` grows with depth (I. = 1, 1. = 2, 1.1. = 3, a) = 8)."""

    level: float
    line: int
    text: str
    is_horizon: bool = False


@dataclass
class Paragraph:
    """Text joined from one or more lines, with the offset where each line starts."""

    text: str
    starts: list[tuple[int, int]] = field(default_factory=list)
    headings: tuple[Heading, ...] = ()

    def line_at(self, offset: int) -> int:
        line = self.starts[0][1]
        for start, number in self.starts:
            if start > offset:
                break
            line = number
        return line


# --- structure: headings and the goal region ------------------------------------------


def heading_of(text: str, line: int) -> Heading | None:
    """The heading a line opens, with its depth; an unnumbered 'Đến năm 2030:' has none yet."""
    if HORIZON_HEADING.match(text):
        return Heading(0, line, text, is_horizon=True)
    match = NUMBERED_HEADING.match(text)
    if not match:
        return None
    if match.group("roman"):
        level = 1
    elif match.group("arabic"):
        level = 1 + len([part for part in match.group("arabic").split(".") if part])
    else:
        level = LETTER_HEADING_LEVEL
    return Heading(level, line, text)


def _heading_label(heading: Heading) -> str:
    match = NUMBERED_HEADING.match(heading.text)
    return match.group("text") if match else heading.text


def goal_region(doc: Document) -> tuple[int, int] | None:
    """First and last line of the body from its first goal heading, or None without one."""
    appendix_lines = [line for line, _ in find_appendix_headings(doc)]
    last = (appendix_lines[0] if appendix_lines else len(doc.lines) + 1) - 1
    start = None
    for number, raw in doc.numbered(1, last):
        text = _plain(raw)
        if start is None:
            heading = heading_of(text, number)
            if heading and GOAL_HEADING_TEXT.match(_heading_label(heading)):
                start = number
        elif BODY_END.match(text):
            return start, number - 1
    return (start, last) if start else None


def _open(stack: list[Heading], heading: Heading) -> tuple[list[Heading], Heading]:
    """The heading stack once ``heading`` opens, and the heading with its level settled.

    An unnumbered horizon heading ("Đến năm 2030:") sits just below the heading
    it follows, so the numbered items under it ("a) ...") stay inside it; the
    next horizon heading, or a heading at its parent's level, closes it.
    """
    if heading.is_horizon:
        sibling = next((i for i, h in enumerate(stack) if h.is_horizon), len(stack))
        stack = stack[:sibling]
        parent = stack[-1].level if stack else 0
        return stack, Heading(parent + 0.5, heading.line, heading.text, is_horizon=True)
    return [h for h in stack if h.level < heading.level], heading


def _plain(raw: str) -> str:
    """A line without the web page's table borders and bold markers."""
    return clean_text(raw.replace("|", " ").replace("*", ""))


def paragraphs(doc: Document, start: int, end: int) -> list[Paragraph]:
    """Paragraphs of the region, each knowing the headings open above it."""
    found: list[Paragraph] = []
    stack: list[Heading] = []
    for number, raw in doc.numbered(start, end):
        text = _plain(raw)
        if not text:
            continue
        heading = heading_of(text, number)
        if found and heading is None and text[0].islower():
            paragraph = found[-1]
            paragraph.starts.append((len(paragraph.text) + 1, number))
            paragraph.text = f"{paragraph.text} {text}"
            continue
        if heading:
            stack, heading = _open(stack, heading)
        found.append(Paragraph(text, [(0, number)], tuple(stack)))
        if heading:
            stack.append(heading)
    return found


# --- clauses, quantities and horizons ------------------------------------------------


def clauses(text: str, semicolons: bool = True) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences (and ';'-clauses) of a paragraph."""
    bullet = BULLET.match(text)
    start = bullet.end() if bullet else 0
    spans = []
    for match in CLAUSE_BREAK.finditer(text, start):
        is_semicolon = match.group(0)[0] == ";"
        if is_semicolon and not semicolons:
            continue
        if not is_semicolon and not text[match.end()].isupper():
            continue
        spans.append((start, match.start() + (0 if is_semicolon else 1)))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def horizons(text: str) -> list[re.Match]:
    """Time phrases of a text, leaving out the year of a printed date."""
    return [m for m in HORIZON.finditer(text) if not DATE_BEFORE.search(text[: m.start()])]


def nearest_horizon(text: str, start: int, end: int) -> str:
    """The time phrase of ``text`` closest to the span [start, end), or ''."""
    found = horizons(text)
    if not found:
        return ""

    def distance(match: re.Match) -> int:
        return max(match.start() - end, start - match.end(), 0)

    return min(found, key=distance).group(0)


def inherited_horizon(headings: tuple[Heading, ...]) -> tuple[str, Heading | None]:
    """The time phrase of the innermost enclosing heading that names one."""
    for heading in reversed(headings):
        found = horizons(heading.text)
        if found:
            return found[0].group(0), heading
    return "", None


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:])", r"\1", clean_text(text))
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    return text.strip(" ,.;:-–")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + ELLIPSIS


def window(text: str, start: int, end: int, limit: int) -> str:
    """A slice of at most ``limit`` characters of ``text`` that keeps [start, end) whole."""
    if len(text) <= limit:
        return text
    room = max(limit - (end - start) - 2, 0)
    left = max(start - room // 2, 0)
    right = min(left + (end - start) + room, len(text))
    left = max(right - (end - start) - room, 0)
    prefix = ELLIPSIS if left > 0 else ""
    suffix = ELLIPSIS if right < len(text) else ""
    return prefix + text[left:right].strip() + suffix


# --- body target rows ---------------------------------------------------------------


def _target(paragraph: Paragraph, clause: tuple[int, int], match: re.Match) -> dict:
    """One body target (without ids) for a quantity found in a clause."""
    c_start, c_end = clause
    clause_text = paragraph.text[c_start:c_end]
    span = match.span("extent") if match.group("extent") else match.span()
    q_start, q_end = span[0] - c_start, span[1] - c_start
    target_text = paragraph.text[span[0] : span[1]].strip()
    flags = []
    year = nearest_horizon(clause_text, q_start, q_end)
    if not year:
        year, heading = inherited_horizon(paragraph.headings)
        if heading:
            flags.append(f"year_inferred: from the heading at line {heading.line}")
        else:
            flags.append("year_missing: neither the clause nor its headings name a year")
    context = clause_text.strip()
    if len(context) > CONTEXT_LIMIT:
        flags.append(f"context_truncated: clause of {len(context)} characters cut to the target")
        context = window(clause_text, q_start, q_end, CONTEXT_LIMIT)
    subject = _tidy(clause_text[:q_start] + " " + clause_text[q_end:])
    return {
        "subject_text": clip(subject, SUBJECT_LIMIT),
        "target_text": target_text,
        "target_year_text": year,
        "context_text": context,
        "line": paragraph.line_at(span[0]),
        "offset": q_start,
        "flags": flags,
    }


def find_targets(doc: Document) -> list[dict]:
    """Targets of the goal region in document order, repeated clauses merged."""
    region = goal_region(doc)
    if region is None:
        return []
    targets: list[dict] = []
    seen: dict[tuple[str, str, int], dict] = {}
    for paragraph in paragraphs(doc, *region):
        for clause in clauses(paragraph.text):
            for match in QUANTITY.finditer(paragraph.text, *clause):
                target = _target(paragraph, clause, match)
                key = (target["context_text"], target["target_text"], target["offset"])
                if key in seen:
                    seen[key].setdefault("repeats", []).append(target["line"])
                    continue
                seen[key] = target
                targets.append(target)
    return targets


def extract_body_targets(doc: Document, plan_id: str) -> list[dict]:
    """``body_targets`` seed rows: quantified targets stated in the plan's prose."""
    rows = []
    for index, target in enumerate(find_targets(doc), start=1):
        flags = list(target["flags"])
        if target.get("repeats"):
            lines = ", ".join(str(line) for line in target["repeats"])
            flags.append(f"repeated_in_source: the same clause is printed again at line {lines}")
        row = {
            "plan_id": plan_id,
            "target_id": f"{plan_id}-bt-{index:03d}",
            "subject_text": target["subject_text"],
            "target_text": target["target_text"],
            "target_year_text": target["target_year_text"],
            "context_text": target["context_text"],
            "flags": join_flags(*flags),
            "source_file": doc.source_file,
            "source_line": target["line"],
        }
        rows.append({column: row[column] for column in SEED_TABLES["body_targets"]})
    return rows


# --- appendix references ------------------------------------------------------------


def roman_label(label: str) -> str:
    """Appendix labels as roman numerals: '1' -> 'I', 'ii' -> 'II'."""
    if label.isdigit():
        value = int(label)
        return ROMAN[value - 1] if 0 < value <= len(ROMAN) else label
    return label.upper()


def _sentence_at(text: str, position: int) -> str:
    """The sentence of ``text`` that holds ``position``."""
    spans = clauses(text, semicolons=False)
    start, end = next(((s, e) for s, e in spans if position < e), spans[-1])
    return text[start:end]


def classify_appendix(text: str) -> str | None:
    """The appendix kind the wording names, or None when it names none or several."""
    lowered = text.lower()
    kinds = [
        kind for kind, words in APPENDIX_KIND_WORDS.items() if any(w in lowered for w in words)
    ]
    return kinds[0] if len(kinds) == 1 else None


def _previous_heading(doc: Document, line: int) -> str:
    """The nearest non-blank line above ``line`` when it is a heading."""
    for number in range(line - 1, 0, -1):
        text = _plain(doc.line(number))
        if text:
            return text if heading_of(text, number) else ""
    return ""


def _reference_kind(doc: Document, line: int, position: int) -> str | None:
    """Kind from the referring sentence, else from the heading a bare '(Phụ lục ...)' follows."""
    text = doc.line(line)
    kind = classify_appendix(_sentence_at(text, position))
    if kind is None and text.strip().startswith("("):
        kind = classify_appendix(_previous_heading(doc, line))
    return kind


def _heading_title(doc: Document, line: int) -> str:
    """Title lines printed under an appendix heading, up to the '(Kèm theo ...)' note or table."""
    parts = []
    for _, text in doc.numbered(line + 1, line + APPENDIX_TITLE_LOOKAHEAD):
        cleaned = _plain(text)
        if cleaned.startswith("(") or (parts and not cleaned):
            break
        if cleaned:
            parts.append(cleaned)
    return " ".join(parts)


def find_appendix_references(doc: Document) -> dict[str, list[tuple[int, str | None]]]:
    """Body references per label: (line, kind named by the wording) in document order."""
    headings = find_appendix_headings(doc)
    body_end = headings[0][0] if headings else len(doc.lines) + 1
    references: dict[str, list[tuple[int, str | None]]] = {}
    for number, text in doc.numbered(1, body_end - 1):
        for match in APPENDIX_REFERENCE.finditer(text):
            label = roman_label(match.group("label"))
            kind = _reference_kind(doc, number, match.start())
            references.setdefault(label, []).append((number, kind))
    return references


def _decide_kind(
    label: str, heading_kind: str | None, reference_kinds: list[str]
) -> tuple[str, str]:
    """Kind from the appendix heading, else from the references, else the usual layout (flagged)."""
    named = sorted(set(reference_kinds))
    if heading_kind and named and named != [heading_kind]:
        return heading_kind, (
            f"appendix_kind_conflict: heading names {heading_kind}, "
            f"body references name {', '.join(named)}"
        )
    if heading_kind:
        return heading_kind, ""
    if len(named) == 1:
        return named[0], ""
    if len(named) > 1:
        return "other", f"appendix_kind_conflict: body references name {', '.join(named)}"
    conventional = CONVENTIONAL_APPENDIX_KIND.get(label, "other")
    return conventional, (
        f"appendix_kind_inferred: the wording does not say what Phụ lục {label} holds; "
        f"'{conventional}' taken from the usual plan layout"
    )


def extract_appendix_references(doc: Document, plan_id: str) -> list[dict]:
    """One ``plan_appendices`` row per appendix label referenced in the body or printed.

    ``present`` when the document prints the appendix heading (the row points at
    it), ``referenced_absent`` when the body refers to it but the text does not
    hold it (the row points at the first reference). Unlabelled mentions such as
    "chi tiết tại các phụ lục kèm theo" name no appendix and make no row.
    """
    references = find_appendix_references(doc)
    headings = {label: line for line, label in reversed(find_appendix_headings(doc))}
    labels = sorted(set(references) | set(headings), key=_label_order)
    rows = []
    for label in labels:
        heading_line = headings.get(label)
        found = references.get(label, [])
        heading_kind = (
            classify_appendix(_heading_title(doc, heading_line)) if heading_line else None
        )
        kind, kind_flag = _decide_kind(label, heading_kind, [k for _, k in found if k])
        flags = [kind_flag]
        if heading_line and not found:
            flags.append(
                f"appendix_unreferenced: Phụ lục {label} is printed but the body never cites it"
            )
        row = {
            "plan_id": plan_id,
            "appendix_label": label,
            "appendix_kind": kind,
            "status": "present" if heading_line else "referenced_absent",
            "flags": join_flags(*flags),
            "source_file": doc.source_file,
            "source_line": heading_line or found[0][0],
        }
        rows.append({column: row[column] for column in SEED_TABLES["plan_appendices"]})
    return rows


def _label_order(label: str) -> tuple[int, str]:
    return (ROMAN.index(label) if label in ROMAN else len(ROMAN), label)
