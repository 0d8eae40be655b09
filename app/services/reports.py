"""The daily register report (รายงานทะเบียนหนังสือรับประจำวัน) as printable HTML and as PDF.

Laid out as the paper form the messenger signs: ``# | เลขรับ | เลขหนังสือ | เรื่อง | ลงวันที่ | ลงชื่อผู้รับ``.
Independent of Flask: a standalone Jinja environment (autoescape on) renders
``templates/reports/register_report.html``, so tests and the CLI use it without an app.

Debian's wkhtmltopdf 0.12.6 runs on an unpatched Qt: it ignores ``@page``, headers and footers,
and smart shrinking, so the template paginates by itself (each page repeats the heading, the column
titles and ``หน้า x/y``) and scales its lengths for the PDF so that they print true (PDF_SCALE).
"""

import datetime as dt
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pdfkit
from pypdf import PdfReader

from app import thai

TEMPLATE = "reports/register_report.html"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Unpatched Qt lays the page out at 96 px per CSS inch but prints it 0.768 times as large
# (100 mm in CSS comes out as 76.8 mm, and --zoom, --dpi and --disable-smart-shrinking change
# nothing). The template multiplies its lengths by the inverse, so that 10.5pt prints as 10.5pt.
PDF_SCALE = 1.302

PDF_OPTIONS = {
    "encoding": "UTF-8",
    "page-size": "A4",
    "orientation": "Portrait",
    "quiet": "",
    "margin-top": "12mm",
    "margin-bottom": "12mm",
    "margin-left": "15mm",
    "margin-right": "12mm",
    # The HTML is self-contained (inline CSS, no images, no links): nothing local or remote to read.
    "disable-local-file-access": "",
    "disable-javascript": "",
}

log = logging.getLogger(__name__)

NOTE = "*หมายเหตุ: ใช้สำหรับเจ้าหน้าที่นำส่งเอกสารลงชื่อรับเอกสารตัวจริง"


@dataclass
class ReportRow:
    register_number: str  # เลขรับ (or เลขส่ง), e.g. "12" or "พง 0017.2/ว 12"
    doc_number: str  # เลขหนังสือ (ที่)
    subject: str  # เรื่อง (already masked by the caller for secret letters)
    doc_date: dt.date | None  # ลงวันที่
    cancelled: bool = False  # struck through and marked ยกเลิก
    travel: str = ""  # sent through the system: to whom, and who accepted it (การปฏิบัติ)


@dataclass
class ReportSpec:
    title: str  # "รายงานทะเบียนหนังสือรับประจำวัน" or "รายงานทะเบียนหนังสือส่งประจำวัน"
    owner: str  # "สารบรรณกลางจังหวัดพังงา" or the agency's name
    period: str  # already formatted: "18 มี.ค. 2561", "... รอบเช้า", "1 มี.ค. 2561 ถึง 18 มี.ค. 2561"
    number_title: str = "เลขรับ"  # "เลขส่ง" for outgoing registers
    doc_title: str = "เลขหนังสือ"  # the second column: "ถึง" for outgoing (its number is the first)
    printed_by: str = ""
    printed_at: str = ""  # already formatted


# ---- layout, in millimetres of A4 portrait ---------------------------------------------------
# The printable area is 297 - 24 mm high and 210 - 27 mm wide (PDF_OPTIONS' margins).
# Column widths in percent of that width, shared by the template (one source for both).
COLUMNS = (
    ("seq", 5.0),
    ("number", 13.0),
    ("doc_number", 18.0),  # "พง 0017.2/ว 1001" on one line
    ("subject", 34.0),
    ("doc_date", 13.0),
    ("sign", 17.0),  # about 31 mm to sign in
)
BODY_WIDTH_MM = 183.0
BODY_HEIGHT_MM = 273.0
FONT_PT = 10.5
HEADING_PT = 12.0
LINE_HEIGHT = 1.3  # Laksaman's stacked marks need a little air between lines
LINE_MM = FONT_PT * LINE_HEIGHT * 25.4 / 72
ROW_MIN_MM = 11.0  # room to sign by hand
CELL_PAD_MM = 1.6  # top + bottom padding of a cell
BORDER_MM = 0.25
# Heading and owner (14 mm), column titles (7 mm), total, note and the printed-by line (16 mm),
# as measured, plus a little to spare; what is left holds the rows. The row heights below are
# estimates on the high side (20 rows of two lines: 230 mm estimated, 224 mm printed).
PAGE_OVERHEAD_MM = 38.0
ROWS_BUDGET_MM = BODY_HEIGHT_MM - PAGE_OVERHEAD_MM
# Laksaman's Thai letters average about half an em (measured 0.51 to 0.56); a little more is safe.
CHAR_EM = 0.58
# A long run without a break opportunity (a URL, a code) is cut every so many characters,
# counted at the width of a wide Latin letter. Thai runs are left whole: WebKit breaks them
# between words with ICU's dictionary.
WIDE_EM = 0.7
ZWSP = "\u200b"
_UNBREAKABLE_RE = re.compile(r"[^\s\u0e00-\u0e7f\u200b]+")


def _column_mm(column):
    return dict(COLUMNS)[column] / 100 * BODY_WIDTH_MM - 2.0  # less the side padding


def _per_line(column, em):
    return max(1, int(_column_mm(column) / (FONT_PT * em * 25.4 / 72)))


def soft_wrap(text, column):
    """``text`` with a zero-width space every few characters of a run too long for ``column``.

    CSS ``overflow-wrap: break-word`` would do it, but Qt's WebKit then sometimes wraps a
    line's last space onto a line of its own, and the row grows by a blank line."""
    limit = _per_line(column, WIDE_EM)

    def cut(match):
        run = match.group(0)
        if len(run) <= limit:
            return run
        return ZWSP.join(run[i:i + limit] for i in range(0, len(run), limit))

    return _UNBREAKABLE_RE.sub(cut, text or "")


def _visible_length(text):
    """Characters that take horizontal space: Thai vowels above/below and tone marks do not."""
    return sum(1 for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def _lines(text, column):
    per_line = _per_line(column, CHAR_EM)
    return sum(max(1, math.ceil(_visible_length(part) / per_line))
               for part in (text or "").split("\n"))


TRAVEL_SCALE = 8.0 / 10.5  # the travels' type, against the body's (register_report.html)


def row_height_mm(row):
    """An estimate of the printed height of ``row``: long subjects wrap within their cell."""
    travel = getattr(row, "travel", "")
    lines = max(_lines(row.register_number, "number"), _lines(row.doc_number, "doc_number"),
                _lines(row.subject, "subject"),
                # The travels, in the signature column, at TRAVEL_SCALE of the font.
                math.ceil(_lines(travel, "sign") * TRAVEL_SCALE) if travel else 0)
    return max(ROW_MIN_MM, lines * LINE_MM + CELL_PAD_MM + BORDER_MM)


@dataclass
class Line:
    """One printed row: its sequence number and its texts, ready for the template."""
    seq: int
    register_number: str
    doc_number: str
    subject: str
    doc_date: dt.date | None
    cancelled: bool
    travel: str = ""


def paginate(rows, rows_per_page, budget_mm=ROWS_BUDGET_MM):
    """Split ``rows`` into pages of at most ``rows_per_page`` rows whose estimated heights fit
    in ``budget_mm``, so that a page of long subjects does not spill over onto a sheet without
    a heading. Always at least one (possibly empty) page."""
    rows_per_page = max(1, int(rows_per_page))
    budget = budget_mm
    pages, page, used = [], [], 0.0
    for seq, row in enumerate(rows, start=1):
        height = row_height_mm(row)
        if page and (len(page) >= rows_per_page or used + height > budget):
            pages.append(page)
            page, used = [], 0.0
        page.append(Line(
            seq=seq,
            register_number=soft_wrap(row.register_number, "number"),
            doc_number=soft_wrap(row.doc_number, "doc_number"),
            subject=soft_wrap(row.subject, "subject"),
            doc_date=row.doc_date,
            cancelled=bool(row.cancelled),
            travel=soft_wrap(getattr(row, "travel", ""), "sign"),
        ))
        used += height
    pages.append(page)
    return pages


# ---- rendering ---------------------------------------------------------------------------------

_env = None


def environment():
    global _env
    if _env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["thaidate"] = thai.format_date
        env.filters["thaidigits"] = thai.thai_digits
        _env = env
    return _env


def render_html(spec, rows, rows_per_page=20, for_pdf=False):
    """The report as one HTML document: the browser's print view (with a print button), or
    with ``for_pdf`` the input of wkhtmltopdf."""
    rows = list(rows)
    return _render(spec, rows, paginate(rows, rows_per_page), for_pdf)


def _render(spec, rows, pages, for_pdf):
    return environment().get_template(TEMPLATE).render(
        spec=spec,
        pages=pages,
        total=len(rows),
        cancelled=sum(1 for r in rows if r.cancelled),
        note=NOTE,
        columns=dict(COLUMNS),
        for_pdf=for_pdf,
        scale=PDF_SCALE if for_pdf else 1,
        font_pt=FONT_PT,
        heading_pt=HEADING_PT,
        # WebKit adds a cell's padding and border to its CSS height.
        cell_height_mm=round(ROW_MIN_MM - CELL_PAD_MM - BORDER_MM, 2),
        cell_pad_mm=CELL_PAD_MM / 2,
        border_mm=BORDER_MM,
        line_height=LINE_HEIGHT,
    )


def page_count(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def render_pdf(spec, rows, rows_per_page=20):
    """The report as A4 PDF bytes, by wkhtmltopdf reading nothing but the HTML we give it.

    Row heights are estimated; should a page still spill over (more sheets than pages laid
    out, the spilled rows without a heading), it is laid out again with less room per page."""
    rows = list(rows)
    for shrink in (1.0, 0.85, 0.7):
        pages = paginate(rows, rows_per_page, ROWS_BUDGET_MM * shrink)
        html = _render(spec, rows, pages, for_pdf=True)
        pdf = pdfkit.from_string(html, False, options=dict(PDF_OPTIONS))
        if page_count(pdf) == len(pages):
            return pdf
        log.warning("register report spilled over at %.0f%% of the page; laying it out again",
                    shrink * 100)
    return pdf


# ---- a record on one sheet (a contract's detail) ------------------------------------------------

SHEET_TEMPLATE = "reports/sheet.html"


@dataclass
class Sheet:
    title: str  # ทะเบียนคุมสัญญาจ้าง เลขที่ 12/2570
    owner: str  # the agency
    rows: list  # [(label, value)], value already formatted as text
    printed_by: str
    printed_at: str
    qr: str = ""  # a QR code as a data: URI (a file's cover sheet), printed beside the title
    qr_caption: str = ""


def qr_data_uri(text):
    """A QR code of ``text`` as a PNG data: URI (wkhtmltopdf reads nothing from outside)."""
    import segno

    return segno.make(text, error="m").png_data_uri(scale=6, border=2)


def render_sheet_html(sheet, for_pdf=False):
    return environment().get_template(SHEET_TEMPLATE).render(
        sheet=sheet, for_pdf=for_pdf, scale=PDF_SCALE if for_pdf else 1, font_pt=FONT_PT + 1,
        heading_pt=HEADING_PT + 2, line_height=LINE_HEIGHT, border_mm=BORDER_MM)


# ---- a list on A4 (an agenda, the phone directory) ---------------------------------------------

TABLE_TEMPLATE = "reports/table.html"


@dataclass
class Table:
    title: str  # วาระงานผู้บริหาร ประจำวันที่ 18 มี.ค. 2561
    owner: str  # จังหวัดพังงา / the agency
    headers: list  # column titles
    widths: list  # column widths in percent, one per header
    sections: list  # [(section heading or "", [[cell text, ...], ...])]
    printed_by: str
    printed_at: str
    empty: str = "ไม่มีรายการ"  # said when no section has a row
    landscape: bool = False


def render_table_html(table, for_pdf=False):
    return environment().get_template(TABLE_TEMPLATE).render(
        table=table, for_pdf=for_pdf, scale=PDF_SCALE if for_pdf else 1, font_pt=FONT_PT,
        heading_pt=HEADING_PT + 2, line_height=LINE_HEIGHT, border_mm=BORDER_MM)


def render_table_pdf(table):
    """The list as A4 PDF bytes; long lists run on to further pages, a row never split."""
    options = dict(PDF_OPTIONS)
    if table.landscape:
        options["orientation"] = "Landscape"
    return pdfkit.from_string(render_table_html(table, for_pdf=True), False, options=options)


def render_sheet_pdf(sheet):
    """The record as A4 PDF bytes (wkhtmltopdf, reading nothing but the HTML we give it)."""
    return pdfkit.from_string(render_sheet_html(sheet, for_pdf=True), False,
                              options=dict(PDF_OPTIONS))
