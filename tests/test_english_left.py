"""English left on Thai screens, fetched over HTTP as the administrator and the clerks: the
security menu's screens (FAB's user statistics chart above all), a file's kind instead of its
MIME type, the audit log's detail read in Thai (its JSON kept for the auditor's export, the hash
chain untouched), and the language menu."""

import ast
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select
from sqlalchemy.orm import RelationshipProperty

from app.extensions import db
from app.models import Agency, AuditLog
from app.services import audit
from app.services.audit import AUDITED_MODELS, IGNORED_COLUMNS, verify_chain
from app.views.audit_detail import ACTION_KEY_LABELS, KEY_LABELS, detail_html, detail_text
from app.views.labels import file_kind
from tests.conftest import login, text_of
from tests.files import pdf_bytes

ROOT = Path(__file__).resolve().parent.parent
# FAB's English as its security screens and chart would show it (labels, filters, series).
FAB_ENGLISH = ("First Name", "Last Name", "User Name", "Login Count", "Failed Login Count",
               "Login count", "Failed login count", "Email", "Active", "Changed On", "Created On",
               "Last Login", "Groups", "Roles", "User Statistics", "User's Statistics",
               "Role Default Records", "Group by", "Name", "Permission", "View/Menu")
_FAB_ENGLISH = [re.compile(rf"(?<![A-Za-z_']){re.escape(w)}(?![A-Za-z_'])") for w in FAB_ENGLISH]


def english_in(html):
    """FAB's English words in a page's HTML, its scripts included (the search's labels and the
    chart's columns live in them); an identifier shown as code beside its Thai name is not a
    word of the interface."""
    html = re.sub(r"<code[^>]*>.*?</code>", " ", html, flags=re.S)
    return sorted(w for w, pattern in zip(FAB_ENGLISH, _FAB_ENGLISH) if pattern.search(html))


def security_links(client):
    """The links of the administrator's security menu (the dropdown that holds the roles)."""
    html = client.get("/").get_data(as_text=True)
    menu = next(chunk for chunk in html.split('<li class="dropdown">') if "/roles/list/" in chunk)
    return re.findall(r'href="(/[^"]+)"', menu.split("</ul>")[0])


# ---- the security menu and the user statistics ----------------------------------------------


def test_the_security_menus_screens_show_no_fab_english(login_as):
    admin = login_as("admin")
    links = security_links(admin)
    assert "/eofficeuserstatschartview/chart/" in links and "/auditlogview/list/" in links
    found = {}
    for url in links:
        r = admin.get(url)
        assert r.status_code == 200, url
        page = r.get_data(as_text=True)
        words = english_in(page)
        if words:
            found[url] = words
        assert "- English" not in text_of(r), url
    assert not found, found


@pytest.mark.parametrize("group_by,series", [("0", "จำนวนครั้งที่เข้าสู่ระบบ"),
                                             ("1", "จำนวนครั้งที่เข้าสู่ระบบไม่สำเร็จ")])
def test_the_user_statistics_chart_is_named_in_thai(login_as, group_by, series):
    page = login_as("admin").get(f"/eofficeuserstatschartview/chart/{group_by}")
    html = page.get_data(as_text=True)
    data = json.loads(re.search(r"var jsonDataEOfficeUserStatsChartView = (\{.*\})\s*\n", html).group(1))
    assert [c["label"] for c in data["cols"]] == ["ชื่อผู้ใช้", series]
    assert "สถิติผู้ใช้งาน" in text_of(page) and not english_in(html)
    # The search offers the users list's fields, named in Thai; no Gregorian date pickers.
    filters = json.loads(re.search(r"'#filter_form',\s*(\{.*?\}),\n", html).group(1))
    assert set(filters) == {"username", "first_name", "last_name", "agency", "work_group",
                            "level", "active"}
    assert all(re.search("[\u0e00-\u0e7f]", label) for label in filters.values())


def test_permissions_and_screens_are_listed_by_their_thai_names(login_as):
    admin = login_as("admin")
    shown = text_of(admin.get("/permissions/list/?psize_PermissionModelView=100"))
    assert "ดูรายการ can_list" in shown and "ส่งออก Excel can_xlsx" in shown
    shown = text_of(admin.get("/viewmenus/list/?psize_ViewMenuModelView=100"))
    assert "หน้าจอบทบาท RoleModelView" in shown
    assert "Role Default Records" not in admin.get("/permissionviews/list/").get_data(as_text=True)


# ---- a file's kind, not its MIME type ---------------------------------------------------------


@pytest.mark.parametrize("content_type,kind", [
    ("application/pdf", "PDF"),
    ("image/jpeg", "รูปภาพ JPEG"),
    ("image/png", "รูปภาพ PNG"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "เอกสาร Word"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ตารางคำนวณ Excel"),
    ("application/msword", "เอกสาร Word (รุ่นเก่า .doc)"),
    ("Application/PDF; charset=binary", "PDF"),
    ("application/x-unknown", "ไฟล์ชนิดอื่น"),
    (None, ""),
])
def test_a_file_kind_is_named_as_a_clerk_names_it(app, content_type, kind):
    with app.test_request_context():
        assert file_kind(content_type) == kind
        assert app.jinja_env.filters["filekind"](content_type) == kind


_SHOWN_TYPE = re.compile(r"\{\{[^}]*\bcontent_type\b(?![^}]*\|\s*filekind)[^}]*\}\}")


@pytest.mark.parametrize("template", sorted(
    str(p.relative_to(ROOT / "app" / "templates"))
    for p in (ROOT / "app" / "templates").rglob("*.html") if "content_type" in p.read_text()))
def test_every_template_shows_a_content_type_through_filekind(template):
    shown = _SHOWN_TYPE.findall((ROOT / "app" / "templates" / template).read_text())
    assert not shown, shown


def test_a_letters_attachments_show_their_kind(login_as, dbq):
    clerk = login_as("group.dopa")
    r = clerk.post("/groupincomingview/add", data={
        "speed": "normal", "secrecy": "normal", "sender": "ที่ทำการปกครองจังหวัดพังงา",
        "subject": "ชนิดของไฟล์แนบ", "files": [(io.BytesIO(pdf_bytes()), "หนังสือ.pdf")]},
        content_type="multipart/form-data")
    assert r.status_code == 302
    from app.models import RegisterEntry

    entry_id = dbq(lambda s: s.execute(select(RegisterEntry.id).where(
        RegisterEntry.subject == "ชนิดของไฟล์แนบ")).scalar_one())
    page = text_of(clerk.get(f"/groupincomingview/show/{entry_id}"))
    attachments = page.split("เอกสารแนบ", 1)[1]
    assert "หนังสือ.pdf" in attachments and "PDF" in attachments
    assert "application/" not in page


# ---- the audit log's detail --------------------------------------------------------------------


def _record(app, action, detail, **fields):
    with app.test_request_context():
        audit.record(db.session, action, detail=detail, **fields)
        db.session.commit()
        row = db.session.execute(select(AuditLog.id, AuditLog.detail)
                                 .order_by(AuditLog.seq.desc())).first()
        db.session.remove()
    return row


def _detail_cell(page):
    """The visible text of the show page's รายละเอียด row (the next row is the address's)."""
    html = page.get_data(as_text=True)
    cell = html.split(">รายละเอียด</th>", 1)[1].rsplit(">เลขที่อยู่ไอพี</th>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell))


def test_the_audit_detail_reads_in_thai(app, login_as):
    admin = login_as("admin")
    # A change through the model listener: before and after, by the column's Thai name.
    with app.app_context():
        agency = db.session.execute(select(Agency).where(Agency.code == "พง 0016.1")).scalar_one()
        agency.phone, agency.is_provincial_office = "076-999999", False
        db.session.commit()
        update_id = db.session.execute(select(AuditLog.id).where(
            AuditLog.action == "update", AuditLog.target_type == "Agency")
            .order_by(AuditLog.seq.desc())).scalar()
        db.session.remove()
    cell = _detail_cell(admin.get(f"/auditlogview/show/{update_id}"))
    assert "ข้อมูล ก่อน หลัง" in cell and "โทรศัพท์" in cell and "076-999999" in cell
    assert "phone" not in cell and "{" not in cell

    # A time in UTC, shown in Bangkok in the Buddhist Era; booleans and numbers in Thai.
    chat_id, raw = _record(app, "chat_close", {
        "with": "นายสมชาย ใจดี", "guest": True, "messages": 3,
        "started_at": dt.datetime(2026, 12, 3, 18, 48)}, target_label="การสนทนา #1")
    cell = _detail_cell(admin.get(f"/auditlogview/show/{chat_id}"))
    assert "สนทนากับ นายสมชาย ใจดี" in cell
    assert "ผู้ติดต่อที่ไม่ได้เข้าสู่ระบบ ใช่" in cell and "จำนวนข้อความ 3" in cell
    assert "เริ่มสนทนาเมื่อ 4 ธ.ค. 2569 01:48 น." in cell
    assert "2026" not in cell and "started_at" not in cell and "True" not in cell

    # Codes by their labels, an export's search by the fields' names, lists joined.
    export_id, _raw = _record(app, "export", {
        "what": "province_in", "args": {"_flt_0_speed": "urgent", "_flt_1_secrecy": "secret"}})
    cell = _detail_cell(admin.get(f"/auditlogview/show/{export_id}"))
    assert "สิ่งที่ส่งออก หนังสือรับถึงจังหวัด" in cell
    assert "ชั้นความเร็ว: ด่วน" in cell and "ชั้นความลับ: ลับมาก" in cell
    throttled_id, _raw = _record(app, "login_throttled", {
        "address": "10.0.0.7", "username": "clerk.dopa", "limited_by": ["address", "account"],
        "limit": "10 per minute", "retry_after": 42})
    cell = _detail_cell(admin.get(f"/auditlogview/show/{throttled_id}"))
    assert "เกินกำหนดของ เลขที่อยู่ไอพี, ชื่อผู้ใช้" in cell and "ลองใหม่ได้ในอีก 42 วินาที" in cell

    # A refusal: the HTTP words of its own.
    login_as("clerk.dopa").get("/auditlogview/list/")
    with app.app_context():
        denied_id = db.session.execute(select(AuditLog.id).where(
            AuditLog.action == "access_denied").order_by(AuditLog.seq.desc())).scalar()
        db.session.remove()
    cell = _detail_cell(admin.get(f"/auditlogview/show/{denied_id}"))
    assert "รหัสคำตอบ (HTTP) 403" in cell and "วิธีการเรียก (HTTP) GET" in cell
    assert "ที่อยู่ที่เรียก /auditlogview/list/" in cell

    # A wrong password: who and how many times.
    login(app.test_client(), "clerk.cdd", "not-the-password")
    with app.app_context():
        failed_id = db.session.execute(select(AuditLog.id).where(
            AuditLog.action == "login_failed").order_by(AuditLog.seq.desc())).scalar()
        db.session.remove()
    cell = _detail_cell(admin.get(f"/auditlogview/show/{failed_id}"))
    assert "ชื่อผู้ใช้ clerk.cdd" in cell and "จำนวนครั้งที่ใส่รหัสผ่านผิดติดต่อกัน 1" in cell

    # Only the display changed: the stored JSON is what it was, and the chain still holds.
    assert json.loads(raw)["started_at"] == "2026-12-03 18:48:00"
    with app.app_context():
        assert verify_chain(db.session).ok
        db.session.remove()

    # The auditor's export keeps the JSON as stored, beside the text a clerk reads.
    r = admin.get("/auditlogview/xlsx")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(r.data)).active.iter_rows()]
    headers = rows[1]
    readable, stored = headers.index("รายละเอียด"), headers.index("รายละเอียด (JSON ตามที่บันทึก)")
    chat = next(row for row in rows[2:] if row[stored] == raw)
    assert "เริ่มสนทนาเมื่อ: 4 ธ.ค. 2569 01:48 น." in chat[readable]


def test_a_detail_that_is_not_json_is_shown_as_it_is():
    assert detail_html("not json") == "not json" and detail_text(None) == ""
    assert str(detail_html('{"count": 2}')).count("<table") == 1
    assert detail_text('{"count": 2, "ok": false}') == "จำนวน: 2\nถูกต้องครบถ้วน: ไม่ใช่"


def _recorded_keys():
    """Every key of a ``detail`` the code gives the audit log: the dict literals passed to
    ``audit.record(..., detail=...)`` (or assigned to ``detail`` before), and those of the
    announcements' ``_detail``."""
    keys = set()
    for path in (ROOT / "app").rglob("*.py"):
        tree = ast.parse(path.read_text())
        records = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and isinstance(n.func, ast.Attribute) and n.func.attr == "record"
                   and isinstance(n.func.value, ast.Name)
                   and n.func.value.id in ("audit", "audit_service")]
        if not records:
            continue
        for call in records:
            for kw in call.keywords:
                if kw.arg == "detail":
                    keys |= _dict_keys(kw.value)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "detail" for t in node.targets):
                keys |= _dict_keys(node.value)
            if isinstance(node, ast.FunctionDef) and node.name == "_detail":
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return):
                        keys |= _dict_keys(ret.value)
    return keys


def _dict_keys(node):
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            found |= {k.value for k in sub.keys
                      if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return found


def test_every_key_the_code_records_has_a_thai_name():
    recorded = _recorded_keys()
    assert {"username", "failures", "what", "args", "started_at", "granted"} <= recorded
    columns = set()
    for model in AUDITED_MODELS:
        for attr in inspect(model).attrs:
            if attr.key in IGNORED_COLUMNS or (
                    isinstance(attr, RelationshipProperty) and attr.secondary is None):
                continue
            columns.add(attr.key)
    named = set(KEY_LABELS) | {k for labels in ACTION_KEY_LABELS.values() for k in labels}
    assert not (recorded | columns) - named, sorted((recorded | columns) - named)


# ---- the language menu ---------------------------------------------------------------------------


def _language_menu(html):
    return html.split('id="language-menu"', 1)[1].split("</li>\n", 1)[0]


def test_the_language_menu_names_each_language_in_itself(login_as):
    for username in ("admin", "clerk.dopa"):
        c = login_as(username)
        r = c.get("/")
        html = r.get_data(as_text=True)
        menu = _language_menu(html)
        assert re.search(r'aria-label="เลือกภาษา \(ขณะนี้: ภาษาไทย\)"', menu)
        assert re.search(r'<a [^>]*href="/lang/en"[^>]*lang="en"[^>]*>.*?English</a>',
                         menu, re.S)
        assert "- English" not in text_of(r) and " - " not in re.sub(r"<[^>]+>", "", menu)
    c.get("/lang/en")
    menu = _language_menu(c.get("/").get_data(as_text=True))
    assert 'aria-label="Choose the language (now: English)"' in menu
    assert re.search(r'href="/lang/th"[^>]*lang="th"[^>]*>.*?ภาษาไทย</a>', menu, re.S)
    c.get("/lang/th")


def test_a_clerks_screens_show_no_raw_types_nor_fab_english(login_as):
    clerk = login_as("clerk.dopa")
    for url in ("/", "/agencyincomingview/list/", "/users/list/", "/contracthireview/list/"):
        r = clerk.get(url)
        if r.status_code == 404:
            continue
        html = r.get_data(as_text=True)
        assert r.status_code == 200, url
        assert "application/" not in text_of(r) and "- English" not in text_of(r), url
        assert not english_in(html), (url, english_in(html))
