"""Sending documents (ระบบส่งเอกสาร, manual 8.1).

Any user sends files with a note: inside their agency (ส่งเอกสารภายใน) to its groups and people,
or outside it (ส่งเอกสารภายนอก) to other agencies. A recipient sees the document among its new
documents (เอกสารใหม่) until it receives it (ลงรับ), then among its received documents
(เอกสารรับแล้ว); the sender's history (ประวัติการส่ง) shows, for each recipient, when it opened
and received it.

Who a document is for, one rule, in SQL (``addressed_to``):
- a person: that user;
- a group: every member of the group (the first who receives it receives it for the group);
- an agency: the clerks who receive the agency's mail (those who keep its incoming register).
A user sees a document and its files only as its sender or as one it is for; to anyone else
it does not exist.
"""

from flask import current_app
from sqlalchemy import exists, func, or_, select, update

from app import thai
from app.access import registers_of
from app.models import Agency, EOfficeUser, WorkGroup
from app.registers import TO_AGENCY, TO_GROUP, TO_PERSON, accepting
from app.models.documents import EXTERNAL, INTERNAL, Document, DocumentFile, DocumentRecipient
from app.services import attachments as attachment_store
from app.services import audit, entry_search, paging
from app.services.recipients import recipient_ids
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.work import unit_of_work

SUBJECT_MAX = 255
NOTE_MAX = 2000
PAGE_SIZE = 50


def addressed_to(actor):
    """The SQL condition on DocumentRecipient rows that are for ``actor``."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return DocumentRecipient.id.is_(None)
    conditions = [DocumentRecipient.to_user_id == actor.id]
    if actor.work_group_id:
        conditions.append((DocumentRecipient.recipient_kind == TO_GROUP)
                          & (DocumentRecipient.to_group_id == actor.work_group_id))
    if actor.agency_id and accepting(TO_AGENCY).code in registers_of(actor):
        conditions.append((DocumentRecipient.recipient_kind == TO_AGENCY)
                          & (DocumentRecipient.to_agency_id == actor.agency_id))
    return or_(*conditions)


def _visible(actor):
    """The SQL condition on Document rows ``actor`` may see: sent by them, or for them."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Document.id.is_(None)
    return or_(Document.sender_id == actor.id,
               exists().where(DocumentRecipient.document_id == Document.id, addressed_to(actor)))


# ---- sending ----------------------------------------------------------------------------------


def recipient_choices(session, actor, scope):
    """What ``actor`` may send to: {"groups": [(id, name)], "people": [...]} inside the agency,
    {"agencies": [...]} outside it."""
    if scope == INTERNAL:
        groups = session.execute(select(WorkGroup.id, WorkGroup.name)
                                 .where(WorkGroup.agency_id == actor.agency_id)
                                 .order_by(WorkGroup.name)).all()
        people = session.execute(select(EOfficeUser).where(
            EOfficeUser.agency_id == actor.agency_id, EOfficeUser.active.is_(True),
            EOfficeUser.id != actor.id).order_by(EOfficeUser.first_name,
                                                 EOfficeUser.last_name)).scalars()
        return {"groups": [(g.id, g.name) for g in groups],
                "people": [(p.id, p.get_full_name()) for p in people]}
    agencies = session.execute(select(Agency.id, Agency.name)
                               .where(Agency.id != actor.agency_id).order_by(Agency.name)).all()
    return {"agencies": [(a.id, a.name) for a in agencies]}


def _recipients(session, actor, scope, agency_ids, group_ids, user_ids):
    """The DocumentRecipient rows of a send, checked against what ``actor`` may send to."""
    agency_ids, group_ids, user_ids = (recipient_ids(agency_ids), recipient_ids(group_ids),
                                       recipient_ids(user_ids))
    rows = []
    if scope == INTERNAL:
        if agency_ids:
            raise ValidationFailed("ส่งเอกสารภายในถึงกลุ่มงานและบุคลากรของหน่วยงานเท่านั้น "
                                   "การส่งถึงหน่วยงานอื่นใช้เมนูส่งเอกสารภายนอก")
        if actor.id in user_ids:
            raise ValidationFailed("ส่งเอกสารถึงตนเองไม่ได้")
        groups = session.execute(select(WorkGroup).where(
            WorkGroup.id.in_(group_ids), WorkGroup.agency_id == actor.agency_id)).scalars().all()
        people = session.execute(select(EOfficeUser).where(
            EOfficeUser.id.in_(user_ids), EOfficeUser.agency_id == actor.agency_id,
            EOfficeUser.active.is_(True))).scalars().all()
        if len(groups) != len(group_ids) or len(people) != len(user_ids):
            raise ValidationFailed("ผู้รับบางรายไม่ได้อยู่ในหน่วยงานของคุณ กรุณาเลือกใหม่")
        rows += [DocumentRecipient(recipient_kind=TO_GROUP, to_agency_id=g.agency_id,
                                   to_group_id=g.id) for g in groups]
        rows += [DocumentRecipient(recipient_kind=TO_PERSON, to_agency_id=p.agency_id,
                                   to_group_id=p.work_group_id, to_user_id=p.id) for p in people]
    elif scope == EXTERNAL:
        if group_ids or user_ids:
            raise ValidationFailed("ส่งเอกสารภายนอกถึงหน่วยงานเท่านั้น "
                                   "การส่งถึงกลุ่มงานหรือบุคคลใช้เมนูส่งเอกสารภายใน")
        if actor.agency_id in agency_ids:
            raise ValidationFailed("ส่งเอกสารภายนอกถึงหน่วยงานของตนเองไม่ได้ "
                                   "กรุณาใช้เมนูส่งเอกสารภายใน")
        agencies = session.execute(select(Agency).where(Agency.id.in_(agency_ids))).scalars().all()
        if len(agencies) != len(agency_ids):
            raise ValidationFailed("ไม่พบหน่วยงานผู้รับบางแห่ง กรุณาเลือกใหม่")
        rows += [DocumentRecipient(recipient_kind=TO_AGENCY, to_agency_id=a.id) for a in agencies]
    else:
        raise ValidationFailed("ประเภทการส่งเอกสารไม่ถูกต้อง")
    if not rows:
        raise ValidationFailed("กรุณาเลือกผู้รับอย่างน้อยหนึ่งราย")
    return rows


def send(session, actor, scope, subject, note, uploads, agency_ids=(), group_ids=(),
         user_ids=(), now=None):
    """Send files with a note to the chosen recipients; one row each. Everything is checked
    before anything is written: a refusal leaves no document, no row and no file. Commits."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("กรุณาเข้าสู่ระบบก่อนส่งเอกสาร")
    if not actor.agency_id:
        raise ValidationFailed("บัญชีของคุณยังไม่ได้สังกัดหน่วยงาน จึงส่งเอกสารไม่ได้ "
                               "กรุณาแจ้งผู้ดูแลระบบ")
    subject = (subject or "").strip()
    if not subject:
        raise ValidationFailed("กรุณากรอกเรื่อง")
    if len(subject) > SUBJECT_MAX:
        raise ValidationFailed(f"เรื่องยาวเกิน {SUBJECT_MAX} ตัวอักษร")
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ValidationFailed(f"ข้อความถึงผู้รับยาวเกิน {NOTE_MAX:,} ตัวอักษร")
    recipients = _recipients(session, actor, scope, agency_ids, group_ids, user_ids)
    uploads = list(uploads or ())
    if not uploads:
        raise ValidationFailed("กรุณาแนบไฟล์เอกสารอย่างน้อยหนึ่งไฟล์")
    settings = attachment_store.settings()
    checked = attachment_store.check(uploads, settings["max_bytes"], settings["max_files"])
    now = thai.naive_utc(now)
    with unit_of_work(session) as work:
        document = Document(scope=scope, subject=subject, note=note, sender_id=actor.id,
                            from_agency_id=actor.agency_id, from_group_id=actor.work_group_id,
                            sent_at=now)
        session.add(document)
        for r in recipients:
            r.document = document
            session.add(r)
        work.store(document, checked, actor.id, now, settings["directory"])
        session.flush()
        audit.record(session, "document_send", target=document,
                     detail={"scope": scope, "recipients": len(recipients),
                             "files": len(checked)}, target_label=f"เอกสาร #{document.id}")
    return document


# ---- reading ----------------------------------------------------------------------------------


def document_for(session, actor, document_id):
    """The document with ``document_id`` if ``actor`` may see it; else None (as if missing)."""
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        return None
    return session.execute(select(Document).where(Document.id == document_id,
                                                  _visible(actor))).scalar_one_or_none()


def my_rows(session, actor, document):
    """The recipient rows of ``document`` that are for ``actor``."""
    return session.execute(select(DocumentRecipient).where(
        DocumentRecipient.document_id == document.id, addressed_to(actor))
        .order_by(DocumentRecipient.id)).scalars().all()


def open_document(session, actor, document, now=None):
    """The recipient looks at it: its rows not yet opened become opened (once). Commits."""
    now = thai.naive_utc(now)
    with unit_of_work(session):
        session.execute(update(DocumentRecipient).where(
            DocumentRecipient.document_id == document.id, addressed_to(actor),
            DocumentRecipient.opened_at.is_(None)).values(opened_at=now, opened_by_id=actor.id)
            .execution_options(synchronize_session=False))


def receive(session, actor, document, now=None):
    """ลงรับ: the rows of ``document`` for ``actor`` not yet received are received now, by the
    first who asks (a second clerk finds them received). Returns how many; commits."""
    now = thai.naive_utc(now)
    if not my_rows(session, actor, document):
        raise PermissionDenied("เอกสารนี้ไม่ได้ส่งถึงคุณ")
    with unit_of_work(session):
        done = session.execute(update(DocumentRecipient).where(
            DocumentRecipient.document_id == document.id, addressed_to(actor),
            DocumentRecipient.received_at.is_(None))
            .values(received_at=now, received_by_id=actor.id,
                    opened_at=func.coalesce(DocumentRecipient.opened_at, now),
                    opened_by_id=func.coalesce(DocumentRecipient.opened_by_id, actor.id))
            .execution_options(synchronize_session=False)).rowcount
        if not done:
            raise ValidationFailed("ลงรับเอกสารนี้ไปแล้ว")
    return done


def inbox(session, actor, received=False, page=1, size=PAGE_SIZE, search=None):
    """New documents (received=False) or received ones, newest first: [(document, row)] of
    page ``page`` (from 1), and whether there is a next page; ``search`` (entry_search.read's)
    finds ``q`` in the subject or the note, sent between ``date_from`` and ``date_to``."""
    search = search or {}
    done = DocumentRecipient.received_at.is_not(None) if received \
        else DocumentRecipient.received_at.is_(None)
    order = (DocumentRecipient.received_at.desc(), Document.id.desc()) if received \
        else (Document.id.desc(),)
    statement = (select(Document, DocumentRecipient)
                 .join(DocumentRecipient, DocumentRecipient.document_id == Document.id)
                 .where(addressed_to(actor), done))
    text = (search.get("q") or "").strip()
    if text:
        statement = statement.where(or_(thai.contains(Document.subject, text),
                                        thai.contains(Document.note, text)))
    statement = statement.where(*entry_search.within(Document.sent_at, search))
    return paging.page_of(session, statement.order_by(*order, DocumentRecipient.id), page, size,
                          scalars=False)


def new_count(session, actor):
    """How many documents wait for ``actor`` to receive them (the navigation bar's count)."""
    return session.execute(select(func.count(func.distinct(DocumentRecipient.document_id))).where(
        addressed_to(actor), DocumentRecipient.received_at.is_(None))).scalar_one()


def history(session, actor, page=1, size=PAGE_SIZE):
    """What ``actor`` sent, newest first, with every recipient's row, page ``page`` (from 1);
    and whether there is a next page."""
    return paging.page_of(session, select(Document).where(Document.sender_id == actor.id)
                          .order_by(Document.id.desc()), page, size)


def open_file(session, actor, document, file_id, disposition):
    """(file row, bytes) of a file of ``document`` (which the caller found through
    ``document_for``); (None, None) if it has no such file. Audited."""
    try:
        file_id = int(file_id)
    except (TypeError, ValueError):
        return None, None
    row = session.execute(select(DocumentFile).where(
        DocumentFile.id == file_id, DocumentFile.document_id == document.id)).scalar_one_or_none()
    if row is None:
        return None, None
    data = attachment_store.read(row, current_app.config["ATTACHMENTS_DIR"])
    with unit_of_work(session):
        audit.record(session, "document_file_open" if disposition == "inline"
                     else "document_file_download", target=row,
                     detail={"document_id": document.id}, target_label=f"ไฟล์ #{row.id}")
    return row, data
