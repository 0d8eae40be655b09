"""Isolation of the correspondence registers: a user of one agency (or group, or level) gets 403
or 404, and learns nothing, for another agency's entries on every route that reads or writes one.

Seven entries are registered through the screens, each by its owner, each with one PDF and with
a distinctive tag (ASCII, so that it survives HTML and JSON escaping, Excel and a PDF's text) in
every text field, in its attachment's name and inside the PDF itself. Then every user who must
not see an entry (the "intruder") calls every route on it:

- screens: list, list searched for the entry, show, edit (GET and POST), cancel, attach, the
  file inline and as a download, the Excel export (plain and searched), the daily report (HTML
  and PDF), and FAB's delete;
- the API (JWT): list, search, get and cancel.

Each call must answer exactly as the level's permissions say (403 without the screen, 404 for
an entry out of scope, 200 for a list that simply does not hold it, a redirect to the login page
or 401 for an anonymous visitor), must show no trace of the entry (nor count it), must answer
for an entry out of scope exactly as for an id that does not exist, and must change nothing:
entries, their readers, attachments, number counters and stored files are compared before and
after.

Positive controls run the same requests as the users who may see the entry (the absence checks
would prove nothing if the requests could not find it), and the writing requests as the owner on
entries registered for the purpose.
"""

import dataclasses
import html
import io
import json
import os
import re
import secrets
from urllib.parse import quote, unquote

import pytest
from openpyxl import load_workbook
from werkzeug.security import generate_password_hash

from app import thai
from app.extensions import db
from app.models import Agency, Attachment, EOfficeUser, NumberCounter, RegisterEntry, WorkGroup
from app.models.correspondence import entry_reader
from app.services.demo import DEMO_PASSWORD
from tests.conftest import DB, login, text_of
from tests.pdftext import pdf_text
from tests.files import pdf_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUN = secrets.token_hex(3).upper()  # a fresh tag per run: nothing can match from elsewhere
NO_SUCH_ID = 987654  # an id that exists neither as an entry nor as an attachment
ANON = "anonymous"

# ---- who may open what (app/access.py LEVELS and REGISTER_ACCESS, written out as the spec) -----

VIEW_OF = {
    "province_in": "provinceincomingview",
    "agency_in": "agencyincomingview",
    "group_in": "groupincomingview",
    "out_normal": "outgoingnormalview",
    "out_circular": "outgoingcircularview",
    "order": "orderview",
}
ALL_REGISTERS = frozenset(VIEW_OF)
REGISTERS_BY_LEVEL = {
    1: ALL_REGISTERS,
    2: ALL_REGISTERS,
    3: ALL_REGISTERS - {"province_in"},
    4: frozenset({"group_in"}),
    5: frozenset(),
}
LEVEL = {
    "admin": 1, "central": 2, "clerk.dopa": 3, "clerk.cdd": 3, "group.dopa": 4,
    "group2.dopa": 4, "officer.dopa": 5,
}
USERS = (*LEVEL, ANON)


def screens_of(user):
    """The register screens (route bases) that the user's level opens at all."""
    return {VIEW_OF[r] for r in REGISTERS_BY_LEVEL.get(LEVEL.get(user), ())}


def api_registers_of(user):
    return REGISTERS_BY_LEVEL.get(LEVEL.get(user), frozenset())


@dataclasses.dataclass(frozen=True)
class Victim:
    key: str
    owner: str
    register: str
    # Everyone who may see it: its owner, the administrator, and (group_in) the agency's clerk.
    seen_by: tuple

    @property
    def view(self):
        return VIEW_OF[self.register]

    @property
    def incoming(self):
        return self.register.endswith("_in")


VICTIMS = (
    Victim("AIN", "clerk.dopa", "agency_in", ("clerk.dopa", "admin")),
    Victim("AOUT", "clerk.dopa", "out_normal", ("clerk.dopa", "admin")),
    Victim("BIN", "clerk.cdd", "agency_in", ("clerk.cdd", "admin")),
    Victim("BOUT", "clerk.cdd", "out_normal", ("clerk.cdd", "admin")),
    # Two groups of one agency (ที่ทำการปกครองจังหวัด): ฝ่ายความมั่นคง and ฝ่ายบริหารงานปกครอง.
    Victim("GONE", "group.dopa", "group_in", ("group.dopa", "clerk.dopa", "admin")),
    Victim("GTWO", "group2.dopa", "group_in", ("group2.dopa", "clerk.dopa", "admin")),
    Victim("PIN", "central", "province_in", ("central", "admin")),
)
VICTIM = {v.key: v for v in VICTIMS}


def tag_of(key):
    return f"ZQ{key}{RUN}"


def search_key_of(key):
    """A second token, in the subject only: searched for, it is echoed in the page's search box,
    and it is not the tag that the absence checks look for."""
    return f"KW{key}{RUN}"


def fields_of(victim, tag, search):
    """The fields typed into the add form, each carrying the tag; the subject also ``search``."""
    fields = {
        "sender": f"ผู้ส่งลับ {tag}",
        "receiver": f"ผู้รับลับ {tag}",
        "subject": f"ลับเฉพาะ {tag} คำค้น {search}",
        "action": f"ปฏิบัติ {tag}",
        "remarks": f"หมายเหตุ {tag}",
    }
    if victim.incoming:
        fields["doc_number"] = f"ลับ {tag}/9"
    return fields


@dataclasses.dataclass
class Entry:
    victim: Victim
    pk: int
    attachment_id: int
    tag: str
    search: str
    fields: dict
    filename: str
    pdf: bytes
    day: str  # its day in the Buddhist Era, as the report takes it: 26/11/2569
    number_text: str

    @property
    def secret_strings(self):
        """What nobody outside ``seen_by`` may read: the tag (in every field, the file's name and
        the file) and, for an outgoing letter, the number issued to the other agency."""
        found = [self.tag]
        if not self.victim.incoming:
            found.append(self.number_text)
        return found


# ---- module set-up: users, clients, tokens and the seven entries --------------------------------


def add_second_group_clerk(app):
    """group2.dopa: a group clerk (level 4) of ฝ่ายบริหารงานปกครอง, the other group of DOPA."""
    with app.app_context():
        agency = db.session.query(Agency).filter_by(code="พง 0016.1").one()
        group = db.session.query(WorkGroup).filter_by(
            agency_id=agency.id, name="ฝ่ายบริหารงานปกครอง").one()
        db.session.add(EOfficeUser(
            username="group2.dopa", first_name="สมหมาย", last_name="ปกครองดี",
            email="group2.dopa@phangnga.example", password=generate_password_hash(DEMO_PASSWORD),
            active=True, level=4, agency=agency, work_group=group, must_change_password=False))
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="module")
def clients(app):
    """A test client per user, logged in once through the login form (anonymous: none)."""
    add_second_group_clerk(app)
    out = {}
    for user in USERS:
        c = app.test_client()
        if user != ANON:
            r = login(c, user)
            assert r.status_code == 302 and "/login" not in r.headers["Location"], user
        out[user] = c
    return out


@pytest.fixture(scope="module")
def tokens(app, clients):
    """JWT headers per user, as scanners and other systems call the API."""
    out = {ANON: {}}
    for user in LEVEL:
        r = app.test_client().post("/api/v1/security/login", json={
            "username": user, "password": DEMO_PASSWORD, "provider": "db", "refresh": False})
        assert r.status_code == 200, r.get_data(as_text=True)
        out[user] = {"Authorization": "Bearer " + r.json["access_token"]}
    return out


def register_entry(app, client, victim, tag, search):
    """Register through the add screen, as the owner; returns the new Entry."""
    fields = fields_of(victim, tag, search)
    filename = f"แนบ{tag}.pdf"
    pdf = pdf_bytes(marker=tag)
    data = {"speed": "normal", "secrecy": "normal", **fields,
            "files": (io.BytesIO(pdf), filename)}
    r = client.post(f"/{victim.view}/add", data=data, content_type="multipart/form-data")
    assert r.status_code == 302 and f"/{victim.view}/show/" in r.headers["Location"], (
        victim, text_of(r)[-500:])
    pk = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    def read(s):
        e = s.get(RegisterEntry, pk)
        stamp = e.received_at if victim.incoming else e.registered_at
        return ([a.id for a in e.attachments], e.subject, e.register,
                thai.format_date_input(thai.to_bangkok(stamp).date()), e.number_text())

    attachment_ids, stored_subject, register, day, number = DB(app)(read)
    assert (stored_subject, register, len(attachment_ids)) == (
        fields["subject"], victim.register, 1)
    return Entry(victim, pk, attachment_ids[0], tag, search, fields, filename, pdf, day, number)


@pytest.fixture(scope="module")
def world(app, clients):
    """The seven entries, registered by their owners through the screens."""
    return {v.key: register_entry(app, clients[v.owner], v, tag_of(v.key), search_key_of(v.key))
            for v in VICTIMS}


# ---- what the database and the disk hold --------------------------------------------------------


def _rows(session, table):
    order = list(table.primary_key.columns)
    return [tuple(row) for row in session.execute(table.select().order_by(*order))]


def state(app):
    """Every row of the entries, their readers, attachments and counters, and every stored file."""
    tables = (RegisterEntry.__table__, entry_reader, Attachment.__table__,
              NumberCounter.__table__)
    rows = DB(app)(lambda s: [_rows(s, t) for t in tables])
    root = app.config["ATTACHMENTS_DIR"]
    files = sorted(
        (os.path.relpath(os.path.join(folder, f), root), os.path.getsize(os.path.join(folder, f)))
        for folder, _dirs, names in os.walk(root) for f in names)
    return rows, files


# ---- reading a response as a person (or a program) would ----------------------------------------


def xlsx_rows(data):
    """The entries' rows of an export (under its title line and its header row)."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert len(rows) >= 2 and rows[1][0] in ("เลขรับ", "เลขที่หนังสือส่ง"), rows[:2]
    return rows[2:]


def shown(r):
    """Everything a response tells: headers, the body raw, unescaped and URL-decoded, JSON with
    its Unicode escapes read, every cell of a workbook, the text of a PDF."""
    data = r.get_data()
    parts = [f"{k}: {v}" for k, v in r.headers.items()]
    parts.append(data.decode("utf-8", "replace"))
    if r.is_json:
        parts.append(json.dumps(r.json, ensure_ascii=False))
    if data[:2] == b"PK" and r.mimetype == XLSX:
        book = load_workbook(io.BytesIO(data), read_only=True)
        parts += [str(c) for row in book.active.iter_rows(values_only=True) for c in row
                  if c is not None]
    if data[:5] == b"%PDF-":
        parts.append(pdf_text(data))
    text = "\n".join(parts)
    return "\n".join((text, html.unescape(text), unquote(text)))


def squeeze(text):
    return re.sub(r"\s+", "", text)


def assert_nothing_of(entry, r, where):
    text = shown(r)
    squeezed = squeeze(text)
    for secret in entry.secret_strings:
        assert secret not in text and squeeze(secret) not in squeezed, (
            f"{where}: {secret!r} leaked (HTTP {r.status_code})")
    assert entry.pdf not in r.get_data(), f"{where}: the attachment leaked"


def assert_all_of(entry, r, where, number=True):
    text = shown(r)
    squeezed = squeeze(text)
    for secret in entry.secret_strings if number else [entry.tag]:
        assert secret in text or squeeze(secret) in squeezed, f"{where}: {secret!r} missing"


def list_count(r):
    found = re.search(r"จำนวนรายการ:\s*([\d,]+)", text_of(r))
    assert found, text_of(r)[-600:]
    return int(found.group(1).replace(",", ""))


def report_total(r):
    found = re.search(r"รวม\s*(\d+)\s*รายการ", text_of(r) if r.mimetype == "text/html"
                      else pdf_text(r.get_data()))
    assert found
    return int(found.group(1))


# ---- the routes ---------------------------------------------------------------------------------
#
# Each takes (test client, JWT headers, entry, route base or register, entry id, attachment
# id): the entry gives the search term and the report's day; the ids are passed apart so that
# the same request can be made for an id that does not exist.


def edit_form(entry, subject):
    return {**entry.fields, "subject": subject, "doc_date": "", "speed": "normal",
            "secrecy": "normal"}


def intruder_pdf():
    return (io.BytesIO(pdf_bytes(marker=f"INTRUDER{RUN}")), "ผู้บุกรุก.pdf")


ROUTES = {
    # name: (kind, call); kind is "list" (answers 200 without the entry) or "item" (one entry)
    "list": ("list", lambda c, h, e, v, pk, att: c.get(f"/{v}/list/")),
    "list_search": ("list", lambda c, h, e, v, pk, att: c.get(
        f"/{v}/list/?_flt_0_subject={quote(e.search)}")),
    "show": ("item", lambda c, h, e, v, pk, att: c.get(f"/{v}/show/{pk}")),
    "edit_get": ("item", lambda c, h, e, v, pk, att: c.get(f"/{v}/edit/{pk}")),
    "edit_post": ("item", lambda c, h, e, v, pk, att: c.post(
        f"/{v}/edit/{pk}", data=edit_form(e, f"แก้โดยผู้อื่น {RUN}"))),
    "cancel": ("item", lambda c, h, e, v, pk, att: c.post(
        f"/{v}/cancel/{pk}", data={"reason": f"ยกเลิกโดยผู้อื่น {RUN}"})),
    "attach": ("item", lambda c, h, e, v, pk, att: c.post(
        f"/{v}/attach/{pk}", data={"files": intruder_pdf()}, content_type="multipart/form-data")),
    "file_inline": ("item", lambda c, h, e, v, pk, att: c.get(f"/{v}/file/{pk}/{att}")),
    "file_download": ("item", lambda c, h, e, v, pk, att: c.get(
        f"/{v}/file/{pk}/{att}?download=1")),
    "xlsx": ("list", lambda c, h, e, v, pk, att: c.get(f"/{v}/xlsx")),
    "xlsx_search": ("list", lambda c, h, e, v, pk, att: c.get(
        f"/{v}/xlsx?_flt_0_subject={quote(e.search)}")),
    "report_html": ("list", lambda c, h, e, v, pk, att: c.get(f"/{v}/report?day={e.day}")),
    "report_pdf": ("list", lambda c, h, e, v, pk, att: c.get(
        f"/{v}/report?day={e.day}&format=pdf")),
    # FAB's own delete route: there is no deleting an entry at all (can_delete is never granted).
    "fab_delete_get": ("fab", lambda c, h, e, v, pk, att: c.get(f"/{v}/delete/{pk}")),
    "fab_delete_post": ("fab", lambda c, h, e, v, pk, att: c.post(f"/{v}/delete/{pk}")),
}
API_ROUTES = {
    "api_list": ("list", lambda c, h, e, reg, pk, att: c.get(
        f"/api/v1/registers/{reg}/entries?page_size=100", headers=h)),
    "api_search": ("list", lambda c, h, e, reg, pk, att: c.get(
        f"/api/v1/registers/{reg}/entries?subject={quote(e.search)}", headers=h)),
    "api_get": ("item", lambda c, h, e, reg, pk, att: c.get(
        f"/api/v1/registers/{reg}/entries/{pk}", headers=h)),
    "api_cancel": ("item", lambda c, h, e, reg, pk, att: c.post(
        f"/api/v1/registers/{reg}/entries/{pk}/cancel",
        json={"reason": f"ยกเลิกโดยผู้อื่น {RUN}"}, headers=h)),
}
# The API also takes the screens' session cookie (allow_browser_login): the same calls without JWT.
for _name in ("api_search", "api_get", "api_cancel"):
    API_ROUTES[f"{_name}_by_cookie"] = API_ROUTES[_name]
del _name


def call(app, clients, tokens, name, user, entry, target=None, pk=None, att=None):
    """Make request ``name`` as ``user`` for ``entry`` (through screen or register ``target``,
    by default the entry's own)."""
    pk = entry.pk if pk is None else pk
    att = entry.attachment_id if att is None else att
    if name in API_ROUTES:
        target = target or entry.victim.register
        if name.endswith("_by_cookie"):
            return API_ROUTES[name][1](clients[user], {}, entry, target, pk, att)
        # By JWT, from a client that carries no session cookie.
        return API_ROUTES[name][1](app.test_client(), tokens[user], entry, target, pk, att)
    target = target or entry.victim.view
    if name == "report_pdf":
        # The same document for every entry of that day (the URL names no entry): rendered once
        # per user, screen and day (wkhtmltopdf takes a third of a second), checked against each.
        key = (id(app), user, target, entry.day)
        if key not in PDF_REPORTS:
            PDF_REPORTS[key] = ROUTES[name][1](clients[user], None, entry, target, pk, att)
        return PDF_REPORTS[key]
    return ROUTES[name][1](clients[user], None, entry, target, pk, att)


PDF_REPORTS = {}


def expected_status(name, user, target):
    """The exact answer to ``user`` for an entry out of their scope, by the level's permissions."""
    kind = (API_ROUTES.get(name) or ROUTES[name])[0]
    if name in API_ROUTES:
        if user == ANON:
            return 401
        if not api_registers_of(user) or (kind == "list" and target not in api_registers_of(user)):
            return 403  # no API permission at all, or a register the level does not keep
        return 200 if kind == "list" else 404
    if user == ANON:
        return 302  # FAB's has_access sends an anonymous visitor to the login page
    if kind == "fab" or target not in screens_of(user):
        return 403  # FAB's has_access aborts 403 for a logged-in user without the permission
    return 200 if kind == "list" else 404


def normalised(r, ids):
    """A response with the ids asked about replaced, to compare with another id's answer (the
    same ids are replaced in both, so that a number that merely happens to be there cancels
    out)."""
    text = r.get_data(as_text=True) + "\n" + r.headers.get("Location", "")
    for i in ids:
        text = re.sub(rf"(?<![\w.]){i}(?!\w)", "ID", text)
    return r.status_code, r.mimetype, text


def own_entries(world, user, register):
    """The module's entries of ``register`` that ``user`` may see (all the register holds for
    them, since every entry of this module's database is one of these)."""
    return [world[v.key] for v in VICTIMS if v.register == register and user in v.seen_by]


def check_listing(r, name, user, register, entry, world):
    """A list, export, report or API list answered 200: exactly the user's own entries (and, when
    searched for the victim's words, nothing)."""
    own = [] if "_search" in name else own_entries(world, user, register)
    where = f"{name} as {user}"
    for mine in own:  # the page does list entries: the absence of the victim's means something
        assert_all_of(mine, r, f"{where} (own entry {mine.victim.key})")
    if name.startswith("list"):
        assert list_count(r) == len(own), where
        if not own:
            assert "ไม่พบข้อมูล" in text_of(r), where
    elif name.startswith("xlsx"):
        assert r.mimetype == XLSX, where
        assert len(xlsx_rows(r.get_data())) == len(own), where
    elif name.startswith("report"):
        assert r.mimetype == ("application/pdf" if name == "report_pdf" else "text/html"), where
        assert report_total(r) == len(own), where
    elif name.startswith("api"):
        assert r.json["count"] == len(own), where
        assert sorted(e["id"] for e in r.json["result"]) == sorted(m.pk for m in own), where


def check_refusal(app, clients, tokens, world, name, user, entry, target=None, ghost=True):
    """Call ``name`` as ``user`` on ``entry`` and check the refusal as a whole."""
    target = target or (entry.victim.register if name in API_ROUTES else entry.victim.view)
    where = f"{name} {target} as {user} on {entry.victim.key} #{entry.pk}"
    before = state(app)
    r = call(app, clients, tokens, name, user, entry, target)
    status = expected_status(name, user, target)
    assert r.status_code == status, f"{where}: {r.status_code}, {text_of(r)[-400:]}"
    if status == 302:
        assert r.headers["Location"].startswith("/login/?next="), where
    assert_nothing_of(entry, r, where)
    if status == 200:
        register = target if name in API_ROUTES else {v: k for k, v in VIEW_OF.items()}[target]
        check_listing(r, name, user, register, entry, world)
        if name in API_ROUTES:
            assert entry.pk not in [e["id"] for e in r.json["result"]], where
    elif status == 404 and ghost:
        # No oracle: a real id out of scope answers exactly as an id that does not exist. (A 403,
        # a 401 and the redirect to the login page come from the permission check, before any
        # lookup.)
        other = call(app, clients, tokens, name, user, entry, target, pk=NO_SUCH_ID,
                     att=NO_SUCH_ID)
        ids = (entry.pk, entry.attachment_id, NO_SUCH_ID)
        assert normalised(r, ids) == normalised(other, ids), where
    assert state(app) == before, f"{where}: the database or the stored files changed"
    return r


# ---- the intruders ------------------------------------------------------------------------------

# Every user outside an entry's ``seen_by`` tries it, except two stand-ins: group2.dopa (level and
# agency of group.dopa) tries only the other group's entry, and the anonymous visitor (turned away
# before any lookup) one entry of each register screen.
ANON_TRIES = ("AIN", "AOUT", "GONE", "PIN")
PAIRS = [(user, v.key) for v in VICTIMS for user in USERS
         if user not in v.seen_by
         and (user != "group2.dopa" or v.register == "group_in")
         and (user != ANON or v.key in ANON_TRIES)]
ALL_ROUTES = [*ROUTES, *API_ROUTES]


@pytest.mark.parametrize("name", ALL_ROUTES)
@pytest.mark.parametrize("user,key", PAIRS, ids=[f"{u}-vs-{k}" for u, k in PAIRS])
def test_intruder_is_refused_and_learns_nothing(app, clients, tokens, world, name, user, key):
    check_refusal(app, clients, tokens, world, name, user, world[key])


# The same entry asked for through another register's screen and API path that the intruder does
# keep: the scope is that of the register asked for, never "any entry with this id". Through the
# registers of widest scope: the province's (every province_in entry, for the central registry),
# the groups' (every group of the agency, for an agency clerk) and the agency's.
WIDE = ("province_in", "group_in", "agency_in")
CROSS = [(user, key, via) for user, key in PAIRS for via in WIDE
         if via in api_registers_of(user) and via != VICTIM[key].register]
CROSS_ROUTES = ("show", "edit_post", "cancel", "attach", "file_download", "api_get",
                "api_cancel")


@pytest.mark.parametrize("user,key,via", CROSS, ids=[f"{u}-vs-{k}-via-{r}" for u, k, r in CROSS])
def test_intruder_through_another_register_gets_404(app, clients, tokens, world, user, key, via):
    entry = world[key]
    for name in CROSS_ROUTES:
        target = via if name in API_ROUTES else VIEW_OF[via]
        r = check_refusal(app, clients, tokens, world, name, user, entry, target, ghost=False)
        assert r.status_code == 404


# An entry the user does keep, with another agency's attachment id: the file is looked up among
# the entry's own attachments only.
OWN_ENTRY_OF = {v.owner: v.key for v in reversed(VICTIMS)}  # each owner's first entry
FOREIGN_FILES = [(owner, own, v.key) for owner, own in OWN_ENTRY_OF.items() for v in VICTIMS
                 if owner not in v.seen_by]


@pytest.mark.parametrize("user,own,key", FOREIGN_FILES,
                         ids=[f"{u}-own-{o}-file-of-{k}" for u, o, k in FOREIGN_FILES])
def test_foreign_attachment_through_own_entry_gets_404(app, clients, world, user, own, key):
    mine, victim = world[own], world[key]
    url = f"/{mine.victim.view}/file/{mine.pk}/"
    before = state(app)
    for query in ("", "?download=1"):
        r = clients[user].get(f"{url}{victim.attachment_id}{query}")
        assert r.status_code == 404
        assert_nothing_of(victim, r, f"{url}{victim.attachment_id}{query} as {user}")
        ghost = clients[user].get(f"{url}{NO_SUCH_ID}{query}")
        ids = (mine.pk, victim.attachment_id, NO_SUCH_ID)
        assert normalised(r, ids) == normalised(ghost, ids)
    assert state(app) == before
    # Its own file, through the same URL, opens: the request was right.
    r = clients[user].get(f"{url}{mine.attachment_id}?download=1")
    assert r.status_code == 200 and r.get_data() == mine.pdf


@pytest.mark.parametrize("user", [ANON, "officer.dopa", "clerk.cdd", "clerk.dopa"])
@pytest.mark.parametrize("method, path", [("get", "action/muldelete/{pk}"),
                                          ("post", "action/muldelete/{pk}"),
                                          ("post", "action_post")])
def test_fab_action_routes_are_not_there(app, clients, world, method, path, user):
    """FAB's action routes (no view of ours declares an action) answer 404 to anyone, owner
    included, show nothing and change nothing; FAB's own crashed with a 500 on a POST."""
    entry = world["AIN"]
    before = state(app)
    r = getattr(clients[user], method)(f"/{entry.victim.view}/{path.format(pk=entry.pk)}",
                                       data={"action": "muldelete", "rowid": str(entry.pk)})
    assert r.status_code == 404
    assert_nothing_of(entry, r, f"action {method} as {user}")
    assert state(app) == before


# ---- positive controls: the same requests find the entry for those who may see it ---------------

READ_ROUTES = ["list", "list_search", "show", "edit_get", "file_inline", "file_download", "xlsx",
               "xlsx_search", "report_html", "report_pdf", "api_list", "api_search", "api_get",
               "api_search_by_cookie", "api_get_by_cookie"]
# Everyone in ``seen_by`` on every reading route; the administrator on a few; the PDF report
# (slow to render) for the owner.
ADMIN_READS = ("list", "show", "file_inline", "xlsx", "api_get")
VIEWERS = [(user, v.key, name) for v in VICTIMS for user in v.seen_by for name in READ_ROUTES
           if (name != "report_pdf" or user == v.owner)
           and (user != "admin" or name in ADMIN_READS)]


@pytest.mark.parametrize("user,key,name", VIEWERS,
                         ids=[f"{u}-sees-{k}-{n}" for u, k, n in VIEWERS])
def test_those_in_scope_see_the_entry(app, clients, tokens, world, name, user, key):
    entry = world[key]
    where = f"{name} as {user} on {key}"
    before = state(app)
    r = call(app, clients, tokens, name, user, entry)
    assert r.status_code == 200, f"{where}: {r.status_code} {text_of(r)[-300:]}"
    if name.startswith("file"):
        assert r.get_data() == entry.pdf and r.mimetype == "application/pdf", where
        disposition = "attachment" if name == "file_download" else "inline"
        assert r.headers["Content-Disposition"].startswith(disposition), where
    else:
        # An outgoing letter's issued number is not a field of its edit form.
        assert_all_of(entry, r, where, number=name != "edit_get")
    text = shown(r)
    if name == "show":
        for field in ("subject", "sender", "receiver", "action", "remarks", "doc_number"):
            if field in entry.fields:
                assert entry.fields[field] in text, f"{where}: {field}"
        assert entry.filename in text and f"/file/{entry.pk}/{entry.attachment_id}" in text
    elif name == "edit_get":
        assert entry.fields["subject"] in text, where
    elif "_search" in name:
        # Searched for its words: this entry alone.
        if name == "list_search":
            assert list_count(r) == 1, where
        elif name == "xlsx_search":
            rows = xlsx_rows(r.get_data())
            assert len(rows) == 1 and entry.fields["subject"] in rows[0], where
        else:
            assert [e["id"] for e in r.json["result"]] == [entry.pk], where
    elif name == "xlsx":
        cells = [c for row in xlsx_rows(r.get_data()) for c in row]
        assert entry.fields["subject"] in cells and entry.fields["remarks"] in cells, where
    elif name.startswith("api_get"):
        assert r.json["subject"] == entry.fields["subject"], where
        assert [a["filename"] for a in r.json["attachments"]] == [entry.filename], where
    elif name == "report_pdf":
        assert r.mimetype == "application/pdf", where
    if name in ("list", "xlsx", "report_html", "report_pdf", "api_list"):
        # Everything the viewer keeps in this register, and nothing else.
        own = own_entries(world, user, entry.victim.register)
        assert entry in own
        check_listing(r, name, user, entry.victim.register, entry, world)
    assert state(app) == before, where


# ---- positive controls of the writing routes: the owner's requests work -------------------------
#
# Last in the module (pytest runs a module's tests in order): the entries it registers would
# otherwise count in the lists, exports and reports that the tests above count exactly.


@pytest.mark.parametrize("key", list(VICTIM))
def test_owner_write_requests_do_work(app, clients, tokens, world, key):
    """Edit, attach and cancel (screen), and cancel (API), by the owner, on two entries registered
    for the purpose, with the very requests that the intruders made."""
    victim = VICTIM[key]
    owner = victim.owner
    first = register_entry(app, clients[owner], victim, f"ZT{key}{RUN}", f"KT{key}{RUN}")
    second = register_entry(app, clients[owner], victim, f"ZU{key}{RUN}", f"KU{key}{RUN}")

    def read(entry):
        return DB(app)(lambda s: (s.get(RegisterEntry, entry.pk),
                                  s.query(Attachment).filter_by(entry_id=entry.pk).count()))

    r = call(app, clients, tokens, "edit_post", owner, first)
    assert r.status_code == 302, text_of(r)[-300:]
    assert read(first)[0].subject == f"แก้โดยผู้อื่น {RUN}"
    files = len(state(app)[1])
    r = call(app, clients, tokens, "attach", owner, first)
    assert r.status_code == 302 and read(first)[1] == 2
    assert len(state(app)[1]) == files + 1
    r = call(app, clients, tokens, "cancel", owner, first)
    assert r.status_code == 302
    r = call(app, clients, tokens, "api_cancel", owner, second)
    assert r.status_code == 200, r.get_data(as_text=True)
    for entry in (first, second):
        e = read(entry)[0]
        assert (e.status, e.cancel_reason) == ("cancelled", f"ยกเลิกโดยผู้อื่น {RUN}")
