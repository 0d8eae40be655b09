"""The sender's follow-up (ติดตามหนังสือที่ส่ง): the letters sent on through the system from the
registers a user keeps, with where each delivery stands (waiting, opened, accepted with the
number it got there, returned with the reason, recalled); the returns the sender has not yet
taken note of (counted on the home page and in the navigation bar); and recall (เรียกคืน) of a
delivery the recipient has not accepted yet.

A user follows what was sent from the entries they see in the registers they keep (the same
scope as the registers' screens): an agency's clerks their agency's, the central registry the
province's and the Provincial Office's, a group's clerk the group's.
"""

from sqlalchemy import and_, exists, func, or_, select, update

from app import thai
from app.access import entry_scope, is_party, masked, party_condition, registers_of
from app.levels import ADMIN
from app.models import RegisterEntry
from app.models.dispatch import (
    ACCEPTED,
    DELIVERY_STATUSES,
    OPENED,
    PENDING,
    RECALLED,
    RETURNED,
    SENT,
    Delivery,
)
from app.registers import REGISTERS
from app.services import paging
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.timeline import record_event
from app.services.work import unit_of_work

PAGE_SIZE = 25
# The states a search may ask for, as the form offers them.
STATES = {"waiting": ("รอเปิด/รอลงรับ", PENDING), "opened": ("เปิดอ่านแล้ว", (OPENED,)),
          "accepted": ("ลงรับแล้ว", (ACCEPTED,)), "returned": ("ส่งคืน", (RETURNED,)),
          "recalled": ("เรียกคืนแล้ว", (RECALLED,))}


def _sent_by(actor):
    """The SQL condition on RegisterEntry: entries ``actor`` follows the sending of."""
    registers = [c for c in registers_of(actor) if REGISTERS[c].sends_to]
    if not registers:
        return RegisterEntry.id.is_(None)
    condition = and_(RegisterEntry.register.in_(registers), entry_scope(actor))
    if getattr(actor, "level", None) == ADMIN:  # the administrator follows their own agency's
        condition = and_(condition, or_(RegisterEntry.agency_id == actor.agency_id,
                                        RegisterEntry.register.in_(_province_registers())))
    return condition


def _province_registers():
    return [c for c, r in REGISTERS.items() if r.owner == "province"]


def search(session, actor, text=None, state=None, date_from=None, date_to=None):
    """The statement of the entries ``actor`` sent on, the last sent first. ``text`` searches
    the subject, the letter's number (ที่) and the recipients' names; ``state`` (a key of
    STATES) keeps the letters with a delivery in that state; the dates bound when it was sent
    (Bangkok days)."""
    if state and state not in STATES:
        raise ValidationFailed("สถานะที่ค้นหาไม่ถูกต้อง", field="state")
    deliveries = select(Delivery.id).where(Delivery.entry_id == RegisterEntry.id)
    if state:
        deliveries = deliveries.where(Delivery.status.in_(STATES[state][1]))
    if date_from:
        deliveries = deliveries.where(Delivery.sent_at >= thai.day_bounds(date_from)[0])
    if date_to:
        deliveries = deliveries.where(Delivery.sent_at < thai.day_bounds(date_to)[1])
    last_sent = select(func.max(Delivery.sent_at)).where(
        Delivery.entry_id == RegisterEntry.id).scalar_subquery()
    statement = select(RegisterEntry).where(_sent_by(actor), exists(deliveries)) \
        .order_by(last_sent.desc(), RegisterEntry.id.desc())
    for word in (text or "").split()[:10]:
        # A secret letter is never found by its content by one not party to it.
        statement = statement.where(or_(
            and_(party_condition(actor), or_(thai.contains(RegisterEntry.subject, word),
                                             thai.contains(RegisterEntry.doc_number, word))),
            RegisterEntry.id.in_(_to_named(word))))
    return statement


def _to_named(word):
    """The entries with a delivery to a recipient whose name holds ``word``."""
    from app.models import Agency, EOfficeUser, WorkGroup

    return select(Delivery.entry_id).where(or_(
        Delivery.to_agency_id.in_(select(Agency.id).where(thai.contains(Agency.name, word))),
        Delivery.to_group_id.in_(select(WorkGroup.id).where(thai.contains(WorkGroup.name, word))),
        Delivery.to_user_id.in_(select(EOfficeUser.id).where(or_(
            thai.contains(EOfficeUser.first_name, word),
            thai.contains(EOfficeUser.last_name, word))))))


def page(session, actor, page_number=1, **criteria):
    """One page of ``search``: [(entry, [delivery])], and whether another page follows."""
    found = paging.page_of(session, search(session, actor, **criteria), page_number, PAGE_SIZE)
    by_entry = {}
    if found.rows:
        for d in session.execute(select(Delivery).where(
                Delivery.entry_id.in_([e.id for e in found.rows]))
                .order_by(Delivery.sent_at, Delivery.id)).scalars():
            by_entry.setdefault(d.entry_id, []).append(d)
    return paging.Page([(e, by_entry.get(e.id, [])) for e in found.rows], found.more,
                       found.number)


def state_text(delivery):
    """Where a delivery stands, in words: with the number it got, or the reason it came back."""
    label = DELIVERY_STATUSES.get(delivery.status, delivery.status)
    if delivery.status == ACCEPTED and delivery.accepted_entry is not None:
        return f"{label} เลขรับ {delivery.accepted_entry.number_text()} " \
               f"({thai.format_datetime(delivery.accepted_at)})"
    if delivery.status == ACCEPTED:  # a person: read (รับทราบ)
        return f"รับทราบแล้ว ({thai.format_datetime(delivery.accepted_at)})"
    if delivery.status == RETURNED:
        return f"{label}: {delivery.return_reason} ({thai.format_datetime(delivery.returned_at)})"
    if delivery.status == OPENED:
        return f"{label} ({thai.format_datetime(delivery.opened_at)})"
    if delivery.status == RECALLED:
        return f"{label} ({thai.format_datetime(delivery.recalled_at)})"
    return label


XLSX_COLUMNS = ("เลขทะเบียน", "ทะเบียน", "ที่", "เรื่อง", "ส่งถึง", "ส่งเมื่อ", "สถานะ")


def xlsx_rows(session, actor, **criteria):
    """One line a delivery of the letters ``search`` finds, for the Excel file."""
    statement = search(session, actor, **criteria)
    for entry in session.execute(statement.execution_options(yield_per=200)).scalars():
        for d in session.execute(select(Delivery).where(Delivery.entry_id == entry.id)
                                 .order_by(Delivery.sent_at, Delivery.id)).scalars():
            yield [entry.number_text(), str(REGISTERS[entry.register].label),
                   masked(entry, actor, "doc_number") or "", masked(entry, actor, "subject") or "",
                   d.recipient_name(), thai.to_bangkok(d.sent_at), state_text(d)]


# ---- returns waiting for the sender -------------------------------------------------------------


def _unnoted_returns(actor):
    return and_(Delivery.status == RETURNED, Delivery.return_noted_at.is_(None),
                Delivery.entry_id.in_(select(RegisterEntry.id).where(_sent_by(actor))))


def returns_count(session, actor):
    """How many returns ``actor`` has not taken note of (the home page's and the bar's count)."""
    return session.execute(select(func.count()).select_from(Delivery)
                           .where(_unnoted_returns(actor))).scalar_one()


def note_returns(session, actor, entry, now=None):
    """``actor`` has seen the returns of ``entry``: they no longer count. Commits."""
    if not _follows(session, actor, entry):
        raise PermissionDenied("คุณไม่มีสิทธิ์ติดตามหนังสือฉบับนี้")
    with unit_of_work(session):
        session.execute(update(Delivery).where(
            Delivery.entry_id == entry.id, _unnoted_returns(actor))
            .values(return_noted_at=thai.naive_utc(now)).execution_options(
                synchronize_session=False))


def _follows(session, actor, entry):
    return session.execute(select(RegisterEntry.id).where(
        RegisterEntry.id == entry.id, _sent_by(actor))).first() is not None


# ---- recall -----------------------------------------------------------------------------------


def recall(session, actor, delivery, reason=None, now=None):
    """เรียกคืน: take back a delivery the recipient has not accepted (nor returned); it leaves
    the recipient's inbox, and the letter may be sent to them again. Recorded on the letter's
    timeline with the reason, if given. Commits."""
    entry = delivery.entry
    if not _follows(session, actor, entry) or not is_party(entry, actor):
        raise PermissionDenied("คุณไม่มีสิทธิ์เรียกคืนหนังสือฉบับนี้")
    reason = " ".join((reason or "").split()) or None
    if reason and len(reason) > 1000:
        raise ValidationFailed("เหตุผลที่เรียกคืนยาวเกิน 1,000 ตัวอักษร", field="reason")
    now = thai.naive_utc(now)
    with unit_of_work(session):
        done = session.execute(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.status.in_(PENDING))
            .values(status=RECALLED, recalled_by_id=actor.id, recalled_at=now)).rowcount
        if not done:
            session.refresh(delivery)
            what = {ACCEPTED: "ผู้รับลงรับแล้ว", RETURNED: "ผู้รับส่งคืนแล้ว",
                    RECALLED: "เรียกคืนไปแล้ว"}.get(delivery.status, "สถานะเปลี่ยนไปแล้ว")
            raise ValidationFailed(f"เรียกคืนไม่ได้ เนื่องจาก{what}")
        record_event(session, delivery.letter_id, "recalled", actor, now,
                     entry_id=entry.id, delivery_id=delivery.id, agency_id=entry.agency_id,
                     detail={"to": delivery.recipient_name(), "reason": reason} if reason
                     else {"to": delivery.recipient_name()})
    session.refresh(delivery)
    return delivery


def may_recall(delivery):
    return delivery.status in (SENT, OPENED)
