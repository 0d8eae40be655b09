"""Excel exports: streamed with openpyxl's write-only mode, safe against formula injection."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
THAI_FONT = "TH Sarabun New"


def neutralise(value):
    """A cell a user typed that starts like a formula is kept as text, never evaluated."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def xlsx_bytes(title, headers, rows):
    """One sheet: a title line, a header row, then ``rows`` (any iterable, consumed once)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
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
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
