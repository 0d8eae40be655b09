"""The Excel writer (app/services/exports.py), opened back with openpyxl: what a clerk sees in
Excel, formula-like text kept as text, characters XML cannot carry, and a register longer than a
sheet spread over several sheets."""

import io
import zipfile

from openpyxl import load_workbook

from app.services.exports import MAX_CELL_CHARS, xlsx_bytes


def workbook(data):
    return load_workbook(io.BytesIO(data.read()))


def test_title_headers_frozen_widths_and_fonts():
    wb = workbook(xlsx_bytes("ทะเบียนหนังสือรับ", ["เลขรับ", "เรื่อง"],
                             iter([[1, "ขอเชิญประชุม"], [2, "แจ้งเวียน"]]), widths=[10, 60]))
    ws = wb.active
    assert wb.sheetnames == ["ทะเบียนหนังสือรับ"]
    assert list(ws.iter_rows(values_only=True)) == [
        ("ทะเบียนหนังสือรับ", None), ("เลขรับ", "เรื่อง"), (1, "ขอเชิญประชุม"), (2, "แจ้งเวียน")]
    assert ws.freeze_panes == "A3"
    assert (ws.column_dimensions["A"].width, ws.column_dimensions["B"].width) == (10, 60)
    assert ws["A1"].font.b and ws["B2"].font.b and not ws["B3"].font.b
    assert {ws["A1"].font.name, ws["B3"].font.name} == {"TH Sarabun New"}
    assert isinstance(ws["A3"].value, int)


def test_formulas_stay_text_and_bad_characters_go():
    rows = [["=HYPERLINK(\"http://evil\")", "+1", "-2", "@SUM(A1)", "a<b & c>d\x01\x0b",
             "  เว้นวรรค  ", None, "", 1.25, float("nan"), "ก" * (MAX_CELL_CHARS + 10)]]
    ws = workbook(xlsx_bytes("ทดสอบ", [f"h{i}" for i in range(11)], rows)).active
    values = next(ws.iter_rows(min_row=3, values_only=True))
    assert values[:4] == ("'=HYPERLINK(\"http://evil\")", "'+1", "'-2", "'@SUM(A1)")
    assert values[4] == "a<b & c>d"
    assert values[5] == "  เว้นวรรค  "
    assert values[6:9] == (None, None, 1.25)
    assert values[9] == "nan"  # not a number Excel can hold: written as text
    assert len(values[10]) == MAX_CELL_CHARS
    assert ws["A3"].data_type == "s"


def test_a_long_register_runs_over_several_sheets_each_with_its_headers():
    rows = ([n, f"เรื่องที่ {n}"] for n in range(1, 8))
    wb = workbook(xlsx_bytes("ทะเบียน/ส่ง", ["เลข", "เรื่อง"], rows, max_sheet_rows=5))
    assert wb.sheetnames == ["ทะเบียน ส่ง", "ทะเบียน ส่ง (2)", "ทะเบียน ส่ง (3)"]
    numbers = []
    for ws in wb.worksheets:
        values = list(ws.iter_rows(values_only=True))
        assert values[:2] == [("ทะเบียน/ส่ง", None), ("เลข", "เรื่อง")]
        assert ws.freeze_panes == "A3"
        numbers += [v[0] for v in values[2:]]
    assert numbers == [1, 2, 3, 4, 5, 6, 7]


def test_no_rows_is_a_sheet_with_its_headers_and_a_valid_package():
    data = xlsx_bytes("ว่าง", ["เลข"], iter([]))
    with zipfile.ZipFile(data) as z:
        assert z.testzip() is None
        assert "xl/worksheets/sheet1.xml" in z.namelist()
    data.seek(0)
    assert list(workbook(data).active.iter_rows(values_only=True)) == [("ว่าง",), ("เลข",)]


def test_numbers_money_and_dates_keep_their_types_and_print_on_one_page_wide():
    import datetime as dt
    from decimal import Decimal

    rows = [[1, Decimal("2380000.00"), dt.date(2018, 3, 18), dt.datetime(2026, 12, 3, 14, 5)],
            [2, Decimal("1500.50"), None, None]]
    ws = workbook(xlsx_bytes("สัญญา", ["เลขที่", "วงเงิน", "ลงวันที่", "เวลา"], rows)).active
    money, day, when = ws["B3"], ws["C3"], ws["D3"]
    assert money.data_type == "n" and money.value == 2380000 and money.number_format == "#,##0.00"
    assert sum(ws.cell(r, 2).value for r in (3, 4)) == 2381500.5  # SUM adds them up
    assert day.value == dt.datetime(2018, 3, 18) and day.number_format == "[$-107041E]d mmm yyyy"
    assert when.value == dt.datetime(2026, 12, 3, 14, 5)  # to the second: no drift
    assert when.number_format == "[$-107041E]d mmm yyyy hh:mm"
    assert ws.auto_filter.ref == "A2:D4" and ws.print_title_rows == "$1:$2"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
        "landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def _libreoffice(tmp_path, path, convert_to):
    """``path`` converted by LibreOffice (installed by `make test`) to ``convert_to``, in
    ``tmp_path``; the converted file's path. Missing LibreOffice fails under CI."""
    import os
    import shutil
    import subprocess

    import pytest

    soffice = shutil.which("soffice")
    if soffice is None:
        message = "LibreOffice (soffice) is missing: `make test` installs libreoffice-calc-nogui"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", convert_to, "--outdir", str(tmp_path), str(path)],
                   check=True, timeout=120, capture_output=True)
    return path.with_suffix("." + convert_to.split(":", 1)[0])


def test_libreoffice_shows_the_dates_in_the_buddhist_era_and_the_baht(tmp_path):
    """A real reader: LibreOffice (installed by `make test`) converts an export to CSV as its
    cells are shown."""
    import datetime as dt
    from decimal import Decimal

    rows = [[5, dt.date(2018, 3, 18), dt.datetime(2026, 12, 3, 14, 5), Decimal("2380000.00")]]
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx_bytes("ทะเบียน", ["เลข", "ลงวันที่", "เวลา", "วงเงิน"], rows).read())
    shown = _libreoffice(tmp_path, path,
                         'csv:Text - txt - csv (StarCalc):44,34,76,1,,1054,false,true,true'
                         ).read_text(encoding="utf-8").splitlines()
    assert shown[2] == '5,18 มี.ค. 2561,3 ธ.ค. 2569 14:05,"2,380,000.00"'


def test_a_five_row_register_prints_on_one_page(tmp_path):
    """Landscape, one page wide: a register of 13 columns and 5 rows printed by LibreOffice is
    one page, not seven."""
    import datetime as dt

    from pypdf import PdfReader

    headers = ["เลขรับ", "ปี พ.ศ.", "วันเวลาที่รับ", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง",
               "การปฏิบัติ", "หมายเหตุ", "ชั้นความเร็ว", "ชั้นความลับ", "สถานะ"]
    rows = [[n, 2569, dt.datetime(2026, 12, 3, 9, n), f"มท 0310/ว {n}", dt.date(2026, 12, 1),
             "กรมการปกครอง", "ผู้ว่าราชการจังหวัดพังงา", "ขอเชิญประชุมซักซ้อมแนวทางปฏิบัติ " * 2,
             "ส่งกลุ่มงานอำนวยการ", "", "ด่วน", "ปกติ", "ใช้งาน"] for n in range(1, 6)]
    widths = [10, 8, 22, 22, 14, 30, 30, 60, 30, 30, 14, 14, 14]
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx_bytes("หนังสือรับถึงหน่วยงาน", headers, rows, widths=widths).read())
    assert len(PdfReader(str(_libreoffice(tmp_path, path, "pdf"))).pages) == 1
