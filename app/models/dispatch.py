"""Letters that travel (manual 7.1, 7.4-7.7): a delivery of a registered letter to one agency,
group or person, and the timeline of every letter across agencies.

A *letter* is known by its first registration (``letter_id``: the root register entry). When an
agency accepts a delivery, the letter enters that agency's own register as a new entry
(``Delivery.accepted_entry_id``); dispatching that entry onwards keeps the same ``letter_id``, so
that one timeline follows the letter from the province to the groups and people who act on it.
"""

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.registers import TO_GROUP, TO_PERSON

SENT, OPENED, ACCEPTED, RETURNED = "sent", "opened", "accepted", "returned"
DELIVERY_STATUSES = {SENT: "ส่งแล้ว", OPENED: "เปิดอ่านแล้ว", ACCEPTED: "ลงรับแล้ว",
                     RETURNED: "ส่งคืน"}
PENDING = (SENT, OPENED)  # still waiting for the recipient's decision


class Delivery(Model):  # การส่งหนังสือถึงผู้รับหนึ่งราย
    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_agency_inbox", "to_agency_id", "recipient_kind", "status", "id"),
        Index("ix_delivery_group_inbox", "to_group_id", "status", "id"),
        Index("ix_delivery_person_inbox", "to_user_id", "status", "id"),
    )
    id = Column(Integer, primary_key=True)
    letter_id = Column(Integer, ForeignKey("register_entry.id"), nullable=False, index=True)
    entry_id = Column(Integer, ForeignKey("register_entry.id"), nullable=False, index=True)
    from_agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)
    from_group_id = Column(Integer, ForeignKey("work_group.id"))
    recipient_kind = Column(String(8), nullable=False)  # agency, group, person
    to_agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)  # for all three
    to_group_id = Column(Integer, ForeignKey("work_group.id"))
    to_user_id = Column(Integer, ForeignKey("ab_user.id"))
    status = Column(String(12), nullable=False, default=SENT)
    note = Column(Text)
    sent_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    sent_at = Column(DateTime, nullable=False)  # UTC
    opened_by_id = Column(Integer, ForeignKey("ab_user.id"))
    opened_at = Column(DateTime)
    accepted_by_id = Column(Integer, ForeignKey("ab_user.id"))
    accepted_at = Column(DateTime)
    accepted_entry_id = Column(Integer, ForeignKey("register_entry.id"), unique=True)
    return_reason = Column(Text)
    returned_by_id = Column(Integer, ForeignKey("ab_user.id"))
    returned_at = Column(DateTime)

    letter = relationship("RegisterEntry", foreign_keys=[letter_id])
    entry = relationship("RegisterEntry", foreign_keys=[entry_id])
    accepted_entry = relationship("RegisterEntry", foreign_keys=[accepted_entry_id])
    from_agency = relationship("Agency", foreign_keys=[from_agency_id])
    to_agency = relationship("Agency", foreign_keys=[to_agency_id])
    to_group = relationship("WorkGroup", foreign_keys=[to_group_id])
    to_user = relationship("EOfficeUser", foreign_keys=[to_user_id])
    sent_by = relationship("EOfficeUser", foreign_keys=[sent_by_id])

    @property
    def is_pending(self):
        """Still waiting for the recipient's decision (accept or return)."""
        return self.status in PENDING

    @property
    def is_opened(self):
        return self.status == OPENED

    @property
    def is_accepted(self):
        return self.status == ACCEPTED

    @property
    def is_returned(self):
        return self.status == RETURNED

    @property
    def to_person(self):
        """A person's delivery is read (รับทราบ), not numbered into a register."""
        return self.recipient_kind == TO_PERSON

    def recipient_name(self):
        if self.recipient_kind == TO_PERSON and self.to_user is not None:
            return self.to_user.get_full_name()
        if self.recipient_kind == TO_GROUP and self.to_group is not None:
            return self.to_group.name
        return self.to_agency.name if self.to_agency is not None else ""

    def __repr__(self):
        return f"delivery {self.id} of letter {self.letter_id} to {self.recipient_kind}"


class LetterEvent(Model):  # เหตุการณ์ของหนังสือ: the timeline; written once, never changed
    __tablename__ = "letter_event"
    id = Column(Integer, primary_key=True)
    letter_id = Column(Integer, ForeignKey("register_entry.id"), nullable=False, index=True)
    entry_id = Column(Integer, ForeignKey("register_entry.id"))
    delivery_id = Column(Integer, ForeignKey("delivery.id"))
    # registered, dispatched, forwarded, opened, accepted, returned, read
    action = Column(String(16), nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"))
    actor_name = Column(String(128))
    agency_id = Column(Integer, ForeignKey("agency.id"))  # the agency that acted
    occurred_at = Column(DateTime, nullable=False)  # UTC
    detail = Column(Text)  # JSON: the number given, the reason, the recipient

    agency = relationship("Agency")
