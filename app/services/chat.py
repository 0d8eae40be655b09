"""The help chat (ติดต่อเจ้าหน้าที่, manual: the online help with the administrator).

A logged-in user has at most one open conversation with the administrators (created by their
first message); the administrators (level 1) answer from one shared inbox, and close a
conversation once it is settled. A person who cannot log in leaves a message from the login page
with a contact number: a guest conversation, answered by telephone.

What each side has read is the id of the last message it has seen (``Conversation.user_read_id``
and ``admin_read_id``); a message from the other side with a higher id is unread. Read ids only
ever move forward, and only up to the messages actually handed to that side, so that a message
arriving while a page is being drawn is not marked read unseen. ``waiting_since`` is when the
person's oldest unanswered message came, None once an administrator has answered: the inbox
puts the longest waiting first.

Everything is in the database (several workers serve the pages and the polls).
"""

import datetime as dt
import re

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import selectinload

from app import thai
from app.levels import ADMIN
from app.models import EOfficeUser
from app.models.chat import CLOSED, OPEN, ChatMessage, Conversation
from app.services import audit
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.locks import lock_and_reload, lock_row
from app.services.work import unit_of_work

MAX_BODY = 2000  # characters of one message
ONLINE_MINUTES = 5  # an administrator seen this recently is "online" on the login page
SEEN_EVERY = dt.timedelta(minutes=1)  # how often an administrator's last_seen_at is written
PAGE = 200  # messages handed out at once (a page, a poll)
USER, ADMINS = "user", "admins"  # the two sides of a conversation

# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none of
# them has any business in a chat message.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _signed_in(actor):
    return actor is not None and getattr(actor, "is_authenticated", False)


def is_admin(actor):
    """The administrators (level 1) share the inbox."""
    return _signed_in(actor) and actor.level == ADMIN


def _ensure_admin(actor):
    if not is_admin(actor):
        raise PermissionDenied("เฉพาะผู้ดูแลระบบเท่านั้น")


# ---- what is typed ------------------------------------------------------------------------------


def clean_body(text):
    """A message as stored: line ends unified, control characters dropped, trimmed; refused if
    empty or longer than MAX_BODY characters."""
    body = _CONTROL.sub("", str(text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body:
        raise ValidationFailed("กรุณาพิมพ์ข้อความก่อนส่ง")
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"ข้อความยาวเกิน {MAX_BODY:,} ตัวอักษร "
                               f"(พิมพ์มา {len(body):,} ตัวอักษร) กรุณาแบ่งส่งเป็นหลายข้อความ")
    return body


_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
_EXTENSION = re.compile(r"\s*(?:ต่อ|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
PHONE_HINT = "เช่น 081-234-5678 หรือ 076-412003 ต่อ 12"


def normalise_phone(text):
    """A Thai telephone number a person can be called back at, written the usual way:
    a mobile (06/08/09 and 8 digits) ``081-234-5678``, a Bangkok line ``02-123-4567``, a
    provincial line (03-07 and 7 digits) ``076-412003``, with ``ต่อ 12`` for an extension.
    Accepts Thai digits, spaces, dashes and +66. Raises ValidationFailed otherwise."""
    raw = str(text or "").strip().translate(thai.ARABIC_DIGITS)
    if not raw:
        raise ValidationFailed("กรุณากรอกหมายเลขโทรศัพท์ที่ติดต่อกลับได้ " + PHONE_HINT)
    extension = None
    found = _EXTENSION.search(raw)
    if found:
        extension, raw = found.group(1), raw[:found.start()]
    digits = _PHONE_SEPARATORS.sub("", raw)
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    elif digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    if re.fullmatch(r"0[689]\d{8}", digits):
        number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    elif re.fullmatch(r"02\d{7}", digits):
        number = f"{digits[:2]}-{digits[2:5]}-{digits[5:]}"
    elif re.fullmatch(r"0[3-7]\d{7}", digits):
        number = f"{digits[:3]}-{digits[3:]}"
    else:
        raise ValidationFailed("หมายเลขโทรศัพท์ไม่ถูกต้อง กรุณากรอกหมายเลขโทรศัพท์ไทยที่ติดต่อกลับได้ "
                               + PHONE_HINT)
    return f"{number} ต่อ {extension}" if extension else number


def _short_text(value, limit, what, required=False):
    text = _CONTROL.sub("", str(value or "")).strip()
    if required and not text:
        raise ValidationFailed(f"กรุณากรอก{what}")
    if len(text) > limit:
        raise ValidationFailed(f"{what}ยาวเกิน {limit:,} ตัวอักษร")
    return text or None


# ---- who is in a conversation -------------------------------------------------------------------


def person_name(conversation):
    """Who wrote to the administrators: the user's full name, or the name the guest gave."""
    if conversation.user is not None:
        return conversation.user.get_full_name()
    return conversation.guest_name or ""


def person_agency(conversation):
    if conversation.user is not None:
        return conversation.user.agency.name if conversation.user.agency else ""
    return conversation.guest_agency or ""


def is_guest(conversation):
    return conversation.user_id is None


def conversation_for(session, actor, conversation_id):
    """The conversation ``actor`` may read and the side they read it as, or (None, None): a
    user reads their own conversations (as the user); an administrator reads any (as the
    administrators; their own, should they write one, as its user). Another user's
    conversation is answered exactly as a missing one."""
    try:
        conversation = session.get(Conversation, int(conversation_id))
    except (TypeError, ValueError):
        conversation = None
    if conversation is None or not _signed_in(actor):
        return None, None
    if conversation.user_id == actor.id:
        return conversation, USER
    if is_admin(actor):
        return conversation, ADMINS
    return None, None


def current_conversation(session, user):
    """The user's open conversation, else their latest one (closed), else None."""
    return session.execute(
        select(Conversation).where(Conversation.user_id == user.id)
        .order_by(case((Conversation.status == OPEN, 0), else_=1), Conversation.id.desc())
        .limit(1)).scalar_one_or_none()


# ---- writing ------------------------------------------------------------------------------------


def _add_message(session, conversation, from_admin, sender, body, now):
    message = ChatMessage(conversation=conversation, from_admin=from_admin,
                          sender_id=sender.id if sender is not None else None,
                          sender_name=(sender.get_full_name() if sender is not None
                                       else conversation.guest_name)[:128],
                          body=body, sent_at=now)
    session.add(message)
    conversation.last_message_at = now
    if from_admin:
        conversation.waiting_since = None
    elif conversation.waiting_since is None:
        conversation.waiting_since = now
    session.flush()
    # What one writes, one has read.
    if from_admin:
        conversation.admin_read_id = max(conversation.admin_read_id or 0, message.id)
    else:
        conversation.user_read_id = max(conversation.user_read_id or 0, message.id)
    return message


def send(session, actor, text, conversation_id=None, now=None):
    """A logged-in user writes to the administrators, in their open conversation (a new one if
    they have none, or if the one they were looking at has been closed meanwhile). Naming
    another user's conversation is refused as if it did not exist (LookupError). Commits;
    returns the message."""
    if not _signed_in(actor):
        raise PermissionDenied("กรุณาเข้าสู่ระบบก่อนส่งข้อความ")
    body = clean_body(text)
    if conversation_id not in (None, ""):
        named, side = conversation_for(session, actor, conversation_id)
        if named is None or side != USER:
            raise LookupError(conversation_id)
    now = thai.naive_utc(now)
    with unit_of_work(session):
        # One user's sends queue here, so that two at once cannot open two conversations.
        lock_row(session, EOfficeUser.__table__, actor.id, "last_seen_at")
        conversation = session.execute(
            select(Conversation).where(Conversation.user_id == actor.id,
                                       Conversation.status == OPEN)
            .order_by(Conversation.id).limit(1)).scalar_one_or_none()
        if conversation is None:
            conversation = Conversation(user_id=actor.id, status=OPEN, started_at=now,
                                        last_message_at=now, user_read_id=0, admin_read_id=0)
            session.add(conversation)
            session.flush()
        else:
            lock_and_reload(session, conversation, "status")
        message = _add_message(session, conversation, False, actor, body, now)
    return message


def reply(session, actor, conversation, text, now=None):
    """An administrator answers (for a guest: a note of the call back). Commits."""
    _ensure_admin(actor)
    body = clean_body(text)
    with unit_of_work(session):
        lock_and_reload(session, conversation, "status")
        if conversation.status != OPEN:
            raise ValidationFailed("การสนทนานี้ปิดแล้ว ตอบเพิ่มไม่ได้")
        message = _add_message(session, conversation, True, actor, body, thai.naive_utc(now))
    return message


def leave_message(session, name, agency, phone, text, now=None):
    """Someone who cannot log in leaves a message with a number to call back: a guest
    conversation in the administrators' inbox. Commits; returns the conversation."""
    name = _short_text(name, 128, "ชื่อผู้ติดต่อ", required=True)
    agency = _short_text(agency, 255, "หน่วยงาน")
    phone = normalise_phone(phone)
    if len(phone) > 64:
        raise ValidationFailed("หมายเลขโทรศัพท์ยาวเกินไป")
    body = clean_body(text)
    now = thai.naive_utc(now)
    with unit_of_work(session):
        conversation = Conversation(guest_name=name, guest_agency=agency, guest_phone=phone,
                                    status=OPEN, started_at=now, last_message_at=now,
                                    user_read_id=0, admin_read_id=0)
        session.add(conversation)
        _add_message(session, conversation, False, None, body, now)
    return conversation


def close(session, actor, conversation, now=None):
    """An administrator closes a settled conversation: it leaves the inbox, and what is in it
    counts as read by the administrators. Audited. Commits."""
    _ensure_admin(actor)
    with unit_of_work(session):
        lock_and_reload(session, conversation, "status")
        if conversation.status != OPEN:
            raise ValidationFailed("การสนทนานี้ปิดไปแล้ว")
        last = session.execute(select(func.max(ChatMessage.id)).where(
            ChatMessage.conversation_id == conversation.id)).scalar() or 0
        conversation.status = CLOSED
        conversation.waiting_since = None
        conversation.admin_read_id = max(conversation.admin_read_id or 0, last)
        count = session.execute(select(func.count(ChatMessage.id)).where(
            ChatMessage.conversation_id == conversation.id)).scalar()
        audit.record(session, "chat_close", target=conversation,
                     target_label=f"การสนทนา #{conversation.id}",
                     detail={"with": person_name(conversation),
                             "guest": is_guest(conversation), "messages": count,
                             "started_at": conversation.started_at})
    return conversation


# ---- reading ------------------------------------------------------------------------------------


def read(session, conversation, side, after=0, limit=PAGE):
    """The messages of ``conversation`` after the id ``after`` (the latest ``limit`` of them
    when ``after`` is 0, oldest first), marked read for ``side`` up to the last one handed out.
    Commits when something became read."""
    query = select(ChatMessage).where(ChatMessage.conversation_id == conversation.id)
    if after:
        messages = session.execute(query.where(ChatMessage.id > after)
                                   .order_by(ChatMessage.id).limit(limit)).scalars().all()
    else:
        messages = list(reversed(session.execute(
            query.order_by(ChatMessage.id.desc()).limit(limit)).scalars().all()))
    if messages:
        mark_read(session, conversation, side, messages[-1].id)
    return messages


def mark_read(session, conversation, side, up_to):
    """Move ``side``'s read id forward to ``up_to`` (never back). Commits if it moved."""
    column = Conversation.admin_read_id if side == ADMINS else Conversation.user_read_id
    current = conversation.admin_read_id if side == ADMINS else conversation.user_read_id
    if (current or 0) >= up_to:
        return
    table = Conversation.__table__
    with unit_of_work(session):
        session.execute(update(table).where(table.c.id == conversation.id, column < up_to)
                        .values({column.key: up_to}))


def _unread_of(side):
    """Messages unread by ``side``: from the other side, after its read id."""
    if side == ADMINS:
        return (ChatMessage.from_admin.is_(False),
                ChatMessage.id > Conversation.admin_read_id)
    return ChatMessage.from_admin.is_(True), ChatMessage.id > Conversation.user_read_id


def unread_count(session, conversation, side):
    return session.execute(select(func.count(ChatMessage.id)).join(Conversation).where(
        Conversation.id == conversation.id, *_unread_of(side))).scalar()


def unread_for_admins(session):
    """Messages in open conversations that no administrator has read (the navbar's badge)."""
    return session.execute(select(func.count(ChatMessage.id)).join(Conversation).where(
        Conversation.status == OPEN, *_unread_of(ADMINS))).scalar()


def unread_for_user(session, user):
    """The administrators' messages to ``user`` that they have not read yet (any of their
    conversations: an answer followed at once by closing still counts)."""
    return session.execute(select(func.count(ChatMessage.id)).join(Conversation).where(
        Conversation.user_id == user.id, *_unread_of(USER))).scalar()


# The inbox shows each person's name and agency: loaded with the conversations, not row by row.
_WITH_PERSON = selectinload(Conversation.user).selectinload(EOfficeUser.agency)


def inbox(session, actor, limit=PAGE):
    """The administrators' inbox: the open conversations, the longest waiting first (the
    oldest unanswered message), then the answered ones, the latest message first. Each row is
    (conversation, unread count, the last message)."""
    _ensure_admin(actor)
    unread = (select(func.count(ChatMessage.id))
              .where(ChatMessage.conversation_id == Conversation.id, *_unread_of(ADMINS))
              .correlate(Conversation).scalar_subquery())
    last_id = (select(func.max(ChatMessage.id))
               .where(ChatMessage.conversation_id == Conversation.id)
               .correlate(Conversation).scalar_subquery())
    rows = session.execute(
        select(Conversation, unread, last_id).where(Conversation.status == OPEN)
        .options(_WITH_PERSON)
        # The same order on both databases (they put NULL at opposite ends by default).
        .order_by(case((Conversation.waiting_since.is_(None), 1), else_=0),
                  Conversation.waiting_since, Conversation.last_message_at.desc(),
                  Conversation.id.desc())
        .limit(limit)).all()
    ids = [r[2] for r in rows if r[2]]
    last = {m.id: m for m in session.execute(
        select(ChatMessage).where(ChatMessage.id.in_(ids))).scalars()} if ids else {}
    return [(c, n or 0, last.get(m)) for c, n, m in rows]


def recently_closed(session, actor, limit=20):
    _ensure_admin(actor)
    return session.execute(select(Conversation).where(Conversation.status == CLOSED)
                           .options(_WITH_PERSON).order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                           .limit(limit)).scalars().all()


def waited_text(since, now=None):
    """How long someone has waited, as the inbox says it: ``ไม่ถึง 1 นาที``, ``12 นาที``,
    ``2 ชั่วโมง 5 นาที``, ``3 วัน``."""
    if since is None:
        return ""
    minutes = max(int((thai.naive_utc(now) - since).total_seconds() // 60), 0)
    if minutes < 1:
        return "ไม่ถึง 1 นาที"
    if minutes < 60:
        return f"{minutes} นาที"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} ชั่วโมง {rest} นาที" if rest else f"{hours} ชั่วโมง"
    return f"{minutes // (24 * 60)} วัน"


# ---- administrators online ----------------------------------------------------------------------


def admin_online(session, now=None):
    """Whether an active administrator was seen in the last ONLINE_MINUTES minutes."""
    since = thai.naive_utc(now) - dt.timedelta(minutes=ONLINE_MINUTES)
    return session.execute(select(EOfficeUser.id).where(
        EOfficeUser.level == ADMIN, EOfficeUser.active.is_(True),
        EOfficeUser.last_seen_at >= since).limit(1)).first() is not None


def needs_stamp(user, now=None):
    """Whether ``user``'s last_seen_at is due to be written (administrators, once a minute)."""
    if not is_admin(user):
        return False
    seen = user.last_seen_at
    return seen is None or thai.naive_utc(now) - seen >= SEEN_EVERY


def stamp_seen(connection, user_id, now=None):
    """Write an administrator's last_seen_at, unless another request did within the minute.
    On ``connection`` (its own short transaction: the request's session is left alone, and
    the user row is not an audited change)."""
    now = thai.naive_utc(now)
    table = EOfficeUser.__table__
    connection.execute(update(table).where(
        table.c.id == user_id,
        or_(table.c.last_seen_at.is_(None), table.c.last_seen_at <= now - SEEN_EVERY))
        .values(last_seen_at=now))
