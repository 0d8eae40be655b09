"""What the e-office prints on A4: the daily register report (รายงานทะเบียนหนังสือรับประจำวัน), a
record on one sheet (a contract, a file's cover sheet) and a list (the executives' agenda), each
as HTML for the browser's print view and as PDF (app/services/pdf.py: Chromium).

The daily report is laid out as the paper form the messenger signs:
``# | เลขรับ | เลขหนังสือ | เรื่อง | ลงวันที่ | ลงชื่อผู้รับ``.

Independent of Flask: a standalone Jinja environment (autoescape on) renders
``templates/reports/*.html``, so tests and the CLI use it without an app.

Nothing is paginated here: Chromium breaks the pages, never inside a row, and repeats a table's
``<thead>`` (the report's heading and its column titles) on every page; ``หน้า x/y`` and who
printed it go in every page's footer. The left margin (25 mm) leaves room to punch and bind.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from app import thai
from app.services import pdf

TEMPLATE = "reports/register_report.html"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
MARGINS = pdf.A4  # top 15, right 12, bottom 16, left 25 mm

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


# ---- layout ------------------------------------------------------------------------------------
# Column widths of the daily report in percent of the printable width (173 mm).
COLUMNS = (
    ("seq", 5.0),
    ("number", 11.0),
    ("doc_number", 20.0),  # "พง 0017.2/ว 1001" on one line
    ("subject", 34.0),
    ("doc_date", 13.0),
    ("sign", 17.0),  # about 29 mm to sign in
)
FONT_PT = 10.5  # Laksaman or Sarabun at 10.5 pt: TH Sarabun PSK's 16 pt
HEADING_PT = 12.0
FOOTER_PT = 8.5
LINE_HEIGHT = 1.3  # stacked Thai marks need a little air between lines
ROW_MIN_MM = 11.0  # room to sign by hand
CELL_PAD_MM = 0.8  # top and bottom padding of a cell, each
BORDER_MM = 0.25


def printed_line(printed_by, printed_at):
    """``พิมพ์โดย นายสมชาย ใจดี เมื่อ 18 มี.ค. 2561 14:05 น.``, or '' when neither is known."""
    if not (printed_by or printed_at):
        return ""
    return "พิมพ์" + (f"โดย {printed_by}" if printed_by else "") \
        + (f" เมื่อ {printed_at}" if printed_at else "")


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


def render(template, for_pdf, landscape=False, **values):
    """A printed page's HTML: ``template`` (extending reports/_a4.html) with what every printed
    page shares (fonts, margins, sizes)."""
    return environment().get_template(template).render(
        for_pdf=for_pdf, landscape=landscape, margins=MARGINS.css(),
        font_css=pdf.font_css(), font_family=pdf.font_family(), font_pt=FONT_PT,
        heading_pt=HEADING_PT, line_height=LINE_HEIGHT, border_mm=BORDER_MM,
        cell_pad_mm=CELL_PAD_MM, **values)


def print_pdf(html, printed="", landscape=False):
    """``html`` on A4 (Chromium), ``printed`` and ``หน้า x/y`` in the footer of every page."""
    return pdf.html_to_pdf(html, footer=pdf.page_footer(printed, FOOTER_PT, MARGINS),
                           margins=MARGINS, landscape=landscape)


def render_html(spec, rows, for_pdf=False):
    """The report as one HTML document: the browser's print view (with a print button), or
    with ``for_pdf`` the page Chromium prints."""
    rows = list(rows)
    return render(
        TEMPLATE, for_pdf, spec=spec, rows=rows, total=len(rows),
        cancelled=sum(1 for r in rows if r.cancelled), note=NOTE, columns=dict(COLUMNS),
        printed=printed_line(spec.printed_by, spec.printed_at),
        # Chromium adds a cell's padding and border to its CSS height.
        cell_height_mm=round(ROW_MIN_MM - 2 * CELL_PAD_MM - BORDER_MM, 2))


def render_pdf(spec, rows):
    """The report as A4 PDF bytes: every page with the heading, the column titles, who printed
    it and หน้า x/y."""
    return print_pdf(render_html(spec, rows, for_pdf=True),
                     printed_line(spec.printed_by, spec.printed_at))


# ---- a record on one sheet (a contract's detail, a file's cover) --------------------------------

SHEET_TEMPLATE = "reports/sheet.html"


@dataclass
class Grid:
    """A ruled table left empty for handwriting (a cover sheet's routing: who sent the file to
    whom, their endorsement, signature and date), its first column numbered."""
    title: str
    headers: list  # column titles
    widths: list  # in percent, one per header
    rows: int = 6
    row_mm: float = 18.0


@dataclass
class Sheet:
    title: str  # ทะเบียนคุมสัญญาจ้าง เลขที่ 12/2570
    owner: str  # the agency
    rows: list  # [(label, value)], value already formatted as text
    printed_by: str
    printed_at: str
    qr: str = ""  # a QR code as a data: URI (a file's cover sheet), printed beside the title
    qr_caption: str = ""
    grids: list = field(default_factory=list)  # [Grid], printed under the rows


def qr_data_uri(text):
    """A QR code of ``text`` as a PNG data: URI (the printed page reads nothing from outside)."""
    import segno

    return segno.make(text, error="m").png_data_uri(scale=6, border=2)


def render_sheet_html(sheet, for_pdf=False):
    return render(SHEET_TEMPLATE, for_pdf, sheet=sheet, sheet_pt=FONT_PT + 1,
                  sheet_heading_pt=HEADING_PT + 2,
                  printed=printed_line(sheet.printed_by, sheet.printed_at))


def render_sheet_pdf(sheet):
    """The record as A4 PDF bytes."""
    return print_pdf(render_sheet_html(sheet, for_pdf=True),
                     printed_line(sheet.printed_by, sheet.printed_at))


# ---- a list on A4 (an agenda) ------------------------------------------------------------------

TABLE_TEMPLATE = "reports/table.html"


@dataclass
class Table:
    title: str  # วาระงานผู้บริหาร ประจำวันที่ 18 มี.ค. 2561
    owner: str  # สำนักงานจังหวัดพังงา / the agency
    headers: list  # column titles
    widths: list  # column widths in percent, one per header
    sections: list  # [(section heading or "", [[cell text, ...], ...])]
    printed_by: str
    printed_at: str
    empty: str = "ไม่มีรายการ"  # said when no section has a row
    landscape: bool = False


def render_table_html(table, for_pdf=False):
    return render(TABLE_TEMPLATE, for_pdf, landscape=table.landscape, table=table,
                  table_heading_pt=HEADING_PT + 2,
                  printed=printed_line(table.printed_by, table.printed_at))


def render_table_pdf(table):
    """The list as A4 PDF bytes; long lists run on to further pages, their column titles
    repeated, a row never split."""
    return print_pdf(render_table_html(table, for_pdf=True),
                     printed_line(table.printed_by, table.printed_at), landscape=table.landscape)
