"""The daily register report (รายงานทะเบียนประจำวัน): which entries a period holds (a Bangkok
day, its morning or afternoon round, or a range of days), whose register the heading names, and
each line as the user may read it (a secret letter's content masked for whoever is not party to
it). app/services/reports.py draws it."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import object_session

from app import thai
from app.access import entry_scope, masked
from app.models import RegisterEntry
from app.services import reports
from app.services.correspondence import require_register
from app.services.dispatch import travel_texts
from app.services.errors import ValidationFailed
from app.services.org import province_name


ROUNDS = {"all": "", "morning": "รอบเช้า", "afternoon": "รอบบ่าย"}
NOON = dt.time(12, 0)


def period_bounds(start_day, end_day=None, round_="all"):
    """[start, end) in UTC of Bangkok days ``start_day``..``end_day`` (a morning round ends at
    noon, an afternoon round starts at noon; rounds apply to a single day)."""
    end_day = end_day or start_day
    if end_day < start_day:
        raise ValidationFailed("วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มต้น")
    if (end_day - start_day).days > 366:
        raise ValidationFailed("รายงานได้ครั้งละไม่เกิน 1 ปี")
    if round_ not in ROUNDS:
        raise ValidationFailed("รอบของรายงานไม่ถูกต้อง")
    start, _ = thai.day_bounds(start_day)
    _, end = thai.day_bounds(end_day)
    if round_ != "all" and start_day == end_day:
        noon = thai.to_utc(dt.datetime.combine(start_day, NOON))
        start, end = (start, noon) if round_ == "morning" else (noon, end)
    return start, end


def period_text(start_day, end_day=None, round_="all"):
    if end_day and end_day != start_day:
        return f"{thai.format_date(start_day)} ถึง {thai.format_date(end_day)}"
    text = thai.format_date(start_day)
    return f"{text} {ROUNDS[round_]}".strip()


def report_entries(session, actor, code, start, end, conditions=()):
    """The entries of register ``code`` that ``actor`` sees, registered (received, for incoming
    letters) in [start, end) and meeting ``conditions`` (a search's), in number order."""
    register = require_register(actor, code)
    stamp = RegisterEntry.received_at if register.incoming else RegisterEntry.registered_at
    return session.execute(
        select(RegisterEntry)
        .where(entry_scope(actor, code), stamp >= start, stamp < end, *conditions)
        .order_by(RegisterEntry.year, RegisterEntry.series_id, RegisterEntry.number)
    ).scalars()


def report_heading(actor, register, period):
    """The heading of ``register``'s daily report printed by ``actor`` for ``period`` (already
    written out): whose register it is (the province's central registry with the province's
    name, the user's group and agency for a group's register, else their agency) and the titles
    of its columns."""
    if register.owner == "province":
        session = object_session(actor)  # the request's, which loaded the user
        province = province_name(session) if session is not None else ""
        owner = f"สารบรรณกลาง{province or 'จังหวัด'}"
    elif register.owner == "group" and actor.work_group is not None:
        owner = " ".join(filter(None, (actor.work_group.name,
                                       actor.agency.name if actor.agency else "")))
    else:
        owner = actor.agency.name if actor.agency is not None else ""
    return reports.ReportSpec(
        title=("รายงานทะเบียนหนังสือรับประจำวัน" if register.incoming
               else f"รายงานทะเบียน{register.label}ประจำวัน"),
        owner=owner, period=period, number_title=str(register.number_title),
        doc_title="เลขหนังสือ" if register.incoming else "ถึง",
        printed_by=actor.get_full_name(), printed_at=thai.format_datetime(thai.utcnow()),
    )


def report_rows(session, entries, actor, register):
    """The report's lines, each with where the letter went through the system and who accepted
    it (in the signature column: an electronic acceptance is signed by the system)."""
    entries = list(entries)
    travels = travel_texts(session, [e.id for e in entries])
    return [report_row(e, actor, register, travels.get(e.id, "")) for e in entries]


def report_row(entry, actor, register, travel=""):
    """One line of the daily report: a secret letter's content masked for whoever is not party
    to it, a reservation marked as such, a cancelled number struck through."""
    return reports.ReportRow(
        travel=travel,
        register_number=entry.number_text(),
        doc_number=masked(entry, actor, "doc_number" if register.incoming else "receiver") or "",
        subject=masked(entry, actor, "subject") or ("(จองเลข)" if entry.is_reserved else ""),
        doc_date=entry.doc_date,
        cancelled=entry.is_cancelled,
    )
