"""Dispatch, accept, return, and the letter's timeline (manual 7.1, 7.4-7.7).

- The central registry dispatches a letter of the province's incoming register to agencies and
  to the Provincial Office's own groups; an agency clerk dispatches a letter of the agency's
  incoming register to its groups; a group clerk to the people of the group; outgoing letters
  (normal, circular) go to agencies of the province, or to the province itself (its governor:
  the central registry receives them into หนังสือรับถึงจังหวัด, not the Provincial Office into its
  own register).
  ลับที่สุด letters stay out of electronic handling, as the correspondence rules require.
- Each recipient gets a delivery of its own: sent, opened, accepted (ลงรับ) or returned (ส่งคืน).
- Accepting enters the letter into the recipient's own incoming register with its next number
  (the numbering engine), linked to its source. The delivery is claimed by one conditional UPDATE
  before any number is issued, so that two clerks accepting at once, or one clerk twice, give one
  entry and one number: the second waits for the first and then finds it accepted.
- Every step writes its event on the letter's timeline, in the same transaction, never edited.

Locks are taken in one order everywhere: the delivery (or the dispatched entry), then the number
counter, then the audit log.
"""

import json

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import object_session, selectinload

from app import thai
from app.access import entry_scope, is_party, registers_of
from app.models import Agency, Attachment, RegisterEntry, WorkGroup
from app.models.correspondence import STATUS_ACTIVE, TOP_SECRET
from app.models.dispatch import (
    ACCEPTED,
    OPENED,
    PENDING,
    RETURNED,
    PROVINCE_RECIPIENT,
    RECALLED,
    SENT,
    Delivery,
    LetterEvent,
)
from app.registers import REGISTERS, TO_AGENCY, TO_GROUP, TO_PERSON, TO_PROVINCE, accepting
from app.services import attachments as attachment_store
from app.services import entries, entry_search, paging, recipients
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.locks import lock_row
from app.services.timeline import record_event
from app.services.work import unit_of_work


ACTIONS = {
    "registered": "ลงทะเบียน", "dispatched": "ส่ง", "forwarded": "ส่งต่อ", "opened": "เปิดอ่าน",
    "accepted": "ลงรับ", "returned": "ส่งคืน", "read": "รับทราบ", "recalled": "เรียกคืน",
}


def letter_of(session, entry):
    """The id of the letter ``entry`` belongs to: its first registration."""
    source = session.execute(
        select(Delivery.letter_id).where(Delivery.accepted_entry_id == entry.id)
    ).scalar_one_or_none()
    return source if source is not None else entry.id


# ---- dispatch ------------------------------------------------------------------------------


def dispatch(session, actor, entry, chosen, note=None, now=None):
    """Send ``entry`` to the recipients its register sends to (the province, agencies, groups
    or people); one delivery each. ``chosen`` as ``recipient_keys`` reads it. Returns the
    deliveries; commits."""
    now = thai.naive_utc(now)
    register = REGISTERS[entry.register]
    if not register.sends_to:
        raise ValidationFailed(f"{register.label} ไม่มีการส่งต่อทางระบบ")
    if entry.register not in registers_of(actor) or not session.execute(
            select(RegisterEntry.id).where(RegisterEntry.id == entry.id,
                                           entry_scope(actor, entry.register))).first():
        raise PermissionDenied("คุณไม่มีสิทธิ์ส่งหนังสือฉบับนี้")
    if not is_party(entry, actor):
        raise PermissionDenied("หนังสือลับฉบับนี้ ส่งได้เฉพาะผู้ที่เกี่ยวข้องกับหนังสือเท่านั้น")
    if entry.status != STATUS_ACTIVE:
        raise ValidationFailed("ส่งได้เฉพาะหนังสือที่ลงทะเบียนแล้วและยังไม่ถูกยกเลิก")
    if entry.secrecy == TOP_SECRET:
        raise ValidationFailed("หนังสือลับที่สุดต้องส่งด้วยมือ ไม่ส่งทางระบบ")
    keys = recipients.recipient_keys(chosen, register.sends_to[0])
    note = (note or "").strip() or None
    if note and len(note) > 1000:
        raise ValidationFailed("หมายเหตุการส่งยาวเกิน 1,000 ตัวอักษร")
    with unit_of_work(session):
        # Two dispatches of one letter queue here, so that neither misses the other's deliveries.
        lock_row(session, RegisterEntry.__table__, entry.id, "status")
        chosen = recipients.resolve(session, entry, register, keys)
        busy = recipients.holding(session, entry)
        again = [r for kind, r in chosen if (kind, r.id) in busy]
        if again:
            names = ", ".join(recipients.name(r) for r in again)
            raise ValidationFailed(f"ส่งถึง {names} แล้ว และยังไม่ถูกส่งคืน")
        # Sending the letter again answers its returns: they no longer wait for the sender.
        session.execute(update(Delivery).where(
            Delivery.entry_id == entry.id, Delivery.status == RETURNED,
            Delivery.return_noted_at.is_(None)).values(return_noted_at=now))
        letter_id = letter_of(session, entry)
        action = "dispatched" if letter_id == entry.id else "forwarded"
        deliveries = []
        for kind, r in chosen:
            d = Delivery(
                letter_id=letter_id, entry_id=entry.id, from_agency_id=entry.agency_id,
                from_group_id=entry.work_group_id, recipient_kind=kind, status=SENT, note=note,
                sent_by_id=actor.id, sent_at=now, **recipients.address(kind, r))
            session.add(d)
            session.flush()
            to = PROVINCE_RECIPIENT if kind == TO_PROVINCE else recipients.name(r)
            record_event(session, letter_id, action, actor, now, entry_id=entry.id,
                         delivery_id=d.id, agency_id=entry.agency_id,
                         detail={"to": to, "note": note} if note else {"to": to})
            deliveries.append(d)
    return deliveries


# ---- the recipient's side -------------------------------------------------------------------


def is_recipient(delivery, actor):
    """Whether ``actor`` decides on ``delivery``: the clerk of the agency or group it is for,
    or the person. Asked of the database, by the one rule of ``_addressed_to``."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    session = object_session(delivery)
    return session.execute(select(Delivery.id).where(
        Delivery.id == delivery.id, _addressed_to(actor))).first() is not None


def require_recipient(delivery, actor):
    if not is_recipient(delivery, actor):
        raise PermissionDenied("หนังสือฉบับนี้ไม่ได้ส่งถึงคุณ")


def open_delivery(session, actor, delivery, now=None):
    """The recipient looks at it: a sent delivery becomes opened (once); commits."""
    require_recipient(delivery, actor)
    if delivery.status != SENT:
        return delivery
    now = thai.naive_utc(now)
    with unit_of_work(session):
        done = session.execute(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.status == SENT)
            .values(status=OPENED, opened_by_id=actor.id, opened_at=now)).rowcount
        if done:
            record_event(session, delivery.letter_id, "opened", actor, now,
                         delivery_id=delivery.id)
    session.refresh(delivery)
    return delivery


def accept(session, actor, delivery, now=None):
    """ลงรับ: the letter enters the recipient's incoming register with its next number (a
    person's delivery is marked read). Returns the new entry (None for a person). Accepting
    what is already accepted returns the entry it became; commits."""
    require_recipient(delivery, actor)
    now = thai.naive_utc(now)
    delivery_id = delivery.id
    with unit_of_work(session) as work:
        claimed = session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.status.in_(PENDING))
            .values(status=ACCEPTED, accepted_by_id=actor.id, accepted_at=now)).rowcount
        if not claimed:
            session.rollback()
            current = session.get(Delivery, delivery_id, populate_existing=True)
            if current.status == ACCEPTED:
                return current.accepted_entry
            if current.status == RECALLED:
                raise ValidationFailed("ผู้ส่งเรียกคืนหนังสือฉบับนี้แล้ว ลงรับไม่ได้")
            raise ValidationFailed("หนังสือฉบับนี้ถูกส่งคืนแล้ว ลงรับไม่ได้")
        entry = None
        if delivery.recipient_kind == TO_PERSON:
            record_event(session, delivery.letter_id, "read", actor, now,
                         delivery_id=delivery_id)
        else:
            entry = _enter(session, work, actor, delivery, now)
    session.expire(delivery)
    return entry


def _enter(session, work, actor, delivery, now):
    """The recipient's entry of ``delivery`` in the register that accepts it: numbered, with
    the source's files (copied as stored: a file belongs to one entry), the delivery pointing
    at it and the acceptance on the letter's timeline."""
    source = delivery.entry
    register = accepting(delivery.recipient_kind)
    agency = session.get(Agency, delivery.to_agency_id)
    group = session.get(WorkGroup, delivery.to_group_id) if delivery.to_group_id else None
    here = group if register.owner == "group" else agency
    incoming = REGISTERS[source.register].incoming
    fields = dict(
        speed=source.speed, secrecy=source.secrecy, doc_number=source.doc_number,
        doc_date=source.doc_date,
        sender=source.sender if incoming else delivery.from_agency.name,
        receiver=(source.receiver if (incoming or delivery.recipient_kind == TO_PROVINCE)
                  and source.receiver else here.name),
        subject=source.subject,
    )

    def accepted(entry):
        session.execute(update(Delivery).where(Delivery.id == delivery.id)
                        .values(accepted_entry_id=entry.id))
        record_event(session, delivery.letter_id, "accepted", actor, now,
                     entry_id=entry.id, delivery_id=delivery.id,
                     detail={"number": entry.number_text(), "register": str(register.label)})

    def copied(entry):
        directory = attachment_store.settings()["directory"]
        for a in session.execute(select(Attachment).where(Attachment.entry_id == source.id)
                                 .order_by(Attachment.id)).scalars():
            work.copy(a, entry, now, directory)

    entry, = entries.create(session, actor, register, agency, group, fields, now=now,
                            event=accepted, files=copied)
    return entry


def return_delivery(session, actor, delivery, reason, now=None):
    """ส่งคืน: refuse the delivery with a reason (required); the sender sees it and may dispatch
    again to the right recipient. Commits."""
    require_recipient(delivery, actor)
    reason = entries.required_reason(reason, "ที่ส่งคืน")
    now = thai.naive_utc(now)
    with unit_of_work(session):
        done = session.execute(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.status.in_(PENDING))
            .values(status=RETURNED, return_reason=reason, returned_by_id=actor.id,
                    returned_at=now)).rowcount
        if not done:
            session.refresh(delivery)
            if delivery.status == RECALLED:
                raise ValidationFailed("ผู้ส่งเรียกคืนหนังสือฉบับนี้แล้ว")
            raise ValidationFailed("หนังสือฉบับนี้ลงรับหรือส่งคืนไปแล้ว")
        record_event(session, delivery.letter_id, "returned", actor, now,
                     delivery_id=delivery.id, detail={"reason": reason})
    session.expire(delivery)
    return delivery


# ---- what happened to a letter, as the register's การปฏิบัติ column says it -----------------------

_SHORT = {SENT: "รอเปิด", OPENED: "เปิดอ่านแล้ว", RETURNED: "ส่งคืน", RECALLED: "เรียกคืน"}


def travel_texts(session, entry_ids):
    """{entry id: text} of where each of ``entry_ids`` went through the system and who accepted
    it (``ส่ง ที่ทำการปกครองจังหวัดพังงา (ลงรับ เลขรับ 5), ที่ว่าการอำเภอเกาะยาว (รอเปิด)``), and
    for an entry that a delivery became, whom it came from and who accepted it. One query for
    all of them, however many (a page, or a thousand rows of an export)."""
    ids = list(entry_ids)
    if not ids:
        return {}
    deliveries = session.execute(
        select(Delivery).where(or_(Delivery.entry_id.in_(ids),
                                   Delivery.accepted_entry_id.in_(ids)))
        .options(selectinload(Delivery.to_agency), selectinload(Delivery.to_group),
                 selectinload(Delivery.to_user), selectinload(Delivery.accepted_entry),
                 selectinload(Delivery.accepted_by), selectinload(Delivery.from_agency),
                 selectinload(Delivery.from_group), selectinload(Delivery.entry))
        .order_by(Delivery.id)).scalars().all()
    sent, came = {}, {}
    wanted = set(ids)
    for d in deliveries:
        if d.entry_id in wanted:
            if d.status == ACCEPTED:
                state = (f"ลงรับ เลขรับ {d.accepted_entry.number_text()}"
                         if d.accepted_entry is not None else "รับทราบ")
            else:
                state = _SHORT.get(d.status, d.status)
            sent.setdefault(d.entry_id, []).append(f"{d.recipient_name()} ({state})")
        if d.accepted_entry_id in wanted:
            by = d.accepted_by.get_full_name() if d.accepted_by is not None else ""
            came[d.accepted_entry_id] = f"รับทางระบบจาก {d.sender_name()} ลงรับโดย {by}".strip()
    texts = {}
    for entry_id in ids:
        parts = ([came[entry_id]] if entry_id in came else []) + (
            ["ส่ง " + ", ".join(sent[entry_id])] if entry_id in sent else [])
        if parts:
            texts[entry_id] = "; ".join(parts)
    return texts


def with_travel(typed, travel):
    """The การปฏิบัติ column: what the clerk typed, then what the system knows."""
    return "; ".join(t for t in ((typed or "").strip(), travel or "") if t)


# ---- timeline -------------------------------------------------------------------------------


def may_follow(session, actor, letter_id):
    """Whether ``actor`` may read the timeline of a letter: they see one of its entries, or
    they sent or receive one of its deliveries."""
    its_entries = select(RegisterEntry.id).where(
        or_(RegisterEntry.id == letter_id,
            RegisterEntry.id.in_(select(Delivery.accepted_entry_id)
                                 .where(Delivery.letter_id == letter_id)),
            RegisterEntry.id.in_(select(Delivery.entry_id).where(Delivery.letter_id == letter_id))),
        entry_scope(actor))
    if session.execute(its_entries.limit(1)).first():
        return True
    return session.execute(select(Delivery.id).where(
        Delivery.letter_id == letter_id, _addressed_to(actor)).limit(1)).first() is not None


def timeline(session, actor, letter_id):
    """Every event of the letter, in the order they happened, as dicts for display."""
    if not may_follow(session, actor, letter_id):
        raise PermissionDenied("คุณไม่มีสิทธิ์ดูเส้นทางของหนังสือฉบับนี้")
    events = session.execute(
        select(LetterEvent).where(LetterEvent.letter_id == letter_id)
        .order_by(LetterEvent.occurred_at, LetterEvent.id)).scalars()
    return [{
        "action": e.action, "label": ACTIONS.get(e.action, e.action),
        "actor": e.actor_name, "agency": e.agency.name if e.agency else "",
        "at": thai.format_datetime(e.occurred_at), "occurred_at": e.occurred_at,
        "detail": json.loads(e.detail) if e.detail else {},
        "entry_id": e.entry_id, "delivery_id": e.delivery_id,
    } for e in events]


def _addressed_to(actor):
    """The SQL condition: deliveries ``actor`` decides on."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Delivery.id.is_(None)
    conditions = [Delivery.to_user_id == actor.id]
    kept = registers_of(actor)
    if accepting(TO_PROVINCE).code in kept:
        conditions.append(Delivery.recipient_kind == TO_PROVINCE)
    if accepting(TO_AGENCY).code in kept and actor.agency_id:
        conditions.append((Delivery.recipient_kind == TO_AGENCY)
                          & (Delivery.to_agency_id == actor.agency_id))
    if accepting(TO_GROUP).code in kept and actor.work_group_id:
        conditions.append((Delivery.recipient_kind == TO_GROUP)
                          & (Delivery.to_group_id == actor.work_group_id))
    return or_(*conditions)


def inbox_count(session, actor):
    """How many deliveries wait for ``actor``'s decision (the count in the navigation bar)."""
    return session.execute(select(func.count()).select_from(Delivery).where(
        _addressed_to(actor), Delivery.status.in_(PENDING))).scalar_one()


INBOX_PAGE_SIZE = 100


def _letters_matching(statement, search, sent_at):
    """``statement`` (of deliveries joined to their entries) narrowed by ``search`` (read by
    entry_search.read): ``q`` finds the subject or the letter's number (ที่), never a secret
    letter's subject; ``speed`` keeps that speed; the dates bound ``sent_at``."""
    text = (search.get("q") or "").strip()
    if text:
        statement = statement.where(or_(
            thai.contains(RegisterEntry.doc_number, text),
            and_(thai.contains(RegisterEntry.subject, text), RegisterEntry.secrecy == "normal")))
    if search.get("speed"):
        statement = statement.where(RegisterEntry.speed == search["speed"])
    return statement.where(*entry_search.within(sent_at, search))


def inbox(session, actor, page=1, size=INBOX_PAGE_SIZE, search=None):
    """New incoming (หนังสือเข้าใหม่): deliveries to ``actor`` not yet decided, most urgent
    first, then newest; page ``page`` (from 1) of ``size``, and whether another follows;
    narrowed by ``search`` (``_letters_matching``: the dates are those it was sent)."""
    urgency = case({"most_urgent": 0, "very_urgent": 1, "urgent": 2},
                   value=RegisterEntry.speed, else_=3)
    statement = _letters_matching(
        select(Delivery).join(RegisterEntry, RegisterEntry.id == Delivery.entry_id)
        .where(_addressed_to(actor), Delivery.status.in_(PENDING)), search or {},
        Delivery.sent_at)
    return paging.page_of(session, statement.order_by(urgency, Delivery.id.desc()), page, size)


# ---- the register of letters received through the system (manual 7.5) --------------------------

RECEIVED_PAGE_SIZE = 50


def received_register(session, actor, search=None):
    """ทะเบียนหนังสือรับทางระบบ: the statement of the deliveries ``actor``'s agency or group
    accepted (ลงรับ), and those to ``actor`` in person that they acknowledged (รับทราบ), newest
    first, each with where it came from, the sender's number and the number it got here (None
    for a person's); narrowed by ``search`` (``_letters_matching``: the dates are those it was
    accepted)."""
    from sqlalchemy.orm import aliased

    here = aliased(RegisterEntry)
    statement = (
        select(Delivery, RegisterEntry, here)
        .join(RegisterEntry, RegisterEntry.id == Delivery.entry_id)
        .outerjoin(here, here.id == Delivery.accepted_entry_id)
        .where(_addressed_to(actor), Delivery.status == ACCEPTED)
        .order_by(Delivery.accepted_at.desc(), Delivery.id.desc()))
    return _letters_matching(statement, search or {}, Delivery.accepted_at)


RECEIVED_COLUMNS = ("เลขรับ", "วันที่ลงรับ/รับทราบ", "จาก", "เลขทะเบียนผู้ส่ง", "ที่", "ลงวันที่",
                    "เรื่อง", "ผู้ลงรับ/ผู้รับทราบ")


def received_row(delivery, source, here):
    """One line of the register for the screen and the Excel file (times in Bangkok, dates as
    dates: the screen writes them out, Excel keeps them as dates): a letter to a person has no
    number here (รับทราบ)."""
    return [here.number_text() if here is not None else "รับทราบ",
            delivery.accepted_at and thai.to_bangkok(delivery.accepted_at),
            delivery.sender_name(),
            f"{source.number_text()} ({REGISTERS[source.register].label})",
            source.doc_number or "", source.doc_date, source.subject or "",
            delivery.accepted_by.get_full_name() if delivery.accepted_by else ""]
