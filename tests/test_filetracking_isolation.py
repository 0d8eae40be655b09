"""Isolation of the file-for-signature tracking (ระบบติดตามแฟ้มเสนอลงนาม): outside a file's parties
nobody reads or changes anything of it, on any route of the file-tracking screens.

The parties of a tracked file: the users of its proposer's agency (they read it), the executives'
secretaries (the FAB role เลขานุการผู้บริหาร given on top of a level: demo user ``secretary``) and
the administrator. Moving it: the secretaries (and the administrator) along the route, its owner
(the proposer) only to withdraw it or to propose it again after a correction; the other users of
the owner's agency read it and may not move it.

One world is built once for the module, through the service, each file with a distinctive tag
(ASCII, so that it survives HTML escaping, URL quoting, Excel and a PDF's text) in its subject,
its attachment's name and the attachment's PDF metadata, and every move's note tagged as well:

- the victims, proposed by officer.dopa (ที่ทำการปกครองจังหวัด): F1 to the governor, still where
  it was proposed; F2 to a deputy, moved on by the secretary to the deputy (two noted moves); F3
  to a deputy, returned by the secretary for correction (its note says what to correct);
- the bystanders, so that the intruders' own lists are not empty and their victims' absence
  means something: C1 of สำนักงานพัฒนาชุมชนจังหวัด (cdd, by officer.cdd, moved once) and X1 of
  สำนักงานจังหวัด (the Provincial Office, by central).

Two users are added to cover every level of an intruder: group.cdd (level 4 of cdd) and
officer.po (level 5 of the Provincial Office: the secretary's own agency, without the role).

Then every intruder calls every route on every victim: show, the attachment (inline and as a
download), the cover sheet (PDF), the move form's POST (a secretary's step, a withdrawal, a
correction; a user of the owner's agency tries these too), FAB's delete, edit, download and
action routes (gone for everyone, parties included), and the lists, which every user calls:
search (plain, by number, subject, executive, stage, dates and everything at once), the Excel
export (the same), my files, the dashboard (counts only), the secretaries' queue, the add form
and the home page; each holds exactly the files the user reads (the dashboard's counts are
theirs, my files their own). Each refused request answers 403 (the queue, without the role),
404 (a file out of scope: byte for byte the 404 for an id that does not exist on the same route,
status, headers but the session cookie, and body), a redirect to the login page (anonymous), or,
for a user of the owner's agency who tries to move it, a redirect back to the file with a Thai
refusal; shows nothing of the file (subject, attachment name, file bytes, notes: in the
headers, the HTML, every cell of a workbook, the text of a PDF); and changes nothing:
tracked_file, file_move, tracked_file_attachment, number_series, number_counter and the files
stored under ATTACHMENTS_DIR are compared before and after.

Positive controls make the very same requests as the parties (so that a route that merely broke
fails here too): the owner, the agency's readers, the secretary and the administrator read; the
secretary's and the administrator's moves along the route work, the owner withdraws and proposes
again after a correction (last in the module, on files built for the purpose). A service-level
check covers the scope, ``visible``, ``is_secretary`` and the moves offered, for every user.
"""

import dataclasses
import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app.models import Agency, EOfficeUser, NumberCounter, NumberSeries
from app.models.filetracking import (
    Executive,
    FileMove,
    FileStage,
    TrackedFile,
    TrackedFileAttachment,
)
from app.services import correspondence
from app.services import filetracking as ft
from app.services.attachments import Upload
from app.thai import BANGKOK
from tests.conftest import DB, text_of
from tests.files import pdf_bytes
from tests.isolation import (ANON, CDD, DOPA, PROVINCE, RUN, XLSX, NewUser, NumberedItem, Route,
                             add_users, ask_for, assert_file, assert_foreign_file_is_404,
                             assert_nothing_of, assert_pdf_says, assert_refused, assert_shown, be,
                             fab_routes, find_user, get, ids_in, logged_in_clients, post,
                             refusal_status, searched_routes, service_session, snapshot, unchanged,
                             xlsx_table)

REFUSED_MOVE = "ไม่มีสิทธิ์เคลื่อนแฟ้มนี้"  # the service's refusal of a move to a non-mover
OFF_ROUTE = "ไม่ได้ตามเส้นทางที่กำหนด"  # a mover's move the route does not allow

# ---- who is who (app/services/demo.py, and the two users added below) ---------------------------

LEVEL = {"admin": 1, "central": 2, "clerk.dopa": 3, "clerk.cdd": 3, "group.dopa": 4,
         "group.cdd": 4, "officer.dopa": 5, "officer.cdd": 5, "officer.po": 5, "secretary": 5}
AGENCY = {"admin": PROVINCE, "central": PROVINCE, "clerk.dopa": DOPA, "clerk.cdd": CDD,
          "group.dopa": DOPA, "group.cdd": CDD, "officer.dopa": DOPA, "officer.cdd": CDD,
          "officer.po": PROVINCE, "secretary": PROVINCE}
# Users the demo has not.
ADDED = (NewUser("group.cdd", CDD, "กลุ่มงานอำนวยการ", 4),
         NewUser("officer.po", PROVINCE, "กลุ่มงานอำนวยการ", 5))
USERS = (*LEVEL, ANON)
# Who counts as a secretary: the holder of the role, and the administrator standing in.
SECRETARIES = frozenset({"secretary", "admin"})


@dataclasses.dataclass(frozen=True)
class Spec:
    key: str
    owner: str  # who proposes it
    executive: str  # governor, deputy: the kind of executive it is proposed to
    path: tuple = ()  # the stages the secretary then moves it through, each with a note

    @property
    def stage(self):
        return self.path[-1] if self.path else "proposed"

    @property
    def readers(self):
        """The proposer's agency, the secretaries and the administrator."""
        return frozenset({u for u in LEVEL if AGENCY[u] == AGENCY[self.owner]} | SECRETARIES)

    @property
    def movers(self):
        """Who may ask to move it at all: the secretaries and its owner."""
        return SECRETARIES | {self.owner}


SPECS = {s.key: s for s in (
    Spec("F1", "officer.dopa", "governor"),
    Spec("F2", "officer.dopa", "deputy", ("secretary", "with_deputy")),
    Spec("F3", "officer.dopa", "deputy", ("secretary", "correction")),
    Spec("C1", "officer.cdd", "deputy", ("secretary",)),
    Spec("X1", "central", "governor"),
)}
VICTIMS = ("F1", "F2", "F3")
INTRUDERS = [u for u in USERS if u not in SPECS["F1"].readers]
assert INTRUDERS == ["central", "clerk.cdd", "group.cdd", "officer.cdd", "officer.po", ANON]
assert all(SPECS[k].readers == SPECS["F1"].readers for k in VICTIMS)
# The same agency's users who read the victims and may not move them.
SAME_AGENCY_READERS = sorted(SPECS["F1"].readers - SPECS["F1"].movers)
assert SAME_AGENCY_READERS == ["clerk.dopa", "group.dopa"]

# A step the route allows someone from each stage (the secretary's, or from a correction the
# owner's proposing it again): what an intruder would most like to do.
FORWARD = {"proposed": "secretary", "secretary": "with_deputy", "with_deputy": "deputy_signed",
           "correction": "proposed"}


def tag_of(key):
    return f"ZF{key}{RUN}"


@dataclasses.dataclass
class Item(NumberedItem):
    subject: str
    filename: str
    pdf: bytes
    notes: tuple
    executive_id: int
    registered_on: str  # the day it was proposed, in Bangkok, as the search form takes it

    @property
    def secret_strings(self):
        """What nobody outside its readers may read."""
        return [self.tag, self.subject, self.filename, *self.notes]

    def search(self, kind):
        """Search arguments that find this file (none of them a secret string whole: the list
        echoes them in its form and its export link)."""
        args = {"number": {"number": self.number},
                "subject": {"subject": f"KS{self.key}{RUN}"},
                "executive": {"executive": str(self.executive_id)},
                "stage": {"stage": self.spec.stage},
                "dates": {"date_from": self.registered_on, "date_to": self.registered_on}}
        if kind == "all":
            return {k: v for a in args.values() for k, v in a.items()}
        return args[kind]


# ---- building, through the service --------------------------------------------------------------


def _executive(s, kind):
    return s.execute(select(Executive).where(Executive.kind == kind)
                     .order_by(Executive.id)).scalars().first()


def build(app, specs, tag=tag_of):
    """Propose ``specs`` through the service, each by its owner with one tagged PDF, then move
    each through its path as the secretary, every move with a tagged note. In a request context
    left before anyone logs in."""
    with service_session(app) as s:
        out = {}
        for spec in specs:
            t = tag(spec.key)
            executive = _executive(s, spec.executive)
            subject = f"ขออนุมัติโครงการเฉพาะ {t} คำค้น KS{spec.key}{RUN}"
            filename, pdf = f"บันทึกเสนอ{t}.pdf", pdf_bytes(marker=t)
            f = ft.register_file(s, find_user(s, spec.owner), {
                "subject": subject, "executive_id": executive.id, "speed": "urgent"},
                [Upload(filename, pdf)])
            notes = []
            for n, stage in enumerate(spec.path, start=1):
                note = f"บันทึกฝ่ายเลขานุการ ZN{spec.key}{n}{RUN}"
                ft.move(s, find_user(s, "secretary"), f, stage, note=note)
                notes.append(note)
            [a] = f.files
            day = f.registered_at.replace(tzinfo=dt.timezone.utc).astimezone(BANGKOK).date()
            out[spec.key] = Item(spec, f.id, a.id, a.storage_name, f.number_text(), t,
                                 subject, filename, pdf, tuple(notes), executive.id, be(day))
        return out


@pytest.fixture(scope="module")
def world(app):
    add_users(app, *ADDED)
    items = build(app, SPECS.values())
    # A world that says what it should: agencies, proposers and stages as specified.
    rows = DB(app)(lambda s: {f.id: (f.agency.code, f.proposer.username, f.stage, len(f.moves))
                              for f in s.query(TrackedFile)})
    assert len(rows) == len(items)
    for item in items.values():
        spec = item.spec
        assert rows[item.pk] == (AGENCY[spec.owner], spec.owner, spec.stage,
                                 1 + len(spec.path)), item.key
    # The role, as the database holds it (is_secretary itself is checked below, per user).
    holders = DB(app)(lambda s: {u for u in LEVEL
                                 if ft.SECRETARY_ROLE in {r.name for r in find_user(s, u).roles}})
    assert holders == {"secretary"}
    return items


@pytest.fixture(scope="module")
def clients(app, world):
    """A test client per user, logged in once through the login form (anonymous: a fresh client
    for every request, see ``client``)."""
    return logged_in_clients(app, LEVEL)


def client(app, clients, user):
    # Anonymous: no session at all, so that one refusal's flashed message cannot show in the
    # next answer.
    return app.test_client() if user == ANON else clients[user]


# ---- what the database and the disk hold --------------------------------------------------------

# Every row of the tables, and every stored file (path and size).
state = snapshot(TrackedFile.__table__, FileMove.__table__, TrackedFileAttachment.__table__,
                 NumberSeries.__table__, NumberCounter.__table__)


# ---- reading a response as a person (or a program) would ---------------------------------------


def xlsx_subjects(data):
    """The subjects column of an export (under its title and header rows)."""
    header, rows = xlsx_table(data, "เลขที่แฟ้ม")
    column = header.index("เรื่อง")
    return [row[column] for row in rows]


def unseen(world, user):
    return [i for i in world.values() if user not in i.spec.readers]


# ---- the routes ---------------------------------------------------------------------------------
#
# Each call takes (test client, Ask): the ids and the stored name apart from the item, so that
# the same request can be made for ids that do not exist.

MOVE_NOTE = f"บันทึกการเคลื่อนแฟ้ม MV{RUN}"


def _move(stage_of):
    return post("/files/move/{pk}", data=lambda a: {"stage": stage_of(a.item), "note": MOVE_NOTE})


SEARCHES = ("number", "subject", "executive", "stage", "dates", "all")
ROUTES = {
    # kind: read, move (name a file); gone (FAB's, no route); list, queue, form (name none, or
    # search)
    "show": Route("read", get("/files/show/{pk}")),
    "file_inline": Route("read", get("/files/file/{pk}/{f}")),
    "file_download": Route("read", get("/files/file/{pk}/{f}?download=1")),
    "cover": Route("read", get("/files/cover/{pk}")),
    "move_forward": Route("move", _move(lambda i: FORWARD[i.spec.stage])),
    "move_withdraw": Route("move", _move(lambda i: "withdrawn")),
    "move_correction": Route("move", _move(lambda i: "correction")),
    **fab_routes("/files", edit={"subject": f"แก้โดยผู้อื่น {RUN}", "stage": "returned"}),
    # The lists: plain, and searched for the item.
    **searched_routes("/files/list/", "/files/xlsx", SEARCHES),
    "mine": Route("list", get("/files/mine")),
    "dashboard": Route("list", get("/files/dashboard")),
    "queue": Route("queue", get("/files/queue")),
    "add_get": Route("form", get("/files/add")),
}
ITEM_ROUTES = [n for n, r in ROUTES.items() if r.kind in ("read", "move", "gone")]
LIST_ROUTES = [n for n, r in ROUTES.items() if r.kind in ("list", "queue", "form")]


def call(app, clients, name, user, item, ghost=False, file_id=None):
    """Make request ``name`` as ``user`` for ``item``; ``ghost``: the same request for a file and
    an attachment that do not exist."""
    return ROUTES[name].call(client(app, clients, user), ask_for(item, ghost=ghost,
                                                                 file_id=file_id))


def expected_status(name, user, item):
    """The answer to ``user`` who is no party to ``item``'s route (a reader, for a move)."""
    kind = ROUTES[name].kind
    if kind == "gone":
        return 404
    if user != ANON and kind == "move" and user in item.spec.readers:
        return 302  # back to the file, refused, with the reason why
    # The queue is the secretaries' alone; every other list and the add form are everyone's.
    return refusal_status(user, permitted=kind != "queue" or user in SECRETARIES,
                          listing=kind in ("list", "queue", "form"))


def scope_of(world, user):
    return {i.pk for i in world.values() if user in i.spec.readers}


def listed_ids(r, pattern=r'id="file-(\d+)"'):
    return ids_in(r, pattern)


def check_refusal(app, clients, world, name, user, item):
    """Call ``name`` as ``user`` on ``item`` and check the refusal as a whole."""
    where = f"{name} as {user} on {item.key} #{item.pk}"

    def answered(r, status):
        if status == 302 and user != ANON:
            # A reader of the agency: back to the file, and told (in Thai) that the move is not
            # theirs.
            assert r.headers["Location"].endswith(f"/files/show/{item.pk}"), where
            page = clients[user].get(r.headers["Location"])
            assert page.status_code == 200 and REFUSED_MOVE in text_of(page), (
                f"{where}: not refused")

    # Nothing of the victim, nor of anything else the user does not read.
    return assert_refused(
        app, state, where, user, expected_status(name, user, item),
        lambda ghost: call(app, clients, name, user, item, ghost=ghost),
        [item, *[i for i in unseen(world, user) if i is not item]], then=answered)


# ---- the intruders ------------------------------------------------------------------------------

CASES = [(name, user, key) for key in VICTIMS for name in ITEM_ROUTES for user in USERS
         # FAB's routes: gone for everyone, parties too (whatever the file: once, on F1)
         if ROUTES[name].kind == "gone" and key == "F1"
         or ROUTES[name].kind == "read" and user not in SPECS[key].readers
         or ROUTES[name].kind == "move" and user not in SPECS[key].movers]


@pytest.mark.parametrize("name,user,key", CASES, ids=[f"{n}-{u}-vs-{k}" for n, u, k in CASES])
def test_intruder_is_refused_and_learns_nothing(app, clients, world, name, user, key):
    check_refusal(app, clients, world, name, user, world[key])


# ---- the lists: exactly what one reads ----------------------------------------------------------


def dashboard_rows(r):
    """{stage: (files there now, stays counted)} from the dashboard's table."""
    out = {}
    for code, row in re.findall(r'<tr id="dash-(\w+)">(.*?)</tr>', r.get_data(as_text=True),
                                re.S):
        count, _median, stays = re.findall(r'<td class="text-right">([^<]*)</td>', row)
        out[code] = (int(count), int(stays))
    return out


def expected_dashboard(app, user):
    """Per stage, over the files the user reads (the proposer's agency's, or every file for the
    secretaries): how many are there now, and how many stays there have ended."""
    def read(s):
        files = [f for f in s.query(TrackedFile).order_by(TrackedFile.id)
                 if user in SECRETARIES or f.agency.code == AGENCY[user]]
        out = {code: [0, 0] for (code,) in s.query(FileStage.code)}
        for f in files:
            out[f.stage][0] += 1
            for m in list(f.moves)[:-1]:
                out[m.to_stage][1] += 1
        return {code: tuple(v) for code, v in out.items()}

    return DB(app)(read)


def check_listing(app, world, name, user, item, r, where):
    """A list, an export, my files, the dashboard, the queue or the add form answered 200: what
    the user reads, all of it when unsearched; the item searched for if they read it."""
    mine = scope_of(world, user)
    base, _sep, search = name.partition("_")
    if name == "add_get":
        assert 'name="subject"' in r.get_data(as_text=True), where
    elif name == "mine":
        own = {i.pk for i in world.values() if i.spec.owner == user}
        assert listed_ids(r) == own, f"{where}: {sorted(listed_ids(r))}"
    elif name == "dashboard":
        assert dashboard_rows(r) == expected_dashboard(app, user), where
    elif name == "queue":
        # Every file on its way (none of the world has reached the end of its road).
        assert listed_ids(r, r'id="queued-(\d+)"') == {i.pk for i in world.values()}, where
    elif base == "list":
        ids = listed_ids(r)
        assert ids <= mine, f"{where}: {sorted(ids)} outside {sorted(mine)}"
        if not search:
            assert ids == mine and ids, f"{where}: {sorted(ids)}"
        elif user in item.spec.readers:
            assert item.pk in ids, f"{where}: {item.key} not found"
            if search in ("number", "subject", "all"):
                assert ids == {item.pk}, f"{where}: {sorted(ids)}"
        else:
            assert item.pk not in ids, where
    else:
        assert r.mimetype == XLSX, where
        subjects = xlsx_subjects(r.get_data())
        readable = {i.subject: i.pk for i in world.values() if i.pk in mine}
        assert set(subjects) <= set(readable), f"{where}: {subjects}"
        if not search:
            assert sorted(subjects) == sorted(readable) and subjects, where
        elif user in item.spec.readers:
            assert item.subject in subjects, where
            if search in ("number", "subject", "all"):
                assert subjects == [item.subject], where


def _list_cases():
    """Every list for every user; the searched ones for each victim (the others once)."""
    out = []
    for name in LIST_ROUTES:
        searched = name.split("_", 1)[-1] in SEARCHES
        for key in (VICTIMS if searched else VICTIMS[:1]):
            out += [(name, user, key) for user in USERS]
    return out


LIST_CASES = _list_cases()


@pytest.mark.parametrize("name,user,key", LIST_CASES,
                         ids=[f"{n}-{u}-for-{k}" for n, u, k in LIST_CASES])
def test_lists_show_exactly_what_one_reads(app, clients, world, name, user, key):
    item = world[key]
    where = f"{name} as {user} for {key}"

    def listing(r, status):
        if status == 200:
            check_listing(app, world, name, user, item, r, where)

    assert_refused(app, state, where, user, expected_status(name, user, item),
                   lambda ghost: call(app, clients, name, user, item, ghost=ghost),
                   unseen(world, user), then=listing)


@pytest.mark.parametrize("user", USERS)
def test_home_page_shows_nothing_of_others_files(app, clients, world, user):
    r = client(app, clients, user).get("/")
    assert r.status_code in (200, 302), (user, r.status_code)
    assert_nothing_of(unseen(world, user), r, f"home as {user}")


# ---- an attachment of another file, asked for through one's own --------------------------------

FOREIGN_FILES = [
    # (user, a file they read, the file whose attachment they ask for through it)
    ("clerk.cdd", "C1", "F1"), ("officer.cdd", "C1", "F3"), ("central", "X1", "F2"),
    ("officer.po", "X1", "F1"), ("officer.dopa", "F1", "C1"), ("clerk.dopa", "F2", "F3"),
    ("secretary", "F1", "F2"), ("admin", "X1", "F1"),
]


@pytest.mark.parametrize("user,own,key", FOREIGN_FILES,
                         ids=[f"{u}-own-{o}-file-of-{k}" for u, o, k in FOREIGN_FILES])
def test_another_files_attachment_through_ones_own_is_404(app, clients, world, user, own, key):
    assert_foreign_file_is_404(
        app, state, f"as {user}: {own} with the attachment of {key}",
        ("file_inline", "file_download"),
        lambda name, file_id: call(app, clients, name, user, world[own], file_id=file_id),
        world[own], world[key])


# ---- the service itself -------------------------------------------------------------------------


@pytest.mark.parametrize("user", [*USERS, None])
def test_the_service_scope(app, world, user):
    """``scope``, ``visible``, ``search``, ``is_secretary``, ``my_files`` and the moves offered,
    for every user (and for no user at all)."""
    def check(s):
        actor = (None if user is None else AnonymousUserMixin() if user == ANON
                 else find_user(s, user))
        assert ft.is_secretary(actor) is (user in SECRETARIES), user
        seen = {f.id for f in s.execute(select(TrackedFile).where(ft.scope(actor))).scalars()}
        assert seen == scope_of(world, user), user
        found = {f.id for f in s.execute(ft.search(actor, {})).scalars()}
        assert found == scope_of(world, user), user
        for item in world.values():
            spec = item.spec
            tracked = ft.visible(s, actor, item.pk)
            assert (tracked is not None) is (user in spec.readers), (user, item.key)
            assert ft.visible(s, actor, str(item.pk)) is tracked, (user, item.key)
            if actor is None or user == ANON:
                continue
            tracked = s.get(TrackedFile, item.pk)
            offered = {st.code for st in ft.next_stages(s, actor, tracked)}
            if user not in spec.movers:
                assert offered == set(), (user, item.key, offered)
            elif user == spec.owner and user not in SECRETARIES:
                # The owner: withdraw, or propose again after a correction; nothing else.
                assert offered == ({"proposed", "withdrawn"} if spec.stage == "correction"
                                   else {"withdrawn"}), (user, item.key, offered)
            elif spec.stage != "correction":
                assert FORWARD[spec.stage] in offered and "proposed" not in offered, (
                    user, item.key, offered)
        if actor is not None and user != ANON:
            assert {f.id for f in ft.my_files(s, actor)} == {
                i.pk for i in world.values() if i.spec.owner == user}, user

    DB(app)(check)


# ---- positive controls: the parties read, through the very same requests ------------------------

READS = ["show", "file_inline", "file_download", "cover"]
READERS = [(name, user, key) for key in VICTIMS for user in sorted(SPECS[key].readers)
           for name in READS
           # The cover sheet is a Chromium print: every reader on F1, the owner on the others.
           if name != "cover" or key == "F1" or user == SPECS[key].owner]


@pytest.mark.parametrize("name,user,key", READERS,
                         ids=[f"{n}-{u}-reads-{k}" for n, u, k in READERS])
def test_parties_read_the_file(app, clients, world, name, user, key):
    item = world[key]
    where = f"{name} as {user} on {key}"
    with unchanged(app, state, where):
        r = call(app, clients, name, user, item)
        assert r.status_code == 200, f"{where}: {r.status_code} {text_of(r)[-300:]}"
        if name.startswith("file"):
            assert_file(r, item.pdf, name == "file_download", where)
            assert item.filename in unquote(r.headers["Content-Disposition"]), where
        elif name == "cover":
            assert_pdf_says(r, (item.tag, item.number), where)
        else:
            assert_shown(item.secret_strings, r, where)
            body = r.get_data(as_text=True)
            assert f"/files/file/{item.pk}/{item.file_id}" in body, where
            # The move form: the secretaries' along the route (none from a correction: that is the
            # owner's), the owner's to withdraw or propose again; the agency's readers have none.
            form = re.search(r'<form[^>]*id="move-form".*?</form>', body, re.S)
            offered = set(re.findall(r'<option value="(\w+)"', form.group(0))) if form else set()
            spec = item.spec
            if user in SECRETARIES:
                if spec.stage == "correction":
                    assert form is None, f"{where}: {offered}"
                else:
                    assert FORWARD[spec.stage] in offered, f"{where}: {offered}"
                assert "proposed" not in offered, where
            elif user == spec.owner:
                assert offered == ({"proposed", "withdrawn"} if spec.stage == "correction"
                                   else {"withdrawn"}), f"{where}: {offered}"
            else:
                assert form is None, f"{where}: a move form for a reader"


# ---- the movers themselves, off the route: refused, nothing changed ------------------------------

OFF_ROUTE_MOVES = [
    ("officer.dopa", "F1", "move_forward"),  # proposed -> secretary: the secretaries' step
    ("officer.dopa", "F2", "move_correction"),  # the owner does not send back to themselves
    ("secretary", "F3", "move_forward"),  # correction -> proposed: the owner's step
    ("admin", "F3", "move_forward"),
]


@pytest.mark.parametrize("user,key,name", OFF_ROUTE_MOVES,
                         ids=[f"{u}-{n}-{k}" for u, k, n in OFF_ROUTE_MOVES])
def test_movers_are_kept_to_the_route(app, clients, world, user, key, name):
    item = world[key]
    where = f"{name} as {user} on {key}"
    with unchanged(app, state, where):
        r = call(app, clients, name, user, item)
        assert r.status_code == 302, where
        assert r.headers["Location"].endswith(f"/files/show/{item.pk}"), where
        assert OFF_ROUTE in text_of(clients[user].get(r.headers["Location"])), where


# ---- positive controls of the writing routes ----------------------------------------------------
#
# Last in the module (pytest runs a module's tests in order), on files built for the purpose: they
# would otherwise change the world the lists above count exactly.

WRITES = [
    # (who, the path the fresh file went before, the request, the stage it must reach)
    ("secretary", (), "move_forward", "secretary"),
    ("secretary", ("secretary",), "move_correction", "correction"),
    ("admin", ("secretary", "with_deputy"), "move_forward", "deputy_signed"),
    ("admin", (), "move_withdraw", "withdrawn"),
    ("officer.dopa", (), "move_withdraw", "withdrawn"),
    ("officer.dopa", ("secretary", "with_deputy"), "move_withdraw", "withdrawn"),
    ("officer.dopa", ("secretary", "correction"), "move_forward", "proposed"),
]


@pytest.mark.parametrize("user,path,name,stage", WRITES,
                         ids=[f"{u}-{n}-to-{s}" for u, _p, n, s in WRITES])
def test_movers_move_with_the_very_requests(app, clients, world, dbq, user, path, name, stage):
    spec = Spec(f"W{len(path)}{name[5:7].upper()}{user[:3].upper()}", "officer.dopa", "deputy",
                path)
    item = build(app, [spec], tag=lambda key: f"ZW{key}{RUN}")[spec.key]
    moves = dbq(lambda s: s.query(FileMove).filter_by(file_id=item.pk).count())
    r = call(app, clients, name, user, item)
    assert r.status_code == 302, text_of(r)[-300:]
    assert r.headers["Location"].endswith(f"/files/show/{item.pk}")
    page = text_of(clients[user].get(r.headers["Location"]))
    assert f"แฟ้ม {item.number}" in page and REFUSED_MOVE not in page, page[-400:]

    def read(s):
        f = s.get(TrackedFile, item.pk)
        last = f.moves[-1]
        return (f.stage, len(f.moves), last.to_stage, s.get(EOfficeUser, last.moved_by_id).username,
                last.note)

    assert dbq(read) == (stage, moves + 1, stage, user, MOVE_NOTE)


def dopa_entry(app):
    """A letter in dopa's own register (agency_in), registered by its clerk."""
    with service_session(app) as s:
        tag = f"ZE{RUN}"
        entry = correspondence.register_entry(s, find_user(s, "clerk.dopa"), "agency_in", {
            "sender": f"ผู้ส่ง {tag}", "receiver": f"ผู้รับ {tag}",
            "doc_number": f"ที่ {tag}/1", "subject": f"เรื่องในทะเบียน {tag}",
            "speed": "normal", "secrecy": "normal"}, [])
        assert s.get(Agency, entry.agency_id).code == DOPA
        return entry.id, entry.doc_number  # unique: its number may be another agency's too


def _dopa_state(s):
    """Everything of dopa's files (the victims): their rows, moves and attachments."""
    ids = select(TrackedFile.id).join(Agency, Agency.id == TrackedFile.agency_id).where(
        Agency.code == DOPA)
    return ([tuple(r) for r in s.execute(TrackedFile.__table__.select().where(
                TrackedFile.id.in_(ids)).order_by(TrackedFile.id))],
            [tuple(r) for r in s.execute(FileMove.__table__.select().where(
                FileMove.file_id.in_(ids)).order_by(FileMove.id))],
            [tuple(r) for r in s.execute(TrackedFileAttachment.__table__.select().where(
                TrackedFileAttachment.file_id.in_(ids)).order_by(TrackedFileAttachment.id))])


@pytest.mark.parametrize("user", ["clerk.cdd", "central", "officer.po"])
def test_a_proposal_lands_in_ones_own_agency_whatever_the_form_claims(app, clients, world, dbq,
                                                                      user):
    """The add form, posted by another agency's user claiming dopa's agency, a victim's proposer,
    number and stage: a file of the user's own agency, by them, at the first stage, with a new
    number; dopa's files untouched. And a register entry of dopa's, named as the related entry,
    is refused (in Thai) with nothing written."""
    victim = world["F2"]
    people = dbq(lambda s: {"dopa": s.execute(select(Agency.id).where(
        Agency.code == DOPA)).scalar_one(), "owner": find_user(s, "officer.dopa").id,
        "entry": dopa_entry(app)})
    before = dbq(_dopa_state)
    number, year = victim.number.split("/")

    def form(**extra):
        return {"subject": f"เรื่องของผู้อื่น ZA{user}{RUN}",
                "executive_id": str(victim.executive_id), "speed": "normal",
                "entry_register": "", "entry_number": "",
                "files": [(io.BytesIO(pdf_bytes(marker=f"ZA{RUN}")), "แนบ.pdf")],
                "agency_id": str(people["dopa"]), "proposer_id": str(people["owner"]),
                "number": number, "year": year, "stage": "governor_signed",
                "route": "governor", **extra}

    c = clients[user]
    count, files = dbq.count(TrackedFile), len(state(app)[1])
    entry_id, entry_number = people["entry"]
    # Named by its register and number (an internal id sent besides is not read).
    r = c.post("/files/add", data=form(entry_register="agency_in", entry_number=entry_number,
                                       entry_id=str(entry_id)),
               content_type="multipart/form-data")
    assert r.status_code == 200 and "ไม่พบเลข" in text_of(r), r.status_code
    assert dbq.count(TrackedFile) == count and len(state(app)[1]) == files
    r = c.post("/files/add", data=form(), content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[-300:]
    new = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    got = dbq(lambda s: (lambda f: (f.agency.code, f.proposer.username, f.stage, f.route,
                                    f.number_text() != victim.number, len(f.moves)))(
        s.get(TrackedFile, new)))
    assert got == (AGENCY[user], user, "proposed", "deputy", True, 1)
    assert dbq(_dopa_state) == before
