"""Isolation of the contract registers (ทะเบียนคุมสัญญาจ้าง, ทะเบียนคุมสัญญาซื้อขาย, เลขเอกสาร
ประกวดราคา): outside the agency that keeps a contract, nobody reads or changes anything of it, on
any route of the three screens.

One world is built once for the module, through the service, each contract with a distinctive tag
(ASCII, so that it survives HTML escaping, URL quoting, Excel and a PDF's text) in its subject,
its party's name, its remarks, its cancellation reason and its file's name, and inside its PDF:

- the victims, of ที่ทำการปกครองจังหวัด (dopa, registered by clerk.dopa): H, a hire contract
  with a PDF that ends within 30 days (so that it is flagged on the home page); P, a purchase
  contract with a PDF, cancelled; B, a bid document with a PDF;
- the bystanders, one in each register for สำนักงานพัฒนาชุมชนจังหวัด (cdd: CH, CP, CB, by
  clerk.cdd) and for สำนักงานจังหวัด (the central registry's agency: XH, XP, XB, by central): the
  intruders' own lists are not empty, so that the victims' absence from them means something.

Then every intruder (the other agencies' clerks at levels 2 and 3, the owning agency's group clerk
at level 4, the officers at level 5 of both agencies, an anonymous visitor) calls every route on
every victim: the list and the Excel export (plain and searched by number, party, tax id, subject,
and by every criterion at once), the add form (GET, and POST where it is refused), show, edit (GET
and POST), cancel, attach, the file inline and as a download, the printed sheet (HTML and PDF),
and FAB's delete, download and action routes. Each call must answer as the level's permissions say
(403 without the screen, a redirect to the login page anonymously, 404 for a contract out of scope
byte for byte as for an id that does not exist on the same route, 200 for a list without it), must
show nothing of the contract (subject, party, tax id, remarks, file name, file bytes: in the
headers, the HTML, every cell of a workbook, the text of a PDF), and must change nothing: the
contract, contract_file, number_counter and number_series tables and the files stored on disk are
compared before and after. The owning clerk and the administrator asking for a contract through
another register's screen get the same 404.

Positive controls run the very same requests as the owning clerk and the administrator (so that a
route that merely broke fails here too), and the writing ones as the owner, last, on contracts
built for the purpose. A service-level check covers what FAB's permissions hide from HTTP: the
scope itself refuses levels 4 and 5, and a clerk's account not yet in an agency.
"""

import dataclasses
import datetime as dt
import io
import secrets

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app.models import Agency, NumberCounter, NumberSeries
from app.models.contracts import CANCELLED, Contract, ContractFile
from app.services import contracts as svc
from app.services.attachments import Upload
from app.thai import BANGKOK
from tests.conftest import DB, text_of
from tests.files import pdf_bytes
from tests.isolation import (ANON, CDD, DOPA, NO_SUCH_ID, PROVINCE, RUN, XLSX, NumberedItem, Route,
                             ask_for, assert_file, assert_foreign_file_is_404, assert_nothing_of,
                             assert_pdf_says, assert_refused, be, fab_routes, find_user, get,
                             ids_in, logged_in_clients, post, refusal_status, searched_routes,
                             service_session, shown, snapshot, unchanged, xlsx_table)

# ---- who may do what (app/access.py and app/services/contracts.py, written out as the spec) ----

LEVEL = {"admin": 1, "central": 2, "clerk.dopa": 3, "clerk.cdd": 3, "group.dopa": 4,
         "officer.dopa": 5, "officer.cdd": 5}
AGENCY = {"admin": PROVINCE, "central": PROVINCE, "clerk.dopa": DOPA, "clerk.cdd": CDD,
          "group.dopa": DOPA, "officer.dopa": DOPA, "officer.cdd": CDD}
USERS = (*LEVEL, ANON)
KEEPER_LEVELS = frozenset({1, 2, 3})  # the levels whose role holds the contract screens
REGISTERS = ("hire", "purchase", "bid")
SCREEN = {code: f"/contracts/{code}" for code in REGISTERS}


@dataclasses.dataclass(frozen=True)
class Spec:
    key: str
    owner: str  # the clerk who registers it (its agency's)
    register: str
    cancelled: bool = False
    due: bool = False  # ends within 30 days: on the home page of those who keep it

    @property
    def contract(self):
        return self.register != "bid"

    @property
    def seen_by(self):
        """The administrator (every agency's) and the keepers (levels 2 and 3) of its agency."""
        return frozenset({"admin"} | {u for u, lv in LEVEL.items() if lv in (2, 3)
                                      and AGENCY[u] == AGENCY[self.owner]})


SPECS = {s.key: s for s in (
    Spec("H", "clerk.dopa", "hire", due=True),
    Spec("P", "clerk.dopa", "purchase", cancelled=True),
    Spec("B", "clerk.dopa", "bid"),
    Spec("CH", "clerk.cdd", "hire"),
    Spec("CP", "clerk.cdd", "purchase"),
    Spec("CB", "clerk.cdd", "bid"),
    Spec("XH", "central", "hire"),
    Spec("XP", "central", "purchase"),
    Spec("XB", "central", "bid"),
)}
VICTIMS = ("H", "P", "B")


def tag_of(key):
    return f"ZQ{key}{RUN}"


def tax_id_for():
    """A random 13-digit tax id with a right check digit (a different one for every contract)."""
    body = f"{secrets.randbelow(9 * 10 ** 11) + 10 ** 11:012d}"
    total = sum(int(d) * (13 - i) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def form_of(spec, tag, tax_id):
    """The fields as typed into the add form (the service takes the same strings)."""
    today = dt.datetime.now(BANGKOK).date()
    fields = {"doc_date": be(today - dt.timedelta(days=40)),
              "subject": f"โครงการเฉพาะ {tag} คำค้น KS{spec.key}{RUN}",
              "amount": "1,234,567.89", "method": "e_bidding", "remarks": f"หมายเหตุ {tag}"}
    if not spec.contract:
        return fields
    end = today + dt.timedelta(days=10 if spec.due else 200)
    return {**fields, "party_name": f"ห้างหุ้นส่วนจำกัด {tag} คำค้น KP{spec.key}{RUN}",
            "tax_id": tax_id, "start_on": be(today - dt.timedelta(days=30)), "end_on": be(end),
            "deadline_on": be(end), "warranty_months": "12", "guarantee_type": "bank_guarantee",
            "guarantee_amount": "50,000", "guarantee_return_on": "", "guarantee_returned_on": "",
            "officer_id": ""}


@dataclasses.dataclass
class Item(NumberedItem):
    fields: dict
    filename: str
    pdf: bytes
    cancel_reason: str = ""

    @property
    def base(self):
        return SCREEN[self.spec.register]

    @property
    def secret_strings(self):
        """What nobody outside ``seen_by`` may read."""
        found = [self.tag, self.fields["subject"], self.fields["remarks"], self.filename]
        if self.spec.contract:
            found += [self.fields["party_name"], self.fields["tax_id"]]
        if self.cancel_reason:
            found.append(self.cancel_reason)
        return found

    def search(self, kind):
        """Search arguments that find this contract (none of them a secret string whole: the
        list echoes them in its search form and its export link)."""
        doc_date = self.fields["doc_date"]
        args = {
            "subject": {"subject": f"KS{self.key}{RUN}"},
            "party": {"party": f"KP{self.key}{RUN}"},
            "tax_id": {"tax_id": self.fields.get("tax_id", "")[:10]},
            "number": {"number": self.number},
        }
        if kind == "all":
            out = {"number": self.number, "subject": f"KS{self.key}{RUN}",
                   "date_from": doc_date, "date_to": doc_date, "amount_min": "1,234,567.89",
                   "amount_max": "1234567.89", "method": "e_bidding",
                   "status": CANCELLED if self.spec.cancelled else (
                       "in_force" if self.spec.contract else "active")}
            if self.spec.contract:
                out.update(party=f"KP{self.key}{RUN}", tax_id=self.fields["tax_id"][:10])
            return out
        return args[kind]


# ---- module set-up: the world, through the service, then the clients -----------------------------


def build(app, specs, tag=tag_of):
    """Register ``specs`` through the service, each by its owner with one PDF; the cancelled
    ones cancelled. In a request context left before anyone logs in."""
    with service_session(app) as s:
        out = {}
        for spec in specs:
            actor = find_user(s, spec.owner)
            t = tag(spec.key)
            fields = form_of(spec, t, tax_id_for())
            filename, pdf = f"สัญญา{t}.pdf", pdf_bytes(marker=t)
            c = svc.register_contract(s, actor, spec.register, fields,
                                      [Upload(filename, pdf)])
            reason = ""
            if spec.cancelled:
                reason = f"ผู้รับจ้างไม่มาลงนาม {t}"
                svc.cancel(s, actor, c, reason)
            [f] = c.files
            out[spec.key] = Item(spec, c.id, f.id, f.storage_name, c.number_text(), t,
                                 fields, filename, pdf, reason)
        return out


@pytest.fixture(scope="module")
def world(app):
    items = build(app, SPECS.values())
    # A world that says what it should: the registers, agencies and statuses as specified.
    rows = DB(app)(lambda s: {c.id: (c.register, c.agency.code, c.status)
                              for c in s.query(Contract)})
    for item in items.values():
        status = rows[item.pk][2]
        assert rows[item.pk][:2] == (item.spec.register, AGENCY[item.spec.owner]), item.key
        assert (status == CANCELLED) is item.spec.cancelled, item.key
    return items


@pytest.fixture(scope="module")
def people(app):
    return DB(app)(lambda s: {
        "users": {u: find_user(s, u).id for u in LEVEL},
        "agencies": {a.code: a.id for a in s.query(Agency)}})


@pytest.fixture(scope="module")
def clients(app, world):
    """A test client per user, logged in once through the login form (anonymous: none)."""
    return logged_in_clients(app, USERS)


# ---- what the database and the disk hold -------------------------------------------------------

# Every row of the four tables, and every stored file (path and size).
state = snapshot(Contract.__table__, ContractFile.__table__, NumberCounter.__table__,
                 NumberSeries.__table__)


# ---- reading a response as a person (or a program) would --------------------------------------


def xlsx_body(data):
    """The contracts' rows of an export, as dicts by column title (under the title and header)."""
    header, rows = xlsx_table(data, "เลขที่")
    return [dict(zip(header, row)) for row in rows]


def listed_ids(r):
    return ids_in(r, r'id="contract-(\d+)"')


# ---- the routes --------------------------------------------------------------------------------
#
# Each call takes (test client, Ask): the route base, the ids and the stored name apart from the
# item, so that the same request can be made for ids that do not exist (and through another
# register's screen).


def edit_form(item, subject):
    """The edit form, every field valid, the subject changed (and the agency, register and number
    tampered with: the service takes none of them from a form)."""
    fields = {**item.fields, "subject": subject,
              "status": "in_force" if item.spec.contract else "active"}
    return {**fields, "agency_id": "1", "register": "bid", "number": "1", "series_id": "1"}


def add_form(item):
    """A new contract's form in the victim's register, with a file, tampered with to claim the
    victim's agency and series."""
    spec = dataclasses.replace(item.spec, key=f"N{item.key}")
    fields = form_of(spec, f"NEW{item.key}{RUN}", tax_id_for())
    return {**fields, "agency_id": "1", "series_id": "1", "number": "1",
            "files": (io.BytesIO(pdf_bytes(marker=f"NEW{RUN}")), "ใหม่.pdf")}


def intruder_file():
    return (io.BytesIO(pdf_bytes(marker=f"INTRUDER{RUN}")), "ผู้บุกรุก.pdf")


SEARCHES = ("number", "party", "tax_id", "subject", "all")
# kind: item (names a contract), list, form (the add form), add, gone (no such route)
ROUTES = {
    **searched_routes("{base}/list/", "{base}/xlsx", SEARCHES),
    "add_get": Route("form", get("{base}/add")),
    "add_post": Route("add", post("{base}/add", data=lambda a: add_form(a.item),
                                  multipart=True)),
    "show": Route("item", get("{base}/show/{pk}")),
    "edit_get": Route("item", get("{base}/edit/{pk}")),
    "edit_post": Route("item", post("{base}/edit/{pk}", data=lambda a: edit_form(
        a.item, f"แก้โดยผู้อื่น {RUN}"))),
    "cancel": Route("item", post("{base}/cancel/{pk}",
                                 data={"reason": f"ยกเลิกโดยผู้อื่น {RUN}"})),
    "attach": Route("item", post("{base}/attach/{pk}", data=lambda a: {"files": intruder_file()},
                                 multipart=True)),
    "file_inline": Route("item", get("{base}/file/{pk}/{f}")),
    "file_download": Route("item", get("{base}/file/{pk}/{f}?download=1")),
    "print_html": Route("item", get("{base}/print/{pk}")),
    "print_pdf": Route("item", get("{base}/print/{pk}?format=pdf")),
    **fab_routes("{base}"),
}
ITEM_ROUTES = [n for n, r in ROUTES.items() if r.kind == "item"]


def call(clients, name, user, item, base=None, ghost=False, file_id=None):
    """Make request ``name`` as ``user`` for ``item`` (through screen ``base``, by default its
    own); ``ghost``: the same request for a contract and a file that do not exist."""
    ask = ask_for(item, base or item.base, ghost, file_id=file_id)
    return ROUTES[name].call(clients[user], ask)


def expected_status(name, user):
    """The answer to ``user`` for a contract out of their scope, by the level's permissions."""
    kind = ROUTES[name].kind
    if kind == "gone":
        return 404
    # FAB's has_access: a logged-in user without the permission gets 403.
    return refusal_status(user, permitted=LEVEL.get(user) in KEEPER_LEVELS,
                          listing=kind in ("list", "form"))


def own_items(world, user, register):
    """The world's contracts of ``register`` that ``user`` sees (every contract of this module's
    database is one of them until the writing controls, which come last)."""
    return [i for i in world.values() if i.spec.register == register and user in i.spec.seen_by]


def unseen(world, user):
    return [i for i in world.values() if user not in i.spec.seen_by]


def check_listing(r, name, user, register, world, where):
    """A list or an export answered 200 to someone: their own contracts alone (all of them,
    unsearched)."""
    mine = own_items(world, user, register)
    searched_for = name not in ("list", "xlsx")
    if name.startswith("list"):
        ids = listed_ids(r)
        assert ids <= {i.pk for i in mine}, f"{where}: {sorted(ids)}"
        if not searched_for:
            assert ids == {i.pk for i in mine}, f"{where}: {sorted(ids)}"
    else:
        assert r.mimetype == XLSX, where
        subjects = [row["โครงการ/รายการ"] for row in xlsx_body(r.get_data())]
        assert set(subjects) <= {i.fields["subject"] for i in mine}, f"{where}: {subjects}"
        if not searched_for:
            assert sorted(subjects) == sorted(i.fields["subject"] for i in mine), where
    if not searched_for:
        # The list does show contracts: the others' absence from it means something.
        assert mine, where
        text = shown(r)
        for i in mine:
            assert i.tag in text, f"{where}: own {i.key} missing"


def check_refusal(app, clients, world, name, user, item, base=None):
    """Call ``name`` as ``user`` on ``item`` and check the refusal as a whole."""
    base = base or item.base
    register = base.rsplit("/", 1)[1]
    where = f"{name} {base} as {user} on {item.key} #{item.pk}"

    def answered(r, status):
        if status == 200 and ROUTES[name].kind == "list":
            check_listing(r, name, user, register, world, where)
            if name.startswith("list"):
                assert item.pk not in listed_ids(r), where
        elif status == 200:
            assert 'name="subject"' in r.get_data(as_text=True), where  # the (empty) add form

    # Nothing of the victim, nor of anything else the user does not see.
    return assert_refused(
        app, state, where, user, expected_status(name, user),
        lambda ghost: call(clients, name, user, item, base, ghost=ghost),
        [item, *[i for i in unseen(world, user) if i is not item]], then=answered)


# ---- the intruders -----------------------------------------------------------------------------

# Everyone outside a victim's ``seen_by`` tries every route on it; but the add form's POST, which
# the clerks of another agency may make (for their own agency: checked last, below), is tried by
# those refused the screen alone.
INTRUDERS = [u for u in USERS if u not in SPECS["H"].seen_by]
assert INTRUDERS == ["central", "clerk.cdd", "group.dopa", "officer.dopa", "officer.cdd", ANON]
assert all(SPECS[k].seen_by == SPECS["H"].seen_by for k in VICTIMS)
# A bid document has no party nor tax id to search by.
CASES = [(name, user, key) for key in VICTIMS for user in INTRUDERS for name in ROUTES
         if not (name == "add_post" and user != ANON and LEVEL[user] in KEEPER_LEVELS)
         and (SPECS[key].contract or "party" not in name and "tax_id" not in name)]


@pytest.mark.parametrize("name,user,key", CASES, ids=[f"{n}-{u}-vs-{k}" for n, u, k in CASES])
def test_intruder_is_refused_and_learns_nothing(app, clients, world, name, user, key):
    check_refusal(app, clients, world, name, user, world[key])


# The victim asked for through another register's screen, by those who do see it (its agency's
# clerk and the administrator): the scope is that of the register asked for, never "any contract
# with this id". Its lists, searched for the victim or not, hold that register's contracts only.
CROSS = [(user, key, other) for key in VICTIMS for user in ("clerk.dopa", "admin")
         for other in REGISTERS if other != SPECS[key].register]
CROSS_ROUTES = [*ITEM_ROUTES, "list", "list_subject", "list_all", "xlsx", "xlsx_subject"]


@pytest.mark.parametrize("user,key,other", CROSS,
                         ids=[f"{u}-{k}-via-{o}" for u, k, o in CROSS])
def test_through_another_register_it_does_not_exist(app, clients, world, user, key, other):
    for name in CROSS_ROUTES:
        check_refusal(app, clients, world, name, user, world[key], SCREEN[other])


# A contract the user does keep, with another contract's file id (another agency's, or another
# of the agency's own): a file is looked up among the contract's own files only.
FOREIGN_FILES = [("clerk.cdd", "CH", "H"), ("clerk.cdd", "CP", "P"), ("central", "XB", "B"),
                 ("clerk.dopa", "H", "CH"), ("clerk.dopa", "H", "P"), ("admin", "B", "H")]


@pytest.mark.parametrize("user,own,key", FOREIGN_FILES,
                         ids=[f"{u}-own-{o}-file-of-{k}" for u, o, k in FOREIGN_FILES])
def test_another_contracts_file_through_ones_own_is_404(app, clients, world, user, own, key):
    assert_foreign_file_is_404(
        app, state, f"as {user}: {own} with the file of {key}", ("file_inline", "file_download"),
        lambda name, file_id: call(clients, name, user, world[own], file_id=file_id),
        world[own], world[key])


@pytest.mark.parametrize("user", ["clerk.dopa", "admin"])
@pytest.mark.parametrize("name", [n for n, r in ROUTES.items() if r.kind == "gone"])
def test_fab_routes_are_not_there_even_for_the_keepers(app, clients, world, name, user):
    """FAB's delete, download and action routes: a plain 404 for the owner and the administrator
    too (the intruders' share is above); nothing shown, nothing changed."""
    for key in VICTIMS:
        item = world[key]
        assert_refused(app, state, f"{name} as {user} on {key}", user, 404,
                       lambda ghost: call(clients, name, user, item, ghost=ghost), [item])


@pytest.mark.parametrize("user", USERS)
def test_home_page_flags_only_ones_own(app, clients, world, user):
    """The home page lists the contracts falling due: H (ending within 30 days) for its keepers,
    and nothing of the victims for anyone else."""
    with unchanged(app, state, f"home as {user}"):
        r = clients[user].get("/")
        # Before login the home page is the login page (with the public announcements).
        assert r.status_code == (302 if user == ANON else 200), user
        if user in SPECS["H"].seen_by:
            body = r.get_data(as_text=True)
            assert 'id="contracts-due"' in body and world["H"].fields["subject"] in body, user
            assert f"/contracts/hire/show/{world['H'].pk}" in body, user
        assert_nothing_of(unseen(world, user), r, f"home as {user}")


# What FAB's permissions hide from HTTP (levels 4 and 5 never reach the screens): the scope
# itself, in the service, sees nothing out of the agency for anyone, and nothing of a register
# through another register.
SERVICE_USERS = [*INTRUDERS, "clerk.dopa", "admin"]


@pytest.mark.parametrize("user", SERVICE_USERS)
def test_the_service_scope(app, world, user):
    today = dt.datetime.now(BANGKOK).date()

    def check(s):
        actor = AnonymousUserMixin() if user == ANON else find_user(s, user)
        seen = {c.id for c in s.execute(select(Contract).where(svc.scope(actor))).scalars()}
        assert seen == {i.pk for i in world.values() if user in i.spec.seen_by}, user
        due = {c.id for c in svc.due_soon(s, actor, today)}
        assert due == ({world["H"].pk} if user in SPECS["H"].seen_by else set()), user
        for item in world.values():
            code = item.spec.register
            found = svc.visible(s, actor, code, item.pk)
            assert (found is not None) is (user in item.spec.seen_by), (user, item.key)
            listed = {c.id for c in s.execute(svc.search(actor, code, {})).scalars()}
            assert (item.pk in listed) is (user in item.spec.seen_by), (user, item.key)
            for other in REGISTERS:
                if other != code:
                    assert svc.visible(s, actor, other, item.pk) is None, (user, item.key, other)
                    listed = {c.id for c in s.execute(svc.search(actor, other, {})).scalars()}
                    assert item.pk not in listed, (user, item.key, other)

    DB(app)(check)


@dataclasses.dataclass
class Unassigned:
    """A clerk's account not yet put in an agency (the service has a message for it)."""
    level: int
    id: int = NO_SUCH_ID
    agency_id: object = None
    is_authenticated: bool = True


@pytest.mark.parametrize("level", [2, 3])
def test_a_keeper_without_an_agency_sees_nothing(app, world, level):
    actor = Unassigned(level)

    def check(s):
        assert s.execute(select(Contract.id).where(svc.scope(actor))).first() is None
        for item in world.values():
            for code in REGISTERS:
                assert svc.visible(s, actor, code, item.pk) is None, (item.key, code)
                assert s.execute(svc.search(actor, code, {})).first() is None, code

    DB(app)(check)


# ---- positive controls: the same requests find the contract for those who keep it -------------

READS = ["show", "edit_get", "file_inline", "file_download", "print_html", "print_pdf", "list",
         "list_number", "list_party", "list_tax_id", "list_subject", "list_all", "xlsx",
         "xlsx_number", "xlsx_party", "xlsx_tax_id", "xlsx_subject", "xlsx_all"]
ADMIN_READS = ("show", "file_inline", "file_download", "print_html", "print_pdf", "list",
               "list_subject", "list_all", "xlsx", "xlsx_all")
READERS = [(user, key, name) for key in VICTIMS for user in ("clerk.dopa", "admin")
           for name in READS
           if (user == "clerk.dopa" or name in ADMIN_READS)
           and (SPECS[key].contract or "party" not in name and "tax_id" not in name)]


@pytest.mark.parametrize("user,key,name", READERS,
                         ids=[f"{u}-reads-{k}-{n}" for u, k, n in READERS])
def test_keepers_read_the_contract(app, clients, world, user, key, name):
    item = world[key]
    where = f"{name} as {user} on {key}"
    with unchanged(app, state, where):
        r = call(clients, name, user, item)
        if name == "edit_get" and item.spec.cancelled:
            # A cancelled number is not edited: back to its details, with the reason why.
            assert r.status_code == 302, where
            assert r.headers["Location"].endswith(f"{item.base}/show/{item.pk}"), where
            assert "ถูกยกเลิกแล้ว" in text_of(clients[user].get(r.headers["Location"])), where
            return
        assert r.status_code == 200, f"{where}: {r.status_code} {text_of(r)[-300:]}"
        text = shown(r)
        if name.startswith("file"):
            assert_file(r, item.pdf, name == "file_download", where)
            assert item.filename in text, where
        elif name == "print_pdf":
            assert_pdf_says(r, (item.tag, item.fields.get("tax_id", item.tag), item.number), where)
        elif name in ("show", "print_html", "edit_get"):
            # Everything on its details; the printed sheet has no files, the edit form no reason.
            left_out = {"show": (), "print_html": (item.filename,),
                        "edit_get": (item.filename, item.cancel_reason)}[name]
            for secret in (s for s in item.secret_strings if s not in left_out):
                assert secret in text, f"{where}: {secret!r}"
            if name == "show":
                assert f"{item.base}/file/{item.pk}/{item.file_id}" in text, where
        elif name.startswith("list"):
            ids = listed_ids(r)
            if name == "list":
                assert ids == {i.pk for i in own_items(world, user, item.spec.register)}, where
            elif name == "list_number":
                assert item.pk in ids, where
            else:
                assert ids == {item.pk}, f"{where}: {sorted(ids)}"
            assert item.tag in text, where
        else:
            rows = xlsx_body(r.get_data())
            subjects = [row["โครงการ/รายการ"] for row in rows]
            if name == "xlsx":
                assert sorted(subjects) == sorted(
                    i.fields["subject"] for i in own_items(world, user, item.spec.register)), where
            elif name == "xlsx_number":
                assert item.fields["subject"] in subjects, where
            else:
                assert subjects == [item.fields["subject"]], f"{where}: {subjects}"
            row = next(row for row in rows if row["โครงการ/รายการ"] == item.fields["subject"])
            assert row["เลขที่"] == item.number, where
            if item.spec.contract:
                assert row["เลขประจำตัวผู้เสียภาษีอากร"] == item.fields["tax_id"], where
                assert item.fields["party_name"] in row.values(), where


@pytest.mark.parametrize("register", REGISTERS)
def test_keepers_open_the_add_form(app, clients, world, register):
    for user in ("clerk.dopa", "central", "clerk.cdd", "admin"):
        r = clients[user].get(f"{SCREEN[register]}/add")
        assert r.status_code == 200 and 'name="subject"' in r.get_data(as_text=True), user


# ---- positive controls of the writing routes -----------------------------------------------------
#
# Last in the module (pytest runs a module's tests in order): the contracts they add would
# otherwise count in the lists and exports that the tests above count exactly.


def _fresh(app, register, prefix):
    spec = dataclasses.replace(SPECS[{"hire": "H", "purchase": "P", "bid": "B"}[register]],
                               key=f"{prefix}{register[0].upper()}", cancelled=False, due=False)
    return build(app, [spec], tag=lambda key: f"ZW{key}{RUN}")[spec.key]


# The bid document's add and edit pages once never validated (a hidden list field refused its
# empty value); they are here with the rest.
WRITES = [(register, op) for register in REGISTERS
          for op in ("edit_post", "attach", "cancel", "add_post")]


@pytest.mark.parametrize("register,op", WRITES)
def test_owner_write_requests_do_work(app, clients, world, dbq, register, op):
    """Edit, attach, cancel and add, by the owning clerk, with the very requests the intruders
    made, on a contract registered for the purpose (add: the victim's add request)."""
    owner = "clerk.dopa"
    item = _fresh(app, register, f"W{op[:2].upper()}")

    def read(s):
        c = s.get(Contract, item.pk)
        return c.subject, c.status, c.cancel_reason, len(c.files), c.agency.code, c.register

    before = dbq(read)
    files = len(state(app)[1])
    count = dbq.count(Contract)
    victim = world[{"hire": "H", "purchase": "P", "bid": "B"}[register]]
    r = call(clients, op, owner, victim if op == "add_post" else item)
    assert r.status_code == 302, text_of(r)[-300:]
    if op == "edit_post":
        assert r.headers["Location"].endswith(f"{item.base}/show/{item.pk}")
        # Changed; the tampered agency and register were ignored.
        assert dbq(read) == (f"แก้โดยผู้อื่น {RUN}", *before[1:])
    elif op == "attach":
        assert dbq(read) == (*before[:3], 2, *before[4:])
        assert len(state(app)[1]) == files + 1
    elif op == "cancel":
        assert dbq(read) == (before[0], CANCELLED, f"ยกเลิกโดยผู้อื่น {RUN}", *before[3:])
    else:
        new = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        assert dbq.count(Contract) == count + 1
        assert dbq(lambda s: (s.get(Contract, new).agency.code, s.get(Contract, new).register,
                              len(s.get(Contract, new).files))) == (DOPA, register, 1)
        assert len(state(app)[1]) == files + 1


@pytest.mark.parametrize("user", ["clerk.cdd", "central"])
@pytest.mark.parametrize("register", REGISTERS)
def test_another_agencys_add_lands_in_its_own_register(app, clients, world, people, dbq, user,
                                                       register):
    """The add form, posted by another agency's clerk claiming dopa's agency, series and officer
    (or, for a bid document, which has no officer, the agency and series alone): either refused
    with nothing written, or a contract of the clerk's own agency; dopa's contracts, series and
    counters are untouched either way."""
    victim = world[{"hire": "H", "purchase": "P", "bid": "B"}[register]]
    dopa_series = dbq(lambda s: s.get(Contract, victim.pk).series_id)

    def dopa_state(s):
        dopa_id = people["agencies"][DOPA]
        return ([tuple(r) for r in s.execute(Contract.__table__.select().where(
                    Contract.agency_id == dopa_id).order_by(Contract.id))],
                [tuple(r) for r in s.execute(NumberSeries.__table__.select().where(
                    NumberSeries.agency_id == dopa_id).order_by(NumberSeries.id))],
                [tuple(r) for r in s.execute(NumberCounter.__table__.select().where(
                    NumberCounter.series_id.in_(select(NumberSeries.id).where(
                        NumberSeries.agency_id == dopa_id))).order_by(
                    NumberCounter.series_id, NumberCounter.year))])

    before = dbq(dopa_state)
    data = add_form(victim)
    data.update(agency_id=str(people["agencies"][DOPA]), series_id=str(dopa_series))
    if victim.spec.contract:
        data["officer_id"] = str(people["users"]["officer.dopa"])
    count = dbq.count(Contract)
    r = clients[user].post(f"{victim.base}/add", data=data, content_type="multipart/form-data")
    if victim.spec.contract:
        # Responsible must be a user of the same agency: refused, in Thai, nothing written.
        assert r.status_code == 200, r.status_code
        assert "ผู้รับผิดชอบต้องเป็นผู้ใช้งานของหน่วยงานเดียวกัน" in text_of(r)
        assert dbq.count(Contract) == count
    else:
        assert r.status_code == 302, text_of(r)[-300:]
        new = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        assert dbq(lambda s: (s.get(Contract, new).agency.code, s.get(Contract, new).register,
                              s.get(Contract, new).series_id != dopa_series)) == (
            AGENCY[user], register, True)
    assert dbq(dopa_state) == before
