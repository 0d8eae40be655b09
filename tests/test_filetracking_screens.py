"""The file-tracking screens: propose a file, follow it, the secretary moves it, the owner is told
of a correction, the queue, the dashboard, search and Excel, the scope, and the cover sheet: its
PDF carries the tracking number and its QR code decodes to the file's page."""

import io
import subprocess

import openpyxl
import zxingcpp
from sqlalchemy import select

from app.models.filetracking import Executive, FileMove, TrackedFile
from tests.conftest import text_of
from tests.files import pdf_bytes
from tests.pdftext import pdf_text


def deputy_id(dbq):
    return dbq(lambda s: s.execute(select(Executive.id).where(Executive.kind == "deputy")
                                   .order_by(Executive.id)).scalars().first())


def propose(client, dbq, subject, **fields):
    data = {"subject": subject, "executive_id": str(deputy_id(dbq)), "speed": "urgent",
            "entry_register": "", "entry_number": "",
            "files": [(io.BytesIO(pdf_bytes()), "บันทึกข้อความ.pdf")], **fields}
    r = client.post("/files/add", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[:800]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def qr_texts(pdf):
    """The QR codes on the first page of ``pdf``, read from a 150 dpi greyscale rendering."""
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", "150", "-f", "1", "-l", "1", "-"],
                         input=pdf, capture_output=True, check=True).stdout
    magic, size, maxval, data = pgm.split(b"\n", 3)
    assert magic == b"P5" and maxval == b"255"
    width, height = map(int, size.split())
    image = zxingcpp.ImageView(data, width, height, zxingcpp.ImageFormat.Lum)
    return [b.text for b in zxingcpp.read_barcodes(image)]


def test_propose_follow_move_and_the_cover_sheet(login_as, dbq):
    owner = login_as("officer.dopa")
    form = owner.get("/files/add")
    assert form.status_code == 200 and "รองผู้ว่าราชการจังหวัดพังงา" in text_of(form)
    pk = propose(owner, dbq, "ขออนุมัติจัดงานวันเด็กแห่งชาติ")
    number = dbq(lambda s: s.get(TrackedFile, pk).number_text())
    page = text_of(owner.get(f"/files/show/{pk}"))
    assert "อยู่ที่: เสนอแฟ้ม" in page and number in page and "บันทึกข้อความ.pdf" in page
    assert "move-form" in owner.get(f"/files/show/{pk}").get_data(as_text=True)  # withdraw only
    mine = text_of(owner.get("/files/mine"))
    assert "ขออนุมัติจัดงานวันเด็กแห่งชาติ" in mine and "เสนอแฟ้ม" in mine

    cover = owner.get(f"/files/cover/{pk}")
    assert cover.status_code == 200 and cover.mimetype == "application/pdf"
    assert f"เลขที่แฟ้ม {number}" in pdf_text(cover.data)
    assert qr_texts(cover.data) == [f"http://localhost/files/show/{pk}"]

    secretary = login_as("secretary")
    for stage in ("secretary", "with_deputy"):
        r = secretary.post(f"/files/move/{pk}", data={"stage": stage, "note": ""})
        assert r.status_code == 302
    refused = secretary.post(f"/files/move/{pk}", data={"stage": "governor_signed"},
                             follow_redirects=True)
    assert "ไม่ได้ตามเส้นทางที่กำหนด" in text_of(refused)
    r = secretary.post(f"/files/move/{pk}", data={"stage": "correction", "note": ""},
                       follow_redirects=True)
    assert "ต้องบันทึก" in text_of(r)
    secretary.post(f"/files/move/{pk}", data={"stage": "correction",
                                              "note": "แนบกำหนดการให้ครบถ้วน"})
    assert dbq(lambda s: s.get(TrackedFile, pk).stage) == "correction"
    home = owner.get("/").get_data(as_text=True)
    assert 'id="file-count"' in home  # the owner is told
    page = text_of(owner.get(f"/files/show/{pk}"))
    assert "แนบกำหนดการให้ครบถ้วน" in page and "อยู่ที่: ส่งกลับแก้ไข" in page
    owner.post(f"/files/move/{pk}", data={"stage": "proposed", "note": "แก้ไขแล้ว"})
    assert dbq(lambda s: s.get(TrackedFile, pk).stage) == "proposed"

    queue = secretary.get("/files/queue").get_data(as_text=True)
    assert f'id="queued-{pk}"' in queue
    assert owner.get("/files/queue").status_code in (302, 403)  # the secretaries' desk only
    dash = text_of(owner.get("/files/dashboard"))
    assert "ส่งกลับแก้ไข" in dash and "ค่ามัธยฐาน" in dash


def test_search_export_and_scope(login_as, dbq):
    owner = login_as("clerk.cdd")
    pk = propose(owner, dbq, "ขอความเห็นชอบแผนพัฒนาหมู่บ้านต้นแบบ")
    listing = text_of(owner.get("/files/list/?subject=หมู่บ้านต้นแบบ"))
    assert "ขอความเห็นชอบแผนพัฒนาหมู่บ้านต้นแบบ" in listing
    book = openpyxl.load_workbook(io.BytesIO(owner.get("/files/xlsx?subject=หมู่บ้านต้นแบบ").data))
    values = [[c.value for c in r] for r in book.active.iter_rows()]
    assert any(row[2] == "ขอความเห็นชอบแผนพัฒนาหมู่บ้านต้นแบบ" for row in values)

    moves = dbq.count(FileMove)
    for outsider in ("officer.dopa", "clerk.dopa", "central"):
        c = login_as(outsider)
        for url in (f"/files/show/{pk}", f"/files/cover/{pk}"):
            assert c.get(url).status_code == 404, (outsider, url)
        assert c.post(f"/files/move/{pk}", data={"stage": "withdrawn"}).status_code == 404
        assert "หมู่บ้านต้นแบบ" not in text_of(c.get("/files/list/?subject=หมู่บ้านต้นแบบ"))
    assert dbq.count(FileMove) == moves
    assert login_as("secretary").get(f"/files/show/{pk}").status_code == 200
    assert login_as("admin").get(f"/files/show/{pk}").status_code == 200


def test_the_administrator_makes_a_secretary_and_only_the_administrator(login_as, dbq):
    from tests.test_delegation import edit_form

    uid = dbq.user("officer.cdd")["id"]
    assert login_as("officer.cdd").get("/files/queue").status_code in (302, 403)
    # An agency clerk may edit the officer, but not make them a secretary.
    r = login_as("clerk.cdd").post(f"/users/edit/{uid}", data=edit_form(
        dbq, "officer.cdd", executive_secretary="y"), follow_redirects=True)
    assert "เฉพาะผู้ดูแลระบบเท่านั้นที่กำหนดเลขานุการผู้บริหารได้" in text_of(r)
    assert "เลขานุการผู้บริหาร" not in dbq.user("officer.cdd")["roles"]
    admin = login_as("admin")
    r = admin.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.cdd",
                                                        executive_secretary="y"))
    assert r.status_code == 302
    assert dbq.user("officer.cdd")["roles"] == ["ผู้ใช้งานทั่วไป", "เลขานุการผู้บริหาร"]
    assert dbq.user("officer.cdd")["level"] == 5  # on top of the level, not instead of it
    assert login_as("officer.cdd").get("/files/queue").status_code == 200
    # And taken away again.
    admin.post(f"/users/edit/{uid}", data=edit_form(dbq, "officer.cdd"))
    assert dbq.user("officer.cdd")["roles"] == ["ผู้ใช้งานทั่วไป"]


def test_the_route_and_the_executives_are_data_the_administrator_keeps(login_as, dbq):
    from app.models.filetracking import FileStep

    admin = login_as("admin")
    r = admin.post("/executiveview/add", data={
        "name": "นายใหม่ ใจงาม", "title": "รองผู้ว่าราชการจังหวัดพังงา", "kind": "deputy",
        "active": "y", "sort_order": "9"})
    assert r.status_code == 302
    new_id = dbq(lambda s: s.execute(select(Executive.id).where(
        Executive.name == "นายใหม่ ใจงาม")).scalar_one())
    owner = login_as("officer.cdd")
    assert "นายใหม่ ใจงาม" in text_of(owner.get("/files/add"))
    pk = propose(owner, dbq, "เรื่องเร่งด่วนที่เสนอตรงถึงรองผู้ว่าฯ",
                 executive_id=str(new_id))
    secretary = login_as("secretary")
    refused = secretary.post(f"/files/move/{pk}", data={"stage": "with_deputy"},
                             follow_redirects=True)
    assert "ไม่ได้ตามเส้นทางที่กำหนด" in text_of(refused)
    # The administrator opens a shortcut on the route: from proposed straight to the deputy.
    steps = dbq.count(FileStep)
    r = admin.post("/filestepview/add", data={"from_stage": "proposed", "to_stage": "with_deputy",
                                              "route": "deputy", "by": "secretary"})
    assert r.status_code == 302 and dbq.count(FileStep) == steps + 1
    secretary.post(f"/files/move/{pk}", data={"stage": "with_deputy"})
    assert dbq(lambda s: s.get(TrackedFile, pk).stage) == "with_deputy"
    # None of this is anyone else's to change.
    for name in ("clerk.dopa", "central", "secretary"):
        c = login_as(name)
        for url in ("/executiveview/add", "/filestepview/add", "/filestageview/list/"):
            assert c.get(url).status_code in (302, 403), (name, url)


def test_the_related_entry_shows_only_to_those_who_may_see_it(login_as, dbq):
    """A file linked to an entry of the agency's incoming register: its subject shows to the
    agency's clerk, not to an officer who reads the file but not that register."""
    from app.models import RegisterEntry

    clerk = login_as("clerk.dopa")
    r = clerk.post("/agencyincomingview/add", data={
        "doc_number": "พง 0017.2/ว 99", "sender": "สำนักงานจังหวัดพังงา",
        "subject": "ขอข้อมูลเรื่องภายในของหน่วยงาน", "speed": "normal", "secrecy": "normal"})
    assert r.status_code == 302, text_of(r)[:500]
    number = dbq(lambda s: s.execute(select(RegisterEntry).where(
        RegisterEntry.subject == "ขอข้อมูลเรื่องภายในของหน่วยงาน")).scalar_one().number_text())
    # Named as a clerk names it: its register and its number.
    pk = propose(clerk, dbq, "เสนอแฟ้มที่อ้างถึงหนังสือรับ", entry_register="agency_in",
                 entry_number=number)
    shown = text_of(clerk.get(f"/files/show/{pk}"))
    assert "ขอข้อมูลเรื่องภายในของหน่วยงาน" in shown
    assert f"หนังสือรับถึงหน่วยงาน {number}" in shown
    for reader in ("officer.dopa", "group.dopa", "secretary"):
        page = text_of(login_as(reader).get(f"/files/show/{pk}"))
        assert "เสนอแฟ้มที่อ้างถึงหนังสือรับ" in page  # the file itself they read
        assert "ขอข้อมูลเรื่องภายในของหน่วยงาน" not in page, reader
        assert "ซึ่งคุณไม่มีสิทธิ์เห็น" in page


def test_secretaries_receive_several_the_deputy_is_named_and_the_owner_is_told(login_as, dbq):
    """ฝ่ายเลขานุการรับแฟ้ม several at once from the queue; a move to a deputy says which one; a
    file signed and returned waits for its owner (home page, bar) until taken back."""
    from app.models.filetracking import Executive, FileMove

    owner, secretary = login_as("clerk.dopa"), login_as("secretary")
    governor = dbq(lambda s: s.query(Executive).filter_by(kind="governor").first().id)
    deputies = dbq(lambda s: [e.id for e in s.query(Executive).filter_by(kind="deputy")
                              .order_by(Executive.id)])
    pks = [propose(owner, dbq, f"แฟ้มรับพร้อมกัน {n}", executive_id=str(governor))
           for n in range(3)]
    queue = secretary.get("/files/queue").get_data(as_text=True)
    assert all(f'name="files" form="receive-form" value="{pk}"' in queue for pk in pks)
    before = dbq.snapshot(FileMove)
    assert owner.post("/files/receive", data={"files": [str(p) for p in pks]}).status_code \
        in (302, 403)  # not a secretary
    assert dbq.snapshot(FileMove) == before
    for bad in ([str(pks[0]), "x"], []):
        r = secretary.post("/files/receive", data={"files": bad}, follow_redirects=True)
        assert "alert-danger" in r.get_data(as_text=True) and dbq.snapshot(FileMove) == before
    r = secretary.post("/files/receive", data={"files": [str(p) for p in pks[:2]]},
                       follow_redirects=True)
    assert "รับแฟ้มแล้ว 2 แฟ้ม" in text_of(r)
    assert [dbq(lambda s, p=p: s.get(TrackedFile, p).stage) for p in pks] == \
        ["secretary", "secretary", "proposed"]
    r = secretary.post("/files/receive", data={"files": [str(pks[0])]}, follow_redirects=True)
    assert "รับไม่ได้" in text_of(r)  # already received: said, nothing moved twice
    assert dbq(lambda s: s.query(FileMove).filter_by(file_id=pks[0]).count()) == 2

    # To a deputy: which one, chosen; refused if not a deputy.
    pk = pks[0]
    page = secretary.get(f"/files/show/{pk}").get_data(as_text=True)
    assert 'name="holder_with_deputy"' in page
    before = dbq.snapshot(FileMove)
    r = secretary.post(f"/files/move/{pk}", data={"stage": "with_deputy",
                                                  "holder_with_deputy": str(governor)},
                       follow_redirects=True)
    assert "ไม่ตรงกับขั้นตอนนี้" in text_of(r) and dbq.snapshot(FileMove) == before
    secretary.post(f"/files/move/{pk}", data={"stage": "with_deputy",
                                              "holder_with_deputy": str(deputies[-1])})
    held = dbq(lambda s: (s.get(TrackedFile, pk).holder_id, s.query(FileMove).filter_by(
        file_id=pk).order_by(FileMove.id.desc()).first().executive_id))
    assert held == (deputies[-1], deputies[-1])
    deputy_name = dbq(lambda s: str(s.get(Executive, deputies[-1])))
    assert deputy_name in text_of(owner.get(f"/files/show/{pk}"))

    # Signed and returned: the owner is told until they take it back.
    for stage in ("deputy_signed", "with_governor", "governor_signed", "returned"):
        secretary.post(f"/files/move/{pk}", data={"stage": stage})
    assert dbq(lambda s: s.get(TrackedFile, pk).stage) == "returned"
    home = owner.get("/").get_data(as_text=True)
    assert 'id="file-count"' in home and 'id="need-files"' in home
    r = owner.post(f"/files/noted/{pk}", follow_redirects=True)
    assert "คืนแล้ว" in text_of(r)
    assert 'id="file-count"' not in owner.get("/").get_data(as_text=True)
    assert secretary.post(f"/files/noted/{pk}").status_code in (302, 403)
