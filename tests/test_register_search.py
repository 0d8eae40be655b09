"""A register's visible search: one box for any text (a number with or without its year, ที่,
subject, sender, receiver), a date range, speed, secrecy and status; the active criteria shown
with a way to clear them; the same criteria drive the Excel export and the daily report; a bad
criterion is a Thai message that applies nothing. Over HTTP, on SQLite and PostgreSQL."""

import io
import re

import pytest
from openpyxl import load_workbook

from app import thai
from app.extensions import db
from app.models import EOfficeUser, RegisterEntry
from app.services import correspondence as svc
from tests.conftest import make_app, text_of

LIST = "/agencyincomingview/list/"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("search"), LIST_COUNT_CAP=3)
    with app.app_context():
        clerk = db.session.query(EOfficeUser).filter_by(username="clerk.dopa").one()
        letters = [
            dict(doc_number="มท 0310/ว 88", sender="กรมการปกครอง", subject="ซ้อมแผนป้องกันอัคคีภัย",
                 speed="urgent"),
            dict(doc_number="พง 0017/555", sender="สำนักงานจังหวัดพังงา",
                 subject="ประชุมคณะกรมการจังหวัด", speed="normal"),
            dict(doc_number="กค 0402/12", sender="กรมบัญชีกลาง", subject="ระเบียบการเบิกจ่ายเงิน",
                 speed="most_urgent"),
            dict(doc_number="ลับ 1", sender="กองอำนวยการรักษาความมั่นคงภายใน",
                 subject="แผนเฝ้าระวังพื้นที่ชายแดน", secrecy="secret", speed="normal"),
        ]
        for fields in letters:
            svc.register_entry(db.session, clerk, "agency_in",
                               {"receiver": "นายอำเภอ", "secrecy": "normal", **fields})
        db.session.remove()
    yield app


def subjects(page):
    """Which of the letters' subjects the list's table holds (not the search line above)."""
    text = text_of(page).partition("จำนวนรายการ")[2]
    return {s for s in ("อัคคีภัย", "คณะกรมการ", "เบิกจ่าย", "ชายแดน", "ผู้ว่าราชการจังหวัด")
            if s in text}


def numbers(dbq):
    return dbq(lambda s: {e.subject: e.number for e in s.query(RegisterEntry)
                          .filter_by(register="agency_in")})


def test_the_form_is_on_the_page_and_fabs_filter_builder_and_plus_are_not(login_as):
    page = login_as("clerk.dopa").get(LIST)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="register-search"' in html and 'name="q"' in html
    for name in ("date_from", "date_to", "speed", "secrecy", "status"):
        assert f'name="{name}"' in html, name
    assert "filter_form" not in html and "เพิ่มเงื่อนไขค้นหา" not in text_of(page)
    assert 'id="search-active"' not in html  # nothing searched yet
    assert html.count("/agencyincomingview/add") == 1  # our button, not FAB's "+" beside it
    # Row actions say what they do.
    assert re.search(r'fa-search" aria-hidden="true"></i>\s*ดู</a>', html)


def test_any_text_finds_subject_sender_number_and_its_year(login_as, dbq):
    clerk = login_as("clerk.dopa")
    year = thai.be_year(thai.today())
    found = subjects(clerk.get(LIST, query_string={"q": "อัคคีภัย"}))
    assert "อัคคีภัย" in found and not found & {"คณะกรมการ", "เบิกจ่าย"}
    found = subjects(clerk.get(LIST, query_string={"q": "บัญชีกลาง"}))  # the sender
    assert "เบิกจ่าย" in found and "อัคคีภัย" not in found
    found = subjects(clerk.get(LIST, query_string={"q": "0017/555"}))  # ที่
    assert "คณะกรมการ" in found and "เบิกจ่าย" not in found
    number = numbers(dbq)["ระเบียบการเบิกจ่ายเงิน"]
    for typed in (str(number), f"{number}/{year}", thai.thai_digits(f"{number}/{year}")):
        page = clerk.get(LIST, query_string={"q": typed})
        assert "เบิกจ่าย" in subjects(page), typed
        assert f"{number}/{year}" in text_of(page)  # the number shown with its year
    assert "เบิกจ่าย" not in subjects(clerk.get(LIST, query_string={"q": f"{number}/{year - 1}"}))


def test_choices_and_dates_narrow_and_are_shown_with_a_way_to_clear(login_as):
    clerk = login_as("clerk.dopa")
    page = clerk.get(LIST, query_string={"speed": "most_urgent"})
    assert subjects(page) & {"อัคคีภัย", "คณะกรมการ", "เบิกจ่าย"} == {"เบิกจ่าย"}
    html = page.get_data(as_text=True)
    assert 'id="search-active"' in html and "ชั้นความเร็ว: ด่วนที่สุด" in text_of(page)
    assert 'id="search-clear" href="/agencyincomingview/list/"' in html
    today = thai.format_date_input(thai.today())
    both = clerk.get(LIST, query_string={"date_from": today, "date_to": today, "speed": "urgent"})
    assert subjects(both) & {"อัคคีภัย", "คณะกรมการ", "เบิกจ่าย"} == {"อัคคีภัย"}
    assert f"ตั้งแต่วันที่: {thai.format_date(thai.today())}" in text_of(both)
    yesterday = thai.format_date_input(thai.today().replace(year=thai.today().year - 1))
    old = clerk.get(LIST, query_string={"date_from": yesterday, "date_to": yesterday})
    assert not subjects(old) & {"อัคคีภัย", "คณะกรมการ", "เบิกจ่าย"}


@pytest.mark.parametrize("args, message", [
    ({"date_from": "31/02/2569"}, "ไม่มีวันที่ 31/02/2569"),
    ({"date_from": "01/01/2026"}, "ปีพุทธศักราช"),
    ({"date_from": "02/01/2569", "date_to": "01/01/2569"}, "วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น"),
    ({"speed": "fast"}, "ไม่มีตัวเลือกนี้"),
    ({"q": "ก" * 201}, "คำค้นยาวเกิน"),
])
def test_a_bad_criterion_is_said_in_thai_and_applies_nothing(login_as, dbq, args, message):
    before = dbq.snapshot(RegisterEntry)
    page = login_as("clerk.dopa").get(LIST, query_string={**args, "q": args.get("q", "อัคคีภัย")})
    assert page.status_code == 200
    assert message in text_of(page)
    assert {"อัคคีภัย", "คณะกรมการ", "เบิกจ่าย"} <= subjects(page)  # nothing applied
    assert dbq.snapshot(RegisterEntry) == before


def test_a_secret_letter_is_found_by_its_number_never_by_its_content(login_as, dbq):
    admin = login_as("admin")  # sees the register, is not party to the secret letter
    assert "ชายแดน" not in subjects(admin.get(LIST, query_string={"q": "ชายแดน"}))
    assert "ชายแดน" not in text_of(admin.get(LIST, query_string={"q": "ความมั่นคงภายใน"}))
    number = numbers(dbq)["แผนเฝ้าระวังพื้นที่ชายแดน"]
    page = admin.get(LIST, query_string={"q": str(number)})
    assert f"{number}/{thai.be_year(thai.today())}" in text_of(page)  # the row, masked
    assert "ชายแดน" not in text_of(page)
    clerk = login_as("clerk.dopa")  # registered it: party to it
    assert "ชายแดน" in subjects(clerk.get(LIST, query_string={"q": "ชายแดน"}))


def test_the_excel_export_and_the_report_follow_the_search(login_as):
    clerk = login_as("clerk.dopa")
    page = clerk.get(LIST, query_string={"q": "กรม"})
    html = page.get_data(as_text=True)
    link = re.search(r'id="register-xlsx" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "q=" in link
    sheet = load_workbook(io.BytesIO(clerk.get(link).data), read_only=True).active
    found = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "อัคคีภัย" in found and "เบิกจ่าย" in found and "คณะกรมการ" in found
    assert "สำนักงานจังหวัดพังงา" in found  # its subject (คณะกรมการ) holds กรม
    only = clerk.get("/agencyincomingview/xlsx", query_string={"speed": "most_urgent"})
    sheet = load_workbook(io.BytesIO(only.data), read_only=True).active
    found = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "เบิกจ่าย" in found and "อัคคีภัย" not in found and "คณะกรมการ" not in found
    assert re.search(r'<input type="hidden" name="q" value="กรม">', html)  # the report's form
    report = clerk.get("/agencyincomingview/report",
                       query_string={"format": "html", "speed": "urgent"})
    assert report.status_code == 200
    body = text_of(report)
    assert "อัคคีภัย" in body and "เบิกจ่าย" not in body


def test_a_count_past_the_cap_says_more_than(login_as):
    page = login_as("clerk.dopa").get(LIST)  # 4 letters, a cap of 3 here
    assert "จำนวนรายการ: มากกว่า 3" in text_of(page)
    narrowed = login_as("clerk.dopa").get(LIST, query_string={"speed": "urgent"})
    assert "จำนวนรายการ: 1 " in text_of(narrowed)


def test_speed_and_secrecy_are_plain_lists(login_as):
    html = login_as("clerk.dopa").get("/agencyincomingview/add").get_data(as_text=True)
    for name in ("speed", "secrecy"):
        tag = re.search(rf'<select[^>]*name="{name}"[^>]*>', html).group(0)
        assert "select2" not in tag and "form-control" in tag, tag


def test_the_inbox_and_the_documents_have_a_search_in_one_look(login_as):
    """หนังสือเข้าใหม่ and เอกสารใหม่: a box for any text (the inbox: and the speed), the search
    said back with a way to clear it; a bad value is a Thai message that filters nothing."""
    central = login_as("central")
    page = central.get("/inbox/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="list-search"' in html and 'name="speed"' in html
    none = central.get("/inbox/", query_string={"q": "ไม่มีเรื่องนี้แน่นอน"})
    assert 'id="search-active"' in none.get_data(as_text=True)
    assert 'id="delivery-' not in none.get_data(as_text=True)
    bad = central.get("/inbox/", query_string={"speed": "warp"})
    assert bad.status_code == 200 and "ไม่มีตัวเลือกนี้" in text_of(bad)
    docs = login_as("clerk.dopa").get("/documents/", query_string={"q": "ไม่มีเอกสารนี้"})
    assert docs.status_code == 200 and 'id="search-active"' in docs.get_data(as_text=True)


def test_received_through_the_system_is_searched_by_text_speed_and_dates(login_as):
    clerk = login_as("clerk.dopa")
    page = clerk.get("/inbox/received")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("q", "speed", "date_from", "date_to"):
        assert f'name="{name}"' in html, name
    today = thai.format_date_input(thai.today())
    found = clerk.get("/inbox/received", query_string={"date_from": today, "speed": "urgent"})
    assert f"ตั้งแต่วันที่: {thai.format_date(thai.today())}" in text_of(found)
    link = re.search(r'id="received-xlsx" href="([^"]+)"', found.get_data(as_text=True)).group(1)
    assert "speed=urgent" in link and "date_from=" in link
    assert clerk.get(link.replace("&amp;", "&")).status_code == 200
    bad = clerk.get("/inbox/received", query_string={"date_to": "99/99/2569"})
    assert bad.status_code == 200 and "รูปแบบวันที่ไม่ถูกต้อง" in text_of(bad) or \
        "ไม่มีวันที่" in text_of(bad)
