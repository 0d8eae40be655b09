"""Announcements (ระบบลงประกาศข่าวสาร, manual 9): news the clerks post for the province.

An announcement has a title, a formatted body, attachments, a publishing period and an audience.
- The body is HTML from the editor (or plain text from a browser without scripts), sanitised
  on every write by the allow-list of app/services/richtext.py. The screens show the stored
  column as it is; nothing else they show is trusted HTML.
- Who posts, edits and withdraws (ถอนประกาศ): the administrator any announcement; the central
  clerk and the agency clerks their own agency's. A withdrawn one is kept, never deleted.
- Who reads (``readable``): an announcement is published from ``publish_from`` until
  ``publish_until`` (None: until withdrawn), unless withdrawn. A published one is read by
  everyone, or by the agencies chosen and the posting agency. Its keepers (the posting agency's
  clerks, the administrator) read it in every state. To anyone else it does not exist.
- A public one (ประกาศสาธารณะ) is shown on the login page and read without logging in, with its
  files; only the administrator or the central clerk, the province's voice, marks one public,
  and only one for everyone.

Times are stored as naive UTC; what a clerk types is Bangkok wall-clock time.
"""

import datetime as dt

from flask import current_app
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import selectinload

from app import thai
from app.levels import ADMIN, AGENCY_CLERK, CENTRAL_CLERK
from app.models import Agency
from app.models.announcements import Announcement, AnnouncementFile, announcement_agency
from app.services import attachments as attachment_store
from app.services import audit, paging
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.locks import lock_and_reload
from app.services.richtext import body_html, visible_text
from app.services.work import unit_of_work

TITLE_MAX = 255
BODY_MAX = 100_000  # characters as submitted; a long announcement belongs in an attachment
PAGE_SIZE = 20
MAX_ID = 2**31 - 1  # the columns are 32-bit: a larger "id" is no announcement (PostgreSQL errs)
KEEPERS = (ADMIN, CENTRAL_CLERK, AGENCY_CLERK)  # may post their agency's announcements
PUBLICISTS = (ADMIN, CENTRAL_CLERK)  # may show one on the login page

SCHEDULED, PUBLISHED, EXPIRED, WITHDRAWN = "scheduled", "published", "expired", "withdrawn"
STATES = {SCHEDULED: "รอเผยแพร่", PUBLISHED: "เผยแพร่อยู่", EXPIRED: "หมดเวลาประกาศ",
          WITHDRAWN: "ถอนประกาศแล้ว"}

# ---- who may do what --------------------------------------------------------------------------


def _signed_in(actor):
    return actor is not None and getattr(actor, "is_authenticated", False)


def may_post(actor):
    """The administrator and the clerks of an agency (levels 1-3) post announcements."""
    return _signed_in(actor) and actor.level in KEEPERS


def may_publicise(actor):
    """The administrator and the central clerk mark an announcement public (the login page)."""
    return _signed_in(actor) and actor.level in PUBLICISTS


def keeps(actor, announcement):
    """Who edits and withdraws ``announcement`` and reads it in every state: the administrator,
    and the central or agency clerks of the posting agency."""
    if not _signed_in(actor):
        return False
    if actor.level == ADMIN:
        return True
    return actor.level in KEEPERS and actor.agency_id is not None \
        and actor.agency_id == announcement.agency_id


def state(announcement, now=None):
    """SCHEDULED, PUBLISHED, EXPIRED or WITHDRAWN at ``now``."""
    now = thai.naive_utc(now)
    if announcement.withdrawn_at is not None:
        return WITHDRAWN
    if announcement.publish_from > now:
        return SCHEDULED
    if announcement.publish_until is not None and announcement.publish_until <= now:
        return EXPIRED
    return PUBLISHED


def state_label(announcement, now=None):
    return STATES[state(announcement, now)]


def _live(now):
    """The SQL condition: published at ``now`` (in its period and not withdrawn)."""
    return and_(Announcement.withdrawn_at.is_(None), Announcement.publish_from <= now,
                or_(Announcement.publish_until.is_(None), Announcement.publish_until > now))


def _for(actor):
    """The SQL condition: ``actor`` is in the audience (everyone, an agency chosen, or the
    posting agency)."""
    if not _signed_in(actor):
        return false()
    if actor.agency_id is None:
        return Announcement.everyone.is_(True)
    return or_(Announcement.everyone.is_(True), Announcement.agency_id == actor.agency_id,
               exists().where(announcement_agency.c.announcement_id == Announcement.id,
                              announcement_agency.c.agency_id == actor.agency_id))


def _kept_by(actor):
    """The SQL condition: ``actor`` keeps the announcement (see ``keeps``)."""
    if not _signed_in(actor) or actor.level not in KEEPERS:
        return false()
    if actor.level == ADMIN:
        return true()
    if actor.agency_id is None:
        return false()
    return Announcement.agency_id == actor.agency_id


def readable(actor, now=None):
    """The SQL condition on Announcement rows ``actor`` may read at ``now``."""
    return or_(and_(_live(thai.naive_utc(now)), _for(actor)), _kept_by(actor))


def as_id(value):
    """``value`` as a row id, or None if it cannot be one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


# ---- reading ----------------------------------------------------------------------------------


def _search(query, q):
    for word in str(q or "").split()[:10]:
        query = query.where(thai.contains(Announcement.title, word))
    return query


def _newest_first(query):
    return query.order_by(Announcement.publish_from.desc(), Announcement.id.desc())


def _listed(query):
    """What a list shows of each row, read in a few queries rather than a few per row."""
    return query.options(selectinload(Announcement.agency), selectinload(Announcement.files),
                         selectinload(Announcement.agencies))


def published(session, actor, q=None, page=1, now=None):
    """The announcements published for ``actor`` at ``now``, newest first, whose title holds
    every word of ``q``: (a page of them, whether there is a next page)."""
    query = _listed(select(Announcement).where(_live(thai.naive_utc(now)), _for(actor)))
    return paging.page_of(session, _newest_first(_search(query, q)), page, PAGE_SIZE)


def for_home(session, user, now=None, limit=5):
    """The home page's: the newest ``limit`` announcements published for ``user``."""
    query = _listed(select(Announcement).where(_live(thai.naive_utc(now)), _for(user)))
    return session.execute(_newest_first(query).limit(limit)).scalars().all()


def kept(session, actor, q=None, page=1):
    """ประกาศของหน่วยงาน: what ``actor`` keeps, in every state, last posted first:
    (a page of them, whether there is a next page)."""
    query = _listed(select(Announcement).where(_kept_by(actor)))
    query = _search(query, q).order_by(Announcement.id.desc())
    return paging.page_of(session, query, page, PAGE_SIZE)


def announcement_for(session, actor, announcement_id, now=None):
    """The announcement if ``actor`` may read it at ``now``; else None (as if missing)."""
    number = as_id(announcement_id)
    if number is None:
        return None
    return session.execute(select(Announcement).where(
        Announcement.id == number, readable(actor, now))).scalar_one_or_none()


def _public(now):
    return and_(_live(now), Announcement.public.is_(True), Announcement.everyone.is_(True))


def public_announcements(session, now=None, limit=5):
    """The login page's: the newest ``limit`` public announcements published at ``now``."""
    query = _listed(select(Announcement).where(_public(thai.naive_utc(now))))
    return session.execute(_newest_first(query).limit(limit)).scalars().all()


def public_one(session, announcement_id, now=None):
    """The public announcement published at ``now`` with this id, for a reader who has not
    logged in; else None."""
    number = as_id(announcement_id)
    if number is None:
        return None
    return session.execute(select(Announcement).where(
        Announcement.id == number, _public(thai.naive_utc(now)))).scalar_one_or_none()


def open_file(session, announcement, file_id):
    """(file row, bytes) of a file of ``announcement`` (which the caller found readable);
    (None, None) if it has no such file."""
    number = as_id(file_id)
    if number is None:
        return None, None
    row = session.execute(select(AnnouncementFile).where(
        AnnouncementFile.id == number,
        AnnouncementFile.announcement_id == announcement.id)).scalar_one_or_none()
    if row is None:
        return None, None
    return row, attachment_store.read(row, _directory())


def audience_choices(session):
    """The agencies an announcement may be for: [(id, name)]."""
    return [(a.id, a.name) for a in session.execute(
        select(Agency).order_by(Agency.name)).scalars()]


def audience_text(announcement):
    if announcement.everyone:
        return "ทุกหน่วยงาน"
    names = sorted(a.name for a in announcement.agencies)
    return ", ".join(names)


def _when(value):
    """A stored time as a clerk reads it; a time at midnight is the day alone."""
    local = thai.to_bangkok(value)
    if (local.hour, local.minute) == (0, 0):
        return thai.format_date(local.date())
    return thai.format_datetime(value)


def until_text(announcement):
    """When it stops: the last day, or the day and time; '' if it runs until withdrawn. A
    period typed as a day without a time ends at midnight after that day: shown as that day."""
    if announcement.publish_until is None:
        return ""
    local = thai.to_bangkok(announcement.publish_until)
    if (local.hour, local.minute) == (0, 0):
        return thai.format_date(local.date() - dt.timedelta(days=1))
    return thai.format_datetime(announcement.publish_until)


def period_text(announcement):
    """``ตั้งแต่ 1 ธ.ค. 2569 ถึง 31 ธ.ค. 2569``, or
    ``ตั้งแต่ 1 ธ.ค. 2569 08:30 น. (จนกว่าจะถอนประกาศ)``."""
    start = f"ตั้งแต่ {_when(announcement.publish_from)}"
    if announcement.publish_until is None:
        return f"{start} (จนกว่าจะถอนประกาศ)"
    return f"{start} ถึง {until_text(announcement)}"


def form_values(announcement):
    """The form's date and time fields for a stored announcement (Bangkok, Buddhist Era)."""
    start = thai.to_bangkok(announcement.publish_from)
    values = {"from_day": thai.format_date_input(start.date()),
              "from_time": "" if (start.hour, start.minute) == (0, 0) else f"{start:%H:%M}",
              "until_day": "", "until_time": ""}
    if announcement.publish_until is not None:
        end = thai.to_bangkok(announcement.publish_until)
        if (end.hour, end.minute) == (0, 0):
            values["until_day"] = thai.format_date_input(end.date() - dt.timedelta(days=1))
        else:
            values["until_day"] = thai.format_date_input(end.date())
            values["until_time"] = f"{end:%H:%M}"
    return values


# ---- what a clerk types -----------------------------------------------------------------------

def parse_moment(day_text, time_text, what, end_of_day=False):
    """A Bangkok wall-clock datetime from a Buddhist-Era day (``31/12/2569``) and an optional
    time; None if both are blank. A day without a time is its start, or, with ``end_of_day``,
    midnight after it (so that "until 31 Dec" includes the 31st)."""
    try:
        day = thai.parse_date(day_text)
        time = thai.parse_time(time_text)
    except thai.ThaiDateError as e:
        raise ValidationFailed(f"{what}: {e}") from None
    if day is None:
        if time is not None:
            raise ValidationFailed(f"{what}: กรุณากรอกวันที่ด้วย")
        return None
    if time is None:
        moment = dt.datetime.combine(day, dt.time())
        return moment + dt.timedelta(days=1) if end_of_day else moment
    return dt.datetime.combine(day, time)


# ---- writing ------------------------------------------------------------------------------------


def _directory():
    return current_app.config["ATTACHMENTS_DIR"]


def _agency_ids(session, values):
    ids = set()
    for v in values or ():
        if isinstance(v, bool) or (isinstance(v, str) and not v.strip()):
            continue
        number = as_id(v)
        if number is None:
            raise ValidationFailed("รายชื่อหน่วยงานที่เลือกไม่ถูกต้อง กรุณาเลือกใหม่")
        ids.add(number)
    if not ids:
        return []
    found = session.execute(select(Agency).where(Agency.id.in_(sorted(ids)))
                            .order_by(Agency.name)).scalars().all()
    if len(found) != len(ids):
        raise ValidationFailed("ไม่พบหน่วยงานที่เลือกบางแห่ง กรุณาเลือกใหม่")
    return found


def _to_utc(local, what):
    if local is None:
        return None
    if not isinstance(local, dt.datetime):
        raise ValidationFailed(f"{what}ไม่ถูกต้อง")
    return thai.to_utc(local)


def _checked(session, actor, data, announcement, files_after, now):
    """Every field of ``data`` checked, nothing written: a dict of the values to store.
    ``announcement`` is None for a new one; ``files_after`` how many files it will have."""
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise ValidationFailed("กรุณากรอกหัวข้อประกาศ")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"หัวข้อประกาศยาวเกิน {TITLE_MAX} ตัวอักษร")
    raw = str(data.get("body") or "")
    if len(raw) > BODY_MAX:
        raise ValidationFailed(f"เนื้อหาประกาศยาวเกิน {BODY_MAX:,} ตัวอักษร "
                               "กรุณาแนบเป็นไฟล์แทน")
    body = body_html(raw, data.get("body_format", "html"))
    if not visible_text(body) and not files_after:
        if visible_text(raw.replace("<", " <")):
            raise ValidationFailed("เนื้อหาประกาศไม่มีข้อความที่แสดงได้ (ระบบตัดสคริปต์และ"
                                   "ส่วนที่ไม่อนุญาตออก) กรุณาพิมพ์เนื้อหาใหม่ หรือแนบไฟล์")
        raise ValidationFailed("กรุณากรอกเนื้อหาประกาศ หรือแนบไฟล์อย่างน้อยหนึ่งไฟล์")

    start = _to_utc(data.get("publish_from"), "วันเริ่มประกาศ")
    if start is None:
        raise ValidationFailed("กรุณากรอกวันเริ่มประกาศ")
    end = _to_utc(data.get("publish_until"), "วันสิ้นสุดการประกาศ")
    if end is not None:
        if end <= start:
            raise ValidationFailed("วันสิ้นสุดการประกาศต้องหลังวันเริ่มประกาศ")
        changed = announcement is None or announcement.publish_until != end
        if changed and end <= now:
            raise ValidationFailed("วันสิ้นสุดการประกาศผ่านมาแล้ว หากต้องการหยุดประกาศ "
                                   "กรุณาใช้ปุ่มถอนประกาศ")

    everyone = bool(data.get("everyone"))
    agencies = [] if everyone else _agency_ids(session, data.get("agency_ids"))
    if not everyone and not agencies:
        raise ValidationFailed("กรุณาเลือกผู้เห็นประกาศ: ทุกหน่วยงาน "
                               "หรือเลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน")

    public = bool(data.get("public"))
    already_public = announcement is not None and announcement.public
    if public and not already_public and not may_publicise(actor):
        raise PermissionDenied("การแสดงประกาศในหน้าเข้าสู่ระบบ (ประกาศสาธารณะ) "
                               "ทำได้เฉพาะผู้ดูแลระบบหรือสารบรรณกลาง")
    if public and not everyone:
        raise ValidationFailed("ประกาศที่แสดงในหน้าเข้าสู่ระบบต้องเป็นประกาศถึงทุกหน่วยงาน "
                               "(ผู้ที่ยังไม่เข้าสู่ระบบก็อ่านได้)")
    return {"title": title, "body": body, "publish_from": start, "publish_until": end,
            "everyone": everyone, "agencies": agencies, "public": public}


def _label(announcement):
    return f"ประกาศ #{announcement.id}"


def post(session, actor, data, uploads=(), now=None):
    """Post an announcement of ``actor``'s agency. ``data``: title, body (HTML, or text with
    ``body_format`` other than ``html``), publish_from and publish_until (naive Bangkok
    datetimes; until may be None), everyone, agency_ids, public. Everything is checked before
    anything is written: a refusal leaves no row and no file. Commits."""
    if not may_post(actor):
        raise PermissionDenied("ลงประกาศได้เฉพาะผู้ดูแลระบบ สารบรรณกลาง "
                               "และสารบรรณประจำหน่วยงาน")
    if not actor.agency_id:
        raise ValidationFailed("บัญชีของคุณยังไม่ได้สังกัดหน่วยงาน จึงลงประกาศไม่ได้ "
                               "กรุณาแจ้งผู้ดูแลระบบ")
    now = thai.naive_utc(now)
    settings = attachment_store.settings()
    checked = attachment_store.check(list(uploads or ()), settings["max_bytes"],
                                     settings["max_files"])
    values = _checked(session, actor, data, None, len(checked), now)
    with unit_of_work(session) as work:
        announcement = Announcement(
            title=values["title"], body=values["body"], agency_id=actor.agency_id,
            publish_from=values["publish_from"], publish_until=values["publish_until"],
            everyone=values["everyone"], public=values["public"], created_by_id=actor.id,
            created_at=now)
        announcement.agencies = values["agencies"]
        session.add(announcement)
        session.flush()
        work.store(announcement, checked, actor.id, now, settings["directory"])
        session.flush()
        audit.record(session, "announcement_post", target=announcement,
                     detail=_detail(announcement, files=[c.upload.filename for c in checked]),
                     target_label=_label(announcement))
    return announcement


def _detail(announcement, **more):
    return {"title": announcement.title, "public": announcement.public,
            "everyone": announcement.everyone,
            "agencies": sorted(a.id for a in announcement.agencies),
            "publish_from": announcement.publish_from, "publish_until": announcement.publish_until,
            **more}


def edit(session, actor, announcement, data, uploads=(), remove_file_ids=(), now=None):
    """Change an announcement (its keepers only, not once withdrawn): the fields of ``post``,
    files added (``uploads``) and files removed (``remove_file_ids``). A refusal changes
    nothing and leaves no new file; a removed file leaves the disk once the change is
    committed. Commits."""
    if not keeps(actor, announcement):
        raise PermissionDenied("แก้ไขได้เฉพาะประกาศของหน่วยงานตนเอง")
    now = thai.naive_utc(now)
    settings = attachment_store.settings()
    with unit_of_work(session) as work:
        lock_and_reload(session, announcement, "title")
        if announcement.withdrawn_at is not None:
            raise ValidationFailed("ประกาศนี้ถอนแล้ว จึงแก้ไขไม่ได้")
        removing = set()
        for v in remove_file_ids or ():
            number = as_id(v)
            if number is None or number not in {f.id for f in announcement.files}:
                raise ValidationFailed("ไม่พบไฟล์แนบที่จะลบในประกาศนี้")
            removing.add(number)
        keeping = [f for f in announcement.files if f.id not in removing]
        checked = attachment_store.check(list(uploads or ()), settings["max_bytes"],
                                         settings["max_files"] - len(keeping))
        values = _checked(session, actor, data, announcement, len(keeping) + len(checked), now)
        before = _detail(announcement)
        removed = [f for f in announcement.files if f.id in removing]
        for key in ("title", "body", "publish_from", "publish_until", "everyone", "public"):
            setattr(announcement, key, values[key])
        announcement.agencies = values["agencies"]
        announcement.changed_by_id = actor.id
        announcement.changed_at = now
        for f in removed:
            session.delete(f)
        work.store(announcement, checked, actor.id, now, settings["directory"])
        session.flush()
        audit.record(session, "announcement_edit", target=announcement,
                     detail={"before": before, "after": _detail(announcement),
                             "files_added": [c.upload.filename for c in checked],
                             "files_removed": [f.filename for f in removed]},
                     target_label=_label(announcement))
        gone = [attachment_store.resolve(settings["directory"], f.storage_name)
                for f in removed]
    attachment_store.discard(gone)
    return announcement


def withdraw(session, actor, announcement, now=None):
    """ถอนประกาศ: its keepers take it down; it is kept (with its files) and shown to them as
    withdrawn. Commits."""
    if not keeps(actor, announcement):
        raise PermissionDenied("ถอนได้เฉพาะประกาศของหน่วยงานตนเอง")
    now = thai.naive_utc(now)
    with unit_of_work(session):
        lock_and_reload(session, announcement, "title")
        if announcement.withdrawn_at is not None:
            raise ValidationFailed("ประกาศนี้ถอนไปแล้ว")
        announcement.withdrawn_at = now
        announcement.changed_by_id = actor.id
        announcement.changed_at = now
        audit.record(session, "announcement_withdraw", target=announcement,
                     detail={"title": announcement.title}, target_label=_label(announcement))
    return announcement
