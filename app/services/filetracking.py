"""File-for-signature tracking (ระบบติดตามแฟ้มเสนอลงนาม, manual 8.2).

Any user registers a file for a deputy governor's or the governor's signature and gets a tracking
number (``12/2570``, one province-wide series from the numbering engine, by fiscal year). The
executives' secretaries (the FAB role ``SECRETARY_ROLE``, given on top of a level) move it from
stage to stage; the owner may withdraw it, and propose it again after a correction. Which moves
are allowed is data (``FileStep``): a move the route does not allow is refused. Every move is a
row of its own, written in the same transaction as the file's new stage.

Who sees a file: its proposer's agency, the secretaries and the administrator.
"""

import statistics

from flask import current_app
from sqlalchemy import false, func, or_, select, true

from app import thai
from app.levels import ADMIN
from app.models.filetracking import (
    ANY_ROUTE,
    BY_OWNER,
    BY_SECRETARY,
    FILE_ROUTES,
    Executive,
    FileMove,
    FileStage,
    FileStep,
    TrackedFile,
    TrackedFileAttachment,
)
from app.services import attachments as attachment_store
from app.services import audit, holidays, numbering
from app.services import correspondence as svc
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.recipients import recipient_ids
from app.services.locks import lock_and_reload
from app.services.work import unit_of_work

SECRETARY_ROLE = "เลขานุการผู้บริหาร"
FIRST_STAGE = "proposed"
RECEIVING_STAGE = "secretary"  # ฝ่ายเลขานุการรับแฟ้ม: where the secretaries take a proposed file
SERIES_KEY = "file_tracking"


# ---- who ---------------------------------------------------------------------------------------


def _signed_in(actor):
    return actor is not None and getattr(actor, "is_authenticated", False)


def is_secretary(actor):
    """The executives' secretaries move files; the administrator may stand in for them."""
    if not _signed_in(actor):
        return False
    return actor.level == ADMIN or any(r.name == SECRETARY_ROLE for r in actor.roles)


def scope(actor):
    """The SQL condition on TrackedFile rows ``actor`` may see."""
    if not _signed_in(actor):
        return false()
    if is_secretary(actor):
        return true()
    if not actor.agency_id:
        return false()
    return TrackedFile.agency_id == actor.agency_id


def visible(session, actor, file_id):
    try:
        file_id = int(file_id)
    except (TypeError, ValueError):
        return None
    return session.execute(select(TrackedFile).where(
        TrackedFile.id == file_id, scope(actor))).scalar_one_or_none()


# ---- register ----------------------------------------------------------------------------------


def executives(session):
    """The executives a file may be proposed to (the chief of the Provincial Office keeps an
    agenda but signs no files on this route)."""
    return session.execute(select(Executive).where(Executive.active.is_(True),
                                                   Executive.kind.in_(FILE_ROUTES))
                           .order_by(Executive.sort_order, Executive.id)).scalars().all()


def _series(session):
    basis = current_app.config.get("FILE_TRACKING_YEAR_BASIS", "fiscal")
    return numbering.get_series(session, SERIES_KEY, SERIES_KEY, year_basis=basis)


def register_file(session, actor, data, uploads=(), now=None):
    """Register a file proposed for signature: its tracking number, its first stage (เสนอแฟ้ม)
    and the move that put it there, its attachments; one transaction. Commits."""
    if not _signed_in(actor):
        raise PermissionDenied("กรุณาเข้าสู่ระบบก่อน")
    if not actor.agency_id:
        raise ValidationFailed("บัญชีของคุณยังไม่ได้สังกัดหน่วยงาน จึงเสนอแฟ้มไม่ได้")
    subject = str(data.get("subject") or "").strip()
    if not subject:
        raise ValidationFailed("กรุณากรอกเรื่องที่เสนอ")
    if len(subject) > 2000:
        raise ValidationFailed("เรื่องยาวเกิน 2,000 ตัวอักษร")
    try:
        executive_id = int(data.get("executive_id") or 0)
    except (TypeError, ValueError):
        executive_id = 0
    executive = session.get(Executive, executive_id) if executive_id else None
    if executive is None or not executive.active or executive.kind not in FILE_ROUTES:
        raise ValidationFailed("กรุณาเลือกผู้บริหารที่เสนอแฟ้มถึง")
    speed = data.get("speed") or "normal"
    if speed not in svc.SPEEDS:
        raise ValidationFailed("ชั้นความเร็วไม่ถูกต้อง")
    entry = svc.find_entry(session, actor, data.get("entry_register"), data.get("entry_number"))
    entry_id = entry.id if entry is not None else None
    settings = attachment_store.settings()
    checked = attachment_store.check(list(uploads or ()), settings["max_bytes"],
                                     settings["max_files"])
    now = thai.naive_utc(now)
    with unit_of_work(session) as work:
        series = _series(session)
        year, (number,) = numbering.issue(session, series, now)
        tracked = TrackedFile(
            series_id=series.id, year=year, number=number, subject=subject,
            agency_id=actor.agency_id, work_group_id=actor.work_group_id, proposer_id=actor.id,
            executive_id=executive.id, route=executive.kind, speed=speed, entry_id=entry_id,
            stage=FIRST_STAGE, stage_since=now, registered_at=now)
        session.add(tracked)
        session.flush()
        session.add(FileMove(file_id=tracked.id, from_stage=None, to_stage=FIRST_STAGE,
                             moved_by_id=actor.id, moved_by_name=actor.get_full_name(),
                             moved_at=now))
        work.store(tracked, checked, actor.id, now, settings["directory"])
        audit.record(session, "file_register", target=tracked,
                     detail={"number": tracked.number_text(), "executive": str(executive)},
                     target_label=f"แฟ้ม {tracked.number_text()}")
    return tracked


# ---- move --------------------------------------------------------------------------------------


def _roles_on(actor, tracked):
    roles = set()
    if is_secretary(actor):
        roles.add(BY_SECRETARY)
    if actor.id == tracked.proposer_id:
        roles.add(BY_OWNER)
    return roles


def next_stages(session, actor, tracked):
    """The stages ``actor`` may move ``tracked`` to now, in the route's order."""
    roles = _roles_on(actor, tracked)
    if not roles:
        return []
    return session.execute(
        select(FileStage).join(FileStep, FileStep.to_stage == FileStage.code)
        .where(FileStep.from_stage == tracked.stage,
               FileStep.route.in_((tracked.route, ANY_ROUTE)), FileStep.by.in_(roles))
        .distinct().order_by(FileStage.sort_order)).scalars().all()


def holders(session, tracked, stage):
    """The executives who may hold ``tracked`` at ``stage`` (one of the kind it is held by),
    the file's own executive first; [] for a stage not at an executive."""
    if stage is None or not stage.held_by:
        return []
    found = session.execute(select(Executive).where(
        Executive.kind == stage.held_by, Executive.active.is_(True))
        .order_by(Executive.sort_order, Executive.id)).scalars().all()
    return sorted(found, key=lambda e: e.id != tracked.executive_id)


def move(session, actor, tracked, to_stage, note=None, now=None, holder_id=None):
    """Move ``tracked`` to ``to_stage``, as the route allows ``actor``; with a note (required
    where the stage says so). At an executive's stage (with_deputy...) the move says which one
    holds it (``holder_id``; when not given, the file's own executive if of that kind, else the
    first in the executives' order: the screen always asks). Two
    moves of one file at once queue: the second sees the first's stage and is judged from
    there. Commits."""
    if not _roles_on(actor, tracked):
        raise PermissionDenied("คุณไม่มีสิทธิ์เคลื่อนแฟ้มนี้ (เฉพาะฝ่ายเลขานุการผู้บริหาร หรือเจ้าของเรื่อง)")
    note = (note or "").strip() or None
    if note and len(note) > 1000:
        raise ValidationFailed("บันทึกยาวเกิน 1,000 ตัวอักษร")
    now = thai.naive_utc(now)
    with unit_of_work(session):
        lock_and_reload(session, tracked, "stage")
        target = session.get(FileStage, to_stage) if isinstance(to_stage, str) else None
        if target is None or target not in next_stages(session, actor, tracked):
            here = tracked.current.label
            there = target.label if target is not None else str(to_stage or "")
            raise ValidationFailed(
                f"ย้ายแฟ้มจาก \u201c{here}\u201d ไป \u201c{there}\u201d ไม่ได้ตามเส้นทางที่กำหนด")
        if target.note_required and not note:
            raise ValidationFailed(f"การ{target.label}ต้องบันทึกเหตุผลหรือสิ่งที่ต้องแก้ไข")
        holder = _holder(session, tracked, target, holder_id)
        session.add(FileMove(file_id=tracked.id, from_stage=tracked.stage, to_stage=target.code,
                             moved_by_id=actor.id, moved_by_name=actor.get_full_name(),
                             moved_at=now, note=note,
                             executive_id=holder.id if holder is not None else None))
        tracked.stage = target.code
        tracked.stage_since = now
        tracked.holder_id = holder.id if holder is not None else None
        tracked.owner_noted_at = None
    return tracked


def _holder(session, tracked, stage, holder_id):
    choices = holders(session, tracked, stage)
    if not choices:
        return None
    if holder_id in (None, ""):  # the screen always asks; a caller that does not, the first
        return choices[0]
    try:
        holder_id = int(holder_id)
    except (TypeError, ValueError):
        holder_id = None
    chosen = next((e for e in choices if e.id == holder_id), None)
    if chosen is None:
        raise ValidationFailed("ผู้บริหารที่เลือกไม่ตรงกับขั้นตอนนี้ กรุณาเลือกใหม่", field="holder")
    return chosen


def receive(session, actor, file_ids, now=None):
    """ฝ่ายเลขานุการรับแฟ้ม: move every chosen file that was proposed to the stage that receives
    it, each in its own transaction. Returns (received, [(file or id, why not)])."""
    if not is_secretary(actor):
        raise PermissionDenied("เฉพาะฝ่ายเลขานุการผู้บริหาร")
    ids = recipient_ids(file_ids, refusal="รายการแฟ้มที่เลือกไม่ถูกต้อง กรุณาเลือกใหม่")
    if not ids:
        raise ValidationFailed("กรุณาเลือกแฟ้มที่รับอย่างน้อยหนึ่งแฟ้ม")
    received, refused = [], []
    for file_id in ids:
        tracked = visible(session, actor, file_id)
        if tracked is None:
            refused.append((file_id, "ไม่พบแฟ้ม"))
            continue
        step = next((s for s in next_stages(session, actor, tracked)
                     if s.code == RECEIVING_STAGE), None)
        if step is None:
            refused.append((tracked, f"อยู่ที่ “{tracked.current.label}” แล้ว"))
            continue
        try:
            received.append(move(session, actor, tracked, step.code, now=now))
        except ValidationFailed as e:
            refused.append((tracked, e.message))
    return received, refused


def note_return(session, actor, tracked, now=None):
    """The owner took back the file that came back to them: it no longer counts for them."""
    if actor.id != tracked.proposer_id:
        raise PermissionDenied("เฉพาะเจ้าของเรื่อง")
    with unit_of_work(session):
        tracked.owner_noted_at = thai.naive_utc(now)


def waits_for_owner(tracked):
    """Whether ``tracked`` waits for its owner: returned for correction, asked to meet, or back
    at the end of its route (signed and returned) and not yet taken back."""
    stage = tracked.current
    return bool(stage is not None and stage.notify_owner and (
        not stage.terminal or tracked.owner_noted_at is None))


# ---- where and how long ------------------------------------------------------------------------


def days_between(start, end):
    return (end - start).total_seconds() / 86400


def durations(tracked, now=None):
    """Each stage the file passed through: (move into it, the time it left or None, days)."""
    now = thai.naive_utc(now)
    moves = list(tracked.moves)
    out = []
    for i, m in enumerate(moves):
        left = moves[i + 1].moved_at if i + 1 < len(moves) else None
        out.append((m, left, days_between(m.moved_at, left or now)))
    return out


def overdue_days():
    return current_app.config.get("FILE_OVERDUE_DAYS", 3)


def queue(session, actor, now=None):
    """The secretaries' view: for every stage on the way, the files waiting there, oldest
    first, each as (file, days waiting, whether its working days waiting are past
    FILE_OVERDUE_DAYS, those working days)."""
    if not is_secretary(actor):
        raise PermissionDenied("เฉพาะฝ่ายเลขานุการผู้บริหาร")
    now = thai.naive_utc(now)
    limit = overdue_days()
    stages = session.execute(select(FileStage).where(FileStage.terminal.is_(False))
                             .order_by(FileStage.sort_order)).scalars().all()
    waiting = session.execute(select(TrackedFile).where(
        TrackedFile.stage.in_([s.code for s in stages]))
        .order_by(TrackedFile.stage_since, TrackedFile.id)).scalars().all()
    today = thai.to_bangkok(now).date()
    days_off = holidays.between(session, min(
        [thai.to_bangkok(f.stage_since).date() for f in waiting] or [today]), today)
    out = []
    for stage in stages:
        rows = []
        for f in (f for f in waiting if f.stage == stage.code):
            working = holidays.working_days_between(
                session, thai.to_bangkok(f.stage_since).date(), today, days_off)
            rows.append((f, days_between(f.stage_since, now), working > limit, working))
        out.append((stage, rows))
    return out


def dashboard(session, actor, now=None):
    """Per stage: how many files of ``actor``'s scope are there now, and the median days files
    spent there (over every stay that has ended)."""
    now = thai.naive_utc(now)
    stages = session.execute(select(FileStage).order_by(FileStage.sort_order)).scalars().all()
    files = session.execute(select(TrackedFile).where(scope(actor))).scalars().all()
    ids = [f.id for f in files]
    stays = {s.code: [] for s in stages}
    if ids:
        moves = session.execute(select(FileMove).where(FileMove.file_id.in_(ids))
                                .order_by(FileMove.file_id, FileMove.id)).scalars().all()
        for a, b in zip(moves, moves[1:]):
            if a.file_id == b.file_id:
                stays[a.to_stage].append(days_between(a.moved_at, b.moved_at))
    now_at = {s.code: 0 for s in stages}
    for f in files:
        now_at[f.stage] += 1
    return [(s, now_at[s.code], statistics.median(stays[s.code]) if stays[s.code] else None,
             len(stays[s.code])) for s in stages]


def my_files(session, actor):
    """The files ``actor`` proposed, newest first."""
    return session.execute(select(TrackedFile).where(TrackedFile.proposer_id == actor.id)
                           .order_by(TrackedFile.id.desc())).scalars().all()


def owner_count(session, actor):
    """How many of ``actor``'s files wait for them (returned for correction, asked to meet,
    signed and returned and not yet taken back): the navigation bar's count."""
    if not _signed_in(actor):
        return 0
    return session.execute(select(func.count()).select_from(TrackedFile)
                           .join(FileStage, FileStage.code == TrackedFile.stage)
                           .where(TrackedFile.proposer_id == actor.id,
                                  FileStage.notify_owner.is_(True),
                                  or_(FileStage.terminal.is_(False),
                                      TrackedFile.owner_noted_at.is_(None)))).scalar_one()


def search(actor, criteria):
    """The statement of the files ``actor`` sees that match ``criteria`` (number, subject,
    executive, stage, date_from, date_to), newest first."""
    c = {k: v for k, v in (criteria or {}).items() if v not in (None, "")}
    conditions = [scope(actor)]
    if "number" in c:
        conditions += numbering.number_conditions(TrackedFile.number, TrackedFile.year,
                                                  c["number"], "เลขที่แฟ้ม", "12 หรือ 12/2570")
    if "subject" in c:
        conditions.append(thai.contains(TrackedFile.subject, str(c["subject"]).strip()))
    if "executive" in c:
        try:
            conditions.append(TrackedFile.executive_id == int(c["executive"]))
        except ValueError:
            raise ValidationFailed("ผู้บริหารไม่ถูกต้อง") from None
    if "stage" in c:
        conditions.append(TrackedFile.stage == str(c["stage"]))
    for name, op in (("date_from", "from"), ("date_to", "to")):
        if name in c:
            try:
                day = thai.parse_date(c[name])
            except thai.ThaiDateError as e:
                raise ValidationFailed(f"วันที่เสนอ: {e}") from None
            start, end = thai.day_bounds(day)
            conditions.append(TrackedFile.registered_at >= start if op == "from"
                              else TrackedFile.registered_at < end)
    return select(TrackedFile).where(*conditions).order_by(TrackedFile.id.desc())


def open_file(session, actor, tracked, file_id, disposition):
    """(attachment, bytes) of ``tracked`` (found through ``visible``); audited."""
    row = session.execute(select(TrackedFileAttachment).where(
        TrackedFileAttachment.id == file_id, TrackedFileAttachment.file_id == tracked.id)
    ).scalar_one_or_none()
    if row is None:
        return None, None
    data = attachment_store.read(row, attachment_store.settings()["directory"])
    with unit_of_work(session):
        audit.record(session, "attachment_open" if disposition == "inline"
                     else "attachment_download", target=row,
                     detail={"tracked_file": tracked.number_text()},
                     target_label=f"ไฟล์แนบแฟ้ม {tracked.number_text()}")
    return row, data

