"""Watermarks for secret letters' PDF files: who opened it, when, from where, on every page.

``stamp_pdf`` writes the given lines (the viewer's name, the date and time in the Buddhist Era,
the IP address) in light grey, diagonally across the middle of every page, over the content, and
once more in a small straight line along the bottom edge, which stays legible (and searchable:
``pdftotext`` reads 45° text letter by letter) when the diagonal is hard to read. The stamp is
a page printed by Chromium (app/services/pdf.py) in the reports' Thai font, so that its text
layer reads back exactly as it was drawn, then laid over each page with pypdf.

Only PDF files are stamped. A secret letter's other files (scans as images, Word, Excel) are not:
the caller refuses to show them inline, or serves them as they are, as it decides.

The stamp is drawn as SVG in a ``viewBox`` measured in points, on a page of the stamped page's
shape, without a background (``print_background`` off); any filled area is still taken out of
its content before it is laid over a page, so that it can never hide what is under it.
"""

import io
import logging
import math
import unicodedata

from markupsafe import escape
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import ContentStream

from app.services import pdf
from app.services.errors import ValidationFailed

log = logging.getLogger(__name__)

DIAGONAL_COLOUR = "rgb(128,128,128)"
DIAGONAL_OPACITY = 0.3
FOOTER_COLOUR = "rgb(90,90,90)"
FOOTER_OPACITY = 0.75
MM = 72 / 25.4  # points in a millimetre
STAMP_LONG_SIDE = 842.0  # the stamp is drawn with the page's shape at A4's long side, then scaled

NO_MARGINS = pdf.Margins(0, 0, 0, 0)

# Path-painting operators that fill (the background); each becomes its no-fill equivalent.
_NO_FILL = {b"f": b"n", b"F": b"n", b"f*": b"n", b"B": b"S", b"B*": b"S", b"b": b"s", b"b*": b"s"}


class WatermarkFailed(ValidationFailed):
    """The file could not be stamped, so it is not shown at all (server side: status 500)."""

    status = 500


def _clean_line(line):
    text = "".join(ch for ch in str(line) if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return " ".join(text.split())


def _text_width_em(text):
    """A generous estimate of a line's width in em: Thai marks above and below take no room."""
    width = 0.0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            continue
        width += 0.35 if ch == " " else 0.62
    return max(width, 1.0)


def stamp_html(width, height, lines):
    """The HTML of one stamp page of ``width`` x ``height`` points (an SVG in point units)."""
    diagonal = math.hypot(width, height)
    angle = math.degrees(math.atan2(height, width))
    widest = max(_text_width_em(line) for line in lines)
    n = len(lines)
    # Big, but the longest line within 64% of the diagonal and the block within the page.
    size = min(0.64 * diagonal / widest, 0.6 * min(width, height) / (1.3 * n), 0.09 * diagonal)
    step = 1.3 * size
    first = -(n - 1) * step / 2
    diagonal_text = "\n".join(
        f'<text y="{first + i * step + 0.35 * size:.2f}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    footer = " · ".join(lines)
    # The straight line keeps off the binding edge (the margins of our own pages: 25 mm left,
    # 12 mm right) unless the page is too narrow to have one.
    left, right = pdf.A4.left * MM, pdf.A4.right * MM
    if width - left - right < 0.5 * width:
        left = right = 0.04 * width
    footer_size = min(8.0, (width - left - right) / _text_width_em(footer))
    footer_x = left + (width - left - right) / 2
    return f"""<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8"><style>
{pdf.font_css()}
@page {{ margin: 0; }}
html, body {{ margin: 0; padding: 0; width: 100%; height: 100%; overflow: hidden;
              background: transparent; }}
svg {{ position: absolute; left: 0; top: 0; width: 100%; height: 100%; }}
text {{ font-family: {pdf.font_family()}; stroke: none; }}
</style></head><body>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.2f} {height:.2f}"
     preserveAspectRatio="none">
<g transform="translate({width / 2:.2f} {height / 2:.2f}) rotate({-angle:.3f})"
   text-anchor="middle" font-size="{size:.2f}" font-weight="bold"
   fill="{DIAGONAL_COLOUR}" fill-opacity="{DIAGONAL_OPACITY}">
{diagonal_text}
</g>
<text x="{footer_x:.2f}" y="{height - max(footer_size * 0.9, 4):.2f}" text-anchor="middle"
      font-size="{footer_size:.2f}" fill="{FOOTER_COLOUR}"
      fill-opacity="{FOOTER_OPACITY}">{escape(footer)}</text>
</svg></body></html>"""


def _drop_fills(page, writer):
    """Remove the filled areas (a background, should one be painted) from a stamp page, keep
    its text."""
    content = ContentStream(page.get_contents(), writer)
    content.operations = [
        (operands, _NO_FILL.get(op, op)) for operands, op in content.operations
    ]
    page.replace_contents(content)


def render_stamp(width, height, lines):
    """A one-page PDF (pypdf page) holding the stamp for a page of ``width`` x ``height`` points."""
    try:
        data = pdf.html_to_pdf(stamp_html(width, height, lines), margins=NO_MARGINS,
                               size=(width / 72, height / 72), background=False)
    except pdf.PrintUnavailable as e:
        raise WatermarkFailed(
            f"ประทับลายน้ำไม่ได้ จึงเปิดเอกสารลับนี้ไม่ได้: {e.message}") from None
    stamp = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    page = stamp.pages[0]
    _drop_fills(page, stamp)
    return page


def _stamp_size(width, height):
    """The size the stamp is drawn at: the page's shape, its long side that of A4."""
    scale = STAMP_LONG_SIDE / max(width, height)
    # A strip of a page (a slip, a long receipt) still gets a stamp that can be laid out.
    return round(max(width * scale, 72.0), 1), round(max(height * scale, 72.0), 1)


def stamp_pdf(pdf_bytes, lines, filename=None):
    """``pdf_bytes`` with ``lines`` stamped over every page (diagonally, and along the bottom).

    One stamp printed per distinct page shape. Raises WatermarkFailed (Thai) if the PDF cannot
    be read (damaged, or locked by a password to open) or the stamp cannot be drawn: a secret
    file is then not served unstamped. With no lines, the PDF is returned as it is.
    """
    lines = [line for line in (_clean_line(x) for x in lines or ()) if line]
    if not lines:
        return pdf_bytes
    label = f' "{filename}"' if filename else ""
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        if reader.is_encrypted and not reader.decrypt(""):
            raise WatermarkFailed(
                f"ไฟล์ PDF{label} ถูกตั้งรหัสผ่านไว้ จึงประทับลายน้ำและเปิดดูในระบบไม่ได้")
        writer = PdfWriter(clone_from=reader)
    except WatermarkFailed:
        raise
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on a damaged file
        log.warning("cannot read a PDF to stamp it: %s", e)
        raise WatermarkFailed(
            f"อ่านไฟล์ PDF{label} ไม่ได้ (ไฟล์อาจเสียหาย) จึงเปิดดูในระบบไม่ได้") from None

    stamps = {}
    try:
        for page in writer.pages:
            if page.rotation % 360:
                page.transfer_rotation_to_content()  # draw on the page as it is seen
            box = page.cropbox  # what a viewer shows; the mediabox unless the page is cropped
            width, height = float(box.width), float(box.height)
            if width <= 0 or height <= 0:
                continue
            size = _stamp_size(width, height)
            if size not in stamps:
                stamps[size] = render_stamp(*size, lines)
            stamp = stamps[size]
            sw, sh = float(stamp.mediabox.width), float(stamp.mediabox.height)
            placement = (Transformation()
                         .translate(-float(stamp.mediabox.left), -float(stamp.mediabox.bottom))
                         .scale(width / sw, height / sh)
                         .translate(float(box.left), float(box.bottom)))
            page.merge_transformed_page(stamp, placement, over=True, expand=False)
            page.compress_content_streams()  # the stamp's drawing is repeated on every page
        out = io.BytesIO()
        writer.write(out)
    except WatermarkFailed:
        raise
    except Exception as e:  # noqa: BLE001
        log.exception("cannot stamp a PDF: %s", e)
        raise WatermarkFailed(
            f"ประทับลายน้ำบนไฟล์ PDF{label} ไม่สำเร็จ จึงเปิดดูในระบบไม่ได้") from None
    return out.getvalue()
