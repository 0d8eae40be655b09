"""Buddhist-Era dates: display, input, fiscal year (app/thai.py)."""

import datetime as dt

import pytest
from wtforms import Form

from app import thai
from app.fields import ThaiDateField


def test_date_in_buddhist_era_with_thai_month():
    assert thai.format_date(dt.date(2018, 3, 18)) == "18 มี.ค. 2561"
    assert thai.format_date(dt.date(2025, 12, 1)) == "1 ธ.ค. 2568"
    assert thai.format_date(dt.date(2025, 1, 9), full_month=True) == "9 มกราคม 2568"
    assert thai.format_date(None) == ""


def test_thai_digits():
    assert thai.format_date(dt.date(2018, 3, 18), digits_thai=True) == "๑๘ มี.ค. ๒๕๖๑"


def test_datetime_stored_utc_shown_in_bangkok():
    # 20:30 UTC on 31 Dec is already 1 Jan in Bangkok (UTC+7): the date and year move too.
    assert thai.format_datetime(dt.datetime(2024, 12, 31, 20, 30)) == "1 ม.ค. 2568 03:30 น."


@pytest.mark.parametrize("day, fiscal", [
    (dt.date(2024, 9, 30), 2567), (dt.date(2024, 10, 1), 2568), (dt.date(2025, 1, 1), 2568),
])
def test_fiscal_year_starts_first_of_october(day, fiscal):
    assert thai.fiscal_year(day) == fiscal


@pytest.mark.parametrize("text, expected", [
    ("18/03/2561", dt.date(2018, 3, 18)),
    ("1/1/2568", dt.date(2025, 1, 1)),
    (" 29-02-2567 ", dt.date(2024, 2, 29)),
    ("๑๘/๐๓/๒๕๖๑", dt.date(2018, 3, 18)),
])
def test_parse_buddhist_era_input(text, expected):
    assert thai.parse_date(text) == expected


def test_gregorian_year_is_refused_with_a_thai_message():
    with pytest.raises(thai.ThaiDateError) as e:
        thai.parse_date("18/03/2018")
    assert "คริสต์ศักราช" in str(e.value) and "2561" in str(e.value)


@pytest.mark.parametrize("text, words", [
    ("31/02/2568", "ไม่มีวันที่"), ("2561-03-18", "รูปแบบวันที่ไม่ถูกต้อง"),
    ("hello", "รูปแบบวันที่ไม่ถูกต้อง"), ("01/01/3000", "ไม่ถูกต้อง"),
])
def test_bad_dates_get_thai_messages(text, words):
    with pytest.raises(thai.ThaiDateError) as e:
        thai.parse_date(text)
    assert words in str(e.value)


class _Form(Form):
    signed_on = ThaiDateField("ลงวันที่")


class _Data(dict):
    def getlist(self, key):
        return [self[key]] if key in self else []


def test_date_field_stores_gregorian_and_shows_buddhist_era():
    form = _Form(_Data(signed_on="18/03/2561"))
    assert form.validate()
    assert form.signed_on.data == dt.date(2018, 3, 18)
    assert 'value="18/03/2561"' in form.signed_on()


def test_date_field_refuses_gregorian_year_and_keeps_input():
    form = _Form(_Data(signed_on="18/03/2018"))
    assert not form.validate()
    assert form.signed_on.data is None
    assert "คริสต์ศักราช" in form.signed_on.errors[0]
    assert 'value="18/03/2018"' in form.signed_on()  # the clerk sees what they typed


def test_jinja_filter(app):
    with app.app_context():
        out = app.jinja_env.from_string("{{ d|thaidate }}").render(d=dt.date(2018, 3, 18))
    assert out == "18 มี.ค. 2561"


def test_contains_takes_percent_and_underscore_literally_and_ignores_case(app):
    from sqlalchemy import column, literal, select

    from app.extensions import db

    def hit(subject, text):
        with app.app_context():
            stmt = select(literal(1)).select_from(
                select(literal(subject).label("s")).subquery("t")).where(
                thai.contains(column("s"), text))
            return db.session.execute(stmt).first() is not None

    assert hit("ขออนุมัติจัดซื้อครุภัณฑ์", "จัดซื้อ")
    assert not hit("ขออนุมัติจัดจ้าง", "จัดซื้อ")
    assert hit("ส่วนลด 50% ทุกรายการ", "50%") and not hit("ส่วนลด 500 บาท", "50%")
    assert hit("รหัส A_1", "A_1") and not hit("รหัส AB1", "A_1")
    assert hit("แจ้งผลตรวจ COVID-19", "covid") and hit("แจ้งผลตรวจ covid-19", "COVID")


def test_file_size_as_a_clerk_reads_it():
    assert thai.file_size(0) == "0 ไบต์"
    assert thai.file_size(850) == "850 ไบต์"
    assert thai.file_size(1024) == "1 KB"
    assert thai.file_size(12_345) == "12 KB"
    assert thai.file_size(3_565_158) == "3.4 MB"


@pytest.mark.parametrize("amount,words", [
    ("0", "ศูนย์บาทถ้วน"),
    ("1", "หนึ่งบาทถ้วน"),
    ("10", "สิบบาทถ้วน"),
    ("11", "สิบเอ็ดบาทถ้วน"),
    ("21", "ยี่สิบเอ็ดบาทถ้วน"),
    ("101", "หนึ่งร้อยเอ็ดบาทถ้วน"),
    ("250", "สองร้อยห้าสิบบาทถ้วน"),
    ("1000000", "หนึ่งล้านบาทถ้วน"),
    ("1200000", "หนึ่งล้านสองแสนบาทถ้วน"),
    ("1000001.25", "หนึ่งล้านเอ็ดบาทยี่สิบห้าสตางค์"),
    ("11000000", "สิบเอ็ดล้านบาทถ้วน"),
    ("21000021", "ยี่สิบเอ็ดล้านยี่สิบเอ็ดบาทถ้วน"),
    ("1000000000000", "หนึ่งล้านล้านบาทถ้วน"),
    ("0.50", "ห้าสิบสตางค์"),
    ("0.01", "หนึ่งสตางค์"),
    ("0.11", "สิบเอ็ดสตางค์"),
    ("5.005", "ห้าบาทหนึ่งสตางค์"),  # rounded half up
    ("1234567.89", "หนึ่งล้านสองแสนสามหมื่นสี่พันห้าร้อยหกสิบเจ็ดบาทแปดสิบเก้าสตางค์"),
])
def test_baht_text(amount, words):
    from decimal import Decimal

    assert thai.baht_text(Decimal(amount)) == words


def test_baht_text_refuses_a_negative_amount():
    with pytest.raises(ValueError):
        thai.baht_text(-1)


@pytest.mark.parametrize("tax_id,valid", [
    ("0994000165668", True),   # a juristic person's number (check digit 8)
    ("3100600445414", True),   # 39+12+54+24+20+20+12+2 = 183; 11 - 183 % 11 = 4
    ("3100600445411", False),
    ("1101700207030", True),
    ("0994000165669", False),  # one digit off
    ("099400016566", False),   # twelve digits
    ("09940001656680", False),  # fourteen
    ("0994-00016566", False),
    ("๐๙๙๔๐๐๐๑๖๕๖๖๘", False),  # Thai digits: the form converts them first
    ("", False),
    (None, False),
])
def test_tax_id_check_digit(tax_id, valid):
    assert thai.valid_tax_id(tax_id) is valid
