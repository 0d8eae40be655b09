"""Letters that travel (manual 7.1, 7.4-7.7): a delivery of a registered letter to one agency,
group or person, and the timeline of every letter across agencies.

A *letter* is known by its first registration (``letter_id``: the root register entry). When an
agency accepts a delivery, the letter enters that agency's own register as a new entry
(``Delivery.accepted_entry_id``); dispatching that entry onwards keeps the same ``letter_id``, so
that one timeline follows the letter from the province to the groups and people who act on it.
"""

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.registers import TO_GROUP, TO_PERSON, TO_PROVINCE, accepting

PROVINCE_REGISTER = accepting(TO_PROVINCE).code  # หนังสือรับถึงจังหวัด

SENT, OPENED, ACCEPTED, RETURNED, RECALLED = "sent", "opened", "accepted", "returned", "recalled"
DELIVERY_STATUSES = {SENT: "ส่งแล้ว รอเปิด", OPENED: "เปิดอ่านแล้ว", ACCEPTED: "ลงรับแล้ว",
                     RETURNED: "ส่งคืน", RECALLED: "เรียกคืนแล้ว"}
PENDING = (SENT, OPENED)  # still waiting for the recipient's decision
CLOSED = (RETURNED, RECALLED)  # no longer with the recipient: the letter may be sent to it again


# How a delivery to the province (the governor, received by the central registry into
# หนังสือรับถึงจังหวัด) is named, beside the Provincial Office as an agency.
PROVINCE_RECIPIENT = "จังหวัด (ผู้ว่าราชการจังหวัด) ทะเบียนหนังสือรับถึงจังหวัด"


class Delivery(Model):  # การส่งหนังสือถึงผู้รับหนึ่งราย
    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_agency_inbox", "to_agency_id", "recipient_kind", "status", "id"),
        Index("ix_delivery_group_inbox", "to_group_id", "status", "id"),
        Index("ix_delivery_person_inbox", "to_user_id", "status", "id"),
        Index("ix_delivery_sender_entry", "from_agency_id", "status", "id"),
    )
    id = Column(Integer, primary_key=True)
    letter_id = Column(Integer, ForeignKey("register_entry.id"), nullable=False, index=True)
    entry_id = Column(Integer, ForeignKey("register_entry.id"), nullable=False, index=True)
    from_agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)
    from_group_id = Column(Integer, ForeignKey("work_group.id"))
    recipient_kind = Column(String(8), nullable=False)  # province, agency, group, person
    # For every kind: a letter to the province is the Provincial Office's to receive.
    to_agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)
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
    recalled_by_id = Column(Integer, ForeignKey("ab_user.id"))  # เรียกคืน by the sender
    recalled_at = Column(DateTime)
    return_noted_at = Column(DateTime)  # the sender took note of the return

    letter = relationship("RegisterEntry", foreign_keys=[letter_id])
    entry = relationship("RegisterEntry", foreign_keys=[entry_id])
    accepted_entry = relationship("RegisterEntry", foreign_keys=[accepted_entry_id])
    from_agency = relationship("Agency", foreign_keys=[from_agency_id])
    from_group = relationship("WorkGroup", foreign_keys=[from_group_id])
    accepted_by = relationship("EOfficeUser", foreign_keys=[accepted_by_id])
    returned_by = relationship("EOfficeUser", foreign_keys=[returned_by_id])
    recalled_by = relationship("EOfficeUser", foreign_keys=[recalled_by_id])
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
    def is_recalled(self):
        return self.status == RECALLED

    @property
    def to_person(self):
        """A person's delivery is read (รับทราบ), not numbered into a register."""
        return self.recipient_kind == TO_PERSON

    def recipient_name(self):
        if self.recipient_kind == TO_PERSON and self.to_user is not None:
            return self.to_user.get_full_name()
        if self.recipient_kind == TO_GROUP and self.to_group is not None:
            return self.to_group.name
        if self.recipient_kind == TO_PROVINCE:
            return PROVINCE_RECIPIENT
        return self.to_agency.name if self.to_agency is not None else ""

    def sender_name(self):
        """Where it came from, as the recipient reads it: the province (its central registry),
        a group of an agency, or an agency."""
        if self.entry is not None and self.entry.register == PROVINCE_REGISTER:
            return f"จังหวัด (สารบรรณกลาง {self.from_agency.name})"
        if self.from_group is not None:
            return f"{self.from_group.name} {self.from_agency.name}"
        return self.from_agency.name if self.from_agency is not None else ""

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


class RecipientList(Model):  # รายชื่อผู้รับที่บันทึกไว้ (อำเภอทั้งหมด, หน่วยงานในจังหวัด...)
    """Recipients an agency's clerks send to often, chosen at once on a letter's dispatch form."""

    __tablename__ = "recipient_list"
    __table_args__ = (UniqueConstraint("agency_id", "name", name="uq_recipient_list_name"),)
    id = Column(Integer, primary_key=True)
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False)
    name = Column(String(120), nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    updated_at = Column(DateTime, nullable=False)  # UTC

    agency = relationship("Agency")
    members = relationship("RecipientListMember", cascade="all, delete-orphan",
                           order_by="(RecipientListMember.kind, RecipientListMember.target_id)")

    def keys(self):
        """Its members as the dispatch form names them: ``agency:12``, ``group:5``."""
        return [f"{m.kind}:{m.target_id}" for m in self.members]

    def __repr__(self):
        return self.name


class RecipientListMember(Model):
    __tablename__ = "recipient_list_member"
    list_id = Column(Integer, ForeignKey("recipient_list.id", ondelete="CASCADE"),
                     primary_key=True)
    kind = Column(String(8), primary_key=True)  # a recipient kind of app/registers.py
    target_id = Column(Integer, primary_key=True)  # the agency's, group's or person's id
