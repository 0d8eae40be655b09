"""The harness of the isolation suites (tests/test_*_isolation.py).

What an isolation suite proves: that outside an item's parties (a register entry, a delivery, a
contract, a tracked file...) nobody reads or changes anything of it, on any route, screen or API,
that names it or lists it. A suite builds one world per module, each item with a distinctive tag
(ASCII, so that it survives HTML and JSON escaping, URL quoting, Excel and a PDF's text) in its
text fields, its file's name and inside its file, then has every user who is not a party (every
level, the other agencies, an anonymous visitor) make every request on it. Each refused request:

- answers as the permissions say (``refusal_status``): a redirect to the login page or 401 from
  the API anonymously, 403 without the screen's permission, 200 for a list (that does not hold
  the item), 404 for an item out of scope;
- answers a 404 exactly as the same request for an id that does not exist (``same_answer``:
  status, headers but the session cookie, and body, byte for byte): no oracle tells that the id
  is there;
- shows nothing of the item (``assert_nothing_of``) in anything the answer tells (``shown``):
  headers, the body raw, HTML-unescaped and URL-decoded, JSON with its escapes read, every cell
  of a workbook, the text of a PDF, also with the whitespace taken out; nor its file's bytes;
- changes nothing (``snapshot``): the suite's tables, row for row, and the files stored under
  ATTACHMENTS_DIR are the same before and after.

Positive controls make the very same requests as the parties, so that a route that merely broke
(or a request that could never have found the item) fails too.

How a suite uses it (the suite keeps what is its own: who may see what, the world, the routes'
words, the lists' contents, the expected status by its permissions):

- its items have ``key``, ``pk``, ``file_id``, ``pdf`` (the file's bytes), ``secret_strings``
  (what nobody outside the parties may read) and, where a route names a stored file,
  ``storage_name`` (``NumberedItem`` holds the first of these for a numbered register's item);
- it builds its world in ``service_session(app)``, with the users the demo has not added by
  ``add_users(app, NewUser(...))``; its fixtures log in with ``logged_in_clients(app, USERS)``
  (and ``api_tokens``);
- ``state = snapshot(*TABLES)`` gives its ``state(app)``; ``with unchanged(app, state, where)``
  guards a positive control;
- its routes are ``Route(kind, call)`` (``api=True`` for an API route), ``call`` made with
  ``get``, ``searched`` and ``post`` (or ``searched_routes``, ``fab_routes`` for a whole set), or
  a ``lambda client, ask: ...``; ``ask_for`` makes the ``Ask`` (the item, its ids, or the ids of
  nothing: ``ghost``) and ``send`` makes an API call by JWT or, for ``..._by_cookie``
  (``add_cookie_variants``), with the session cookie;
- its ``expected_status`` is ``refusal_status`` with the permission it checks; its
  ``check_refusal`` is ``assert_refused`` with that status, the items the answer must not show,
  and its own checks of the answer (``then``: a list's contents); a file of another item asked
  for through one's own is ``assert_foreign_file_is_404``.
"""

import contextlib
import dataclasses
import html
import io
import json
import os
import re
import secrets
from urllib.parse import quote, unquote, urlencode

from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Agency, EOfficeUser, WorkGroup
from app.services.demo import DEMO_PASSWORD
from tests import conftest
from tests.conftest import DB, login, text_of
from tests.pdftext import pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
RUN = secrets.token_hex(3).upper()  # a fresh tag per run: nothing can match from elsewhere
NO_SUCH_ID = 987654  # an id that is no item, file or attachment of any suite's world
ANON = "anonymous"
LOGIN = "/login/?next="  # where FAB's has_access sends an anonymous visitor
BY_COOKIE = "_by_cookie"  # an API route called with the screens' session cookie, not JWT
# Agencies of the demo province: ที่ทำการปกครองจังหวัด, สำนักงานพัฒนาชุมชนจังหวัด, สำนักงานจังหวัด.
DOPA, CDD, PROVINCE = "พง 0016.1", "พง 0019.1", "พง 0017.2"


def be(day):
    """A date as typed into the forms: dd/mm/yyyy of the Buddhist Era."""
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


# ---- people: lookups, users the demo has not, logged-in clients and API tokens ------------------


find_user = conftest.user  # a user by username
find_agency = conftest.agency  # an agency by its code


def find_group(s, code, name):
    """The work group ``name`` of the agency with ``code``."""
    return s.execute(select(WorkGroup).join(Agency, Agency.id == WorkGroup.agency_id)
                     .where(Agency.code == code, WorkGroup.name == name)).scalar_one()


@dataclasses.dataclass(frozen=True)
class NewUser:
    """A user the demo has not: a clerk or an officer of a work group, at a level."""
    username: str
    agency: str  # the agency's code
    group: str  # the work group's name within it
    level: int
    first_name: str = "ทดสอบ"
    last_name: str = ""  # by default the username without its dot

    def row(self, s):
        g = find_group(s, self.agency, self.group)
        return EOfficeUser(
            username=self.username, first_name=self.first_name,
            last_name=self.last_name or self.username.replace(".", ""),
            email=f"{self.username}@phangnga.example",
            password=generate_password_hash(DEMO_PASSWORD), active=True, level=self.level,
            agency_id=g.agency_id, work_group_id=g.id, must_change_password=False)


def add_users(app, *users):
    """Add ``users`` (NewUser), with the demo password, in one commit."""
    with app.app_context():
        for new in users:
            db.session.add(new.row(db.session))
        db.session.commit()
        db.session.remove()


def logged_in_clients(app, users):
    """A test client per user, logged in once through the login form (ANON's, if among
    ``users``: a client logged in as nobody)."""
    out = {}
    for user in users:
        c = app.test_client()
        if user != ANON:
            r = login(c, user)
            assert r.status_code == 302 and "/login" not in r.headers["Location"], user
        out[user] = c
    return out


def api_tokens(app, users):
    """JWT headers per user, as scanners and other systems call the API (ANON: none)."""
    out = {ANON: {}}
    for user in users:
        r = app.test_client().post("/api/v1/security/login", json={
            "username": user, "password": DEMO_PASSWORD, "provider": "db", "refresh": False})
        assert r.status_code == 200, r.get_data(as_text=True)
        out[user] = {"Authorization": "Bearer " + r.json["access_token"]}
    return out


# ---- the world, built through the services ------------------------------------------------------


@contextlib.contextmanager
def service_session(app):
    """The database session of a request context, for the services that build a world (or an
    item for a positive control): removed when the block is left, before anyone logs in."""
    with app.test_request_context():
        try:
            yield db.session
        finally:
            db.session.remove()


@dataclasses.dataclass
class NumberedItem:
    """An item of a world built through a service, numbered in its register (a contract, a
    tracked file), with one file; a suite's own item adds its words and its file's bytes."""
    spec: object  # the suite's spec of it: its key, its owner, who may see it
    pk: int
    file_id: int
    storage_name: str
    number: str  # 12/2570
    tag: str

    @property
    def key(self):
        return self.spec.key


# ---- what the database and the disk hold --------------------------------------------------------


def rows_of(session, table):
    """Every row of ``table``, in the order of its primary key."""
    return [tuple(row) for row in session.execute(
        table.select().order_by(*table.primary_key.columns))]


def stored_files(app):
    """Every file under ATTACHMENTS_DIR: (its path there, its size), sorted."""
    root = app.config["ATTACHMENTS_DIR"]
    return sorted(
        (os.path.relpath(os.path.join(folder, f), root), os.path.getsize(os.path.join(folder, f)))
        for folder, _dirs, names in os.walk(root) for f in names)


def snapshot(*tables):
    """The suite's ``state(app)``: every row of ``tables`` (read in a fresh app context), and
    every stored file; equal before and after a request that changed nothing."""
    def state(app):
        return DB(app)(lambda s: [rows_of(s, t) for t in tables]), stored_files(app)

    return state


# ---- reading a response as a person (or a program) would ----------------------------------------


def xlsx_rows(data):
    """Every row of a workbook's sheet, as lists of cell values."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def xlsx_table(data, *first_headings):
    """An export's header row and the rows under it: the header is the first row whose first
    cell is one of ``first_headings`` (the title lines above it are left out)."""
    rows = xlsx_rows(data)
    at = next(i for i, row in enumerate(rows) if row and row[0] in first_headings)
    return rows[at], rows[at + 1:]


def shown(r):
    """Everything a response tells: headers, the body raw, unescaped and URL-decoded, JSON with
    its Unicode escapes read, every cell of a workbook, the text of a PDF."""
    data = r.get_data()
    parts = [f"{k}: {v}" for k, v in r.headers.items()]
    parts.append(data.decode("utf-8", "replace"))
    if r.is_json:
        parts.append(json.dumps(r.json, ensure_ascii=False))
    if data[:2] == b"PK" and r.mimetype == XLSX:
        parts += [str(c) for row in xlsx_rows(data) for c in row if c is not None]
    if data[:5] == b"%PDF-":
        parts.append(pdf_text(data))
    text = "\n".join(parts)
    return "\n".join((text, html.unescape(text), unquote(text)))


def squeeze(text):
    """The text without its whitespace (a PDF's text breaks a line anywhere)."""
    return re.sub(r"\s+", "", text)


def assert_nothing_of(items, r, where, allowed=()):
    """``r`` tells nothing of ``items``: none of their secret strings (but those ``allowed``,
    which the user knows by another way), whole or with the whitespace taken out, and none of
    their files' bytes."""
    text = shown(r)
    squeezed = squeeze(text)
    data = r.get_data()
    for item in items:
        for secret in item.secret_strings:
            if secret not in allowed:
                assert secret not in text and squeeze(secret) not in squeezed, (
                    f"{where}: {secret!r} of {item.key} leaked (HTTP {r.status_code})")
        assert item.pdf not in data, f"{where}: the file of {item.key} leaked"


def assert_shown(strings, r, where, squeezed=False):
    """Each of ``strings`` is in what ``r`` tells (``squeezed``: or is there once the whitespace
    is taken out of both)."""
    text = shown(r)
    flat = squeeze(text) if squeezed else ""
    for s in strings:
        assert s in text or squeezed and squeeze(s) in flat, (
            f"{where}: {s!r} missing (HTTP {r.status_code})")


def assert_pdf_says(r, strings, where):
    """``r`` is a PDF whose text holds each of ``strings`` (the text's whitespace taken out)."""
    assert r.mimetype == PDF, where
    words = squeeze(pdf_text(r.get_data()))
    for s in strings:
        assert s in words, f"{where}: {s!r}"


def assert_file(r, pdf, download, where):
    """``r`` is the file ``pdf`` itself, as a download (``download``) or to be shown inline."""
    assert r.get_data() == pdf and r.mimetype == PDF, where
    disposition = "attachment" if download else "inline"
    assert r.headers["Content-Disposition"].startswith(disposition), where


def ids_in(r, pattern):
    """The ids a page lists: the integers ``pattern``'s group matches in its body."""
    return {int(i) for i in re.findall(pattern, r.get_data(as_text=True))}


def same_answer(r, ghost):
    """Whether two answers are one: status, headers (but the session cookie, renewed on every
    request) and the body, byte for byte."""
    def headers(x):
        return sorted((k, v) for k, v in x.headers.items() if k != "Set-Cookie")

    return (r.status_code, headers(r), r.get_data()) == (
        ghost.status_code, headers(ghost), ghost.get_data())


# ---- the routes ---------------------------------------------------------------------------------
#
# A route's call takes (test client, Ask): the ids apart from the item, so that the same request
# can be made for ids that do not exist (and through another screen than the item's own).


@dataclasses.dataclass(frozen=True)
class Ask:
    """What one request names."""
    item: object  # the item whose words a request may carry (a search, a form); None: a list
    pk: object
    file_id: object
    stored: str = ""  # a stored file's name (FAB's download route)
    base: str = ""  # the screen or register the request goes through
    headers: dict = dataclasses.field(default_factory=dict)  # JWT, for an API call

    def url(self, path, query=None):
        """``path`` with {base}, {pk}, {f} (the file id), {name} (the stored name, URL-quoted) and
        {item.…} filled in; ``query(item)``: the arguments of a query string."""
        url = path.format(base=self.base, pk=self.pk, f=self.file_id, name=quote(self.stored),
                          item=self.item)
        if query is not None:
            url += "?" + urlencode(query(self.item))
        return url


def ask_for(item, base="", ghost=False, pk=None, file_id=None):
    """The Ask for ``item`` through ``base``: its ids, or (``ghost``) ids that do not exist and a
    stored name of one; ``pk``, ``file_id``: another id in place of that."""
    if ghost:
        ids = (NO_SUCH_ID, NO_SUCH_ID, f"{NO_SUCH_ID}.pdf")
    elif item is None:
        ids = (None, None, "")
    else:
        ids = (item.pk, item.file_id, getattr(item, "storage_name", ""))
    return Ask(item, ids[0] if pk is None else pk, ids[1] if file_id is None else file_id,
               ids[2], base)


@dataclasses.dataclass(frozen=True)
class Route:
    """A request a suite makes on an item (or a list), by name in the suite's ROUTES."""
    kind: str  # what it names (the suite's words: item, list, ...), for the answer expected
    call: object  # (test client, Ask) -> response
    api: bool = False  # an API route: by JWT (401 anonymously), or with the cookie (BY_COOKIE)


def get(path, query=None):
    """A GET of ``path`` (filled in by Ask.url, with ``query``)."""
    return lambda c, ask: c.get(ask.url(path, query), headers=ask.headers)


def searched(path, kind=None):
    """A GET of a list or an export, searched for the item by ``item.search(kind)`` (the
    arguments a search form takes); unsearched without ``kind``."""
    return get(path, (lambda item: item.search(kind)) if kind else None)


def post(path, data=None, json=None, multipart=False):
    """A POST of ``path`` (filled in by Ask.url): ``data`` (a form) or ``json``, each a value or a
    function of the Ask that makes it (a fresh file, the item's own fields)."""
    def call(c, ask):
        body = {}
        if data is not None:
            body["data"] = data(ask) if callable(data) else data
        if json is not None:
            body["json"] = json(ask) if callable(json) else json
        if multipart:
            body["content_type"] = "multipart/form-data"
        return c.post(ask.url(path), headers=ask.headers, **body)

    return call


def searched_routes(list_path, xlsx_path, searches):
    """A list and its Excel export, each plain (``list``, ``xlsx``) and searched for the item by
    each of ``searches`` (``list_number``, ``xlsx_number``...): routes of kind "list"."""
    return {
        "list": Route("list", searched(list_path)),
        **{f"list_{k}": Route("list", searched(list_path, k)) for k in searches},
        "xlsx": Route("list", searched(xlsx_path)),
        **{f"xlsx_{k}": Route("list", searched(xlsx_path, k)) for k in searches},
    }


def fab_routes(base, edit=None):
    """FAB's own routes of a screen at ``base``, which our views redefine without @expose: no
    route at all, for anyone (kind "gone"): delete (GET and POST), edit (GET, and POST with the
    form ``edit``; only where ``edit`` is given), the download of a stored file and the action
    routes."""
    routes = {
        "fab_delete_get": Route("gone", get(f"{base}/delete/{{pk}}")),
        "fab_delete_post": Route("gone", post(f"{base}/delete/{{pk}}")),
    }
    if edit is not None:
        routes["fab_edit_get"] = Route("gone", get(f"{base}/edit/{{pk}}"))
        routes["fab_edit_post"] = Route("gone", post(f"{base}/edit/{{pk}}", data=edit))
    return {
        **routes,
        "fab_download": Route("gone", get(f"{base}/download/{{name}}")),
        "fab_action": Route("gone", get(f"{base}/action/muldelete/{{pk}}")),
        "fab_action_post": Route("gone", post(f"{base}/action_post", data=lambda a: {
            "action": "muldelete", "rowid": str(a.pk)})),
    }


def add_cookie_variants(routes, names):
    """The API also takes the screens' session cookie (allow_browser_login): each of ``names``
    again as ``name_by_cookie``, the same call without JWT."""
    for name in names:
        routes[f"{name}{BY_COOKIE}"] = routes[name]


def send(app, clients, tokens, routes, name, user, ask):
    """Make request ``name`` of ``routes`` as ``user``: an API route by JWT, from a client that
    carries no session cookie; a screen, or an API route by cookie, from the user's client."""
    route = routes[name]
    if route.api and not name.endswith(BY_COOKIE):
        return route.call(app.test_client(), dataclasses.replace(ask, headers=tokens[user]))
    return route.call(clients[user], ask)


# ---- refusals -----------------------------------------------------------------------------------


@contextlib.contextmanager
def unchanged(app, state, where):
    """A block after which the database and the stored files (``state``) are as before it."""
    before = state(app)
    yield
    assert state(app) == before, f"{where}: the database or the stored files changed"


def refusal_status(user, api=False, permitted=True, listing=False):
    """The answer to ``user`` for an item out of their scope, by the permissions: anonymously a
    redirect to the login page (401 from the API), without the permission 403, with it 200 for a
    list (without the item) and 404 for the item."""
    if user == ANON:
        return 401 if api else 302
    if not permitted:
        return 403
    return 200 if listing else 404


def assert_refused(app, state, where, user, status, request, unseen, then=None,
                   same=same_answer, allowed=()):
    """Make ``request(False)`` and check the refusal (or the list without the item) as a whole:
    status ``status`` (anonymously, a 302 to the login page); nothing of the ``unseen`` items
    (but the strings ``allowed``); the suite's own checks of the answer, ``then(r, status)``; a
    404 ``same`` as the answer to ``request(True)``, the request for ids that do not exist
    (``same=None``: not compared); and the database and the stored files unchanged. Returns the
    answer."""
    with unchanged(app, state, where):
        r = request(False)
        assert r.status_code == status, f"{where}: {r.status_code}, {text_of(r)[-400:]}"
        if status == 302 and user == ANON:
            assert r.headers["Location"].startswith(LOGIN), where
        assert_nothing_of(unseen, r, where, allowed)
        if then is not None:
            then(r, status)
        if status == 404 and same is not None:
            # No oracle: an id out of scope answers exactly as an id that does not exist. (A
            # 403, a 401 and the redirect to the login page come from the permission check,
            # before any lookup.)
            assert same(r, request(True)), (
                f"{where}: not the answer for an id that does not exist")
    return r


def assert_foreign_file_is_404(app, state, where, names, request, mine, other, unseen=True,
                               same=same_answer):
    """On each file route of ``names``, ``request(name, file_id)`` asks for a file through one of
    the user's own items, ``mine``. With the file of ``other``: 404, its bytes (and, ``unseen``,
    its words) not shown, the same answer as for a file id that does not exist, nothing changed.
    With its own file: the file, so that the request was right."""
    for name in names:
        here = f"{name} {where}"
        with unchanged(app, state, here):
            r = request(name, other.file_id)
            assert r.status_code == 404, here
            assert other.pdf not in r.get_data(), here
            if unseen:
                assert_nothing_of([other], r, here)
            assert same(r, request(name, NO_SUCH_ID)), here
        r = request(name, mine.file_id)
        assert r.status_code == 200 and r.get_data() == mine.pdf, here
