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
import io
import re

import pytest

from app import thai
from app.models import Attachment, NumberCounter, RegisterEntry
from app.models.correspondence import entry_reader
from tests.conftest import DB, text_of
from tests.files import pdf_bytes
from tests.isolation import (ANON, DOPA, NO_SUCH_ID, PDF, RUN, XLSX, NewUser, Route,
                             add_cookie_variants, add_users, api_tokens, ask_for, assert_file,
                             assert_foreign_file_is_404, assert_refused, assert_shown, get,
                             logged_in_clients, post, refusal_status, send, shown, snapshot,
                             unchanged, xlsx_rows)
from tests.pdftext import pdf_text

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
    file_id: int  # its attachment's
    tag: str
    search: str
    fields: dict
    filename: str
    pdf: bytes
    day: str  # its day in the Buddhist Era, as the report takes it: 26/11/2569
    number_text: str

    @property
    def key(self):
        return self.victim.key

    @property
    def secret_strings(self):
        """What nobody outside ``seen_by`` may read: the tag (in every field, the file's name and
        the file) and, for an outgoing letter, the number issued to the other agency."""
        found = [self.tag]
        if not self.victim.incoming:
            found.append(self.number_text)
        return found


# ---- module set-up: users, clients, tokens and the seven entries --------------------------------


# group2.dopa: a group clerk (level 4) of ฝ่ายบริหารงานปกครอง, the other group of DOPA.
SECOND_GROUP_CLERK = NewUser("group2.dopa", DOPA, "ฝ่ายบริหารงานปกครอง", 4, "สมหมาย", "ปกครองดี")


@pytest.fixture(scope="module")
def clients(app):
    """A test client per user, logged in once through the login form (anonymous: none)."""
    add_users(app, SECOND_GROUP_CLERK)
    return logged_in_clients(app, USERS)


@pytest.fixture(scope="module")
def tokens(app, clients):
    """JWT headers per user, as scanners and other systems call the API."""
    return api_tokens(app, LEVEL)


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
    pk = int(re.search(r"/(\d+)(?:\?|$)", r.headers["Location"]).group(1))

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


# Every row of the entries, their readers, attachments and counters, and every stored file.
state = snapshot(RegisterEntry.__table__, entry_reader, Attachment.__table__,
                 NumberCounter.__table__)


# ---- reading a response as a person (or a program) would ----------------------------------------


def xlsx_entries(data):
    """The entries' rows of an export (under its title line and its header row)."""
    rows = xlsx_rows(data)
    assert len(rows) >= 2 and rows[1][0] in ("เลขรับ", "เลขที่หนังสือส่ง"), rows[:2]
    return rows[2:]


def assert_all_of(entry, r, where, number=True):
    """The entry's secret strings (``number``: with an outgoing letter's number) are shown."""
    assert_shown(entry.secret_strings if number else [entry.tag], r, where, squeezed=True)


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
# Each call takes (test client, Ask): the entry gives the search term and the report's day; the
# ids and the screen (or, for the API, the register) are passed apart, so that the same request
# can be made for an id that does not exist and through another register.


def edit_form(entry, subject):
    return {**entry.fields, "subject": subject, "doc_date": "", "speed": "normal",
            "secrecy": "normal"}


def intruder_pdf():
    return (io.BytesIO(pdf_bytes(marker=f"INTRUDER{RUN}")), "ผู้บุกรุก.pdf")


def subject_search(field):
    return lambda entry: {field: entry.search}


CANCEL = {"reason": f"ยกเลิกโดยผู้อื่น {RUN}"}
ROUTES = {
    # kind: "list" (answers 200 without the entry), "item" (one entry) or "fab" (never granted)
    "list": Route("list", get("/{base}/list/")),
    "list_search": Route("list", get("/{base}/list/", subject_search("_flt_0_subject"))),
    "show": Route("item", get("/{base}/show/{pk}")),
    "edit_get": Route("item", get("/{base}/edit/{pk}")),
    "edit_post": Route("item", post("/{base}/edit/{pk}", data=lambda a: edit_form(
        a.item, f"แก้โดยผู้อื่น {RUN}"))),
    "cancel": Route("item", post("/{base}/cancel/{pk}", data=CANCEL)),
    "attach": Route("item", post("/{base}/attach/{pk}", data=lambda a: {"files": intruder_pdf()},
                                 multipart=True)),
    "file_inline": Route("item", get("/{base}/file/{pk}/{f}")),
    "file_download": Route("item", get("/{base}/file/{pk}/{f}?download=1")),
    "xlsx": Route("list", get("/{base}/xlsx")),
    "xlsx_search": Route("list", get("/{base}/xlsx", subject_search("_flt_0_subject"))),
    "report_html": Route("list", get("/{base}/report?day={item.day}")),
    "report_pdf": Route("list", get("/{base}/report?day={item.day}&format=pdf")),
    # FAB's own delete route: there is no deleting an entry at all (can_delete is never granted).
    "fab_delete_get": Route("fab", get("/{base}/delete/{pk}")),
    "fab_delete_post": Route("fab", post("/{base}/delete/{pk}")),
}
API = "/api/v1/registers/{base}/entries"
API_ROUTES = {
    "api_list": Route("list", get(f"{API}?page_size=100"), api=True),
    "api_search": Route("list", get(API, subject_search("subject")), api=True),
    "api_get": Route("item", get(f"{API}/{{pk}}"), api=True),
    "api_cancel": Route("item", post(f"{API}/{{pk}}/cancel", json=CANCEL), api=True),
}
add_cookie_variants(API_ROUTES, ("api_search", "api_get", "api_cancel"))
EVERY_ROUTE = {**ROUTES, **API_ROUTES}


def call(app, clients, tokens, name, user, entry, target=None, ghost=False, file_id=None):
    """Make request ``name`` as ``user`` for ``entry`` (through screen or register ``target``,
    by default the entry's own; ``ghost``: for ids that do not exist; ``file_id``: another
    attachment's id)."""
    target = target or (entry.victim.register if name in API_ROUTES else entry.victim.view)
    ask = ask_for(entry, target, ghost, file_id=file_id)
    if name == "report_pdf":
        # The same document for every entry of that day (the URL names no entry): rendered once
        # per user, screen and day (Chromium takes about half a second), checked against each.
        key = (id(app), user, target, entry.day)
        if key not in PDF_REPORTS:
            PDF_REPORTS[key] = send(app, clients, tokens, ROUTES, name, user, ask)
        return PDF_REPORTS[key]
    return send(app, clients, tokens, EVERY_ROUTE, name, user, ask)


PDF_REPORTS = {}


def expected_status(name, user, target):
    """The exact answer to ``user`` for an entry out of their scope, by the level's permissions."""
    kind = EVERY_ROUTE[name].kind
    if name in API_ROUTES:
        # No API permission at all, or a list of a register the level does not keep: 403.
        registers = api_registers_of(user)
        permitted = bool(registers) and (kind != "list" or target in registers)
        return refusal_status(user, api=True, permitted=permitted, listing=kind == "list")
    # FAB's has_access aborts 403 for a logged-in user without the permission.
    permitted = kind != "fab" and target in screens_of(user)
    return refusal_status(user, permitted=permitted, listing=kind == "list")


def normalised(r, ids):
    """A response with the ids asked about replaced, to compare with another id's answer (the
    same ids are replaced in both, so that a number that merely happens to be there cancels
    out)."""
    text = r.get_data(as_text=True) + "\n" + r.headers.get("Location", "")
    for i in ids:
        text = re.sub(rf"(?<![\w.]){i}(?!\w)", "ID", text)
    return r.status_code, r.mimetype, text


def same_but_ids(*ids):
    """Whether two answers are one once ``ids`` (and NO_SUCH_ID) are replaced in both."""
    ids = (*ids, NO_SUCH_ID)
    return lambda r, other: normalised(r, ids) == normalised(other, ids)


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
        assert len(xlsx_entries(r.get_data())) == len(own), where
    elif name.startswith("report"):
        assert r.mimetype == (PDF if name == "report_pdf" else "text/html"), where
        assert report_total(r) == len(own), where
    elif name.startswith("api"):
        assert r.json["count"] == len(own), where
        assert sorted(e["id"] for e in r.json["result"]) == sorted(m.pk for m in own), where


def check_refusal(app, clients, tokens, world, name, user, entry, target=None, ghost=True):
    """Call ``name`` as ``user`` on ``entry`` and check the refusal as a whole (``ghost``: a 404
    compared with the answer for an id that does not exist)."""
    api = name in API_ROUTES
    target = target or (entry.victim.register if api else entry.victim.view)
    where = f"{name} {target} as {user} on {entry.victim.key} #{entry.pk}"

    def listing(r, status):
        if status == 200:
            register = target if api else {v: k for k, v in VIEW_OF.items()}[target]
            check_listing(r, name, user, register, entry, world)
            if api:
                assert entry.pk not in [e["id"] for e in r.json["result"]], where

    return assert_refused(
        app, state, where, user, expected_status(name, user, target),
        lambda ghostly: call(app, clients, tokens, name, user, entry, target, ghost=ghostly),
        [entry], then=listing, same=same_but_ids(entry.pk, entry.file_id) if ghost else None)


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
    # The victim's file: 404, as for no file at all; its own, through the same URL, opens.
    assert_foreign_file_is_404(
        app, state, f"as {user}: {own} with the file of {key}", ("file_inline", "file_download"),
        lambda name, file_id: call(app, clients, None, name, user, mine, file_id=file_id),
        mine, victim, same=same_but_ids(mine.pk, victim.file_id))


@pytest.mark.parametrize("user", [ANON, "officer.dopa", "clerk.cdd", "clerk.dopa"])
@pytest.mark.parametrize("method, path", [("get", "action/muldelete/{pk}"),
                                          ("post", "action/muldelete/{pk}"),
                                          ("post", "action_post")])
def test_fab_action_routes_are_not_there(app, clients, world, method, path, user):
    """FAB's action routes (no view of ours declares an action) answer 404 to anyone, owner
    included, show nothing and change nothing; FAB's own crashed with a 500 on a POST."""
    entry = world["AIN"]
    assert_refused(
        app, state, f"action {method} as {user}", user, 404,
        lambda ghost: getattr(clients[user], method)(
            f"/{entry.victim.view}/{path.format(pk=entry.pk)}",
            data={"action": "muldelete", "rowid": str(entry.pk)}),
        [entry], same=None)


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
    with unchanged(app, state, where):
        r = call(app, clients, tokens, name, user, entry)
        assert r.status_code == 200, f"{where}: {r.status_code} {text_of(r)[-300:]}"
        if name.startswith("file"):
            assert_file(r, entry.pdf, name == "file_download", where)
        else:
            # An outgoing letter's issued number is not a field of its edit form.
            assert_all_of(entry, r, where, number=name != "edit_get")
        text = shown(r)
        if name == "show":
            for field in ("subject", "sender", "receiver", "action", "remarks", "doc_number"):
                if field in entry.fields:
                    assert entry.fields[field] in text, f"{where}: {field}"
            assert entry.filename in text and f"/file/{entry.pk}/{entry.file_id}" in text
        elif name == "edit_get":
            assert entry.fields["subject"] in text, where
        elif "_search" in name:
            # Searched for its words: this entry alone.
            if name == "list_search":
                assert list_count(r) == 1, where
            elif name == "xlsx_search":
                rows = xlsx_entries(r.get_data())
                assert len(rows) == 1 and entry.fields["subject"] in rows[0], where
            else:
                assert [e["id"] for e in r.json["result"]] == [entry.pk], where
        elif name == "xlsx":
            cells = [c for row in xlsx_entries(r.get_data()) for c in row]
            assert entry.fields["subject"] in cells and entry.fields["remarks"] in cells, where
        elif name.startswith("api_get"):
            assert r.json["subject"] == entry.fields["subject"], where
            assert [a["filename"] for a in r.json["attachments"]] == [entry.filename], where
        elif name == "report_pdf":
            assert r.mimetype == PDF, where
        if name in ("list", "xlsx", "report_html", "report_pdf", "api_list"):
            # Everything the viewer keeps in this register, and nothing else.
            own = own_entries(world, user, entry.victim.register)
            assert entry in own
            check_listing(r, name, user, entry.victim.register, entry, world)


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
