"""Numbered records: the one way a register entry is created, and the one way a numbered record
(a letter's entry, a contract) is cancelled.

A number in a register is a legal record: none lost, doubled or skipped. So every entry, whether
a clerk registers a letter, reserves numbers for drafts, or accepts a letter sent by another
agency, is created by ``create``, which keeps the order that app/services/numbering.py requires:

1. the numbers are issued first, taking the series' counter lock before anything audited is
   flushed (so that no two transactions wait on each other's locks);
2. the rows are added and flushed;
3. the letter's event is recorded on its timeline;
4. the files are written (and removed again by the unit of work if anything later fails).

The caller runs it inside ``unit_of_work`` (app/services/work.py): a failure anywhere gives the
numbers back to their counter with the rollback.

``Rights`` is the one answer to "what may this user do with this record", which each register's
service gives (``correspondence.rights``, ``contracts.rights``) and its screens, templates and API
show.

``cancel`` marks a numbered record cancelled (ยกเลิก) with why, by whom and when; its number
stays in the register. The row is locked first, so that two cancellations, or a change and a
cancellation, at once queue, and the second decides on what the first committed.
"""

from dataclasses import dataclass

from flask import current_app

from app import thai
from app.models import Agency
from app.models.correspondence import NORMAL, STATUS_ACTIVE, STATUS_CANCELLED, RegisterEntry
from app.services import numbering
from app.services.errors import ValidationFailed
from app.services.org import provincial_office
from app.services.locks import lock_and_reload
from app.services.work import unit_of_work


@dataclass(frozen=True)
class Rights:
    """What one user may do with one numbered record."""

    read: bool  # its content and files (a secret letter's: its parties only)
    keeps: bool  # the user keeps its register
    edit: bool  # fill in a reservation, correct the details
    cancel: bool
    attach: bool
    open_files: bool
    download: bool  # a top-secret letter's files are opened in the browser, never downloaded
    send: bool = False  # send it on through the system (dispatch)


def granted_all(permission):
    """The services' own checks: every screen permission granted (a screen passes its role's)."""
    return True


def owner(session, actor, register):
    """(agency, work group or None) whose series numbers ``register`` for ``actor``."""
    if register.owner == "province":
        agency = provincial_office(session)
        if agency is None:
            raise ValidationFailed(
                "ยังไม่ได้กำหนดหน่วยงานที่เป็นสำนักงานจังหวัด ผู้ดูแลระบบต้องกำหนดก่อน")
        return agency, None
    agency = session.get(Agency, actor.agency_id) if actor.agency_id else None
    if agency is None:
        raise ValidationFailed("บัญชีของคุณยังไม่ได้สังกัดหน่วยงาน จึงออกเลขไม่ได้")
    if register.owner == "group":
        if actor.work_group is None:
            raise ValidationFailed("บัญชีของคุณยังไม่ได้สังกัดกลุ่มงาน จึงออกเลขรับของกลุ่มไม่ได้")
        return agency, actor.work_group
    if numbers_own(register, actor.work_group):
        return agency, actor.work_group
    return agency, None


def numbers_own(register, group):
    """Whether ``group`` numbers its own letters of ``register``: an agency's outgoing register
    whose number carries a code (ปกติ, เวียน), for a group that keeps its own outgoing numbers
    under its own code (พง 0017.1/12)."""
    return (register.owner == "agency" and register.issues_code and group is not None
            and bool(group.own_numbers) and bool(group.code))


def series_key(register, agency, group, secret):
    """The unique name of the series of ``register`` kept by ``agency`` (or ``group``)."""
    if register.owner == "province":
        key = register.code
    elif register.owner == "group":
        key = f"{register.code}:{group.id}"
    elif group is not None:  # a group's own outgoing numbers
        key = f"{register.code}:{agency.id}:group:{group.id}"
    else:
        key = f"{register.code}:{agency.id}"
    return key + (":secret" if secret else "")


def series(session, register, agency, group, secret):
    """The series of this register and owner; a new one runs by calendar year unless
    REGISTER_YEAR_BASIS says otherwise for the register (the administrator may switch a series
    before its first number, on the number-series screen)."""
    basis = current_app.config.get("REGISTER_YEAR_BASIS", {}).get(register.code, "calendar")
    return numbering.get_series(
        session, series_key(register, agency, group, secret), register.code,
        agency_id=agency.id, work_group_id=group.id if group else None, secret=secret,
        year_basis=basis,
    )


def create(session, actor, register, agency, group, fields, *, now, count=1,
           status=STATUS_ACTIVE, reserved_until=None, event=None, files=None, received_at=None):
    """``count`` new entries of ``register`` kept by ``agency`` (``group`` for a group's
    register), numbered in order, with the letter ``fields``; returns them. An incoming letter is
    stamped received at ``received_at`` (when it really arrived) or ``now``.

    ``event(entry)`` records the entry on its letter's timeline and ``files(entry)`` writes its
    files, in that order, after the numbers were issued and the rows flushed (see the module).
    No commit: the caller's unit of work commits."""
    group = group if register.owner == "group" or numbers_own(register, group) else None
    secret = fields.get("secrecy", NORMAL) != NORMAL
    numbers_of = series(session, register, agency, group, secret)
    year, numbers = numbering.issue(session, numbers_of, now, count=count)
    entries = []
    for number in numbers:
        entry = RegisterEntry(
            register=register.code, series_id=numbers_of.id, year=year, number=number,
            agency_id=agency.id, work_group_id=group.id if group else None, status=status,
            reserved_until=reserved_until, registered_by_id=actor.id, registered_at=now,
            received_at=(received_at or now) if register.incoming and status == STATUS_ACTIVE
            else None,
            **fields,
        )
        issued = register.issued_number(group.code if group is not None else agency.code,
                                        number, secret)
        if issued is not None:
            entry.doc_number = issued
        session.add(entry)
        entries.append(entry)
    session.flush()
    for entry in entries:
        if event is not None:
            event(entry)
        if files is not None:
            files(entry)
    if files is not None:
        session.flush()
    return entries


def required_reason(text, purpose, limit=1000):
    """A reason a user must give (``purpose``: "ที่ยกเลิก", "ที่ส่งคืน"), stripped; refused when
    empty or longer than ``limit``."""
    reason = (text or "").strip()
    if not reason:
        raise ValidationFailed(f"กรุณาระบุเหตุผล{purpose}")
    if len(reason) > limit:
        raise ValidationFailed(f"เหตุผล{purpose}ยาวเกิน {limit:,} ตัวอักษร")
    return reason


def cancel(session, actor, record, reason, check, now=None, cancelled=STATUS_CANCELLED):
    """ยกเลิก ``record`` (a register entry or a contract): it stays with its number, marked
    ``cancelled`` with the reason, who and when. ``check(record)`` is the caller's rule of who
    may, asked before the reason is read and again once the row is locked. Commits."""
    check(record)
    reason = required_reason(reason, "ที่ยกเลิก")
    with unit_of_work(session):
        lock_and_reload(session, record, "status")
        check(record)  # on what the previous holder of the lock committed
        if record.status == cancelled:
            raise ValidationFailed("รายการนี้ถูกยกเลิกไปแล้ว")
        record.status = cancelled
        record.cancel_reason = reason
        record.cancelled_by_id = actor.id
        record.cancelled_at = thai.naive_utc(now)
        if hasattr(record, "reserved_until"):
            record.reserved_until = None  # a cancelled reservation is no longer waiting
    return record
