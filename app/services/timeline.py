"""The timeline of a letter: events appended by the services that do the work, in their own
transaction, never changed afterwards (the database refuses an UPDATE or DELETE of letter_event)."""

import json

from app.models.dispatch import LetterEvent


def record_event(session, letter_id, action, actor, now, *, entry_id=None, delivery_id=None,
                 agency_id=None, detail=None):
    """Append one event to a letter's timeline, in the caller's transaction (no commit)."""
    session.add(LetterEvent(
        letter_id=letter_id, entry_id=entry_id, delivery_id=delivery_id, action=action,
        actor_id=getattr(actor, "id", None),
        actor_name=actor.get_full_name() if actor is not None else "ระบบ",
        agency_id=agency_id if agency_id is not None else getattr(actor, "agency_id", None),
        occurred_at=now,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
    ))
