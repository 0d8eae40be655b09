"""Isolation of the letters that travel and of the documents sent: outside the parties of a
delivery, a letter's timeline, a register entry sent onwards or a document, nobody reads or
changes anything, on any screen or API route that names one.

One world is built once for the module, through the services, each piece with a distinctive tag
(ASCII, so that it survives HTML and JSON escaping, Excel and a file's name) in every text field,
in its file's name and inside the PDF itself:

- L1: the central registry registers a letter of the province (province_in, entry E0) with a PDF
  and sends it to ที่ทำการปกครองจังหวัด (dopa): delivery D1, which dopa's clerk accepts (entry E1
  of dopa's agency_in); dopa's clerk sends E1 on to its group ฝ่ายความมั่นคง: delivery D2,
  waiting for the group's clerk;
- L2: another letter of the province sent to dopa: delivery D3, waiting for dopa's clerk;
- L4: a letter of the group ฝ่ายความมั่นคง (group_in, entry E4) sent by its clerk to a person of
  the group, officer.dopa: delivery D4, waiting;
- DI: a document sent inside dopa by officer.dopa to the group ฝ่ายบริหารงานปกครอง (every member
  of the group receives it); DX and DR: documents sent by cdd's clerk to dopa (for dopa's clerks
  only), DR already received.

Then every user who is not a party (the other agency at every level, the same agency's users it
is not for, the sender of a delivery, the administrator, an anonymous visitor) calls every route
on it. Each call must answer as the level's permissions say (403 without the screen or API
permission, 404 for an item out of scope, a redirect to the login page or 401 anonymously), a
404 exactly as for an id that does not exist on the same route, with no trace of the item
(subject, note, file name, file bytes) in headers or body, and must change nothing: deliveries,
the timeline, register entries, number counters, attachments, documents, their recipients and
files, and the files stored on disk are compared before and after.

The lists (new incoming, the register received from the province and its Excel, new, received
and sent documents, screens and API) hold exactly the user's own items. Positive controls run the
same requests as the parties, so that a route that merely broke would fail here too: reading
routes on the world, writing routes (accept, return, receive, dispatch) last, on items built for
the purpose.
"""

import dataclasses
import itertools
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from app.models import Attachment, NumberCounter, RegisterEntry
from app.models.dispatch import ACCEPTED, RETURNED, Delivery, LetterEvent
from app.models.documents import EXTERNAL, INTERNAL, Document, DocumentFile, DocumentRecipient
from app.services import correspondence as svc
from app.services import dispatch as dispatching
from app.services import documents as docs
from app.services.attachments import Upload
from tests.conftest import text_of
from tests.files import pdf_bytes
from tests.isolation import (ANON, CDD, DOPA, RUN, XLSX, NewUser, Route, add_cookie_variants,
                             add_users, api_tokens, ask_for, assert_file,
                             assert_foreign_file_is_404, assert_refused, assert_shown, find_agency,
                             find_group, find_user, get, ids_in, logged_in_clients, post,
                             refusal_status, send, service_session, shown, snapshot, xlsx_table)

SECURITY, ADMINISTRATION = "ฝ่ายความมั่นคง", "ฝ่ายบริหารงานปกครอง"  # two groups of dopa

LEVEL = {
    "admin": 1, "central": 2, "clerk.dopa": 3, "clerk.cdd": 3, "group.dopa": 4,
    "group2.dopa": 4, "group.cdd": 4, "officer.dopa": 5, "officer.cdd": 5,
}
USERS = (*LEVEL, ANON)
ALL_LEVELS = frozenset({1, 2, 3, 4, 5})
CLERK_LEVELS = frozenset({1, 2, 3, 4})  # the levels that keep a register (app/access.py)

# ---- the world, as the spec: who is a party of what -------------------------------------------

# Who follows a letter's timeline (dispatch.may_follow): whoever sees one of its register entries
# (the administrator sees every register) or decides on one of its deliveries.
FOLLOWERS = {
    "L1": frozenset({"central", "admin", "clerk.dopa", "group.dopa"}),
    "L2": frozenset({"central", "admin", "clerk.dopa"}),
    "L4": frozenset({"group.dopa", "clerk.dopa", "admin", "officer.dopa"}),
}


@dataclasses.dataclass(frozen=True)
class Spec:
    key: str
    kind: str  # delivery, letter, entry, document
    parties: frozenset  # who gets it on its routes (a document: its sender and its recipients)
    letter: str = ""  # the letter a delivery or an entry belongs to
    view: str = ""  # an entry's register screen
    sender: str = ""  # a document's sender: reads it, may not receive it

    @property
    def knowers(self):
        """Who knows its words legitimately, by another way (for the lists' checks)."""
        return FOLLOWERS[self.letter or self.key] if self.kind != "document" else self.parties


SPECS = {s.key: s for s in (
    # A delivery is for the clerk of the agency or group it is sent to, or for the person.
    Spec("D1", "delivery", frozenset({"clerk.dopa"}), letter="L1"),  # accepted
    Spec("D2", "delivery", frozenset({"group.dopa"}), letter="L1"),
    Spec("D3", "delivery", frozenset({"clerk.dopa"}), letter="L2"),
    Spec("D4", "delivery", frozenset({"officer.dopa"}), letter="L4"),
    Spec("L1", "letter", FOLLOWERS["L1"]),
    Spec("L2", "letter", FOLLOWERS["L2"]),
    Spec("L4", "letter", FOLLOWERS["L4"]),
    # An entry is sent on by those who keep it (through its own register's screen).
    Spec("E0", "entry", frozenset({"central", "admin"}), letter="L1",
         view="provinceincomingview"),
    Spec("E1", "entry", frozenset({"clerk.dopa", "admin"}), letter="L1",
         view="agencyincomingview"),
    Spec("E4", "entry", frozenset({"group.dopa", "clerk.dopa", "admin"}), letter="L4",
         view="groupincomingview"),
    Spec("DI", "document", frozenset({"officer.dopa", "clerk.dopa", "group2.dopa"}),
         sender="officer.dopa"),
    Spec("DX", "document", frozenset({"clerk.cdd", "clerk.dopa"}), sender="clerk.cdd"),
    Spec("DR", "document", frozenset({"clerk.cdd", "clerk.dopa"}), sender="clerk.cdd"),
)}


def tag_of(key):
    return f"ZQ{key}{RUN}"


def note_of(key):
    return f"ZN{key}{RUN}"


@dataclasses.dataclass
class Item:
    key: str
    pk: int
    file_id: int  # a delivery's (its entry's) attachment, an entry's, a document's file
    secret_strings: tuple  # what nobody outside its parties may read
    pdf: bytes
    subject: str
    recipients: tuple = ()  # an entry: whom a dispatch of it goes to

    @property
    def spec(self):
        return SPECS.get(self.key)


# ---- building, through the services ----------------------------------------------------------


# Two more level-4 clerks: group2.dopa of dopa's other group, group.cdd of cdd.
ADDED = (NewUser("group2.dopa", DOPA, ADMINISTRATION, 4),
         NewUser("group.cdd", CDD, "กลุ่มงานอำนวยการ", 4))


def register(s, owner, code, tag):
    """A letter registered by ``owner`` in register ``code``, every field and its PDF tagged."""
    pdf = pdf_bytes(marker=tag)
    fields = {"sender": f"ผู้ส่ง {tag}", "receiver": f"ผู้รับ {tag}", "doc_number": f"ลับ {tag}/9",
              "subject": f"เรื่องเฉพาะ {tag}", "action": f"ปฏิบัติ {tag}",
              "remarks": f"หมายเหตุ {tag}", "speed": "urgent", "secrecy": "normal"}
    entry = svc.register_entry(s, find_user(s, owner), code, fields, [Upload(f"แนบ{tag}.pdf", pdf)])
    return entry, pdf


def attachment_of(s, entry_id):
    return s.execute(select(Attachment.id).where(Attachment.entry_id == entry_id)).scalar_one()


def entry_item(s, key, entry, tag, pdf):
    """An entry, with whom its register sends to (someone who does not hold it yet)."""
    recipients = {
        "province_in": lambda: [find_agency(s, CDD).id],
        "agency_in": lambda: [find_group(s, DOPA, ADMINISTRATION).id],
        "group_in": lambda: [find_user(s, "group.dopa").id],
    }[entry.register]()
    return Item(key, entry.id, attachment_of(s, entry.id), (tag,), pdf, entry.subject,
                tuple(recipients))


def send_delivery(s, key, sender, entry, to, pdf, tag):
    [d] = dispatching.dispatch(s, find_user(s, sender), entry, [to], note=f"ส่งต่อ {note_of(key)}")
    return d, Item(key, d.id, attachment_of(s, entry.id), (tag, note_of(key)), pdf,
                   entry.subject)


def send_document(s, key, scope, sender, **to):
    tag = tag_of(key)
    pdf = pdf_bytes(marker=tag)
    document = docs.send(s, find_user(s, sender), scope, f"เอกสารเฉพาะ {tag}", f"ข้อความ {tag}",
                         [Upload(f"เอกสาร{tag}.pdf", pdf)], **to)
    return document, Item(key, document.id, document.files[0].id, (tag,), pdf, document.subject)


def build_world(app):
    with service_session(app) as s:
        dopa = find_agency(s, DOPA)
        items = {}
        e0, pdf1 = register(s, "central", "province_in", tag_of("L1"))
        d1, items["D1"] = send_delivery(s, "D1", "central", e0, dopa.id, pdf1, tag_of("L1"))
        e1 = dispatching.accept(s, find_user(s, "clerk.dopa"), d1)
        _d2, items["D2"] = send_delivery(s, "D2", "clerk.dopa", e1,
                                         find_group(s, DOPA, SECURITY).id, pdf1, tag_of("L1"))
        e2, pdf2 = register(s, "central", "province_in", tag_of("L2"))
        _d3, items["D3"] = send_delivery(s, "D3", "central", e2, dopa.id, pdf2, tag_of("L2"))
        e4, pdf4 = register(s, "group.dopa", "group_in", tag_of("L4"))
        _d4, items["D4"] = send_delivery(s, "D4", "group.dopa", e4,
                                         find_user(s, "officer.dopa").id, pdf4, tag_of("L4"))
        for key, entry, pdf, deliveries in (("L1", e0, pdf1, ("D1", "D2")),
                                            ("L2", e2, pdf2, ("D3",)),
                                            ("L4", e4, pdf4, ("D4",))):
            items[key] = Item(key, entry.id, attachment_of(s, entry.id),
                              (tag_of(key), *map(note_of, deliveries)), pdf, entry.subject)
        items["E0"] = entry_item(s, "E0", e0, tag_of("L1"), pdf1)
        items["E1"] = entry_item(s, "E1", e1, tag_of("L1"), pdf1)
        items["E4"] = entry_item(s, "E4", e4, tag_of("L4"), pdf4)
        _di, items["DI"] = send_document(s, "DI", INTERNAL, "officer.dopa",
                                         group_ids=[find_group(s, DOPA, ADMINISTRATION).id])
        _dx, items["DX"] = send_document(s, "DX", EXTERNAL, "clerk.cdd", agency_ids=[dopa.id])
        dr, items["DR"] = send_document(s, "DR", EXTERNAL, "clerk.cdd", agency_ids=[dopa.id])
        docs.receive(s, find_user(s, "clerk.dopa"), dr)
        assert e1.register == "agency_in" and e1.subject == e0.subject
        return items


@pytest.fixture(scope="module")
def users(app):
    add_users(app, *ADDED)


@pytest.fixture(scope="module")
def world(app, users):
    return build_world(app)


@pytest.fixture(scope="module")
def clients(app, users, world):
    """A test client per user, logged in once through the login form (anonymous: none)."""
    return logged_in_clients(app, USERS)


@pytest.fixture(scope="module")
def tokens(app, users):
    """JWT headers per user, as other systems call the API."""
    return api_tokens(app, LEVEL)


# ---- what the database and the disk hold ------------------------------------------------------

state = snapshot(Delivery.__table__, LetterEvent.__table__, RegisterEntry.__table__,
                 NumberCounter.__table__, Attachment.__table__, Document.__table__,
                 DocumentRecipient.__table__, DocumentFile.__table__)


# ---- the routes -------------------------------------------------------------------------------
#
# Each call takes (test client, Ask): the ids apart from the item, so that the same request can
# be made for ids that do not exist.


@dataclasses.dataclass(frozen=True)
class LetterRoute(Route):
    # kind: the item it names (delivery, letter, entry, document) or "list"
    levels: frozenset = ALL_LEVELS  # the levels whose role holds its permission
    view: str = ""  # a register dispatch: the screen it goes through


def _dispatch_form(ask):
    return {"recipients": [str(i) for i in ask.item.recipients], "note": f"ส่งโดยผู้อื่น {RUN}"}


def _api_dispatch_form(ask):
    return {"recipients": list(ask.item.recipients), "note": f"ส่งโดยผู้อื่น {RUN}"}


REASON = {"reason": f"ส่งคืนโดยผู้อื่น {RUN}"}
REGISTER_SCREENS = {  # the levels holding each register screen (app/access.py)
    "provinceincomingview": frozenset({1, 2}),
    "agencyincomingview": frozenset({1, 2, 3}),
    "groupincomingview": frozenset({1, 2, 3, 4}),
}

ROUTES = {
    # New incoming (InboxView) and the LetterApi, on a delivery.
    "inbox_open": LetterRoute("delivery", get("/inbox/open/{pk}")),
    "inbox_accept": LetterRoute("delivery", post("/inbox/accept/{pk}")),
    "inbox_return": LetterRoute("delivery", post("/inbox/return/{pk}", data=REASON)),
    "inbox_file": LetterRoute("delivery", get("/inbox/file/{pk}/{f}")),
    "inbox_file_download": LetterRoute("delivery", get("/inbox/file/{pk}/{f}?download=1")),
    "api_delivery": LetterRoute("delivery", get("/api/v1/letters/deliveries/{pk}"), api=True),
    "api_accept": LetterRoute("delivery", post("/api/v1/letters/deliveries/{pk}/accept"),
                              api=True),
    "api_return": LetterRoute("delivery", post("/api/v1/letters/deliveries/{pk}/return",
                                               json=REASON), api=True),
    # The letter's timeline.
    "api_timeline": LetterRoute("letter", get("/api/v1/letters/{pk}/timeline"), api=True),
    # Sending a register entry on, through each incoming register's screen and the API.
    **{f"dispatch_{view[:-len('incomingview')]}": LetterRoute(
        "entry", post(f"/{view}/dispatch/{{pk}}", data=_dispatch_form), levels=levels,
        view=view)
       for view, levels in REGISTER_SCREENS.items()},
    "api_dispatch": LetterRoute("entry", post("/api/v1/letters/entries/{pk}/dispatch",
                                              json=_api_dispatch_form),
                                api=True, levels=CLERK_LEVELS),
    # Documents (DocumentView, DocumentApi).
    "doc_show": LetterRoute("document", get("/documents/show/{pk}")),
    "doc_receive": LetterRoute("document", post("/documents/receive/{pk}")),
    "doc_file": LetterRoute("document", get("/documents/file/{pk}/{f}")),
    "doc_file_download": LetterRoute("document", get("/documents/file/{pk}/{f}?download=1")),
    "api_document": LetterRoute("document", get("/api/v1/documents/{pk}"), api=True),
    "api_document_receive": LetterRoute("document", post("/api/v1/documents/{pk}/receive"),
                                        api=True),
    "api_document_file": LetterRoute("document", get("/api/v1/documents/{pk}/files/{f}"),
                                     api=True),
    # The lists.
    "inbox_list": LetterRoute("list", get("/inbox/")),
    # Every level: a clerk's accepted letters, an officer's acknowledged ones.
    "inbox_received": LetterRoute("list", get("/inbox/received")),
    "inbox_received_xlsx": LetterRoute("list", get("/inbox/received.xlsx")),
    "api_inbox": LetterRoute("list", get("/api/v1/letters/inbox"), api=True),
    "documents_new": LetterRoute("list", get("/documents/")),
    "documents_received": LetterRoute("list", get("/documents/received")),
    "documents_sent": LetterRoute("list", get("/documents/sent")),
    **{f"api_documents_{name}": LetterRoute("list", get(f"/api/v1/documents/{name}"), api=True)
       for name in ("new", "received", "sent")},
}
add_cookie_variants(ROUTES, ("api_delivery", "api_accept", "api_return", "api_timeline",
                             "api_dispatch", "api_document", "api_document_receive",
                             "api_document_file"))


def call(app, clients, tokens, name, user, item, ghost=False, fid=None):
    """Make request ``name`` as ``user`` for ``item`` (None: a list); ``ghost``: for ids that do
    not exist; ``fid``: another file id."""
    ask = ask_for(item, ghost=ghost, file_id=fid)
    return send(app, clients, tokens, ROUTES, name, user, ask)


def expected_status(name, user):
    """The answer to ``user`` for an item that is not theirs, by the level's permissions."""
    route = ROUTES[name]
    return refusal_status(user, api=route.api, permitted=LEVEL.get(user) in route.levels,
                          listing=route.kind == "list")


def parties(name, spec):
    """Who the route serves ``spec`` to: a register screen only its own register's entries. (A
    document's sender is a party: it reads what it sent; that it may not receive it is checked
    on its own, below.)"""
    route = ROUTES[name]
    if route.view and route.view != spec.view:
        return frozenset()
    return spec.parties


def check_refusal(app, clients, tokens, name, user, item):
    return assert_refused(
        app, state, f"{name} as {user} on {item.key} #{item.pk}", user,
        expected_status(name, user),
        lambda ghost: call(app, clients, tokens, name, user, item, ghost=ghost), [item])


# ---- the intruders ----------------------------------------------------------------------------

ITEM_ROUTES = [n for n, r in ROUTES.items() if r.kind != "list"]
CASES = [(name, user, spec.key) for spec in SPECS.values() for name in ITEM_ROUTES
         if ROUTES[name].kind == spec.kind for user in USERS
         if user not in parties(name, spec)]


@pytest.mark.parametrize("name,user,key", CASES, ids=[f"{n}-{u}-vs-{k}" for n, u, k in CASES])
def test_intruder_is_refused_and_learns_nothing(app, clients, tokens, world, name, user, key):
    check_refusal(app, clients, tokens, name, user, world[key])


# ---- the lists: exactly one's own ------------------------------------------------------------

# Which item each list shows to whom (pending deliveries are new incoming, accepted ones are in
# the register received from the province; a document is new until received).
INBOX = {"D2": {"group.dopa"}, "D3": {"clerk.dopa"}, "D4": {"officer.dopa"}}
RECEIVED = {"D1": {"clerk.dopa"}}
NEW_DOCUMENTS = {"DI": {"clerk.dopa", "group2.dopa"}, "DX": {"clerk.dopa"}}
RECEIVED_DOCUMENTS = {"DR": {"clerk.dopa"}}
SENT_DOCUMENTS = {"DI": {"officer.dopa"}, "DX": {"clerk.cdd"}, "DR": {"clerk.cdd"}}
LISTED = {
    "inbox_list": (INBOX, r'id="delivery-(\d+)"'),
    "api_inbox": (INBOX, None),
    "inbox_received": (RECEIVED, r'id="received-(\d+)"'),
    "inbox_received_xlsx": (RECEIVED, None),
    "documents_new": (NEW_DOCUMENTS, r'id="document-(\d+)"'),
    "api_documents_new": (NEW_DOCUMENTS, None),
    "documents_received": (RECEIVED_DOCUMENTS, r'id="document-(\d+)"'),
    "api_documents_received": (RECEIVED_DOCUMENTS, None),
    "documents_sent": (SENT_DOCUMENTS, r'data-document="(\d+)"'),
    "api_documents_sent": (SENT_DOCUMENTS, None),
}
assert set(LISTED) == {n for n, r in ROUTES.items() if r.kind == "list"}


def listed_ids(name, r):
    pattern = LISTED[name][1]
    if pattern:
        return ids_in(r, pattern)
    if name.startswith("api_"):
        return {d["id"] for d in r.json["result"]}
    return None  # the Excel file: by its rows


@pytest.mark.parametrize("name", list(LISTED))
@pytest.mark.parametrize("user", USERS)
def test_lists_hold_exactly_ones_own(app, clients, tokens, world, name, user):
    shows, _pattern = LISTED[name]
    mine = [world[k] for k, who in shows.items() if user in who]
    where = f"{name} as {user}"

    def listing(r, status):
        if status == 200:
            ids = listed_ids(name, r)
            if ids is not None:
                assert ids == {i.pk for i in mine}, where
            else:
                assert r.mimetype == XLSX, where
                _header, rows = xlsx_table(r.get_data(), "เลขรับ")
                assert sorted(row[6] for row in rows) == sorted(i.subject for i in mine), where
            for item in mine:  # the list does show items: the others' absence means something
                assert item.secret_strings[0] in shown(r), f"{where}: own {item.key} missing"
        elif status != 302:
            assert not mine

    # No word of an item the user has no part in (nor of a note they could not have read).
    known = {s for key, spec in SPECS.items() if user in spec.knowers
             for s in world[key].secret_strings}
    unknown = [item for key, item in world.items() if user not in SPECS[key].knowers]
    assert_refused(app, state, where, user, expected_status(name, user),
                   lambda ghost: call(app, clients, tokens, name, user, None), unknown,
                   then=listing, allowed=known)


# ---- a file of another item, asked for through one's own --------------------------------------

FOREIGN_FILES = [
    # (user, own item, item whose file is asked for, routes)
    ("clerk.dopa", "D3", "D4", ("inbox_file", "inbox_file_download")),
    ("clerk.dopa", "D1", "D3", ("inbox_file",)),
    ("group.dopa", "D2", "D3", ("inbox_file", "inbox_file_download")),
    ("officer.dopa", "D4", "D1", ("inbox_file", "inbox_file_download")),
    ("group2.dopa", "DI", "DX", ("doc_file", "doc_file_download", "api_document_file")),
    ("officer.dopa", "DI", "DR", ("doc_file", "api_document_file")),
    ("clerk.cdd", "DX", "DI", ("doc_file", "doc_file_download", "api_document_file")),
]


@pytest.mark.parametrize("user,own,key,names", FOREIGN_FILES,
                         ids=[f"{u}-own-{o}-file-of-{k}" for u, o, k, _n in FOREIGN_FILES])
def test_foreign_file_through_own_item_gets_404(app, clients, tokens, world, user, own, key,
                                                names):
    assert_foreign_file_is_404(
        app, state, f"as {user}: {own} with the file of {key}", names,
        lambda name, fid: call(app, clients, tokens, name, user, world[own], fid=fid),
        world[own], world[key], unseen=user not in SPECS[key].knowers)


# ---- a document's sender reads it, and may not receive it -------------------------------------


@pytest.mark.parametrize("key", ["DI", "DX"])
def test_the_sender_may_not_receive_a_document(app, clients, tokens, world, key):
    item, sender = world[key], SPECS[key].sender
    for name, status in (("doc_receive", 302), ("api_document_receive", 403),
                         ("api_document_receive_by_cookie", 403)):
        before = state(app)
        r = call(app, clients, tokens, name, sender, item)
        assert r.status_code == status, (name, r.status_code)
        if status == 302:
            assert r.headers["Location"].endswith(f"/documents/show/{item.pk}"), name
        assert state(app) == before, name


# ---- positive controls: the parties read their items through the very same requests ----------

READS = {
    "delivery": ("inbox_open", "inbox_file", "inbox_file_download", "api_delivery",
                 "api_delivery_by_cookie"),
    "letter": ("api_timeline", "api_timeline_by_cookie"),
    "document": ("doc_show", "doc_file", "doc_file_download", "api_document",
                 "api_document_by_cookie", "api_document_file", "api_document_file_by_cookie"),
}
READERS = [(name, user, spec.key) for spec in SPECS.values() for name in READS.get(spec.kind, ())
           for user in sorted(spec.parties)]


@pytest.mark.parametrize("name,user,key", READERS,
                         ids=[f"{n}-{u}-reads-{k}" for n, u, k in READERS])
def test_parties_read_their_items(app, clients, tokens, world, name, user, key):
    item = world[key]
    where = f"{name} as {user} on {key}"
    r = call(app, clients, tokens, name, user, item)
    assert r.status_code == 200, f"{where}: {r.status_code} {text_of(r)[-300:]}"
    if "file" in name:
        assert_file(r, item.pdf, name not in ("inbox_file", "doc_file"), where)
        assert tag_of(item.key if item.spec.kind == "document" else item.spec.letter) in unquote(
            r.headers["Content-Disposition"]), where
    elif item.spec.kind == "letter":
        # Every step of the letter, with every delivery's note (the timeline has no subject).
        assert all(note in shown(r) for note in item.secret_strings[1:]), where
        assert {e["delivery_id"] for e in r.json["result"]} >= {
            world[k].pk for k, s in SPECS.items() if s.kind == "delivery" and s.letter == key}
    else:
        # Its subject and its note (a document: its file's name too).
        assert_shown(item.secret_strings, r, where)
        if name in ("inbox_open", "doc_show"):
            assert f"/file/{item.pk}/{item.file_id}" in r.get_data(as_text=True), where


# ---- positive controls of the writing routes: the parties' requests work ---------------------
#
# Last in the module (pytest runs a module's tests in order), on items built for the purpose:
# they would otherwise change the world the tests above count on.


def fresh_delivery(app, kind, key):
    """A delivery of a new letter: to dopa, to dopa's group ฝ่ายความมั่นคง, or to officer.dopa."""
    with service_session(app) as s:
        tag = tag_of(key)
        if kind == "agency":
            entry, pdf = register(s, "central", "province_in", tag)
            to, sender = find_agency(s, DOPA).id, "central"
        elif kind == "group":
            entry, pdf = register(s, "clerk.dopa", "agency_in", tag)
            to, sender = find_group(s, DOPA, SECURITY).id, "clerk.dopa"
        else:
            entry, pdf = register(s, "group.dopa", "group_in", tag)
            to, sender = find_user(s, "officer.dopa").id, "group.dopa"
        return send_delivery(s, key, sender, entry, to, pdf, tag)[1]


SERIAL = itertools.count(1)
DECIDERS = {"agency": "clerk.dopa", "group": "group.dopa", "person": "officer.dopa"}


@pytest.mark.parametrize("kind", list(DECIDERS))
def test_recipients_accept_and_return(app, clients, tokens, world, dbq, kind):
    user = DECIDERS[kind]
    for name, status in (("inbox_accept", 302), ("inbox_return", 302), ("api_accept", 200),
                         ("api_return", 200), ("api_accept_by_cookie", 200)):
        item = fresh_delivery(app, kind, f"W{next(SERIAL)}")
        entries = dbq.count(RegisterEntry)
        r = call(app, clients, tokens, name, user, item)
        assert r.status_code == status, (name, r.status_code, text_of(r)[-300:])
        d = dbq(lambda s: s.get(Delivery, item.pk))
        if "accept" in name:
            assert d.status == ACCEPTED, name
            # An agency or a group enters the letter in its register; a person reads it.
            assert dbq.count(RegisterEntry) == entries + (kind != "person"), name
        else:
            assert (d.status, d.return_reason) == (RETURNED, REASON["reason"]), name


def fresh_document(app, key, scope):
    with service_session(app) as s:
        if scope == INTERNAL:
            to = {"group_ids": [find_group(s, DOPA, ADMINISTRATION).id]}
            return send_document(s, key, INTERNAL, "officer.dopa", **to)[1]
        to = {"agency_ids": [find_agency(s, DOPA).id]}
        return send_document(s, key, EXTERNAL, "clerk.cdd", **to)[1]


@pytest.mark.parametrize("scope,user", [(INTERNAL, "clerk.dopa"), (INTERNAL, "group2.dopa"),
                                        (EXTERNAL, "clerk.dopa")])
def test_recipients_receive_documents(app, clients, tokens, world, dbq, scope, user):
    for name, status in (("doc_receive", 302), ("api_document_receive", 200),
                         ("api_document_receive_by_cookie", 200)):
        item = fresh_document(app, f"W{next(SERIAL)}", scope)
        r = call(app, clients, tokens, name, user, item)
        assert r.status_code == status, (name, r.status_code, text_of(r)[-300:])
        rows = dbq(lambda s: [(x.received_at is not None, x.received_by.username)
                              for x in s.query(DocumentRecipient).filter_by(document_id=item.pk)
                              if x.received_by is not None])
        assert rows == [(True, user)], name


def fresh_entry(app, key, owner, code):
    with service_session(app) as s:
        entry, pdf = register(s, owner, code, tag_of(key))
        return entry_item(s, key, entry, tag_of(key), pdf)


@pytest.mark.parametrize("key", ["E0", "E1", "E4"])
def test_keepers_dispatch_their_entries(app, clients, tokens, world, dbq, key):
    """Each entry's keepers (its owner, and the administrator) send it on, through its own
    register's screen and the API, with the very requests the intruders made."""
    spec = SPECS[key]
    owner, code = {"E0": ("central", "province_in"), "E1": ("clerk.dopa", "agency_in"),
                   "E4": ("group.dopa", "group_in")}[key]
    screen = next(n for n, r in ROUTES.items() if r.view == spec.view)
    for user in sorted(spec.parties):
        for name, status in ((screen, 302), ("api_dispatch", 201),
                             ("api_dispatch_by_cookie", 201)):
            item = fresh_entry(app, f"W{next(SERIAL)}", owner, code)
            r = call(app, clients, tokens, name, user, item)
            assert r.status_code == status, (user, name, r.status_code, shown(r)[-300:])
            sent = dbq(lambda s: s.query(Delivery).filter_by(entry_id=item.pk).count())
            assert sent == 1, (user, name)
