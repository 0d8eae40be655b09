"""Excel exports (.xlsx), streamed: rows go from the database to the file one by one, so that a
register of a million entries never sits in memory; formula-like text is neutralised.

The workbook is written here as SpreadsheetML text straight into the zip, not through openpyxl's
write-only mode. Measured on the 2-core machine of bench/registers.py, 100,000 rows of 13 cells
took openpyxl about 38 s with a font on each cell and 15 s without (its writer builds an object
and an XML element per cell), against about 5 s here; the target is 10 s. openpyxl remains the
reader that the tests open every export with.

What a clerk gets: one sheet per 1,048,575 rows (Excel's limit), each with the title on row 1 and
the column headers on row 2, both bold, frozen above row 3, with an autofilter; the Thai font
throughout; column widths in characters; text stored inline (no shared-string table to hold in
memory). Cells keep their type, so that they sort and add up: numbers are numbers, amounts of
money (Decimal) are numbers shown ``#,##0.00``, dates and times (Bangkok's, written by the
caller) are real dates shown in the Buddhist Era by the Thai calendar's number format
(``18 มี.ค. 2561`` in Excel and LibreOffice). Printed, a sheet is landscape on A4, one page wide,
with rows 1-2 repeated on every page and a left margin of 25 mm to punch and bind.
"""

import datetime as dt
import decimal
import math
import re
import tempfile
import zipfile
from xml.sax.saxutils import quoteattr

from openpyxl.utils import get_column_letter

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
THAI_FONT = "TH Sarabun New"
MAX_SHEET_ROWS = 1_048_576  # Excel's last row
MAX_CELL_CHARS = 32_767  # Excel shows no more of a cell
SPOOL_BYTES = 8 * 1024 * 1024  # past this the file goes to a temporary file on disk

# Characters XML 1.0 cannot carry at all (a pasted control character would break the file).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_STYLES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_BOLD = ' s="1"'  # cellXfs index 1: the bold font
_DATE, _DATETIME, _MONEY = ' s="2"', ' s="3"', ' s="4"'  # cellXfs 2-4 (see _styles)
# The Thai calendar (07) of the Thai locale (041E), with Arabic digits (1; D would be Thai digits):
# LibreOffice 7.4 shows 18 มี.ค. 2561 (checked by converting an export to CSV as shown).
DATE_FORMAT = "[$-107041E]d mmm yyyy"
DATETIME_FORMAT = "[$-107041E]d mmm yyyy hh:mm"
MONEY_FORMAT = "#,##0.00"
_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Excel's (and LibreOffice's) serial dates


def neutralise(value):
    """A cell a user typed that starts like a formula is kept as text, never evaluated."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def _text(text):
    if not text.isprintable():  # rare: a tab, a line break, or a character XML cannot carry
        text = _XML_ILLEGAL.sub("", text)
    text = text[:MAX_CELL_CHARS].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def serial(value):
    """Excel's serial number of a date or a (naive, or aware and taken as it reads) time."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        return delta.days + delta.seconds / 86400
    return (value - _EPOCH.date()).days


def _cells(values, row, letters, style=""):
    out = []
    for letter, value in zip(letters, values):
        if value is None or value == "":
            continue
        if isinstance(value, str):
            out.append(f'<c r="{letter}{row}"{style} t="inlineStr">{_text(neutralise(value))}</c>')
        elif isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value):
            out.append(f'<c r="{letter}{row}"{style}><v>{value!r}</v></c>')
        elif isinstance(value, decimal.Decimal) and value.is_finite():
            out.append(f'<c r="{letter}{row}"{style or _MONEY}><v>{value}</v></c>')
        elif isinstance(value, dt.datetime):
            out.append(f'<c r="{letter}{row}"{style or _DATETIME}><v>{serial(value)}</v></c>')
        elif isinstance(value, dt.date):
            out.append(f'<c r="{letter}{row}"{style or _DATE}><v>{serial(value)}</v></c>')
        else:
            out.append(f'<c r="{letter}{row}"{style} t="inlineStr">{_text(str(value))}</c>')
    return f'<row r="{row}">{"".join(out)}</row>'


def _sheet_name(title, index):
    name = _SHEET_NAME_ILLEGAL.sub(" ", str(title)).strip().strip("'") or "Sheet"
    if index > 1:
        suffix = f" ({index})"
        return name[:31 - len(suffix)] + suffix
    return name[:31]


def _styles():
    font = quoteattr(THAI_FONT)
    return (
        f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
        f'<numFmts count="2"><numFmt numFmtId="164" formatCode={quoteattr(DATE_FORMAT)}/>'
        f'<numFmt numFmtId="165" formatCode={quoteattr(DATETIME_FORMAT)}/></numFmts>'
        f'<fonts count="2"><font><sz val="14"/><name val={font}/><family val="2"/></font>'
        f'<font><b/><sz val="16"/><name val={font}/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs>'
        '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _package_parts(sheet_names, ranges):
    """The workbook's other parts; ``ranges`` is each sheet's autofilter range (A2:M9)."""
    count = len(sheet_names)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
        for i in range(1, count + 1))
    content_types = (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>")
    root_rels = (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_DOC}" Target="xl/workbook.xml"/>'
        "</Relationships>")
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheet_names, start=1))
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_escaped(_absolute(name, ref))}</definedName>"
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        f"{_escaped(_quoted(name))}!$1:$2</definedName>"
        for i, (name, ref) in enumerate(zip(sheet_names, ranges)))
    workbook = (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
        f"<definedNames>{names}</definedNames></workbook>")
    workbook_rels = (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_WORKSHEET_REL}" '
                  f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
        + f'<Relationship Id="rId{count + 1}" Type="{_STYLES_REL}" Target="styles.xml"/>'
        "</Relationships>")
    return {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": _styles(),
    }


def _quoted(sheet_name):
    return "'" + sheet_name.replace("'", "''") + "'"


def _absolute(sheet_name, ref):
    first, last = ref.split(":")
    dollars = [re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", c) for c in (first, last)]
    return f"{_quoted(sheet_name)}!{dollars[0]}:{dollars[1]}"


def _escaped(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xlsx_bytes(title, headers, rows, widths=None, max_sheet_rows=MAX_SHEET_ROWS):
    """One workbook: on each sheet a title line and a header row (frozen), then ``rows`` (any
    iterable of lists, consumed once, so that a generator over the database is never held in
    memory whole). ``widths`` are column widths in characters; by default each header's length,
    at least 12. Returns a file object positioned at its start (spooled to disk past 8 MB)."""
    letters = [get_column_letter(i) for i in range(1, len(headers) + 1)]
    widths = widths or [max(12, len(str(h)) + 4) for h in headers]
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    top = (
        f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="2" topLeftCell="A3" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>"
        + _cells([title], 1, letters[:1] or ["A"], _BOLD)
        + _cells(headers, 2, letters, _BOLD)
    ).encode()

    def bottom(last_row):
        return (
            f'</sheetData><autoFilter ref="A2:{letters[-1] if letters else "A"}{last_row}"/>'
            # 25 mm on the left to punch and bind, 15 mm elsewhere (inches, as Excel counts).
            '<pageMargins left="0.98" right="0.59" top="0.59" bottom="0.59" header="0.3" '
            'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
            'fitToHeight="0"/></worksheet>').encode()

    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    names, ranges = [], []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
        rows = iter(rows)
        pending = next(rows, None)
        while pending is not None or not names:
            names.append(_sheet_name(title, len(names) + 1))
            with zf.open(f"xl/worksheets/sheet{len(names)}.xml", "w", force_zip64=True) as sheet:
                sheet.write(top)
                chunk, number = [], 2
                while pending is not None and number < max_sheet_rows:
                    number += 1
                    chunk.append(_cells(pending, number, letters))
                    if len(chunk) == 1000:
                        sheet.write("".join(chunk).encode())
                        chunk = []
                    pending = next(rows, None)
                sheet.write("".join(chunk).encode() + bottom(number))
                ranges.append(f"A2:{letters[-1] if letters else 'A'}{number}")
        for name, part in _package_parts(names, ranges).items():
            zf.writestr(name, part)
    out.seek(0)
    return out
