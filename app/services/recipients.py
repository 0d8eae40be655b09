"""Whom a letter may be sent to (the recipients of a dispatch), and the recipient lists an
agency's clerks keep.

A recipient is a (kind, id): the province (its governor: the central registry receives the letter
into หนังสือรับถึงจังหวัด), an agency, a group, a person (app/registers.py). A form names one as
``kind:id`` (``province:1``, ``agency:12``); the API may give a bare id of the register's usual
kind. Each register says which kinds its letters go to; ``choices`` shows them in sections (the
province, the agencies by kind, the groups, the people), a recipient that holds the letter
already shown held.
"""

from dataclasses import dataclass

from sqlalchemy import select

from app import thai
from app.access import registers_of
from app.models import Agency, EOfficeUser, WorkGroup
from app.models.dispatch import (
    ACCEPTED,
    PENDING,
    PROVINCE_RECIPIENT,
    Delivery,
    RecipientList,
    RecipientListMember,
)
from app.models.org import AGENCY_KINDS, PROVINCIAL
from app.registers import REGISTERS, TO_AGENCY, TO_GROUP, TO_PERSON, TO_PROVINCE
from app.services import org
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.locks import lock_row
from app.services.work import unit_of_work


ID_MAX = 2**31 - 1  # beyond any row's id (an integer column)
KIND_LABELS = {TO_PROVINCE: "จังหวัด", TO_AGENCY: "หน่วยงาน", TO_GROUP: "กลุ่มงาน",
               TO_PERSON: "บุคคล"}


def recipient_ids(values, refusal="รายชื่อผู้รับไม่ถูกต้อง กรุณาเลือกใหม่"):
    """The distinct ids chosen in a form or a request, sorted; anything not an id is refused
    with ``refusal``."""
    try:
        ids = {int(v) for v in values or () if str(v).strip()}
    except (TypeError, ValueError):
        raise ValidationFailed(refusal) from None
    if any(isinstance(v, bool) for v in values or ()) or any(not 0 < i <= ID_MAX for i in ids):
        raise ValidationFailed(refusal)
    return sorted(ids)


def recipient_keys(values, usual_kind):
    """The distinct (kind, id) chosen in a form or a request, sorted: each value is
    ``kind:id`` (``province:1``, ``group:5``) or a bare id of the register's ``usual_kind``.
    Anything else is refused."""
    keys = set()
    for value in values or ():
        if isinstance(value, str) and ":" in value:
            kind, _sep, number = value.partition(":")
            if kind not in KIND_LABELS:
                raise ValidationFailed("รายชื่อผู้รับไม่ถูกต้อง กรุณาเลือกใหม่")
        else:
            kind, number = usual_kind, value
        keys.update((kind, n) for n in recipient_ids([number]))
    return sorted(keys)


def key_of(kind, target_id):
    return f"{kind}:{target_id}"


def candidates(session, entry, kind):
    """Everyone ``entry`` may be sent to of ``kind``, by its register, in the order shown."""
    if kind == TO_PROVINCE:
        office = org.provincial_office(session)
        # The Provincial Office's own letters reach the governor without the system.
        return [office] if office is not None and office.id != entry.agency_id else []
    if kind == TO_AGENCY:
        return session.execute(select(Agency).where(Agency.id != entry.agency_id)
                               .order_by(Agency.name)).scalars().all()
    if kind == TO_GROUP:
        return session.execute(select(WorkGroup).where(WorkGroup.agency_id == entry.agency_id)
                               .order_by(WorkGroup.name)).scalars().all()
    return session.execute(select(EOfficeUser).where(
        EOfficeUser.work_group_id == entry.work_group_id, EOfficeUser.active.is_(True))
        .order_by(EOfficeUser.first_name, EOfficeUser.id)).scalars().all()


def resolve(session, entry, register, keys):
    """[(kind, recipient)] of the chosen ``keys``; refused unless every one may be sent to."""
    if not keys:
        raise ValidationFailed("กรุณาเลือกผู้รับอย่างน้อยหนึ่งราย")
    if any(kind not in register.sends_to for kind, _id in keys):
        raise ValidationFailed(f"{register.label} ส่งถึงผู้รับที่เลือกไม่ได้ กรุณาเลือกใหม่")
    if (TO_AGENCY, entry.agency_id) in keys:
        raise ValidationFailed("ส่งหนังสือถึงหน่วยงานของตนเองไม่ได้")
    found = []
    for kind in register.sends_to:
        wanted = {i for k, i in keys if k == kind}
        if wanted:
            found += [(kind, r) for r in candidates(session, entry, kind)
                      if r.id in wanted]
    if len(found) != len(keys):
        raise ValidationFailed("ผู้รับบางรายไม่อยู่ในขอบเขตที่ส่งได้ กรุณาเลือกใหม่")
    return found


def address(kind, recipient):
    """A delivery's address columns for ``recipient`` of ``kind``."""
    if kind in (TO_PROVINCE, TO_AGENCY):
        return {"to_agency_id": recipient.id}
    if kind == TO_GROUP:
        return {"to_agency_id": recipient.agency_id, "to_group_id": recipient.id}
    return {"to_agency_id": recipient.agency_id, "to_group_id": recipient.work_group_id,
            "to_user_id": recipient.id}


def holding(session, entry):
    """The (kind, id) of the recipients that hold ``entry`` already: sent to them, and neither
    returned nor recalled."""
    rows = session.execute(select(Delivery.recipient_kind, Delivery.to_agency_id,
                                  Delivery.to_group_id, Delivery.to_user_id).where(
        Delivery.entry_id == entry.id, Delivery.status.in_(PENDING + (ACCEPTED,)))).all()
    address = {TO_PROVINCE: 1, TO_AGENCY: 1, TO_GROUP: 2, TO_PERSON: 3}
    return {(row[0], row[address[row[0]]]) for row in rows}


@dataclass(frozen=True)
class Choice:
    key: str  # as the form sends it: "agency:12"
    name: str
    held: bool  # sent already, and neither returned nor recalled: not to be sent again


@dataclass(frozen=True)
class Section:
    key: str  # "agency-district", "group"...
    label: str
    choices: tuple


def choices(session, entry):
    """Whom ``entry`` may be sent to, by its register, in sections as the form shows them: the
    province, the agencies by kind (provincial agencies, district offices, others), the groups,
    the people. One that holds it already is shown held (a returned or recalled delivery's
    recipient may be chosen again)."""
    return _sections(session, entry, REGISTERS[entry.register].sends_to,
                     holding(session, entry))


def _sections(session, origin, kinds, held):
    sections = []
    for kind in kinds:
        rows = candidates(session, origin, kind)
        if kind == TO_AGENCY:
            for agency_kind, label in AGENCY_KINDS.items():
                of_kind = [r for r in rows if (r.kind or PROVINCIAL) == agency_kind]
                if of_kind:
                    sections.append(Section(f"agency-{agency_kind}", label,
                                            _choices_of(kind, of_kind, held)))
        elif rows:
            label = {TO_PROVINCE: "ถึงจังหวัด (ลงรับในทะเบียนหนังสือรับถึงจังหวัด)",
                     TO_GROUP: "กลุ่มงานในหน่วยงาน", TO_PERSON: "บุคคลในกลุ่มงาน"}[kind]
            sections.append(Section(kind, label, _choices_of(kind, rows, held)))
    return sections


def _choices_of(kind, rows, held):
    def shown(r):
        if kind == TO_PROVINCE:
            return PROVINCE_RECIPIENT
        if kind == TO_AGENCY and getattr(r, "is_provincial_office", False):
            return f"{r.name} (ในฐานะหน่วยงาน)"
        return name(r)
    return tuple(Choice(key_of(kind, r.id), shown(r), (kind, r.id) in held) for r in rows)


def name(recipient):
    return recipient.get_full_name() if isinstance(recipient, EOfficeUser) else recipient.name


# ---- recipient lists (รายชื่อผู้รับที่บันทึกไว้) ---------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a recipient list sends from: the keeper's agency and group (as an entry would)."""

    agency_id: int
    work_group_id: int


def list_kinds(actor):
    """The recipient kinds of the registers ``actor`` keeps, in the registers' order: what the
    lists ``actor`` keeps may hold. None: ``actor`` sends nothing on, and keeps no list."""
    kinds = []
    for code in registers_of(actor):
        kinds += [k for k in REGISTERS[code].sends_to if k not in kinds]
    return tuple(kinds)


def may_keep_lists(actor):
    return bool(getattr(actor, "agency_id", None)) and bool(list_kinds(actor))


def list_choices(session, actor):
    """The sections a recipient list of ``actor`` is chosen from (nothing held)."""
    return _sections(session, Origin(actor.agency_id, actor.work_group_id), list_kinds(actor),
                     set())


def member_names(session, actor):
    """{key: name} of everyone a list of ``actor`` may hold, to show a list's members."""
    return {c.key: c.name for section in list_choices(session, actor) for c in section.choices}


def lists_of(session, actor):
    """The recipient lists of ``actor``'s agency, by name; none for one who keeps none."""
    if not may_keep_lists(actor):
        return []
    return session.execute(select(RecipientList).where(RecipientList.agency_id == actor.agency_id)
                           .order_by(RecipientList.name)).scalars().all()


def list_for(session, actor, list_id):
    """The list if it is one of ``actor``'s agency, else None (the caller's 404)."""
    try:
        list_id = int(list_id)
    except (TypeError, ValueError):
        return None
    if not may_keep_lists(actor) or not 0 < list_id <= ID_MAX:
        return None
    return session.execute(select(RecipientList).where(
        RecipientList.id == list_id, RecipientList.agency_id == actor.agency_id)
    ).scalar_one_or_none()


def save_list(session, actor, name, chosen, recipient_list=None, now=None):
    """Create (or, given ``recipient_list``, change) a list of ``actor``'s agency named
    ``name`` holding ``chosen`` (keys as the form sends them). Commits."""
    if not may_keep_lists(actor):
        raise PermissionDenied("คุณไม่มีสิทธิ์บันทึกรายชื่อผู้รับ")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("กรุณาตั้งชื่อรายชื่อผู้รับ", field="name")
    if len(name) > 120:
        raise ValidationFailed("ชื่อรายชื่อผู้รับยาวเกิน 120 ตัวอักษร", field="name")
    kinds = list_kinds(actor)
    keys = recipient_keys(chosen, kinds[0])
    if not keys:
        raise ValidationFailed("กรุณาเลือกผู้รับอย่างน้อยหนึ่งราย", field="recipients")
    offered = {(c.key) for section in list_choices(session, actor) for c in section.choices}
    if any(key_of(kind, i) not in offered for kind, i in keys):
        raise ValidationFailed("ผู้รับบางรายไม่อยู่ในขอบเขตที่ส่งได้ กรุณาเลือกใหม่",
                               field="recipients")
    taken = select(RecipientList.id).where(RecipientList.agency_id == actor.agency_id,
                                           RecipientList.name == name)
    if recipient_list is not None:
        taken = taken.where(RecipientList.id != recipient_list.id)
    if session.execute(taken).first():
        raise ValidationFailed(f"มีรายชื่อผู้รับชื่อ “{name}” อยู่แล้ว", field="name")
    with unit_of_work(session):
        if recipient_list is None:
            recipient_list = RecipientList(agency_id=actor.agency_id, created_by_id=actor.id)
            session.add(recipient_list)
        else:
            lock_row(session, RecipientList.__table__, recipient_list.id, "name")
        recipient_list.name = name
        recipient_list.updated_at = thai.naive_utc(now)
        recipient_list.members = [RecipientListMember(kind=kind, target_id=i)
                                  for kind, i in keys]
    return recipient_list


def delete_list(session, actor, recipient_list):
    if list_for(session, actor, recipient_list.id) is None:
        raise PermissionDenied("คุณไม่มีสิทธิ์ลบรายชื่อผู้รับนี้")
    with unit_of_work(session):
        session.delete(recipient_list)
