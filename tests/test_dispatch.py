"""Letters that travel (app/services/dispatch.py), on the real database: the central registry
registers and dispatches to two agencies; one accepts (its own number), one returns with a reason;
the sender dispatches again; the timeline shows every step in order. Several clerks accepting one
delivery at once make one entry and one number. Refusals change nothing."""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import thai
from app.extensions import db
from app.models import Agency, Attachment, EOfficeUser, NumberCounter, RegisterEntry
from app.models.dispatch import ACCEPTED, OPENED, RETURNED, SENT, Delivery, LetterEvent
from app.services import correspondence as svc
from app.registers import REGISTERS
from app.services import dispatch, recipients, entries
from app.services.attachments import Upload
from app.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import agency, text_of, user
from tests.files import pdf_bytes


def province_letter(session, subject, **fields):
    central = user(session, "central")
    data = {"sender": "กระทรวงมหาดไทย", "doc_number": "มท 0208.5/ว 777", "subject": subject,
            "speed": "most_urgent", "secrecy": "normal", **fields}
    uploads = [Upload("หนังสือ.pdf", pdf_bytes())] if fields.get("secrecy", "normal") == "normal" \
        else []
    return svc.register_entry(session, central, "province_in", data, uploads)


def snapshot(session):
    session.expire_all()
    return {
        "deliveries": [(d.id, d.status, d.accepted_entry_id, d.return_reason)
                       for d in session.query(Delivery).order_by(Delivery.id)],
        "entries": session.query(RegisterEntry).count(),
        "events": session.query(LetterEvent).count(),
        "counters": sorted((c.series_id, c.year, c.last_number)
                           for c in session.query(NumberCounter)),
    }


def test_dispatch_accept_return_redispatch_and_the_timeline(ctx):
    s = ctx
    central, dopa, cdd = user(s, "central"), user(s, "clerk.dopa"), user(s, "clerk.cdd")
    letter = province_letter(s, "ขอให้รายงานผลการเตรียมความพร้อมรับมืออุทกภัย")
    dopa_agency, cdd_agency = agency(s, "พง 0016.1"), agency(s, "พง 0019.1")
    local = agency(s, "พง 0023.1")

    first = dispatch.dispatch(s, central, letter, [dopa_agency.id, cdd_agency.id],
                              note="โปรดดำเนินการ")
    assert [(d.to_agency_id, d.status) for d in first] == [
        (dopa_agency.id, SENT), (cdd_agency.id, SENT)]
    to_dopa, to_cdd = first

    # The agencies see them as new incoming, most urgent first.
    assert to_dopa.id in [d.id for d in dispatch.inbox(s, dopa).rows]
    assert to_cdd.id in [d.id for d in dispatch.inbox(s, cdd).rows]
    assert to_dopa.id not in [d.id for d in dispatch.inbox(s, cdd).rows]

    # dopa opens it, then accepts: the letter enters its own incoming register, numbered.
    dispatch.open_delivery(s, dopa, to_dopa)
    assert to_dopa.status == OPENED
    before = svc_last(s, "agency_in", dopa_agency)
    accepted = dispatch.accept(s, dopa, to_dopa)
    assert accepted.register == "agency_in" and accepted.agency_id == dopa_agency.id
    assert accepted.number == before + 1
    assert accepted.subject == letter.subject and accepted.doc_number == letter.doc_number
    assert accepted.sender == "กระทรวงมหาดไทย" and accepted.received_at is not None
    files = s.query(Attachment).filter_by(entry_id=accepted.id).all()
    assert [f.filename for f in files] == ["หนังสือ.pdf"]
    source_file = s.query(Attachment).filter_by(entry_id=letter.id).one()
    assert files[0].sha256 == source_file.sha256 and files[0].storage_name != source_file.storage_name
    s.expire_all()
    assert to_dopa.status == ACCEPTED and to_dopa.accepted_entry_id == accepted.id
    # Accepting again gives the same entry, no new number.
    assert dispatch.accept(s, dopa, to_dopa).id == accepted.id
    assert svc_last(s, "agency_in", dopa_agency) == before + 1

    # cdd returns it: a reason is required.
    with pytest.raises(ValidationFailed, match="เหตุผล"):
        dispatch.return_delivery(s, cdd, to_cdd, "  ")
    dispatch.return_delivery(s, cdd, to_cdd, "ไม่ใช่ภารกิจของหน่วยงาน ควรส่งท้องถิ่นจังหวัด")
    s.expire_all()
    assert to_cdd.status == RETURNED and "ท้องถิ่น" in to_cdd.return_reason
    with pytest.raises(ValidationFailed):
        dispatch.accept(s, cdd, to_cdd)  # returned is final

    # The sender sends it again, to the right agency, which accepts it.
    again = dispatch.dispatch(s, central, letter, [local.id])
    local_clerk = make_clerk(s, local, "clerk.local")
    third = dispatch.accept(s, local_clerk, again[0])
    assert third.agency_id == local.id and third.number >= 1

    # One timeline, every step in order, seen from any of the letter's entries.
    events = dispatch.timeline(s, central, letter.id)
    steps = [(e["action"], e["agency"]) for e in events]
    assert steps == [
        ("registered", "สำนักงานจังหวัดพังงา"),
        ("dispatched", "สำนักงานจังหวัดพังงา"),
        ("dispatched", "สำนักงานจังหวัดพังงา"),
        ("opened", dopa_agency.name),
        ("accepted", dopa_agency.name),
        ("returned", cdd_agency.name),
        ("dispatched", "สำนักงานจังหวัดพังงา"),
        ("accepted", local.name),
    ]
    assert events[4]["detail"]["number"] == accepted.number_text()
    assert "ท้องถิ่น" in events[5]["detail"]["reason"]
    assert events[1]["detail"] == {"to": dopa_agency.name, "note": "โปรดดำเนินการ"}
    assert all(" พ.ศ." not in e["at"] and "25" in e["at"] for e in events)  # Buddhist Era
    assert dispatch.timeline(s, dopa, dispatch.letter_of(s, accepted)) == events

    # The agency forwards its accepted entry to a group: the same letter's timeline.
    group = s.execute(select(EOfficeUser.work_group_id)
                      .where(EOfficeUser.username == "group.dopa")).scalar_one()
    forwarded = dispatch.dispatch(s, dopa, accepted, [group])
    assert forwarded[0].letter_id == letter.id
    group_clerk = user(s, "group.dopa")
    in_group = dispatch.accept(s, group_clerk, forwarded[0])
    assert in_group.register == "group_in" and in_group.work_group_id == group
    assert [e["action"] for e in dispatch.timeline(s, group_clerk, letter.id)][-2:] == [
        "forwarded", "accepted"]

    # A user with no part in the letter may not follow it.
    with pytest.raises(PermissionDenied):
        dispatch.timeline(s, user(s, "officer.cdd"), letter.id)


def svc_last(s, register, owner):
    from app.services import numbering

    key = entries.series_key(REGISTERS[register], owner, None, False)
    series = numbering.get_series(s, key, register, agency_id=owner.id)
    s.commit()
    return numbering.last_issued(s, series, svc.thai.to_bangkok(thai.utcnow()).year + 543)


def make_clerk(s, agency_, username):
    existing = s.execute(select(EOfficeUser).where(EOfficeUser.username == username)) \
        .scalar_one_or_none()
    if existing:
        return existing
    clerk_role = user(s, "clerk.dopa").roles[0]
    u = EOfficeUser(username=username, first_name="ธุรการ", last_name="ท้องถิ่น",
                    email=f"{username}@phangnga.example", active=True, level=3,
                    agency_id=agency_.id, roles=[clerk_role], password="x")
    s.add(u)
    s.commit()
    return u


def test_refusals_change_nothing(ctx):
    s = ctx
    central, dopa, cdd = user(s, "central"), user(s, "clerk.dopa"), user(s, "clerk.cdd")
    dopa_agency, cdd_agency = agency(s, "พง 0016.1"), agency(s, "พง 0019.1")
    letter = province_letter(s, "เรื่องทดสอบการปฏิเสธ")
    top = province_letter(s, "แผนลับที่สุด", secrecy="top_secret")
    [delivery] = dispatch.dispatch(s, central, letter, [dopa_agency.id])
    before = snapshot(s)
    attempts = [
        (ValidationFailed, lambda: dispatch.dispatch(s, central, top, [dopa_agency.id])),
        (ValidationFailed, lambda: dispatch.dispatch(s, central, letter, [dopa_agency.id])),
        (ValidationFailed, lambda: dispatch.dispatch(s, central, letter, [])),
        (ValidationFailed, lambda: dispatch.dispatch(s, central, letter, [999999])),
        (PermissionDenied, lambda: dispatch.dispatch(s, dopa, letter, [cdd_agency.id])),
        (PermissionDenied, lambda: dispatch.accept(s, cdd, delivery)),
        (PermissionDenied, lambda: dispatch.accept(s, user(s, "officer.dopa"), delivery)),
        (PermissionDenied, lambda: dispatch.return_delivery(s, cdd, delivery, "ไม่ใช่ของเรา")),
        (PermissionDenied, lambda: dispatch.open_delivery(s, cdd, delivery)),
    ]
    for error, attempt in attempts:
        with pytest.raises(error):
            attempt()
        s.rollback()
        assert snapshot(s) == before
    svc.cancel(s, central, letter, "ลงทะเบียนซ้ำ")
    with pytest.raises(ValidationFailed):
        dispatch.dispatch(s, central, letter, [cdd_agency.id])


def test_the_timeline_cannot_be_changed(ctx):
    s = ctx
    letter = province_letter(s, "เรื่องที่เส้นทางแก้ไม่ได้")
    for statement in ("UPDATE letter_event SET action = 'accepted' WHERE letter_id = :id",
                      "DELETE FROM letter_event WHERE letter_id = :id"):
        with pytest.raises(DBAPIError):
            s.execute(text(statement), {"id": letter.id})
        s.rollback()
    assert [e["action"] for e in dispatch.timeline(s, user(s, "central"), letter.id)] == [
        "registered"]


def test_clerks_accepting_one_delivery_at_once_make_one_entry(app):
    clerks = 6
    with app.test_request_context():
        s = db.session
        dopa_agency = agency(s, "พง 0016.1")
        letter = province_letter(s, "เรื่องที่หลายคนลงรับพร้อมกัน")
        [delivery] = dispatch.dispatch(s, user(s, "central"), letter, [dopa_agency.id])
        delivery_id = delivery.id
        names = ["clerk.dopa"] + [make_clerk(s, dopa_agency, f"clerk{i}.dopa").username
                                  for i in range(2, clerks + 1)]
        entries_before = s.query(RegisterEntry).count()
        db.session.remove()

    barrier = threading.Barrier(clerks)

    def accept(name):
        with app.test_request_context():
            session = db.session
            try:
                actor = user(session, name)
                d = session.get(Delivery, delivery_id)
                barrier.wait(timeout=30)
                entry = dispatch.accept(session, actor, d)
                return entry.id, entry.number
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=clerks) as pool:
        results = list(pool.map(accept, names, timeout=120))

    assert len(set(results)) == 1, results
    with app.app_context():
        s = db.session
        assert s.query(RegisterEntry).count() == entries_before + 1
        d = s.get(Delivery, delivery_id)
        assert d.status == ACCEPTED and d.accepted_entry_id == results[0][0]
        accepted_events = s.query(LetterEvent).filter_by(delivery_id=delivery_id,
                                                         action="accepted").count()
        assert accepted_events == 1
        db.session.remove()


# ---- through the screens -------------------------------------------------------------------------


def _register_by_screen(client, subject):
    data = {"speed": "urgent", "secrecy": "normal", "sender": "กระทรวงมหาดไทย",
            "doc_number": "มท 0211.3/ว 55", "subject": subject,
            "files": (io.BytesIO(pdf_bytes()), "คำสั่ง.pdf")}
    r = client.post("/provinceincomingview/add", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.status_code
    return int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))


def test_the_screens_dispatch_open_accept_and_return(app, login_as, dbq):
    from tests.conftest import text_of

    central, dopa, cdd = login_as("central"), login_as("clerk.dopa"), login_as("clerk.cdd")
    subject = "ขอเชิญประชุมคณะกรรมการป้องกันภัยฝ่ายพลเรือนผ่านหน้าจอ"
    entry_id = _register_by_screen(central, subject)
    ids = dbq(lambda s: {a.code: a.id for a in s.query(Agency)})
    r = central.post(f"/provinceincomingview/dispatch/{entry_id}",
                     data={"recipients": [ids["พง 0016.1"], ids["พง 0019.1"]],
                           "note": "ด่วน โปรดพิจารณา"})
    assert r.status_code == 302
    deliveries = dbq(lambda s: {d.to_agency_id: d.id for d in s.query(Delivery)
                                .filter_by(entry_id=entry_id)})
    to_dopa, to_cdd = deliveries[ids["พง 0016.1"]], deliveries[ids["พง 0019.1"]]

    # New incoming, opened with its PDF viewable before deciding.
    assert subject in text_of(dopa.get("/inbox/"))
    # Looking at it changes nothing; opening it from the inbox (a POST) tells the sender.
    before = dbq(lambda s: snapshot(s))
    page = dopa.get(f"/inbox/open/{to_dopa}")
    assert page.status_code == 200 and subject in text_of(page)
    assert "เปิดอ่านแล้ว" not in text_of(page) and dbq(lambda s: snapshot(s)) == before
    r = dopa.post(f"/inbox/open/{to_dopa}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/inbox/open/{to_dopa}")
    page = dopa.get(r.headers["Location"])
    assert "เปิดอ่านแล้ว" in text_of(page)
    assert dopa.post(f"/inbox/open/{to_dopa}").status_code == 302  # again: once is recorded
    assert dbq(lambda s: s.query(LetterEvent).filter_by(action="opened",
                                                      delivery_id=to_dopa).count()) == 1
    file_id = dbq(lambda s: s.query(Attachment).filter_by(entry_id=entry_id).one().id)
    pdf = dopa.get(f"/inbox/file/{to_dopa}/{file_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("inline")

    # Nobody else opens, accepts or returns it, and nothing changes.
    before = dbq(lambda s: snapshot(s))
    for client, url, method in [(cdd, f"/inbox/open/{to_dopa}", "get"),
                                (cdd, f"/inbox/open/{to_dopa}", "post"),
                                (cdd, f"/inbox/accept/{to_dopa}", "post"),
                                (cdd, f"/inbox/return/{to_dopa}", "post"),
                                (cdd, f"/inbox/file/{to_dopa}/{file_id}", "get"),
                                (login_as("officer.dopa"), f"/inbox/accept/{to_dopa}", "post")]:
        r = getattr(client, method)(url, data={"reason": "ไม่ใช่ของเรา"})
        assert r.status_code == 404, (url, r.status_code)
    assert dbq(lambda s: snapshot(s)) == before

    # Accept: the new entry in dopa's register, shown with its number.
    r = dopa.post(f"/inbox/accept/{to_dopa}")
    assert r.status_code == 302 and "/agencyincomingview/show/" in r.headers["Location"]
    shown = text_of(dopa.get(r.headers["Location"]))
    assert subject in shown and "เส้นทางของหนังสือ" in shown and "ลงรับ" in shown
    assert subject not in text_of(dopa.get("/inbox/"))

    # Return: a reason is required; without one nothing changes.
    r = cdd.post(f"/inbox/return/{to_cdd}", data={"reason": ""}, follow_redirects=True)
    assert "กรุณาระบุเหตุผลที่ส่งคืน" in text_of(r)
    assert dbq(lambda s: s.get(Delivery, to_cdd).status) == SENT  # not returned (nor opened)
    cdd.post(f"/inbox/return/{to_cdd}", data={"reason": "ไม่ใช่ภารกิจของสำนักงาน"})
    assert dbq(lambda s: s.get(Delivery, to_cdd).status) == RETURNED

    # The sender sees both outcomes on the entry, and the timeline in order.
    page = text_of(central.get(f"/provinceincomingview/show/{entry_id}"))
    assert "ลงรับแล้ว" in page and "ส่งคืน" in page and "ไม่ใช่ภารกิจของสำนักงาน" in page
    timeline = page[page.index("เส้นทางของหนังสือ"):]
    order = [timeline.index(w) for w in ("ลงทะเบียน", "ด่วน โปรดพิจารณา", "เปิดอ่าน",
                                         "ไม่ใช่ภารกิจของสำนักงาน")]
    assert order == sorted(order)


def test_the_navigation_bar_counts_what_waits_for_the_user(app, login_as):
    import re

    from tests.conftest import text_of

    def count(client):
        html = client.get("/").get_data(as_text=True)
        found = re.search(r'id="inbox-count".*?<span class="badge">(\d+)</span>', html, re.S)
        return int(found.group(1)) if found else 0

    def service(fn):  # a context of its own, closed before the clients' next request
        with app.test_request_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    dopa, group, cdd = login_as("clerk.dopa"), login_as("group.dopa"), login_as("clerk.cdd")
    waiting, waiting_cdd = count(dopa), count(cdd)
    delivery_id = service(lambda s: dispatch.dispatch(
        s, user(s, "central"), province_letter(s, "เรื่องที่นับในแถบเมนู"),
        [agency(s, "พง 0016.1").id])[0].id)
    assert count(dopa) == waiting + 1
    assert count(group) == 0 and count(cdd) == waiting_cdd
    assert "หนังสือเข้าใหม่" in text_of(dopa.get("/"))
    service(lambda s: dispatch.accept(s, user(s, "clerk.dopa"), s.get(Delivery, delivery_id)))
    assert count(dopa) == waiting


def test_the_form_offers_only_recipients_that_do_not_hold_the_letter(ctx):
    s = ctx
    central, cdd = user(s, "central"), user(s, "clerk.cdd")
    letter = province_letter(s, "ขอเชิญประชุมคณะกรรมการจังหวัด")
    dopa_agency, cdd_agency = agency(s, "พง 0016.1"), agency(s, "พง 0019.1")

    def offered():
        """key: whether it may be chosen (not held)."""
        return {c.key: not c.held for section in recipients.choices(s, letter)
                for c in section.choices}

    dopa_key, cdd_key = f"agency:{dopa_agency.id}", f"agency:{cdd_agency.id}"
    assert offered()[dopa_key] and offered()[cdd_key]
    assert f"agency:{letter.agency_id}" not in offered()  # never the sender itself
    _to_dopa, to_cdd = dispatch.dispatch(s, central, letter, [dopa_agency.id, cdd_agency.id])
    assert not offered()[dopa_key] and not offered()[cdd_key]  # shown held
    dispatch.return_delivery(s, cdd, to_cdd, "ไม่ใช่เรื่องของหน่วยงาน")
    assert offered()[cdd_key] and not offered()[dopa_key]


def test_the_register_of_letters_received_from_the_province(app, login_as):
    import openpyxl

    with app.test_request_context():
        number, entry_id = _received_register_checked(db.session)
        db.session.remove()

    clerk = login_as("clerk.dopa")
    page = clerk.get("/inbox/received?q=สำรวจแหล่งน้ำ")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "ขอความร่วมมือสำรวจแหล่งน้ำ" in body and f"/show/{entry_id}" in body
    sheet = openpyxl.load_workbook(io.BytesIO(
        clerk.get("/inbox/received.xlsx?q=สำรวจแหล่งน้ำ").data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["เลขรับ", "วันที่ลงรับ/รับทราบ", "จาก", "เลขทะเบียนผู้ส่ง", "ที่", "ลงวันที่", "เรื่อง",
            "ผู้ลงรับ/ผู้รับทราบ"] in values
    assert any(row[0] == number and row[6] == "ขอความร่วมมือสำรวจแหล่งน้ำ" for row in values)
    # The officer keeps no register: the screen lists what they acknowledged in person, never
    # what their agency accepted.
    officer = login_as("officer.dopa")
    for url in ("/inbox/received", "/inbox/received.xlsx"):
        r = officer.get(url)
        assert r.status_code == 200, url
    assert "ขอความร่วมมือสำรวจแหล่งน้ำ" not in text_of(officer.get("/inbox/received"))
    sheet = openpyxl.load_workbook(io.BytesIO(officer.get("/inbox/received.xlsx").data)).active
    assert "ขอความร่วมมือสำรวจแหล่งน้ำ" not in str([[c.value for c in row]
                                                   for row in sheet.iter_rows()])


def _received_register_checked(s):
    """The central registry sends to two agencies; dopa accepts, cdd returns: the register
    lists dopa's acceptance with both numbers, for dopa's clerk alone. (number, entry id)"""
    central, dopa, cdd = user(s, "central"), user(s, "clerk.dopa"), user(s, "clerk.cdd")
    letter = province_letter(s, "ขอความร่วมมือสำรวจแหล่งน้ำ", doc_number="มท 0810/ว 4321")
    to_dopa, to_cdd = dispatch.dispatch(s, central, letter, [agency(s, "พง 0016.1").id,
                                                            agency(s, "พง 0019.1").id])
    entry = dispatch.accept(s, dopa, to_dopa)
    dispatch.return_delivery(s, cdd, to_cdd, "ส่งผิดหน่วยงาน")

    def lines(actor, text=None):
        return [dispatch.received_row(*r) for r in
                s.execute(dispatch.received_register(s, actor, {"q": text})).all()]

    mine = [line for line in lines(dopa) if line[6] == "ขอความร่วมมือสำรวจแหล่งน้ำ"]
    assert len(mine) == 1
    number_here, _at, sender, number_there, doc_number, _date, _subject, by = mine[0]
    assert number_here == entry.number_text()
    assert sender == f"จังหวัด (สารบรรณกลาง {letter.agency.name})"  # a letter of the province
    assert number_there.startswith(f"{letter.number_text()} (")
    assert doc_number == "มท 0810/ว 4321" and by == dopa.get_full_name()
    assert [line[0] for line in lines(dopa, "0810/ว 4321")] == [entry.number_text()]
    assert lines(dopa, "ไม่มีเรื่องนี้") == []
    for other in (cdd, central, user(s, "group.dopa"), user(s, "officer.dopa")):
        assert "ขอความร่วมมือสำรวจแหล่งน้ำ" not in [line[6] for line in lines(other)]

    return entry.number_text(), entry.id


def test_the_monthly_tallies_match_the_entries_this_module_wrote(app):
    """Whatever this module registered, filled, accepted or cancelled, through whichever route,
    the letters tallied per month (the home page's chart) equal the entries counted afresh."""
    from tests.test_tally import assert_consistent

    with app.app_context():
        assert_consistent(db.session)
        db.session.remove()
