"""The register-and-number form as a clerk meets it: required fields marked, every error beside
its field at once (and nothing written, no number consumed), a date typed as 8 digits, the
sender and receiver suggested from the register's earlier letters (never a secret one's),
"บันทึกและลงทะเบียนฉบับต่อไป", and the number issued shown large. Over HTTP, on both databases."""

import re

from app import thai
from app.models import NumberCounter, RegisterEntry
from tests.conftest import text_of

ADD = "/agencyincomingview/add"


def post(client, url=ADD, **fields):
    return client.post(url, data={"speed": "normal", "secrecy": "normal", **fields},
                       content_type="multipart/form-data")


def errors_beside(page):
    """{field: its message} of the errors drawn beside the fields."""
    html = page.get_data(as_text=True)
    return {name: re.sub(r"<[^>]+>|\s+", " ", message).strip() for name, message in
            re.findall(r'<p class="help-block field-error" id="([^"]+)-error">(.*?)</p>', html,
                       flags=re.S)}


def state(dbq):
    return dbq.snapshot(RegisterEntry), dbq(lambda s: sorted(
        (c.series_id, c.year, c.last_number) for c in s.query(NumberCounter)))


def test_required_fields_are_marked_for_what_the_register_needs(login_as):
    clerk = login_as("clerk.dopa")
    incoming = clerk.get(ADD).get_data(as_text=True)
    for name in ("subject", "sender"):
        label = re.search(rf'<label class="control-label" for="{name}">.*?</label>', incoming,
                          flags=re.S).group(0)
        assert 'class="required-mark"' in label and "(ต้องกรอก)" in label, name
    field = re.search(r'<textarea[^>]*name="subject"[^>]*>', incoming).group(0)
    assert 'aria-required="true"' in field and " required" not in field  # our words, not the browser's
    outgoing = clerk.get("/outgoingnormalview/add").get_data(as_text=True)
    label = re.search(r'<label class="control-label" for="sender">.*?</label>', outgoing,
                      flags=re.S).group(0)
    assert "required-mark" not in label  # an outgoing letter's sender is the clerk's agency


def test_every_error_is_beside_its_field_at_once_and_nothing_is_written(login_as, dbq):
    clerk = login_as("clerk.dopa")
    before = state(dbq)
    page = post(clerk, subject="", sender="", doc_date="31/02/2569")
    found = errors_beside(page)
    assert set(found) == {"subject", "sender", "doc_date"}, found
    assert "กรุณากรอกเรื่อง" in found["subject"] and "ไม่มีวันที่ 31/02/2569" in found["doc_date"]
    assert "กรุณาแก้ไขข้อมูล 3 ช่อง" in text_of(page)
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    # The service's own rule (a received letter dated in the future), beside its field too.
    future = thai.format_date_input(thai.today().replace(year=thai.today().year + 1))
    page = post(clerk, subject="เรื่องหนึ่ง", sender="กรมหนึ่ง", doc_date=future)
    assert errors_beside(page) == {"doc_date": "ลงวันที่ของหนังสือรับต้องไม่เลยวันนี้"}
    assert 'value="เรื่องหนึ่ง"' in page.get_data(as_text=True) or "เรื่องหนึ่ง</textarea>" in \
        page.get_data(as_text=True)  # what was typed stays
    assert state(dbq) == before


def test_eight_digits_are_a_date(login_as, dbq):
    r = post(login_as("clerk.dopa"), subject="ตัวเลขแปดหลัก", sender="กรมตัวเลข",
             doc_date="18032561")
    assert r.status_code == 302
    assert dbq(lambda s: s.query(RegisterEntry).filter_by(subject="ตัวเลขแปดหลัก").one()
               .doc_date.isoformat()) == "2018-03-18"


def test_save_and_next_shows_the_number_large_above_a_fresh_form(login_as, dbq):
    clerk = login_as("clerk.dopa")
    r = post(clerk, subject="ฉบับแรกของชุด", sender="กรมส่งเสริมการปกครองท้องถิ่น", next="1")
    assert r.status_code == 302 and "/agencyincomingview/add?issued=" in r.headers["Location"]
    page = clerk.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    entry = dbq(lambda s: s.query(RegisterEntry).filter_by(subject="ฉบับแรกของชุด").one())
    number = f"{entry.number}/{entry.year}"
    assert re.search(rf'id="issued-value">{re.escape(number)}<', html)
    assert f'data-copy="{number}"' in html
    assert "ฉบับแรกของชุด" not in re.search(r'<textarea[^>]*name="subject".*?</textarea>', html,
                                              flags=re.S).group(0)  # the next letter's form
    # The ordinary save lands on the entry, with the same number shown large.
    r = post(clerk, subject="ฉบับเดียว", sender="กรมเดียว")
    assert r.status_code == 302 and "issued=1" in r.headers["Location"]
    assert 'id="issued-value"' in clerk.get(r.headers["Location"]).get_data(as_text=True)
    # Another agency's entry id shows nothing of it.
    other = login_as("clerk.cdd").get(f"{ADD}?issued={entry.id}").get_data(as_text=True)
    assert 'id="issued-value"' not in other


def test_senders_and_receivers_are_suggested_never_a_secret_letters(login_as):
    clerk = login_as("clerk.dopa")
    assert post(clerk, subject="เรื่องเปิดเผย", sender="สำนักงานคลังจังหวัดพังงา",
                receiver="นายอำเภอเมืองพังงา").status_code == 302
    assert post(clerk, subject="เรื่องลับ", sender="หน่วยข่าวกรองลับเฉพาะ",
                secrecy="secret").status_code == 302
    html = clerk.get(ADD).get_data(as_text=True)
    senders = re.search(r'<datalist id="suggest-sender">(.*?)</datalist>', html, flags=re.S)
    assert senders and '<option value="สำนักงานคลังจังหวัดพังงา">' in senders.group(1)
    assert "หน่วยข่าวกรองลับเฉพาะ" not in html
    assert re.search(r'<input[^>]*list="suggest-sender"', html)
    receivers = re.search(r'<datalist id="suggest-receiver">(.*?)</datalist>', html, flags=re.S)
    assert '<option value="นายอำเภอเมืองพังงา">' in receivers.group(1)
    # Another agency's clerk is offered nothing of this agency's letters.
    assert "สำนักงานคลังจังหวัดพังงา" not in login_as("clerk.cdd").get(ADD).get_data(as_text=True)


def test_the_api_names_every_field_at_fault(login_as, dbq):
    clerk = login_as("clerk.dopa")
    before = state(dbq)
    r = clerk.post("/api/v1/registers/agency_in/entries",
                   json={"subject": "", "sender": "", "doc_date": "31/02/2569"})
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"subject", "sender", "doc_date"}
    assert state(dbq) == before


def test_a_contracts_every_fault_is_beside_its_field_at_once(login_as, dbq):
    """The contract form as the letter's: the form's own checks and the service's together,
    each message beside its field, nothing written, no number consumed."""
    from app.models.contracts import Contract

    clerk = login_as("clerk.dopa")
    before = dbq.snapshot(Contract)
    html = clerk.get("/contracts/hire/add").get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="tax_id"[^>]*>', html).group(0)
    assert 'aria-required="true"' in tag and " required" not in tag
    page = clerk.post("/contracts/hire/add", content_type="multipart/form-data", data={
        "doc_date": "31/02/2569", "subject": "", "amount": "หนึ่งล้าน", "method": "",
        "party_name": "", "tax_id": "123", "start_on": "01/02/2569", "end_on": "01/01/2569"})
    body = page.get_data(as_text=True)
    faults = re.findall(r'<div class="alert alert-danger">\s*(.*?)\s*</div>', body, flags=re.S)
    for message in ("ไม่มีวันที่ 31/02/2569", "กรุณากรอกโครงการ/รายการ", "ต้องเป็นตัวเลข เช่น",
                    "กรุณาเลือกวิธีจัดซื้อจัดจ้าง", "13 หลัก", "วันสิ้นสุดสัญญาต้องไม่ก่อนวันเริ่มสัญญา"):
        assert any(message in f for f in faults), (message, faults)
    assert "กรุณาแก้ไขข้อมูล 7 ช่อง" in text_of(page)
    assert dbq.snapshot(Contract) == before


def test_an_edit_says_every_fault_beside_its_field_and_keeps_what_was_typed(login_as, dbq):
    clerk = login_as("clerk.dopa")
    page = post(clerk, subject="เรื่องเดิม", sender="กรมเดิม")
    pk = re.search(r"/show/(\d+)", page.headers["Location"]).group(1)
    before = dbq.snapshot(RegisterEntry)
    future = thai.format_date_input(thai.today().replace(year=thai.today().year + 1))
    page = post(clerk, f"/agencyincomingview/edit/{pk}", subject="เรื่องที่แก้ใหม่",
                sender="   ", doc_date=future, secrecy="secret")
    assert page.status_code == 422
    found = errors_beside(page)
    assert set(found) == {"sender", "doc_date", "secrecy"}, found
    assert found["doc_date"] == "ลงวันที่ของหนังสือรับต้องไม่เลยวันนี้"
    assert "คนละชุด" in found["secrecy"]
    said = text_of(page)
    assert "กรุณาแก้ไขข้อมูล 3 ช่อง" in said
    assert said.count("ลงวันที่ของหนังสือรับต้องไม่เลยวันนี้") == 1  # beside, not again above
    assert "เรื่องที่แก้ใหม่" in page.get_data(as_text=True)  # what was typed stays
    assert dbq.snapshot(RegisterEntry) == before
    # Mended, it saves and goes to the letter.
    page = post(clerk, f"/agencyincomingview/edit/{pk}", subject="เรื่องที่แก้ใหม่",
                sender="กรมใหม่")
    assert page.status_code == 302 and f"/show/{pk}" in page.headers["Location"]
    assert dbq(lambda s: s.get(RegisterEntry, int(pk)).sender) == "กรมใหม่"
