"""Sending documents (app/services/documents.py, manual 8.1), on the real database: a user sends
files inside their agency (to a group, to people) and outside it (to agencies); each recipient
receives on its own and the sender's history shows when. Nobody else sees the document, a
refused send leaves nothing behind, and the screens answer as the service does."""

import io
import os
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import WorkGroup
from app.models.documents import EXTERNAL, INTERNAL, Document, DocumentFile, DocumentRecipient
from app.services import documents as docs
from app.services.attachments import Upload
from app.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import agency, text_of, user
from tests.files import pdf_bytes


def group(session, name):
    return session.execute(select(WorkGroup).where(WorkGroup.name == name)).scalar_one()


def new_subjects(session, actor):
    rows = docs.inbox(session, actor).rows
    return [d.subject for d, _r in rows]


def received_subjects(session, actor):
    rows = docs.inbox(session, actor, received=True).rows
    return [d.subject for d, _r in rows]


def stored_files(app):
    root = app.config["ATTACHMENTS_DIR"]
    return sorted(os.path.join(d, f) for d, _s, fs in os.walk(root) for f in fs)


def state(session, app):
    session.expire_all()
    return {
        "documents": session.query(Document).count(),
        "recipients": [(r.id, r.opened_at, r.received_at)
                       for r in session.query(DocumentRecipient).order_by(DocumentRecipient.id)],
        "files": session.query(DocumentFile).count(),
        "disk": stored_files(app),
    }


def test_internal_send_reaches_the_group_and_the_person_and_the_history_shows_it(ctx):
    s = ctx
    sender, clerk, group_clerk = user(s, "officer.dopa"), user(s, "clerk.dopa"), \
        user(s, "group.dopa")
    outsider, other_agency = user(s, "officer.cdd"), user(s, "clerk.cdd")
    admin_group = group(s, "ฝ่ายบริหารงานปกครอง")  # clerk.dopa's group
    doc = docs.send(s, sender, INTERNAL, "สรุปผลการประชุมประจำเดือน", "โปรดทราบ",
                    [Upload("สรุป.pdf", pdf_bytes())], group_ids=[admin_group.id],
                    user_ids=[group_clerk.id])
    assert [(r.recipient_kind, r.received_at) for r in doc.recipients] == [
        ("group", None), ("person", None)]
    assert [f.filename for f in doc.files] == ["สรุป.pdf"]

    # Each of them sees it among new documents; nobody else does, not even the sender's own
    # agency's officers outside the recipients.
    assert new_subjects(s, clerk) == ["สรุปผลการประชุมประจำเดือน"]
    assert new_subjects(s, group_clerk) == ["สรุปผลการประชุมประจำเดือน"]
    for stranger in (outsider, other_agency, sender, user(s, "central"), user(s, "admin")):
        assert new_subjects(s, stranger) == []
    assert docs.document_for(s, outsider, doc.id) is None
    assert docs.document_for(s, user(s, "admin"), doc.id) is None
    assert docs.document_for(s, sender, doc.id) is not None  # the sender sees what it sent
    assert docs.new_count(s, clerk) == 1

    # Opening marks the row opened, not received; receiving moves it to received documents.
    docs.open_document(s, group_clerk, doc)
    s.expire_all()
    person_row = [r for r in doc.recipients if r.recipient_kind == "person"][0]
    assert person_row.opened_at is not None and person_row.received_at is None
    assert docs.receive(s, group_clerk, doc) == 1
    assert new_subjects(s, group_clerk) == []
    assert received_subjects(s, group_clerk) == ["สรุปผลการประชุมประจำเดือน"]
    with pytest.raises(ValidationFailed, match="ลงรับเอกสารนี้ไปแล้ว"):
        docs.receive(s, group_clerk, doc)
    # The group's row still waits for a member of the group.
    assert new_subjects(s, clerk) == ["สรุปผลการประชุมประจำเดือน"]
    docs.receive(s, clerk, doc)
    s.expire_all()

    found = docs.history(s, sender)
    history = found.rows
    assert not found.more and history[0].id == doc.id
    rows = {r.recipient_name(): (r.received_by.username, r.received_at is not None)
            for r in history[0].recipients}
    assert rows == {"ฝ่ายบริหารงานปกครอง": ("clerk.dopa", True),
                    group_clerk.get_full_name(): ("group.dopa", True)}
    assert docs.history(s, clerk).rows == [] and not docs.history(s, clerk).more


def test_external_send_reaches_the_clerks_of_the_agencies_only(ctx):
    s = ctx
    sender = user(s, "clerk.cdd")
    dopa = agency(s, "พง 0016.1")
    doc = docs.send(s, sender, EXTERNAL, "แบบสำรวจข้อมูลครัวเรือน", None,
                    [Upload("แบบสำรวจ.pdf", pdf_bytes())], agency_ids=[dopa.id])
    assert new_subjects(s, user(s, "clerk.dopa")) == ["แบบสำรวจข้อมูลครัวเรือน"]
    # The agency's mail is for its clerks, not for every officer of it.
    for other in ("group.dopa", "officer.dopa", "officer.cdd", "central", "admin"):
        assert new_subjects(s, user(s, other)) == [], other
        assert docs.document_for(s, user(s, other), doc.id) is None, other
    with pytest.raises(PermissionDenied):
        docs.receive(s, user(s, "officer.dopa"), doc)
    row, data = docs.open_file(s, user(s, "clerk.dopa"), doc, doc.files[0].id, "inline")
    assert data.startswith(b"%PDF") and row.filename == "แบบสำรวจ.pdf"
    assert docs.open_file(s, user(s, "clerk.dopa"), doc, doc.files[0].id + 999, "inline") == (
        None, None)


@pytest.mark.parametrize("case", [
    "no subject", "long subject", "long note", "no recipient", "no file", "not a document",
    "external to own agency", "internal to another agency's group",
    "internal to another agency's person", "internal to oneself", "internal to an agency",
    "external to a group", "unknown agency", "bad id", "unknown scope",
])
def test_a_refused_send_leaves_nothing(ctx, app, case):
    s = ctx
    sender = user(s, "officer.dopa")
    own, other = agency(s, "พง 0016.1"), agency(s, "พง 0019.1")
    other_group = s.execute(select(WorkGroup).where(WorkGroup.agency_id == other.id)).scalars().first()
    own_group = s.execute(select(WorkGroup).where(WorkGroup.agency_id == own.id)).scalars().first()
    pdf = [Upload("ก.pdf", pdf_bytes())]
    args = dict(scope=INTERNAL, subject="เรื่องทดสอบ", note=None, uploads=pdf,
                group_ids=[own_group.id])
    args.update({
        "no subject": dict(subject="   "),
        "long subject": dict(subject="ก" * 256),
        "long note": dict(note="ข" * 2001),
        "no recipient": dict(group_ids=[]),
        "no file": dict(uploads=[]),
        "not a document": dict(uploads=[Upload("run.exe", b"MZ\x90\x00" * 100)]),
        "external to own agency": dict(scope=EXTERNAL, group_ids=[], agency_ids=[own.id]),
        "internal to another agency's group": dict(group_ids=[other_group.id]),
        "internal to another agency's person": dict(user_ids=[user(s, "officer.cdd").id]),
        "internal to oneself": dict(user_ids=[sender.id]),
        "internal to an agency": dict(agency_ids=[other.id]),
        "external to a group": dict(scope=EXTERNAL, agency_ids=[other.id]),
        "unknown agency": dict(scope=EXTERNAL, group_ids=[], agency_ids=[987654]),
        "bad id": dict(group_ids=["x"]),
        "unknown scope": dict(scope="everyone"),
    }[case])
    before = state(s, app)
    with pytest.raises(ValidationFailed) as refused:
        docs.send(s, sender, **args)
    assert re.search("[ก-๙]", str(refused.value)), "the message is in Thai"
    assert state(s, app) == before


def test_screens_send_list_open_receive_and_hide_from_others(app, login_as, dbq):
    sender = login_as("officer.dopa")
    page = sender.get("/documents/send/internal")
    assert page.status_code == 200
    assert "ส่งเอกสารภายใน" in text_of(page) and "ฝ่ายบริหารงานปกครอง" in text_of(page)
    group_id = dbq(lambda s: group(s, "ฝ่ายบริหารงานปกครอง").id)
    # A refusal keeps what was typed and says why, in Thai.
    r = sender.post("/documents/send/internal", data={"subject": "คำสั่งเวรยาม",
                                                      "groups": [str(group_id)]},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "กรุณาแนบไฟล์เอกสารอย่างน้อยหนึ่งไฟล์" in text_of(r)
    assert 'value="คำสั่งเวรยาม"' in r.get_data(as_text=True)
    before = dbq.count(Document)
    r = sender.post("/documents/send/internal", data={
        "subject": "คำสั่งเวรยาม", "note": "เวรเดือนธันวาคม", "groups": [str(group_id)],
        "files": [(io.BytesIO(pdf_bytes()), "เวร.pdf")]}, content_type="multipart/form-data")
    assert r.status_code == 302
    assert dbq.count(Document) == before + 1
    doc_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    file_id = dbq(lambda s: s.get(Document, doc_id).files[0].id)

    clerk = login_as("clerk.dopa")
    home = clerk.get("/")
    assert 'id="document-count"' in home.get_data(as_text=True)
    listing = clerk.get("/documents/")
    assert "คำสั่งเวรยาม" in text_of(listing)
    # Looking changes nothing; opening it from the list (a POST) marks it opened, once.
    rows_before = dbq.snapshot(DocumentRecipient)
    shown = clerk.get(f"/documents/show/{doc_id}")
    assert shown.status_code == 200 and "เวรเดือนธันวาคม" in text_of(shown)
    assert dbq.snapshot(DocumentRecipient) == rows_before
    r = clerk.post(f"/documents/open/{doc_id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/documents/show/{doc_id}")
    opened = dbq(lambda s: [r.opened_at for r in s.get(Document, doc_id).recipients])
    assert all(opened), opened
    clerk.post(f"/documents/open/{doc_id}")
    assert dbq(lambda s: [r.opened_at for r in s.get(Document, doc_id).recipients]) == opened
    assert clerk.get(f"/documents/file/{doc_id}/{file_id}").data.startswith(b"%PDF")

    # Outside the parties: the same 404 as a missing document, and nothing changes.
    rows_before = dbq.snapshot(DocumentRecipient)
    for outsider in ("officer.cdd", "clerk.cdd", "admin"):
        c = login_as(outsider)
        for url in (f"/documents/show/{doc_id}", f"/documents/file/{doc_id}/{file_id}"):
            assert c.get(url).status_code == 404, (outsider, url)
        assert c.post(f"/documents/open/{doc_id}").status_code == 404
        assert c.post(f"/documents/receive/{doc_id}").status_code == 404
        assert "คำสั่งเวรยาม" not in text_of(c.get("/documents/"))
        assert "คำสั่งเวรยาม" not in text_of(c.get("/documents/sent"))
    assert dbq.snapshot(DocumentRecipient) == rows_before

    # The sender may look but not receive; the recipient receives.
    r = sender.post(f"/documents/receive/{doc_id}", follow_redirects=True)
    assert "ไม่ได้ส่งถึงคุณ" in text_of(r)
    r = clerk.post(f"/documents/receive/{doc_id}")
    assert r.status_code == 302
    assert "คำสั่งเวรยาม" in text_of(clerk.get("/documents/received"))
    assert "คำสั่งเวรยาม" not in text_of(clerk.get("/documents/"))
    history = text_of(sender.get("/documents/sent"))
    assert "คำสั่งเวรยาม" in history and "รับแล้ว" in history


def test_members_receiving_one_group_document_at_once_receive_it_once(app):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    with app.test_request_context():
        s = db.session
        security = group(s, "ฝ่ายความมั่นคง")  # group.dopa and officer.dopa
        doc = docs.send(s, user(s, "clerk.dopa"), INTERNAL, "ประกาศเวรรักษาการณ์", None,
                        [Upload("เวร.pdf", pdf_bytes())], group_ids=[security.id])
        doc_id = doc.id
        db.session.remove()
    members = ["group.dopa", "officer.dopa"]
    barrier = threading.Barrier(len(members))

    def receive(name):
        with app.test_request_context():
            session = db.session
            try:
                actor = user(session, name)
                document = session.get(Document, doc_id)
                barrier.wait(timeout=30)
                try:
                    return name, docs.receive(session, actor, document)
                except ValidationFailed as refused:
                    return name, str(refused)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        results = dict(pool.map(receive, members, timeout=120))
    winners = [n for n, r in results.items() if r == 1]
    assert len(winners) == 1, results
    loser = next(n for n in members if n not in winners)
    assert results[loser] == "ลงรับเอกสารนี้ไปแล้ว"
    with app.app_context():
        [row] = db.session.get(Document, doc_id).recipients
        assert row.received_by.username == winners[0] and row.received_at is not None
        db.session.remove()
