"""The phone directory (สมุดโทรศัพท์): the province's agencies, under each its groups (กลุ่ม/กอง/ฝ่าย/สาขา),
its active users and the lines its clerks keep that are not users (executives, an office's line:
app/services/contacts.py), read from the rows they are kept in (never typed twice).

Province-wide: every logged-in user sees every agency's entries.

Privacy: a user's mobile number is in the directory only when the user chose to show it
(``show_mobile``). The rule is applied in SQL, where the rows are read: a hidden number is never
selected (NULL comes back in its place) and never compared with what is searched, so that it can
leak neither through the page, the Excel file or the PDF, nor through a search that would find
its owner by it ("whose number is 086-555-6677?").

A province's directory is thousands of rows, not millions: the rows that match are read whole,
sorted in Thai dictionary order (which neither SQLite nor PostgreSQL's C collation gives) and
paged in memory.
"""

import dataclasses
import re
from dataclasses import dataclass

from sqlalchemy import and_, case, func, null, or_, select, true

from app import thai
from app.models import Agency, DirectoryContact, EOfficeUser, WorkGroup
from app.services import reports

AGENCY, GROUP, PERSON = "agency", "group", "person"
TITLE = "สมุดโทรศัพท์"

# What may separate the digits of a phone number as people type it: 076-412003, 086 555 6677,
# (076) 412.003, +66 86 555 6677.
_SEPARATORS = (" ", "-", ".", "(", ")", "+", "/")
_NUMBER_RE = re.compile(r"[\d\s\-.()+/]*\d[\d\s\-.()+/]*")


@dataclass(frozen=True)
class Entry:
    """One line of the directory: an agency, one of its groups, or a person of it."""

    kind: str  # AGENCY, GROUP or PERSON
    agency_id: int
    agency: str  # the agency's name
    agency_code: str
    group_id: int | None = None
    group: str = ""  # the group's name (a person's group, or the group itself)
    user_id: int | None = None
    contact_id: int | None = None  # a line kept by the clerks (DirectoryContact), not a user
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    phone: str = ""  # the agency's, the group's, or the person's office phone
    extension: str = ""  # a person's internal extension (เบอร์ภายใน)
    mobile: str = ""  # a person's mobile, only when they show it
    fax: str = ""  # an agency's or a group's
    continued: bool = False  # a heading repeated at the top of a page (ต่อ)

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}".strip()


# ---- Thai order ---------------------------------------------------------------------------------



def _order(entry):
    rank = {AGENCY: 0, GROUP: 1, PERSON: 2}[entry.kind]
    in_group = entry.group_id is not None
    return (
        thai.sort_key(entry.agency), entry.agency_id,
        # under the agency's own line: its people without a group, then each group and its people
        (0 if entry.kind == AGENCY else 2 if in_group else 1),
        thai.sort_key(entry.group) if in_group else ("", ""), entry.group_id or 0,
        rank, thai.sort_key(entry.first_name), thai.sort_key(entry.last_name), entry.user_id or 0,
        entry.contact_id or 0,
    )


# ---- search -------------------------------------------------------------------------------------


def terms(text):
    """What one search box asks: a phone number (digits with their separators) as one term,
    anything else word by word, every word to be found."""
    text = (text or "").translate(thai.ARABIC_DIGITS).strip()
    if not text:
        return []
    if _NUMBER_RE.fullmatch(text):
        return [text]
    return text.split()


def digits_of(term):
    """The digits of a term typed as a phone number, '' for any other term; +66 is read as 0."""
    term = term.translate(thai.ARABIC_DIGITS).strip()
    if not _NUMBER_RE.fullmatch(term):
        return ""
    digits = re.sub(r"\D", "", term)
    if term.startswith("+66") and len(digits) > 2:
        digits = "0" + digits[2:]
    return digits


def _digits_sql(column):
    """``column`` with the separators of a phone number taken out, in SQL."""
    for separator in _SEPARATORS:
        column = func.replace(column, separator, "")
    return column


def _match(term, texts, phones):
    """The SQL condition: ``term`` is found in one of ``texts`` or ``phones``; a phone is also
    found by its digits alone (0865556677 finds 086-555-6677)."""
    conditions = [thai.contains(c, term) for c in (*texts, *phones)]
    digits = digits_of(term)
    if digits:
        conditions += [_digits_sql(c).like(f"%{digits}%") for c in phones]
    return or_(*conditions)


def _agency_match(term):
    return _match(term, (Agency.name, Agency.code), (Agency.phone, Agency.fax))


def _group_match(term):
    return _match(term, (WorkGroup.name,), (WorkGroup.phone, WorkGroup.fax))


def _person_match(term):
    # The mobile is compared only where it is shown: a hidden number must not find its owner.
    return or_(
        _match(term, (EOfficeUser.first_name, EOfficeUser.last_name, EOfficeUser.position),
               (EOfficeUser.office_phone, EOfficeUser.extension)),
        and_(EOfficeUser.show_mobile.is_(True), _match(term, (), (EOfficeUser.mobile_phone,))),
    )


def _contact_match(term):
    # A contact's numbers are published by the clerk who keeps it: all of them are searched.
    return _match(term, (DirectoryContact.name, DirectoryContact.position),
                  (DirectoryContact.phone, DirectoryContact.extension, DirectoryContact.mobile,
                   DirectoryContact.fax))


def listed_users():
    """The SQL condition on users who are in the directory: active, of an agency."""
    return and_(EOfficeUser.active.is_(True), EOfficeUser.agency_id.is_not(None))


def shown_mobile():
    """The mobile as the directory may read it: NULL unless its owner shows it."""
    return case((EOfficeUser.show_mobile.is_(True), EOfficeUser.mobile_phone), else_=null())


def search(session, text="", agency_id=None):
    """The directory's lines matching ``text`` (one box: a name, a position, an agency, a group
    or a number) within ``agency_id`` if given, in order: each agency, its people without a
    group, then each of its groups followed by its people; agencies, groups and people by name.

    A person is listed when every term is found in the person's own entries (name, position,
    office phone, extension, shown mobile), their group's or their agency's: searching an agency
    lists all of it. A group or an agency is listed when it matches in its own right, or as the
    heading of a person or group that does."""
    words = terms(text)

    def in_agency(column):
        return column == agency_id if agency_id else true()

    people = session.execute(
        select(EOfficeUser.id, EOfficeUser.agency_id, Agency.name, Agency.code,
               EOfficeUser.work_group_id, WorkGroup.name, EOfficeUser.first_name,
               EOfficeUser.last_name, EOfficeUser.position, EOfficeUser.office_phone,
               EOfficeUser.extension, shown_mobile())
        .join(Agency, EOfficeUser.agency_id == Agency.id)
        .outerjoin(WorkGroup, EOfficeUser.work_group_id == WorkGroup.id)
        .where(listed_users(), in_agency(EOfficeUser.agency_id),
               *(or_(_agency_match(w), _group_match(w), _person_match(w)) for w in words))
    ).all()
    entries = [
        Entry(PERSON, agency_id=a_id, agency=a_name, agency_code=a_code, group_id=g_id,
              group=g_name or "", user_id=u_id, first_name=first or "", last_name=last or "",
              position=position or "", phone=phone or "", extension=extension or "",
              mobile=mobile or "")
        for (u_id, a_id, a_name, a_code, g_id, g_name, first, last, position, phone, extension,
             mobile) in people
    ]
    contacts = session.execute(
        select(DirectoryContact.id, DirectoryContact.agency_id, Agency.name, Agency.code,
               DirectoryContact.work_group_id, WorkGroup.name, DirectoryContact.name,
               DirectoryContact.position, DirectoryContact.phone, DirectoryContact.extension,
               DirectoryContact.mobile, DirectoryContact.fax)
        .join(Agency, DirectoryContact.agency_id == Agency.id)
        .outerjoin(WorkGroup, DirectoryContact.work_group_id == WorkGroup.id)
        .where(in_agency(DirectoryContact.agency_id),
               *(or_(_agency_match(w), _group_match(w), _contact_match(w)) for w in words))
    ).all()
    entries += [
        Entry(PERSON, agency_id=a_id, agency=a_name, agency_code=a_code, group_id=g_id,
              group=g_name or "", contact_id=c_id, first_name=name or "",
              position=position or "", phone=phone or "", extension=extension or "",
              mobile=mobile or "", fax=fax or "")
        for (c_id, a_id, a_name, a_code, g_id, g_name, name, position, phone, extension, mobile,
             fax) in contacts
    ]
    headed_groups = {e.group_id for e in entries if e.group_id is not None}
    headed_agencies = {e.agency_id for e in entries}

    def hit(match):
        return and_(*(match(w) for w in words)) if words else true()

    group_rows = session.execute(
        select(WorkGroup.id, WorkGroup.name, WorkGroup.phone, WorkGroup.fax, Agency.id,
               Agency.name, Agency.code,
               hit(lambda w: or_(_agency_match(w), _group_match(w))))
        .join(Agency, WorkGroup.agency_id == Agency.id)
        .where(in_agency(WorkGroup.agency_id))
    ).all()
    for g_id, g_name, phone, fax, a_id, a_name, a_code, matched in group_rows:
        if matched or g_id in headed_groups:
            entries.append(Entry(GROUP, agency_id=a_id, agency=a_name, agency_code=a_code,
                                 group_id=g_id, group=g_name, phone=phone or "", fax=fax or ""))
            headed_agencies.add(a_id)

    agency_rows = session.execute(
        select(Agency.id, Agency.name, Agency.code, Agency.phone, Agency.fax, hit(_agency_match))
        .where(in_agency(Agency.id))
    ).all()
    for a_id, a_name, a_code, phone, fax, matched in agency_rows:
        if matched or a_id in headed_agencies:
            entries.append(Entry(AGENCY, agency_id=a_id, agency=a_name, agency_code=a_code,
                                 phone=phone or "", fax=fax or ""))
    entries.sort(key=_order)
    return entries


def people_count(entries):
    return sum(1 for e in entries if e.kind == PERSON)


def agencies(session):
    """(id, name) of every agency, for the agency filter, in Thai order."""
    rows = session.execute(select(Agency.id, Agency.name)).all()
    return sorted(rows, key=lambda r: thai.sort_key(r[1]))


# ---- pages --------------------------------------------------------------------------------------


def headings_of(entries, start):
    """The headings above line ``start`` of ``entries`` that a page beginning there must repeat:
    its agency's line and, for a person of a group, the group's; marked ``continued``."""
    if start <= 0 or start >= len(entries):
        return []
    first = entries[start]
    wanted = [(AGENCY, None)] if first.kind != AGENCY else []
    if first.kind == PERSON and first.group_id is not None:
        wanted.append((GROUP, first.group_id))
    found = []
    for kind, group_id in wanted:
        for e in reversed(entries[:start]):
            if e.agency_id != first.agency_id:
                break
            if e.kind == kind and (group_id is None or e.group_id == group_id):
                found.append(dataclasses.replace(e, continued=True))
                break
    return found


def page_of(entries, page, size):
    """(the lines of page ``page`` (from 1) with the headings it continues, whether more pages
    follow)."""
    start = (page - 1) * size
    return headings_of(entries, start) + entries[start:start + size], len(entries) > start + size


# ---- Excel --------------------------------------------------------------------------------------

XLSX_HEADERS = ["หน่วยงาน", "กลุ่มงาน", "ชื่อ-นามสกุล", "ตำแหน่ง", "โทรศัพท์", "เบอร์ภายใน",
                "โทรศัพท์มือถือ", "โทรสาร"]
XLSX_WIDTHS = [40, 36, 28, 34, 16, 12, 16, 16]


def xlsx_rows(entries):
    """One row per line, numbers as text (a leading 0 stays)."""
    for e in entries:
        yield [e.agency, e.group if e.kind != AGENCY else "",
               e.name if e.kind == PERSON else "", e.position, e.phone, e.extension, e.mobile,
               e.fax]


# ---- PDF ----------------------------------------------------------------------------------------

PRINT_TEMPLATE = "directory/print.html"
# Column widths in percent of the printable width.
COLUMNS = (("name", 26.0), ("position", 28.0), ("phone", 15.0), ("extension", 13.0),
           ("mobile", 18.0))


@dataclass
class PrintSpec:
    selection: str  # what is printed: ทุกหน่วยงาน, an agency, the words searched
    printed_by: str
    printed_at: str  # already formatted
    title: str = TITLE  # with the province's name: สมุดโทรศัพท์จังหวัดพังงา


def heading_text(entry):
    """``โทรศัพท์ 076-412003 โทรสาร 076-412004``: the numbers printed beside a heading."""
    parts = []
    if entry.phone:
        parts.append(f"โทรศัพท์ {entry.phone}")
    if entry.fax:
        parts.append(f"โทรสาร {entry.fax}")
    return "  ".join(parts)


def by_agency(entries):
    """[(the agency's line or None, [its groups' and people's lines])], in the given order."""
    blocks = []
    for e in entries:
        if e.kind == AGENCY or not blocks or blocks[-1][0] is None \
                or blocks[-1][0].agency_id != e.agency_id:
            blocks.append((e if e.kind == AGENCY else None, []))
            if e.kind == AGENCY:
                continue
        blocks[-1][1].append(e)
    return blocks


def render_html(spec, entries, for_pdf=False):
    """The directory as one HTML document: the browser's print view, or with ``for_pdf`` the
    page Chromium prints. One table per agency, whose head (the agency's line and the column
    titles) the printer repeats on every page the agency runs on to."""
    entries = list(entries)
    return reports.render(
        PRINT_TEMPLATE, for_pdf, spec=spec, blocks=by_agency(entries),
        total=people_count(entries), columns=dict(COLUMNS), heading_text=heading_text,
        printed=reports.printed_line(spec.printed_by, spec.printed_at),
        PERSON=PERSON, GROUP=GROUP)


def render_pdf(spec, entries):
    """The directory as A4 PDF bytes; the title, who printed it and หน้า x/y in every page's
    footer."""
    printed = reports.printed_line(spec.printed_by, spec.printed_at)
    return reports.print_pdf(render_html(spec, entries, for_pdf=True),
                             f"{spec.title} · {printed}" if printed else spec.title)
