"""The phone directory (สมุดโทรศัพท์): built from agencies, groups and users, never typed twice;
searched by name, agency, group or number; exported to Excel and printed to PDF.

Its heart is privacy: a mobile number its owner has not chosen to show appears nowhere (page,
Excel, PDF, headers) to anyone, and searching by it does not find its owner.
"""

import html
import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import thai
from app.models import Agency, EOfficeUser, WorkGroup
from app.services import demo
from app.services import directory as svc
from app.services.demo import DEMO_PASSWORD
from tests.conftest import text_of
from tests.pdftext import broken_thai, left_margin_mm, pages_of, pdf_text, require_pdf_tools

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROFILE = "/eofficeuserinfoeditview/form"
DOPA, CDD = "พง 0016.1", "พง 0019.1"

# The demo's mobiles (app/services/demo.py PHONES): username -> number.
HIDDEN = {"clerk.dopa": "086-5556677", "group.dopa": "082-9990011",
          "officer.dopa": "083-4445566"}
SHOWN = {"admin": "081-2345678", "central": "089-1112233", "clerk.cdd": "087-3334455",
         "secretary": "084-7778899"}
# Every agency of the demo, in Thai dictionary order (เกษตร under ก, before จังหวัด; โยธา under ย).
AGENCIES_IN_ORDER = [
    "ที่ทำการปกครองจังหวัดพังงา", "สำนักงานเกษตรจังหวัดพังงา", "สำนักงานจังหวัดพังงา",
    "สำนักงานพัฒนาชุมชนจังหวัดพังงา", "สำนักงานโยธาธิการและผังเมืองจังหวัดพังงา",
    "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดพังงา", "สำนักงานสาธารณสุขจังหวัดพังงา",
]
# With the district offices and the other agency, which have phone lines and no users yet.
EVERY_AGENCY = AGENCIES_IN_ORDER + [name for name, *_rest in demo.DISTRICTS + demo.OTHER_AGENCIES]
VIEWERS = ["admin", "central", "clerk.dopa", "group.dopa", "officer.cdd"]


# ---- reading a response as a person (or a program) would ----------------------------------------


def xlsx_rows(data):
    book = load_workbook(io.BytesIO(data))
    return [[c.value for c in row] for row in book.active.iter_rows()]


def shown(r):
    """Everything a response tells: its headers, its body raw, unescaped and URL-decoded, every
    cell of a workbook, the text of a PDF."""
    data = r.get_data()
    parts = [f"{k}: {v}" for k, v in r.headers.items()]
    parts.append(data.decode("utf-8", "replace"))
    if data[:2] == b"PK":
        parts += [str(c) for row in xlsx_rows(data) for c in row if c is not None]
    if data[:5] == b"%PDF-":
        parts.append(pdf_text(data))
    text = "\n".join(parts)
    return "\n".join((text, html.unescape(text), unquote(text)))


def digits_only_runs(text):
    """``text`` with the separators of phone numbers taken out, so that a number is found
    however it was written (086-5556677, 086 555 6677, 086.555.6677)."""
    return re.sub(r"[\s\-.()]", "", text)


def assert_no_number(number, r, where):
    text = shown(r)
    digits = re.sub(r"\D", "", number)
    assert number not in text, f"{number} in {where}"
    assert digits not in digits_only_runs(text), f"{number} (as digits) in {where}"
    assert digits[3:] not in digits_only_runs(text), f"{number} (its last digits) in {where}"


def people_of(r):
    """The user ids of the people a directory page lists, in order."""
    return [int(i) for i in re.findall(r'id="person-(\d+)"', r.get_data(as_text=True))]


def table_of(r):
    """The visible text of the directory's table (not the agency drop-down above it)."""
    page = r.get_data(as_text=True)
    page = page[page.index('id="directory"'):]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def first_line(table):
    """The text of a table's first line, under the column titles."""
    return table.split("โทรศัพท์มือถือ", 1)[1].strip()


@pytest.fixture(scope="module")
def ids(app):
    with app.app_context():
        from app.extensions import db

        s = db.session
        found = {
            "user": {u.username: u.id for u in s.query(EOfficeUser)},
            "agency": {a.code: a.id for a in s.query(Agency)},
            "group": {(g.agency.code, g.name): g.id for g in s.query(WorkGroup)},
        }
        db.session.remove()
    return found


def set_user(dbq, username, **values):
    def change(s):
        u = s.query(EOfficeUser).filter_by(username=username).one()
        for k, v in values.items():
            setattr(u, k, v)
        s.commit()

    dbq(change)


# ---- who may open it ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", VIEWERS + ["officer.dopa", "secretary"])
def test_every_level_opens_the_directory_and_its_excel(login_as, username):
    c = login_as(username)
    assert c.get("/directory/").status_code == 200
    r = c.get("/directory/xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX


def test_not_without_login(client):
    for path in ("/directory/", "/directory/xlsx", "/directory/print"):
        r = client.get(path)
        assert r.status_code in (302, 401) and b"086" not in r.data
        if r.status_code == 302:
            assert "/login" in r.headers["Location"]


# ---- listing ------------------------------------------------------------------------------------


def test_lists_every_agency_its_groups_and_people_province_wide(login_as, ids):
    r = login_as("officer.cdd").get("/directory/")
    assert r.status_code == 200
    table = table_of(r)
    # Every agency, with its phone and fax, in Thai dictionary order; one without users too.
    at = [table.index(name) for name in AGENCIES_IN_ORDER]
    assert at == sorted(at)
    assert "076-412003" in table and "076-412004" in table  # ที่ทำการปกครอง's phone and fax
    assert "076-481500" in table  # สาธารณสุข: no user, still listed
    # Groups under their agency, people under their group, by name.
    for code, group in [(DOPA, "ฝ่ายความมั่นคง"), (CDD, "กลุ่มงานอำนวยการ"),
                        ("พง 0033.1", "กลุ่มงานควบคุมโรคติดต่อ")]:
        assert f'id="group-{ids["group"][(code, group)]}"' in r.get_data(as_text=True)
    order = [table.index(t) for t in ("ที่ทำการปกครองจังหวัดพังงา", "กลุ่มงานการเจ้าหน้าที่",
                                      "ฝ่ายความมั่นคง", "ประเสริฐ มั่นคง", "อรุณี ทองดี",
                                      "ฝ่ายบริหารงานปกครอง", "วิชัย รักงาน",
                                      "สำนักงานเกษตรจังหวัดพังงา")]
    assert order == sorted(order)
    # Every active user of the demo, with position, office phone and extension.
    assert sorted(people_of(r)) == sorted(ids["user"][u] for u in (
        "admin", "central", "clerk.dopa", "clerk.cdd", "group.dopa", "officer.dopa",
        "officer.cdd", "secretary"))
    for text in ("มาลี ศรีพังงา", "นักวิชาการพัฒนาชุมชน", "076-412010", "4202", "3101"):
        assert text in table


def test_paging_repeats_the_headings_a_page_continues(login_as, ids, monkeypatch):
    from app.views import directory as view

    monkeypatch.setattr(view, "PAGE_SIZE", 5)
    c = login_as("clerk.dopa")
    seen, page = [], 1
    while True:
        r = c.get(f"/directory/?page={page}")
        seen += people_of(r)
        if page > 1:  # every page begins with an agency, its own or continued
            assert first_line(table_of(r)).startswith(tuple(EVERY_AGENCY)), page
        if f"page={page + 1}" not in r.get_data(as_text=True):
            break
        page += 1
    assert page > 2
    assert len(seen) == len(set(seen)) == 8  # every person once, none twice
    # Page 2 begins inside the first agency (at ฝ่ายบริหารงานปกครอง): its heading is repeated.
    assert first_line(table_of(c.get("/directory/?page=2"))).startswith(
        "ที่ทำการปกครองจังหวัดพังงา (พง 0016.1) (ต่อ)")


# ---- search -------------------------------------------------------------------------------------


def search(c, q, **args):
    r = c.get("/directory/", query_string={"q": q, **args})
    assert r.status_code == 200
    return r


@pytest.mark.parametrize("q, found, not_found", [
    ("มาลี", ["clerk.cdd"], ["officer.cdd", "clerk.dopa"]),  # first name
    ("รักงาน", ["clerk.dopa"], ["group.dopa"]),  # last name
    ("สุดา ใจดี", ["central"], ["admin", "secretary"]),  # full name, words in any field
    ("ปลัดอำเภอ", ["officer.dopa"], ["group.dopa"]),  # position
    ("ปกครองจังหวัด", ["clerk.dopa", "group.dopa", "officer.dopa"], ["clerk.cdd", "central"]),
    (DOPA, ["clerk.dopa", "group.dopa", "officer.dopa"], ["clerk.cdd"]),  # agency code
    ("ฝ่ายความมั่นคง", ["group.dopa", "officer.dopa"], ["clerk.dopa"]),  # group
    ("วิชัย ปกครอง", ["clerk.dopa"], ["group.dopa", "officer.dopa"]),  # a person in an agency
    ("4101", ["clerk.cdd"], ["officer.cdd"]),  # extension
    ("๔๑๐๑", ["clerk.cdd"], ["officer.cdd"]),  # the same in Thai digits
    ("076412010", ["clerk.cdd", "officer.cdd"], ["clerk.dopa"]),  # office phone, digits only
    ("0891112233", ["central"], ["admin"]),  # a shown mobile, digits only
    ("089-111-2233", ["central"], ["admin"]),  # written otherwise
    ("089 111 2233", ["central"], ["admin"]),
    ("+66 89 111 2233", ["central"], ["admin"]),
    ("1112233", ["central"], ["admin"]),  # part of it
])
def test_search_one_box(login_as, ids, q, found, not_found):
    people = set(people_of(search(login_as("officer.dopa"), q)))
    assert {ids["user"][u] for u in found} <= people, q
    assert not people & {ids["user"][u] for u in not_found}, q


def test_searching_an_agency_lists_it_whole_a_person_with_their_headings(login_as, ids):
    c = login_as("officer.dopa")
    table = table_of(search(c, "พัฒนาชุมชน"))
    assert "กลุ่มงานอำนวยการ" in table and "กลุ่มงานส่งเสริมและพัฒนาชุมชน" in table
    assert "076-412010" in table and "076-412011" in table  # its phone and fax
    assert "ที่ทำการปกครองจังหวัดพังงา" not in table
    r = search(c, "มาลี")
    table = table_of(r)
    assert "สำนักงานพัฒนาชุมชนจังหวัดพังงา" in table and "กลุ่มงานอำนวยการ" in table
    assert "กลุ่มงานส่งเสริมและพัฒนาชุมชน" not in table  # a group with nobody found
    assert "พบ 1 รายชื่อ" in text_of(r)


def test_nothing_found(login_as):
    r = search(login_as("officer.dopa"), "ไม่มีใครชื่อนี้")
    assert people_of(r) == [] and "ไม่พบรายการ" in table_of(r)


def test_agency_filter(login_as, ids):
    c = login_as("officer.cdd")
    r = c.get("/directory/", query_string={"agency": ids["agency"][DOPA]})
    assert sorted(people_of(r)) == sorted(ids["user"][u] for u in (
        "clerk.dopa", "group.dopa", "officer.dopa"))
    assert "สำนักงานจังหวัดพังงา (" not in table_of(r)
    r = c.get("/directory/", query_string={"agency": ids["agency"][DOPA], "q": "มาลี"})
    assert people_of(r) == []
    for nonsense in ("x", "-1", "999999"):
        assert c.get("/directory/", query_string={"agency": nonsense}).status_code == 200


# ---- privacy: a hidden mobile is nowhere --------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_hidden_mobile_appears_nowhere(login_as, viewer, ids):
    """Not to anyone: not the administrator, not the clerk of the same agency, not its owner."""
    c = login_as(viewer)
    responses = {
        "page": c.get("/directory/"),
        "agency page": c.get("/directory/", query_string={"agency": ids["agency"][DOPA]}),
        "searched page": c.get("/directory/", query_string={"q": "ปกครอง"}),
        "excel": c.get("/directory/xlsx"),
        "print view": c.get("/directory/print", query_string={"format": "html"}),
        "pdf": c.get("/directory/print", query_string={"agency": ids["agency"][DOPA]}),
    }
    for where, r in responses.items():
        assert r.status_code == 200, where
        for number in HIDDEN.values():
            assert_no_number(number, r, where)
    # The people themselves are listed, their mobiles are not.
    assert "วิชัย รักงาน" in text_of(responses["page"])


@pytest.mark.parametrize("username, number", HIDDEN.items())
@pytest.mark.parametrize("written", [
    lambda n: n, lambda n: n.replace("-", ""), lambda n: f"{n[:3]} {n[4:7]} {n[7:]}",
    lambda n: "+66" + n.replace("-", "")[1:], lambda n: n[4:],
    lambda n: n.replace("-", "").translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")),
], ids=["as-stored", "digits", "spaced", "+66", "last-digits", "thai-digits"])
def test_hidden_mobile_does_not_find_its_owner(login_as, ids, username, number, written):
    c = login_as("officer.cdd")
    q = written(number)
    r = search(c, q)
    assert ids["user"][username] not in people_of(r), q
    assert "พบ 0 รายชื่อ" in text_of(r), q
    assert xlsx_rows(c.get("/directory/xlsx", query_string={"q": q}).data)[2:] == []
    text = pdf_text(c.get("/directory/print", query_string={"q": q}).data)
    assert "ไม่พบรายการ" in text and "รวม 0 รายชื่อ" in text


def test_shown_mobile_is_listed_exported_printed_and_searchable(login_as, ids):
    c = login_as("clerk.dopa")
    page = table_of(c.get("/directory/"))
    workbook = shown(c.get("/directory/xlsx"))
    pdf = re.sub(r"\s+", "", pdf_text(c.get("/directory/print").data))
    for username, number in SHOWN.items():
        assert number in page and number in workbook and number in pdf, username
        assert ids["user"][username] in people_of(search(c, number.replace("-", "")))


# ---- never typed twice: the profile, the users' form, the group form ----------------------------


def profile_form(dbq, username, **changes):
    u = dbq.user(username)
    form = {k: u[k] or "" for k in ("first_name", "last_name", "position", "office_phone",
                                     "extension", "mobile_phone")}
    if u["show_mobile"]:
        form["show_mobile"] = "y"
    for k, v in changes.items():
        if v is None:
            form.pop(k, None)
        else:
            form[k] = v
    return form


def test_profile_toggles_the_mobile_in_the_directory(login_as, dbq, ids):
    me, number = "group.dopa", HIDDEN["group.dopa"]
    owner, reader = login_as(me), login_as("officer.cdd")
    form = owner.get(PROFILE).get_data(as_text=True)
    assert 'name="show_mobile"' in form and 'name="extension"' in form and 'value="3205"' in form
    assert "checked" not in re.search(r'<input[^>]*name="show_mobile"[^>]*>', form).group(0)
    try:
        r = owner.post(PROFILE, data=profile_form(dbq, me, show_mobile="y", extension="3299"))
        assert r.status_code == 302
        assert dbq.user(me)["show_mobile"] is True and dbq.user(me)["extension"] == "3299"
        assert number in table_of(reader.get("/directory/"))
        assert ids["user"][me] in people_of(search(reader, number.replace("-", "")))
        assert ids["user"][me] in people_of(search(reader, "3299"))
        assert number in shown(reader.get("/directory/xlsx"))

        r = owner.post(PROFILE, data=profile_form(dbq, me, show_mobile=None))
        assert r.status_code == 302 and dbq.user(me)["show_mobile"] is False
        assert dbq.user(me)["mobile_phone"] == number  # kept, only not shown
        assert_no_number(number, reader.get("/directory/"), "page")
        assert_no_number(number, reader.get("/directory/xlsx"), "excel")
        assert ids["user"][me] not in people_of(search(reader, number.replace("-", "")))
    finally:
        set_user(dbq, me, show_mobile=False, extension="3205")


def test_profile_refuses_an_extension_too_long(login_as, dbq):
    c = login_as("officer.dopa")
    r = c.post(PROFILE, data=profile_form(dbq, "officer.dopa", extension="1" * 17))
    assert r.status_code == 200 and dbq.user("officer.dopa")["extension"] == "3206"
    assert "ต้องมีความยาวไม่เกิน 16 ตัวอักษร" in text_of(r)


def edit_form(dbq, username, **changes):
    """The users' edit form as the screen would post it, from the current row."""
    u = dbq.user(username)
    form = {k: str(u[k] or "") for k in (
        "first_name", "last_name", "username", "email", "level", "position", "office_phone",
        "extension", "mobile_phone")}
    form |= {"agency": str(u["agency_id"]), "work_group": str(u["work_group_id"]), "active": "y"}
    return form | changes


def api_token(client, username):
    r = client.post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db", "refresh": False})
    assert r.status_code == 200
    return {"Authorization": "Bearer " + r.json["access_token"]}


def test_clerk_form_sets_extension_but_never_show_mobile(app, login_as, dbq, ids):
    target, number = "officer.dopa", HIDDEN["officer.dopa"]
    pk = ids["user"][target]
    clerk = login_as("clerk.dopa")
    for c, path in ((clerk, f"/users/edit/{pk}"), (login_as("admin"), f"/users/edit/{pk}"),
                    (login_as("admin"), "/users/add")):
        page = c.get(path).get_data(as_text=True)
        assert 'name="extension"' in page, path
        assert 'name="show_mobile"' not in page, path
    try:
        r = clerk.post(f"/users/edit/{pk}", data=edit_form(dbq, target, extension="3207",
                                                           show_mobile="y"))
        assert r.status_code == 302
        u = dbq.user(target)
        assert u["extension"] == "3207" and u["show_mobile"] is False
        reader = login_as("officer.cdd")
        assert ids["user"][target] in people_of(search(reader, "3207"))
        assert_no_number(number, reader.get("/directory/"), "page")
        # Nor through the users' API.
        with app.test_client() as api:
            r = api.put(f"/api/v1/users/{pk}", json={"show_mobile": True},
                        headers=api_token(api, "clerk.dopa"))
            assert r.status_code != 200 or "show_mobile" not in r.get_data(as_text=True)
        assert dbq.user(target)["show_mobile"] is False
    finally:
        set_user(dbq, target, extension="3206", show_mobile=False)


def test_group_form_takes_a_fax_and_the_directory_reads_it(login_as, dbq, ids):
    gid = ids["group"][(DOPA, "ฝ่ายความมั่นคง")]
    c = login_as("clerk.dopa")
    assert 'name="fax"' in c.get(f"/workgroupview/edit/{gid}").get_data(as_text=True)
    r = c.post(f"/workgroupview/edit/{gid}", data={
        "agency": str(ids["agency"][DOPA]), "kind": "ฝ่าย", "name": "ฝ่ายความมั่นคง",
        "code": "", "phone": "076-412005", "fax": "076-412006"})
    assert r.status_code == 302
    assert dbq(lambda s: s.get(WorkGroup, gid).fax) == "076-412006"
    reader = login_as("officer.cdd")
    table = table_of(reader.get("/directory/"))
    assert "ฝ่ายความมั่นคง 076-412005 โทรสาร 076-412006" in re.sub(r"\s+", " ", table)
    # The group's number finds the group, and so its people.
    r = search(reader, "076412006")
    assert f'id="group-{gid}"' in r.get_data(as_text=True)
    assert sorted(people_of(r)) == sorted(ids["user"][u] for u in ("group.dopa", "officer.dopa"))
    assert "412006" in pdf_text(reader.get("/directory/print", query_string={"q": "412006"}).data)


def test_agency_phone_edited_once_shows_in_the_directory(login_as, dbq, ids):
    aid = ids["agency"][CDD]

    def set_phone(phone):
        def change(s):
            s.get(Agency, aid).phone = phone
            s.commit()
        dbq(change)

    try:
        set_phone("076-419999")
        table = table_of(login_as("officer.dopa").get("/directory/"))
        assert "076-419999" in table and "076-412010 โทรสาร" not in table
    finally:
        set_phone("076-412010")


# ---- who is listed ------------------------------------------------------------------------------


def test_inactive_users_and_users_without_agency_are_not_listed(login_as, dbq, ids):
    def add(s):
        dopa = s.query(Agency).filter_by(code=DOPA).one()
        s.add_all([
            EOfficeUser(username="dir.noagency", first_name="ไร้", last_name="สังกัด",
                        email="dir.noagency@example.go.th", password="x", active=True,
                        extension="9991"),
            EOfficeUser(username="dir.nogroup", first_name="ไม่มี", last_name="กลุ่มงาน",
                        email="dir.nogroup@example.go.th", password="x", active=True,
                        agency=dopa, extension="9992", position="ปลัดจังหวัด"),
        ])
        s.commit()

    dbq(add)
    set_user(dbq, "officer.cdd", active=False)
    try:
        c = login_as("clerk.dopa")
        r = c.get("/directory/")
        table = table_of(r)
        assert "กมล สายชล" not in table and "ไร้ สังกัด" not in table
        # A user of an agency without a group: under the agency, before its groups.
        assert table.index("ที่ทำการปกครองจังหวัดพังงา") < table.index("ไม่มี กลุ่มงาน") \
            < table.index("กลุ่มงานการเจ้าหน้าที่")
        for q in ("กมล", "4202", "ไร้", "9991"):
            assert people_of(search(c, q)) == [], q
        everything = shown(c.get("/directory/xlsx")) + shown(c.get("/directory/print"))
        assert "สายชล" not in everything and "สังกัด" not in everything
        assert "ไม่มี กลุ่มงาน" in re.sub(r"\s+", " ", everything)
    finally:
        set_user(dbq, "officer.cdd", active=True)

        def remove(s):
            s.query(EOfficeUser).filter(EOfficeUser.username.like("dir.%")).delete(
                synchronize_session=False)
            s.commit()
        dbq(remove)


# ---- Excel and PDF ------------------------------------------------------------------------------


def test_excel_holds_the_searched_rows_numbers_as_text(login_as, ids):
    c = login_as("officer.cdd")
    r = c.get("/directory/xlsx", query_string={"q": "ความมั่นคง"})
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "attachment" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    sheet = book.active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "สมุดโทรศัพท์" and rows[1] == svc.XLSX_HEADERS
    body = [[v or "" for v in row] for row in rows[2:]]
    assert body == [
        ["ที่ทำการปกครองจังหวัดพังงา", "", "", "", "076-412003", "", "", "076-412004"],
        ["ที่ทำการปกครองจังหวัดพังงา", "ฝ่ายความมั่นคง", "", "", body[1][4], "", "", body[1][7]],
        ["ที่ทำการปกครองจังหวัดพังงา", "ฝ่ายความมั่นคง", "ประเสริฐ มั่นคง", "เจ้าพนักงานปกครอง",
         "076-412003", "3205", "", ""],
        ["ที่ทำการปกครองจังหวัดพังงา", "ฝ่ายความมั่นคง", "อรุณี ทองดี", "ปลัดอำเภอ",
         "076-412003", "3206", "", ""],
    ]
    for row in sheet.iter_rows(min_row=3):
        for cell in row[4:]:
            assert cell.value is None or cell.data_type == "s"  # text: the leading 0 stays

    # The whole directory: the same lines as the page, in the same order.
    everything = xlsx_rows(c.get("/directory/xlsx").data)[2:]
    names = [row[2] for row in everything if row[2]]
    page = table_of(c.get("/directory/"))
    assert [page.index(n) for n in names] == sorted(page.index(n) for n in names)
    assert len(names) == 8 + len(demo.CONTACTS)  # the users, and the lines kept by the clerks
    assert "087-3334455" in [row[6] for row in everything]


def test_pdf_is_a4_grouped_by_agency_and_says_who_printed_it(login_as):
    require_pdf_tools()
    r = login_as("clerk.dopa").get("/directory/print")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    page = PdfReader(io.BytesIO(r.data)).pages[0]
    assert abs(float(page.mediabox.width) - 595.28) < 1
    assert abs(float(page.mediabox.height) - 841.89) < 1
    assert left_margin_mm(r.data) >= 25 - 0.1
    raw = pdf_text(r.data)
    assert not broken_thai(raw)
    assert "สมุดโทรศัพท์จังหวัดพังงา" in raw.splitlines()  # the title, with the province
    text = re.sub(r"\s+", "", raw)
    for words in ["ทุกหน่วยงาน", "หน้า1/", "ชื่อ-นามสกุล", "เบอร์ภายใน",
                  "พิมพ์โดยวิชัยรักงานเมื่อ", "ฝ่ายบริหารงานปกครอง", "มาลีศรีพังงา",
                  "โทรสาร076-412004", *[a.replace(" ", "") for a in AGENCIES_IN_ORDER]]:
        assert words in text, words
    at = [text.index(a) for a in AGENCIES_IN_ORDER]
    assert at == sorted(at)

    r = login_as("clerk.dopa").get("/directory/print", query_string={"q": "มาลี"})
    text = re.sub(r"\s+", "", pdf_text(r.data))
    assert "ค้นหา“มาลี”" in text and "มาลีศรีพังงา" in text and "วิชัย" not in text.split("พิมพ์โดย")[0]


def test_long_directory_repeats_its_headings_on_every_page():
    """Many pages: each with the title and who printed it, หน้า x/y, the column titles, and
    the agency it continues first (the printer repeats each agency's table head)."""
    require_pdf_tools()
    entries = []
    for a in range(4):
        agency = f"สำนักงานทดสอบที่ {a} จังหวัดพังงา"
        entries.append(svc.Entry(svc.AGENCY, a, agency, f"พง 09{a:02d}.1", phone="076-400000"))
        for g in range(3):
            gid = a * 10 + g
            entries.append(svc.Entry(svc.GROUP, a, agency, "", group_id=gid,
                                     group=f"กลุ่มงานทดสอบ {g}", fax="076-400001"))
            for p in range(12):
                entries.append(svc.Entry(
                    svc.PERSON, a, agency, "", group_id=gid, group="", user_id=gid * 100 + p,
                    first_name=f"สมชาย{p}", last_name="ใจดี", extension=str(1000 + p),
                    position="นักวิเคราะห์นโยบายและแผนชำนาญการพิเศษ ปฏิบัติหน้าที่หัวหน้ากลุ่มงาน"
                    if p % 4 == 0 else "เจ้าพนักงานธุรการ", phone="076-400000"))
    spec = svc.PrintSpec("ทุกหน่วยงาน", "ผู้ทดสอบ", "1 ม.ค. 2569", title="สมุดโทรศัพท์จังหวัดพังงา")
    pdf = svc.render_pdf(spec, entries)
    pages = pages_of(pdf)
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) >= 3
    for n, page in enumerate(pages, start=1):
        lines = page.splitlines()
        assert "ชื่อ-นามสกุล ตำแหน่ง โทรศัพท์ เบอร์ภายใน โทรศัพท์มือถือ" in lines, n
        assert ("สมุดโทรศัพท์จังหวัดพังงา · พิมพ์โดย ผู้ทดสอบ เมื่อ 1 ม.ค. 2569 "
                f"หน้า {n}/{len(pages)}") in lines, n
        if n > 1:  # every page begins with an agency, its own or continued
            assert lines[0].startswith("สำนักงานทดสอบที่"), n
        assert not broken_thai(page)
    everyone = re.sub(r"\s+", "", "".join(pages))
    assert all(f"สมชาย{p}ใจดี" in everyone for p in range(12))
    assert "รวม144รายชื่อ" in everyone


# ---- the pieces ---------------------------------------------------------------------------------


def test_thai_dictionary_order():
    words = ["สำนักงานจังหวัด", "เกษตร", "กมล", "ไก่", "โยธา", "ขนม", "กา"]
    assert sorted(words, key=thai.sort_key) == ["กมล", "กา", "เกษตร", "ไก่", "ขนม", "โยธา",
                                               "สำนักงานจังหวัด"]


def test_terms_and_digits():
    assert svc.terms("  วิชัย   ปกครอง ") == ["วิชัย", "ปกครอง"]
    assert svc.terms("086 555 6677") == ["086 555 6677"]  # a number is one term
    assert svc.terms("") == []
    assert svc.digits_of("086-555-6677") == "0865556677"
    assert svc.digits_of("+66 86 555 6677") == "0865556677"
    assert svc.digits_of("๓๑๐๑") == "3101"
    assert svc.digits_of("พง 0016.1") == ""  # not a phone number: searched as text only


# ---- lines that are not users (รายชื่อในสมุดโทรศัพท์) ----------------------------------------------


def test_clerks_keep_lines_that_are_not_users(login_as, dbq):
    """An executive or an office's line, kept by its agency's clerks, listed and searched with
    its numbers; another agency's clerks neither see nor change them in the keeping screen."""
    from app.models import DirectoryContact

    clerk, other = login_as("clerk.dopa"), login_as("clerk.cdd")
    dopa = dbq(lambda s: s.query(Agency).filter_by(code="พง 0016.1").one().id)
    cdd = dbq(lambda s: s.query(Agency).filter_by(code="พง 0019.1").one().id)
    before = dbq.snapshot(DirectoryContact)
    for data, message in (({"agency": str(dopa), "name": ""}, "กรุณากรอกชื่อ"),
                          ({"agency": str(cdd), "name": "สายด่วนแอบเพิ่ม"}, ""),
                          ({"agency": str(dopa), "name": "ก" * 300}, "")):
        r = clerk.post("/directorycontacts/add", data=data)
        assert r.status_code == 200, data
        assert dbq.snapshot(DirectoryContact) == before, data
    r = clerk.post("/directorycontacts/add", data={
        "agency": str(dopa), "name": "ศูนย์ดำรงธรรมจังหวัดพังงา", "position": "สายด่วน",
        "phone": "076-481555", "mobile": "089-9990000"})
    assert r.status_code == 302
    contact = dbq(lambda s: s.query(DirectoryContact).filter_by(
        name="ศูนย์ดำรงธรรมจังหวัดพังงา").one().id)
    for who in ("officer.cdd", "admin"):
        found = text_of(login_as(who).get("/directory/", query_string={"q": "0899990000"}))
        assert "ศูนย์ดำรงธรรมจังหวัดพังงา" in found and "089-9990000" in found, who
    assert "ศูนย์ดำรงธรรม" not in text_of(other.get("/directorycontacts/list/"))
    assert other.get(f"/directorycontacts/edit/{contact}").status_code == 404
    assert other.post(f"/directorycontacts/delete/{contact}").status_code in (302, 404)
    assert dbq(lambda s: s.get(DirectoryContact, contact)) is not None
    assert login_as("officer.dopa").get("/directorycontacts/list/").status_code in (302, 403)
    # The governor's line of the demo province, under the Provincial Office.
    found = text_of(login_as("officer.dopa").get("/directory/", query_string={"q": "สายตรง"}))
    assert "สายตรงผู้ว่าราชการจังหวัดพังงา" in found and "076-481400" in found
    clerk.post(f"/directorycontacts/delete/{contact}")
    assert dbq(lambda s: s.get(DirectoryContact, contact)) is None
