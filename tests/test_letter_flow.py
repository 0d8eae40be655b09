"""The letter flow as a province runs it (issue 16), through the screens and the API, on the real
database, with the database checked after every refusal:

- a letter an agency sends to the province (its governor) is received by the central registry
  into หนังสือรับถึงจังหวัด, one letter with one receipt number; a letter to the Provincial Office
  as an agency stays in its own register;
- the central registry sends a letter of the province to the Provincial Office's own groups;
- recipients are chosen by kind (the province, the agencies by kind, the groups), by "all" and by
  the recipient lists the clerks keep.
"""

import re

from sqlalchemy import select

from app.models import Agency, EOfficeUser, RegisterEntry, WorkGroup
from app.models.dispatch import Delivery, LetterEvent, RecipientList
from tests.conftest import text_of
from tests.test_api import token
from tests.test_registers import counters, register

GOVERNOR = "ผู้ว่าราชการจังหวัดพังงา"


def ids(dbq, model, **where):
    return dbq(lambda s: s.execute(select(model.id).filter_by(**where)).scalar_one())


def agency_id(dbq, code):
    return ids(dbq, Agency, code=code)


def state(dbq):
    """Everything a refusal must leave as it was."""
    return (dbq.snapshot(Delivery), dbq.count(RegisterEntry), dbq.count(LetterEvent),
            counters(dbq), dbq.snapshot(RecipientList))


def outgoing_letter(client, subject, view="outgoingnormalview", receiver=GOVERNOR):
    r = register(client, view, receiver=receiver, subject=subject, doc_date="01/12/2569")
    assert r.status_code == 302, text_of(r)[-400:]
    return int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))


def keys_offered(page):
    """The recipients a page offers to choose (not those shown held)."""
    return set(re.findall(r'name="recipients" value="([a-z]+:\d+)"(?! disabled)',
                          page.get_data(as_text=True)))


def inbox_delivery(dbq, entry_id, kind):
    return dbq(lambda s: s.execute(select(Delivery.id).where(
        Delivery.entry_id == entry_id, Delivery.recipient_kind == kind)).scalar_one())


def add_user(dbq, username, like, group_id, level):
    """A user of group ``group_id`` at ``level``, with the role of demo user ``like`` and the
    demo password."""
    from werkzeug.security import generate_password_hash

    from app.services.demo import DEMO_PASSWORD

    def add(s):
        role = s.execute(select(EOfficeUser).where(EOfficeUser.username == like)) \
            .scalar_one().roles[0]
        s.add(EOfficeUser(username=username, first_name="ธุรการ", last_name=username,
                          email=f"{username}@phangnga.example", active=True, level=level,
                          agency_id=s.get(WorkGroup, group_id).agency_id,
                          work_group_id=group_id, roles=[role],
                          password=generate_password_hash(DEMO_PASSWORD)))
        s.commit()
    dbq(add)


def test_a_letter_to_the_province_is_received_into_the_provinces_register(login_as, dbq):
    dopa, central = login_as("clerk.dopa"), login_as("central")
    office = dbq(lambda s: s.execute(select(Agency).where(
        Agency.is_provincial_office.is_(True))).scalar_one().id)
    entry_id = outgoing_letter(dopa, "รายงานผลการปฏิบัติงานด้านความมั่นคงประจำเดือน")
    offered = keys_offered(dopa.get(f"/outgoingnormalview/show/{entry_id}"))
    # The sender chooses clearly: the province, or the Provincial Office as an agency.
    assert f"province:{office}" in offered and f"agency:{office}" in offered
    page = text_of(dopa.get(f"/outgoingnormalview/show/{entry_id}"))
    assert "ถึงจังหวัด (ลงรับในทะเบียนหนังสือรับถึงจังหวัด)" in page
    assert "สำนักงานจังหวัดพังงา (ในฐานะหน่วยงาน)" in page

    r = dopa.post(f"/outgoingnormalview/dispatch/{entry_id}",
                  data={"recipients": [f"province:{office}"]}, follow_redirects=True)
    assert "ส่งหนังสือถึง จังหวัด (ผู้ว่าราชการจังหวัด)" in text_of(r)
    delivery = inbox_delivery(dbq, entry_id, "province")
    link = f"/inbox/open/{delivery}"
    assert link in central.get("/inbox/").get_data(as_text=True)
    # The central registry's alone to decide.
    assert link not in login_as("clerk.cdd").get("/inbox/").get_data(as_text=True)

    before_agency_in = dbq.count(RegisterEntry)
    r = central.post(f"/inbox/accept/{delivery}")
    assert r.status_code == 302 and "/provinceincomingview/show/" in r.headers["Location"]
    accepted = dbq(lambda s: s.get(Delivery, delivery).accepted_entry)
    got = dbq(lambda s: (lambda e: (e.register, e.agency.is_provincial_office, e.sender,
                                    e.receiver))(s.get(Delivery, delivery).accepted_entry))
    assert got == ("province_in", True, "ที่ทำการปกครองจังหวัดพังงา", GOVERNOR)
    assert dbq.count(RegisterEntry) == before_agency_in + 1  # one letter, one receipt number
    assert accepted is not None
    # Sent again to the Provincial Office as an agency: its own register, not the province's.
    r = dopa.post(f"/outgoingnormalview/dispatch/{entry_id}",
                  data={"recipients": [f"agency:{office}"]})
    to_office = inbox_delivery(dbq, entry_id, "agency")
    central.post(f"/inbox/accept/{to_office}")
    assert dbq(lambda s: s.get(Delivery, to_office).accepted_entry.register) == "agency_in"


def test_the_provinces_own_letters_and_wrong_kinds_are_refused(login_as, dbq):
    central, dopa = login_as("central"), login_as("clerk.dopa")
    office = dbq(lambda s: s.execute(select(Agency.id).where(
        Agency.is_provincial_office.is_(True))).scalar_one())
    dopa_group = dbq(lambda s: s.execute(select(WorkGroup.id).join(Agency).where(
        Agency.code == "พง 0016.1")).scalars().first())
    own = outgoing_letter(central, "หนังสือของสำนักงานจังหวัดถึงผู้ว่าราชการจังหวัด")
    # The Provincial Office's own letter reaches the governor without the system.
    assert not any(k.startswith("province:") for k in keys_offered(
        central.get(f"/outgoingnormalview/show/{own}")))
    theirs = outgoing_letter(dopa, "หนังสือที่ส่งผิดประเภทผู้รับ")
    before = state(dbq)
    for who, view, pk, chosen in (
            (central, "outgoingnormalview", own, f"province:{office}"),
            (dopa, "outgoingnormalview", theirs, f"group:{dopa_group}"),  # not a kind it sends to
            (dopa, "outgoingnormalview", theirs, f"agency:{agency_id(dbq, 'พง 0016.1')}"),
            (dopa, "outgoingnormalview", theirs, "province:999999"),
            (dopa, "outgoingnormalview", theirs, "kingdom:1"),
            (dopa, "outgoingnormalview", theirs, "agency:99999999999999"),
            (dopa, "outgoingnormalview", theirs, "")):
        r = who.post(f"/{view}/dispatch/{pk}", data={"recipients": [chosen]},
                     follow_redirects=True)
        assert r.status_code == 200 and "alert-danger" in r.get_data(as_text=True), chosen
        assert state(dbq) == before, chosen


def test_the_central_registry_sends_to_the_provincial_offices_groups(login_as, dbq, app):
    central = login_as("central")
    r = register(central, "provinceincomingview", doc_number="มท 0212.3/ว 9", sender="กระทรวงมหาดไทย",
                 receiver=GOVERNOR, subject="แนวทางจัดทำแผนพัฒนาจังหวัด", doc_date="01/12/2569")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    strategy = dbq(lambda s: s.execute(select(WorkGroup.id).where(
        WorkGroup.name == "กลุ่มงานยุทธศาสตร์และข้อมูลเพื่อการพัฒนาจังหวัด")).scalar_one())
    dopa_group = dbq(lambda s: s.execute(select(WorkGroup.id).join(Agency).where(
        Agency.code == "พง 0016.1")).scalars().first())
    offered = keys_offered(central.get(f"/provinceincomingview/show/{entry_id}"))
    assert f"group:{strategy}" in offered and f"group:{dopa_group}" not in offered
    assert f"agency:{agency_id(dbq, 'พง 0118.1')}" in offered  # the districts, too
    before = state(dbq)
    central.post(f"/provinceincomingview/dispatch/{entry_id}",
                 data={"recipients": [f"group:{dopa_group}"]})
    assert state(dbq) == before  # another agency's group: refused, nothing changed
    central.post(f"/provinceincomingview/dispatch/{entry_id}",
                 data={"recipients": [f"group:{strategy}"]})
    delivery = inbox_delivery(dbq, entry_id, "group")

    # The group's own clerk accepts it into the group's register.
    add_user(dbq, "group.strategy", like="group.dopa", group_id=strategy, level=4)
    group_clerk = login_as("group.strategy")
    r = group_clerk.post(f"/inbox/accept/{delivery}")
    assert r.status_code == 302 and "/groupincomingview/show/" in r.headers["Location"]
    assert dbq(lambda s: s.get(Delivery, delivery).accepted_entry.work_group_id) == strategy


def test_recipients_by_the_api_as_ids_or_kinds(client, dbq):
    dopa = token(client, "clerk.dopa")
    r = client.post("/api/v1/registers/out_normal/entries", headers=dopa, json={
        "receiver": GOVERNOR, "subject": "ขอรายงานสถานการณ์อุทกภัยผ่านระบบ", "doc_date": "2026-12-01"})
    assert r.status_code == 201, r.json
    entry_id = r.json["id"]
    office = dbq(lambda s: s.execute(select(Agency.id).where(
        Agency.is_provincial_office.is_(True))).scalar_one())
    before = state(dbq)
    for bad, status in (([f"kingdom:{office}"], 400), (["province:"], 400), ([[office]], 400),
                        ([f"group:{office}"], 422), ([f"province:{office + 1000}"], 422)):
        r = client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=dopa,
                        json={"recipients": bad})
        assert r.status_code == status and r.json["message"], (bad, r.json)
        assert state(dbq) == before, bad
    r = client.post(f"/api/v1/letters/entries/{entry_id}/dispatch", headers=dopa,
                    json={"recipients": [f"province:{office}", agency_id(dbq, "พง 0019.1")]})
    assert r.status_code == 201, r.json
    assert sorted(d["recipient_kind"] for d in r.json["deliveries"]) == ["agency", "province"]
    central = token(client, "central")
    waiting = client.get("/api/v1/letters/inbox", headers=central).json["result"]
    assert any(d["entry_id"] == entry_id and d["recipient_kind"] == "province" for d in waiting)


def sent_to(client, view, pk, *keys):
    r = client.post(f"/{view}/dispatch/{pk}", data={"recipients": list(keys)})
    assert r.status_code == 302
    return r


def test_the_sender_follows_returns_and_recalls(login_as, dbq):
    central, dopa, cdd = login_as("central"), login_as("clerk.dopa"), login_as("clerk.cdd")
    r = register(central, "provinceincomingview", doc_number="มท 0230/ว 55", sender="กระทรวงมหาดไทย",
                 receiver=GOVERNOR, subject="การติดตามผลการเบิกจ่ายงบประมาณ", doc_date="01/12/2569")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    dopa_id, cdd_id = agency_id(dbq, "พง 0016.1"), agency_id(dbq, "พง 0019.1")
    district = agency_id(dbq, "พง 0118.2")
    sent_to(central, "provinceincomingview", entry_id, f"agency:{dopa_id}", f"agency:{cdd_id}",
            f"agency:{district}")
    to = dbq(lambda s: {d.to_agency_id: d.id for d in s.execute(
        select(Delivery).where(Delivery.entry_id == entry_id)).scalars()})
    to_dopa, to_cdd, to_district = to[dopa_id], to[cdd_id], to[district]

    accepted = dopa.post(f"/inbox/accept/{to_dopa}")
    number_there = dbq(lambda s: s.get(Delivery, to_dopa).accepted_entry.number_text())
    returned = cdd.post(f"/inbox/return/{to_cdd}", data={"reason": "ไม่ใช่ภารกิจของหน่วยงาน"},
                        follow_redirects=True)
    assert "ส่งคืนหนังสือแล้ว" in text_of(returned), text_of(returned)[-600:]
    assert accepted.status_code == 302

    page = text_of(central.get("/sent/?q=การเบิกจ่ายงบประมาณ"))
    assert f"ลงรับแล้ว เลขรับ {number_there}" in page
    assert "ส่งคืน: ไม่ใช่ภารกิจของหน่วยงาน" in page and "ส่งแล้ว รอเปิด" in page
    # The return waits for the sender: on the home page and in the bar, until noted.
    home = central.get("/").get_data(as_text=True)
    assert 'id="need-returns"' in home and 'id="returns-count"' in home
    assert dbq(lambda s: __import__("app.services.sent", fromlist=["x"]).returns_count(
        s, s.execute(select(EOfficeUser).where(EOfficeUser.username == "central")).scalar_one())
    ) == 1
    # Others see none of it.
    assert "การเบิกจ่ายงบประมาณ" not in text_of(dopa.get("/sent/"))
    assert dopa.post(f"/sent/recall/{to_district}").status_code in (302, 403)
    assert dbq(lambda s: s.get(Delivery, to_district).status) == "sent"

    # Recall what is not accepted yet: gone from the recipient's inbox, on the timeline.
    before = state(dbq)
    for done in (to_dopa, to_cdd):  # accepted, returned: refused, nothing changed
        r = central.post(f"/sent/recall/{done}", follow_redirects=True)
        assert "เรียกคืนไม่ได้" in text_of(r)
        assert state(dbq) == before
    r = central.post(f"/sent/recall/{to_district}", data={"reason": "ส่งผิดอำเภอ"},
                     follow_redirects=True)
    assert "เรียกคืนหนังสือจาก ที่ว่าการอำเภอเกาะยาว แล้ว" in text_of(r)
    assert dbq(lambda s: s.get(Delivery, to_district).status) == "recalled"
    events = dbq(lambda s: [(e.action, e.detail) for e in s.execute(select(LetterEvent).where(
        LetterEvent.delivery_id == to_district)).scalars()])
    assert ("recalled", '{"reason": "ส่งผิดอำเภอ", "to": "ที่ว่าการอำเภอเกาะยาว"}') in events
    assert "เรียกคืนแล้ว" in text_of(central.get("/sent/?state=recalled"))
    # Recalled, it may be sent to the district again.
    offered = keys_offered(central.get(f"/provinceincomingview/show/{entry_id}"))
    assert f"agency:{district}" in offered and f"agency:{dopa_id}" not in offered, offered

    # Noting the return takes it off the count; so does sending the letter again.
    central.post(f"/sent/noted/{entry_id}")
    assert 'id="returns-count"' not in central.get("/").get_data(as_text=True)
    assert 'id="returns-count"' not in login_as("clerk.cdd").get("/").get_data(as_text=True)

    import io
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(central.get("/sent/xlsx?q=การเบิกจ่ายงบประมาณ").data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert any(row[4] == "ที่ว่าการอำเภอเกาะยาว" and "เรียกคืนแล้ว" in row[6] for row in rows)
    assert sum(1 for row in rows if row[3] == "การติดตามผลการเบิกจ่ายงบประมาณ") == 3


def test_bad_searches_of_the_sent_list_are_messages(login_as):
    central = login_as("central")
    for query in ("state=lost", "date_from=31/02/2569", "date_to=2026-12-01", "page=-5",
                  "q=" + "ก" * 5000):
        r = central.get(f"/sent/?{query}")
        assert r.status_code == 200, query
    assert central.get("/sent/?date_from=%00").status_code == 400  # the gate's, in Thai
    assert "สถานะที่ค้นหาไม่ถูกต้อง" in text_of(central.get("/sent/?state=lost"))
    for pk in ("0", "99999999999999999999", "abc"):
        assert central.post(f"/sent/recall/{pk}").status_code == 404
        assert central.post(f"/sent/noted/{pk}").status_code == 404


def test_recipient_lists_tick_many_at_once(login_as, dbq):
    central, cdd = login_as("central"), login_as("clerk.cdd")
    districts = dbq(lambda s: [a.id for a in s.execute(select(Agency).where(
        Agency.kind == "district").order_by(Agency.id)).scalars()])
    assert len(districts) == 8
    before = dbq.snapshot(RecipientList)
    for bad in ({"name": "", "recipients": [f"agency:{districts[0]}"]},
                {"name": "อำเภอทั้งหมด", "recipients": []},
                {"name": "ข" * 121, "recipients": [f"agency:{districts[0]}"]},
                {"name": "อำเภอทั้งหมด", "recipients": ["agency:99999999"]},
                {"name": "อำเภอทั้งหมด", "recipients": ["person:1"]}):
        r = central.post("/recipientlists/add", data=bad)
        assert r.status_code == 200 and "alert-danger" in r.get_data(as_text=True), bad
        assert dbq.snapshot(RecipientList) == before
    r = central.post("/recipientlists/add", data={
        "name": " อำเภอทั้งหมด ", "recipients": [f"agency:{d}" for d in districts]})
    assert r.status_code == 302
    saved = dbq(lambda s: s.execute(select(RecipientList)).scalars().one())
    assert saved.name == "อำเภอทั้งหมด"
    listing = text_of(central.get("/recipientlists/"))
    assert "อำเภอทั้งหมด" in listing and "8 ราย" in listing and "ที่ว่าการอำเภอกะปง" in listing
    # One name an agency.
    r = central.post("/recipientlists/add", data={"name": "อำเภอทั้งหมด",
                                                  "recipients": [f"agency:{districts[0]}"]})
    assert "มีรายชื่อผู้รับชื่อ" in text_of(r)
    # Another agency's clerks neither see nor change it.
    assert f'id="recipient-list-{saved.id}"' not in cdd.get("/recipientlists/").get_data(
        as_text=True)
    assert "ยังไม่มีรายชื่อผู้รับที่บันทึกไว้" in text_of(cdd.get("/recipientlists/"))
    for url in (f"/recipientlists/edit/{saved.id}",):
        assert cdd.get(url).status_code == 404
    assert cdd.post(f"/recipientlists/delete/{saved.id}").status_code == 404
    assert login_as("officer.dopa").get("/recipientlists/").status_code in (302, 403)

    # On the dispatch form, the list's button carries its members.
    r = register(central, "provinceincomingview", doc_number="มท 0230/ว 56", sender="กระทรวงมหาดไทย",
                 receiver=GOVERNOR, subject="ซ้อมแผนป้องกันสาธารณภัย", doc_date="01/12/2569")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    page = central.get(f"/provinceincomingview/show/{entry_id}").get_data(as_text=True)
    members = " ".join(f"agency:{d}" for d in districts)
    assert f'data-members="{members}"' in page and "data-all=\"agency-district\"" in page
    sent_to(central, "provinceincomingview", entry_id, *members.split())
    assert dbq(lambda s: s.execute(select(Delivery.to_agency_id).where(
        Delivery.entry_id == entry_id).order_by(Delivery.to_agency_id)).scalars().all()) \
        == districts

    r = central.post(f"/recipientlists/edit/{saved.id}", data={
        "name": "อำเภอชายฝั่ง", "recipients": [f"agency:{d}" for d in districts[:3]]})
    assert r.status_code == 302
    assert dbq(lambda s: len(s.get(RecipientList, saved.id).members)) == 3
    central.post(f"/recipientlists/delete/{saved.id}")
    assert dbq.count(RecipientList) == 0


def test_the_register_says_where_a_letter_went(login_as, dbq):
    """การปฏิบัติ: the list, the Excel export and the daily report show to whom the letter went
    through the system and what became of it; the entry it became says whence and who."""
    import io

    import openpyxl

    from tests.pdftext import pdf_text
    from tests.test_registers import bangkok_today

    central, dopa = login_as("central"), login_as("clerk.dopa")
    r = register(central, "provinceincomingview", doc_number="มท 0230/ว 77", sender="กระทรวงมหาดไทย",
                 receiver=GOVERNOR, subject="การเตรียมการเลือกตั้งท้องถิ่น", doc_date="01/12/2569",
                 action="เสนอผู้ว่าฯ")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    dopa_id, district = agency_id(dbq, "พง 0016.1"), agency_id(dbq, "พง 0118.3")
    sent_to(central, "provinceincomingview", entry_id, f"agency:{dopa_id}", f"agency:{district}")
    delivery = dbq(lambda s: s.execute(select(Delivery.id).where(
        Delivery.entry_id == entry_id, Delivery.to_agency_id == dopa_id)).scalar_one())
    dopa.post(f"/inbox/accept/{delivery}")
    number = dbq(lambda s: s.get(Delivery, delivery).accepted_entry.number_text())
    expected = (f"เสนอผู้ว่าฯ; ส่ง ที่ทำการปกครองจังหวัดพังงา (ลงรับ เลขรับ {number}), "
                "ที่ว่าการอำเภอกะปง (รอเปิด)")

    listing = text_of(central.get("/provinceincomingview/list/?_flt_0_subject=การเตรียมการเลือกตั้ง"))
    assert "การปฏิบัติ" in listing and expected in listing
    book = openpyxl.load_workbook(io.BytesIO(central.get(
        "/provinceincomingview/xlsx?_flt_0_subject=การเตรียมการเลือกตั้ง").data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert any(expected in row for row in rows), rows
    today = bangkok_today()
    day = f"{today.day:02d}/{today.month:02d}/{today.year + 543}"
    text = pdf_text(central.get(f"/provinceincomingview/report?day={day}&format=pdf").data)
    assert "ที่ว่าการอำเภอกะปง" in text.replace("\n", "")
    # Where it arrived: whence, and who accepted it.
    mine = text_of(dopa.get("/agencyincomingview/list/?_flt_0_subject=การเตรียมการเลือกตั้ง"))
    assert "รับทางระบบจาก จังหวัด (สารบรรณกลาง สำนักงานจังหวัดพังงา) ลงรับโดย วิชัย รักงาน" in mine


def test_each_levels_received_list_says_where_from(login_as, dbq):
    """A group's clerk reads "from the agency" for what its agency sent, not "from the province";
    an officer lists the letters they acknowledged (รับทราบ)."""
    dopa, group, officer = login_as("clerk.dopa"), login_as("group.dopa"), login_as("officer.dopa")
    r = register(dopa, "agencyincomingview", doc_number="มท 0307/ว 88", sender="กรมการปกครอง",
                 receiver="ปลัดจังหวัดพังงา", subject="การฝึกอบรมอาสารักษาดินแดน", doc_date="01/12/2569")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    security = dbq(lambda s: s.execute(select(WorkGroup.id).where(
        WorkGroup.name == "ฝ่ายความมั่นคง")).scalar_one())
    sent_to(dopa, "agencyincomingview", entry_id, f"group:{security}")
    to_group = inbox_delivery(dbq, entry_id, "group")
    r = group.post(f"/inbox/accept/{to_group}")
    group_entry = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    received = text_of(group.get("/inbox/received?q=อาสารักษาดินแดน"))
    assert "ที่ทำการปกครองจังหวัดพังงา" in received and "จังหวัด (สารบรรณกลาง" not in received

    officer_id = dbq(lambda s: s.execute(select(EOfficeUser.id).where(
        EOfficeUser.username == "officer.dopa")).scalar_one())
    sent_to(group, "groupincomingview", group_entry, f"person:{officer_id}")
    to_officer = inbox_delivery(dbq, group_entry, "person")
    assert "อาสารักษาดินแดน" not in text_of(officer.get("/inbox/received"))
    officer.post(f"/inbox/accept/{to_officer}")
    mine = text_of(officer.get("/inbox/received"))
    assert "รับทราบ" in mine and "อาสารักษาดินแดน" in mine
    assert "ฝ่ายความมั่นคง ที่ทำการปกครองจังหวัดพังงา" in mine  # from the group, of its agency
    assert "อาสารักษาดินแดน" not in text_of(login_as("officer.cdd").get("/inbox/received"))


def test_the_forms_offer_what_a_clerk_expects(login_as, dbq):
    """ถึง defaults to the register's usual addressee, dates to today; the central registry
    gives the time a letter really arrived, within reason."""
    import datetime as dt

    from app import thai
    from tests.test_registers import bangkok_today

    central, dopa = login_as("central"), login_as("clerk.dopa")
    today = bangkok_today()
    typed_today = f"{today.day:02d}/{today.month:02d}/{today.year + 543}"

    def value(page, name):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.get_data(as_text=True)) \
            or re.search(rf'value="([^"]*)"[^>]*name="{name}"', page.get_data(as_text=True))
        return found.group(1) if found else None

    page = central.get("/provinceincomingview/add")
    assert value(page, "receiver") == GOVERNOR and value(page, "doc_date") == typed_today
    assert 'name="received_on"' in page.get_data(as_text=True)
    page = dopa.get("/agencyincomingview/add")
    assert value(page, "receiver") == "ที่ทำการปกครองจังหวัดพังงา"
    assert 'name="received_on"' not in page.get_data(as_text=True)
    page = dopa.get("/outgoingnormalview/add")
    assert value(page, "sender") == "ที่ทำการปกครองจังหวัดพังงา"
    assert value(page, "doc_date") == typed_today

    def letter(**fields):
        return register(central, "provinceincomingview", doc_number="มท 0230/ว 90",
                        sender="กระทรวงมหาดไทย", receiver=GOVERNOR,
                        subject="หนังสือที่รับไว้ตั้งแต่เช้า", doc_date="01/12/2569", **fields)

    def typed(day):
        return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"

    before = state(dbq)
    for fields, message in (
            ({"received_on": typed(today + dt.timedelta(days=1)), "received_time": "08:30"},
             "ต้องไม่เลยเวลาปัจจุบัน"),
            ({"received_on": typed(today - dt.timedelta(days=40)), "received_time": "08:30"},
             "ย้อนหลังได้ไม่เกิน 30 วัน"),
            ({"received_on": typed(today), "received_time": "25:99"}, "รูปแบบเวลาไม่ถูกต้อง"),
            ({"received_time": "08:30"}, "กรุณากรอกวันที่รับจริง"),
            ({"received_on": "2026-12-01"}, "")):
        r = letter(**fields)
        assert r.status_code == 200 and message in text_of(r), fields
        assert state(dbq) == before, fields
    yesterday = today - dt.timedelta(days=1)
    r = letter(received_on=typed(yesterday), received_time="08:30")
    assert r.status_code == 302
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    stored = dbq(lambda s: s.get(RegisterEntry, entry_id).received_at)
    assert thai.to_bangkok(stored).replace(tzinfo=None) == dt.datetime.combine(
        yesterday, dt.time(8, 30))
    # A register without it keeps the registration's time, whatever is posted.
    r = register(dopa, "agencyincomingview", doc_number="มท 0230/ว 91", sender="กระทรวงมหาดไทย",
                 subject="หนังสือที่ไม่ได้ย้อนเวลา", doc_date="01/12/2569",
                 received_on=typed(yesterday), received_time="08:30")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    stored = dbq(lambda s: s.get(RegisterEntry, entry_id).received_at)
    assert thai.to_bangkok(stored).date() == today


def test_a_group_that_keeps_its_own_outgoing_numbers_uses_its_code(login_as, dbq):
    """พง 0017.1/12: the group's own series and code, apart from the agency's; the agency's
    other clerks keep the agency's."""
    central = login_as("central")
    general = dbq(lambda s: s.execute(select(WorkGroup).where(
        WorkGroup.name == "กลุ่มงานบริหารทั่วไป", WorkGroup.code == "พง 0017.1")).scalar_one().id)
    before = dbq.snapshot(WorkGroup)
    form = {"agency": str(dbq(lambda s: s.get(WorkGroup, general).agency_id)), "kind": "กลุ่ม",
            "name": "กลุ่มงานบริหารทั่วไป", "phone": "", "fax": ""}
    for code, message in (("", "ต้องมีเลขที่หนังสือของกลุ่มงาน"), ("PG 17", "ไม่ถูกต้อง")):
        r = central.post(f"/workgroupview/edit/{general}",
                         data={**form, "code": code, "own_numbers": "y"}, follow_redirects=True)
        assert message in text_of(r), code
        assert dbq.snapshot(WorkGroup) == before, code
    r = central.post(f"/workgroupview/edit/{general}",
                     data={**form, "code": "พง 0017.1", "own_numbers": "y"})
    assert r.status_code == 302
    assert dbq(lambda s: s.get(WorkGroup, general).own_numbers) is True

    # A clerk of that group: its own numbers. The central registry (another group): the agency's.
    add_user(dbq, "general.clerk", like="central", group_id=general, level=2)
    clerk = login_as("general.clerk")
    numbers = []
    for who in (clerk, clerk, central):
        r = register(who, "outgoingnormalview", receiver="ผู้ว่าราชการจังหวัดพังงา",
                     subject="บันทึกขออนุมัติเดินทางไปราชการ", doc_date="01/12/2569")
        entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
        numbers.append(dbq(lambda s: s.get(RegisterEntry, entry_id).doc_number))
    assert re.fullmatch(r"พง 0017\.1/(\d+)", numbers[0])
    first = int(numbers[0].rsplit("/", 1)[1])
    assert numbers[1] == f"พง 0017.1/{first + 1}"
    assert numbers[2].startswith("พง 0017.2/")  # the agency's, numbered apart
    r = register(clerk, "outgoingcircularview", receiver="ส่วนราชการทุกแห่ง",
                 subject="แจ้งเวียนกำหนดการ", doc_date="01/12/2569")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    assert dbq(lambda s: s.get(RegisterEntry, entry_id).doc_number).startswith("พง 0017.1/ว ")


def test_official_holidays_kept_shown_and_counted(login_as, dbq, app):
    """The administrator keeps the holidays (the fixed ones of a year at one click); the rooms'
    and the agenda's calendars show them; a reservation's days to fill are working days."""
    import datetime as dt

    from app.extensions import db
    from app.models.holidays import Holiday
    from app.services import holidays

    admin, clerk = login_as("admin"), login_as("clerk.dopa")
    before = dbq.snapshot(Holiday)
    for who, data in ((clerk, {"day": "01/06/2570", "name": "วันหยุดแอบเพิ่ม", "kind": "national"}),
                      (admin, {"day": "01/06/2570", "name": "", "kind": "national"}),
                      (admin, {"day": "2027-06-01", "name": "วันหยุด", "kind": "national"}),
                      (admin, {"day": "01/06/2570", "name": "วันหยุด", "kind": "weekly"})):
        r = who.post("/holidays/add", data=data)
        assert r.status_code in (200, 302, 403), data
        assert dbq.snapshot(Holiday) == before, data
    assert clerk.post("/holidays/load", data={"year": "2570"}).status_code in (302, 403)
    assert dbq.snapshot(Holiday) == before
    r = admin.post("/holidays/load", data={"year": "2570"}, follow_redirects=True)
    assert "เพิ่มวันหยุดราชการประจำปี 2570 แล้ว 14 วัน" in text_of(r)
    r = admin.post("/holidays/load", data={"year": "2570"}, follow_redirects=True)
    assert "แล้ว 0 วัน" in text_of(r)  # once
    for bad in ("หนึ่ง", "99999", ""):
        r = admin.post("/holidays/load", data={"year": bad}, follow_redirects=True)
        assert "ปี พ.ศ. ไม่ถูกต้อง" in text_of(r), bad
    r = admin.post("/holidays/add", data={"day": "15/06/2570", "name": "วันหยุดของจังหวัดทดสอบ",
                                          "kind": "provincial"})
    assert r.status_code == 302
    r = admin.post("/holidays/add", data={"day": "15/06/2570", "name": "ซ้ำวัน", "kind": "national"})
    assert "เป็นวันหยุดอยู่แล้ว" in text_of(r)

    # Shown where a day is chosen.
    week = text_of(clerk.get("/bookings/week?day=15/06/2570"))
    assert "วันหยุดของจังหวัดทดสอบ" in week
    assert "วันหยุดของจังหวัดทดสอบ" in text_of(clerk.get("/agenda/week?day=15/06/2570"))
    assert "วันหยุดของจังหวัดทดสอบ" in text_of(clerk.get("/agenda/?day=15/06/2570"))
    assert "วันสงกรานต์" in text_of(clerk.get("/bookings/month?day=01/04/2570"))

    # Counted: Friday 9 April 2027 + 3 working days skips the weekend and Songkran.
    with app.app_context():
        assert holidays.add_working_days(db.session, dt.date(2027, 4, 9), 3) == \
            dt.date(2027, 4, 19)
        assert holidays.working_days_between(db.session, dt.date(2027, 4, 9),
                                             dt.date(2027, 4, 19)) == 3
        db.session.remove()


def test_a_reservation_is_filled_in_with_its_file(login_as, dbq, app):
    """The scan is attached as the reserved number is filled in; a refused file changes
    nothing, the details included."""
    import io

    from app.models import Attachment
    from tests.files import pdf_bytes

    clerk = login_as("clerk.cdd")
    clerk.post("/outgoingnormalview/reserve", data={"count": "1", "secrecy": "normal"})
    pk = dbq(lambda s: s.execute(select(RegisterEntry.id).where(
        RegisterEntry.register == "out_normal", RegisterEntry.status == "reserved")
        .order_by(RegisterEntry.id.desc())).scalars().first())
    form = {"receiver": "นายอำเภอทุกอำเภอ", "subject": "หนังสือที่จองเลขไว้พร้อมไฟล์",
            "speed": "normal", "secrecy": "normal", "doc_date": "01/12/2569", "sender": "",
            "action": "", "remarks": ""}
    assert 'name="files"' in clerk.get(f"/outgoingnormalview/edit/{pk}").get_data(as_text=True)
    before = (dbq.snapshot(RegisterEntry), dbq.count(Attachment))
    r = clerk.post(f"/outgoingnormalview/edit/{pk}", data={
        **form, "files": [(io.BytesIO(b"MZ\x90\x00 not a letter"), "virus.exe")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "alert-danger" in r.get_data(as_text=True)
    assert (dbq.snapshot(RegisterEntry), dbq.count(Attachment)) == before
    r = clerk.post(f"/outgoingnormalview/edit/{pk}", data={
        **form, "files": [(io.BytesIO(pdf_bytes()), "หนังสือที่ลงนามแล้ว.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "แนบไฟล์ 1 ไฟล์แล้ว" in text_of(r)
    filled = dbq(lambda s: (s.get(RegisterEntry, pk).status, s.get(RegisterEntry, pk).subject,
                            [a.filename for a in s.get(RegisterEntry, pk).attachments]))
    assert filled == ("active", "หนังสือที่จองเลขไว้พร้อมไฟล์", ["หนังสือที่ลงนามแล้ว.pdf"])


def test_a_recall_goes_back_only_to_a_page_of_this_site(login_as, dbq):
    central = login_as("central")
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/", "javascript:x"):
        r = central.post("/sent/noted/1", data={"next": target})
        assert r.status_code in (302, 404), target
        if r.status_code == 302:
            assert r.headers["Location"].endswith("/sent/"), (target, r.headers["Location"])



def test_a_secret_letter_is_not_found_by_its_content_in_the_sent_list(login_as, dbq):
    central, admin = login_as("central"), login_as("admin")
    r = register(central, "provinceincomingview", doc_number="ลับ มท 0001/9", sender="กระทรวงมหาดไทย",
                 receiver=GOVERNOR, subject="แผนเผชิญเหตุลับเฉพาะ", doc_date="01/12/2569",
                 secrecy="secret")
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    sent_to(central, "provinceincomingview", entry_id, f"agency:{agency_id(dbq, 'พง 0016.1')}")
    assert "แผนเผชิญเหตุลับเฉพาะ" in text_of(central.get("/sent/?q=แผนเผชิญเหตุ"))  # its clerk
    found = admin.get("/sent/?q=แผนเผชิญเหตุ").get_data(as_text=True)
    assert f'id="sent-{entry_id}"' not in found  # not party: not found by what it is about
    listed = admin.get("/sent/").get_data(as_text=True)
    assert f'id="sent-{entry_id}"' in listed and "แผนเผชิญเหตุลับเฉพาะ" not in listed


def test_the_monthly_tallies_match_the_entries_this_module_wrote(app):
    """Whatever this module registered, accepted or cancelled, the letters tallied per month
    (the home page's chart) equal the entries counted afresh."""
    from app.extensions import db
    from tests.test_tally import assert_consistent

    with app.app_context():
        assert_consistent(db.session)
        db.session.remove()
