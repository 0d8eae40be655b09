"""Excel exports: streamed with openpyxl's write-only mode, safe against formula injection."""

import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
THAI_FONT = "TH Sarabun New"


def neutralise(value):
    """A cell a user typed that starts like a formula is kept as text, never evaluated."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def xlsx_bytes(title, headers, rows, widths=None):
    """One sheet: a title line, a header row (frozen), then ``rows`` (any iterable, consumed
    once, so that a generator over the database is never held in memory whole).

    ``widths`` are column widths in characters; by default each header's length, at least 12.
    Returns a file object positioned at its start (spooled to disk past a few MB).
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A3"
    for i, header in enumerate(headers, start=1):
        width = widths[i - 1] if widths else max(12, len(str(header)) + 4)
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(name=THAI_FONT, bold=True, size=16)
    normal = Font(name=THAI_FONT, size=14)

    def styled(value, font):
        cell = WriteOnlyCell(ws, value=neutralise(value))
        cell.font = font
        return cell

    ws.append([styled(title, bold)])
    ws.append([styled(h, bold) for h in headers])
    for row in rows:
        ws.append([styled(v, normal) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out
