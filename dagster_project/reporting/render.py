"""Write a report as HTML (inline SVG charts), Word (PNG charts) and PDF (WeasyPrint from the HTML)."""

from __future__ import annotations

import base64
import functools
import html
import io
import os
import tempfile
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .charts import Chart
from .document import ChartRef, Document, Paragraph, Table

FORMATS = ("docx", "pdf", "html")
READABLE = 0o644


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("dagster_project.reporting", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )


def render_html(doc: Document, charts: list[Chart], *, for_print: bool = False) -> str:
    """The report page: charts as inline SVG, or (``for_print``, the PDF's source) as
    PNG data URLs, which WeasyPrint lays out in a fraction of the time of SVG."""
    by_key = {}
    for chart in charts:
        if for_print:
            data = base64.b64encode(chart.png()).decode("ascii")
            image = f'<img src="data:image/png;base64,{data}" alt="{html.escape(chart.title)}">'
        else:
            image = chart.svg()
        by_key[chart.key] = {"svg": image, "title": chart.title}
    return environment().get_template("report.html.j2").render(doc=doc, charts=by_key)


def atomic_write(path: Path, data: bytes) -> None:
    """Write next to ``path`` and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        # mkstemp makes the file private; a report or a page is for readers.
        os.chmod(temporary, READABLE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def render_pdf(html: str) -> bytes:
    """The PDF of the HTML page (WeasyPrint; needs the Pango library of the system)."""
    try:
        from weasyprint import HTML  # lazy: fails without Pango; only the PDF needs it
    except OSError as error:  # the Python package is there, the Pango library is not
        raise RuntimeError(
            f"cannot make the PDF: WeasyPrint needs Pango ({error}); "
            "install it with `apt-get install libpango-1.0-0 libpangoft2-1.0-0`"
        ) from error
    return HTML(string=html).write_pdf()


def render_docx(doc: Document, charts: list[Chart]) -> bytes:
    # lazy: python-docx, only for the .docx (start-up cost)
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT  # noqa: F401
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    by_key = {chart.key: chart for chart in charts}
    word = Docx()
    section = word.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2.0)
    normal = word.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")

    header = word.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(10.0)

    def line(cell, text: str, *, bold=False, italic=False, size=12, first=False, underline=False):
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(size)

    line(left, doc.superior, first=True)
    line(left, doc.issuer, bold=True, underline=True)
    line(left, doc.number, size=13)
    line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, first=True)
    line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, underline=True)
    line(right, doc.place_date, italic=True, size=13)

    for text, size in ((doc.title, 14), (doc.subtitle, 14)):
        paragraph = word.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(size)

    def table(block: Table, font: int = 9) -> None:
        caption = word.add_paragraph()
        caption.add_run(block.caption).bold = True
        grid = word.add_table(rows=1, cols=len(block.headers))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, block.headers):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            run.font.size = Pt(font)
        for values in block.rows:
            cells = grid.add_row().cells
            for cell, text in zip(cells, values):
                cell.text = ""
                cell.paragraphs[0].add_run(str(text)).font.size = Pt(font)

    for part in doc.sections:
        heading = word.add_paragraph()
        heading.add_run(part.title).bold = True
        for block in part.blocks:
            if isinstance(block, Paragraph):
                paragraph = word.add_paragraph(block.text)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                paragraph.paragraph_format.first_line_indent = Cm(1.0)
            elif isinstance(block, Table):
                table(block)
            elif isinstance(block, ChartRef):
                chart = by_key[block.key]
                word.add_picture(io.BytesIO(chart.png()), width=Cm(15.5))
                word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                caption = word.add_paragraph()
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
                caption.add_run(chart.title).italic = True

    footer = word.add_table(rows=1, cols=2)
    receivers, signer = footer.rows[0].cells
    first = receivers.paragraphs[0]
    run = first.add_run("Nơi nhận:")
    run.bold = run.italic = True
    run.font.size = Pt(12)
    for recipient in doc.recipients:
        receivers.add_paragraph().add_run(f"- {recipient}").font.size = Pt(11)
    line(signer, doc.signer_title, bold=True, size=13, first=True)
    line(signer, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, size=12)

    word.add_page_break()
    table(doc.appendix, font=8)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
