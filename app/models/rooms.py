"""Meeting-room booking (ระบบจองห้องประชุม, manual 9): rooms kept by their agency's clerk, and
bookings that go pending -> approved or rejected -> cancelled.

Two pending or approved bookings of one room never overlap: on PostgreSQL an exclusion constraint
over (room, [start, end)) says so (migration 0008); on SQLite, and first on both, the booking
service locks the room's row, checks and inserts in one transaction.
"""

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from app.models.files import StoredFile

PENDING, APPROVED, REJECTED, CANCELLED = "pending", "approved", "rejected", "cancelled"
BOOKING_STATUSES = {PENDING: "รออนุมัติ", APPROVED: "อนุมัติแล้ว", REJECTED: "ไม่อนุมัติ",
                    CANCELLED: "ยกเลิกแล้ว"}
HOLDING = (PENDING, APPROVED)  # the statuses that hold a room's time


class Room(Model):  # ห้องประชุม
    __tablename__ = "room"
    id = Column(Integer, primary_key=True)
    name = Column(String(128), nullable=False)
    agency_id = Column(Integer, ForeignKey("agency.id"), nullable=False, index=True)
    building = Column(String(128))  # อาคาร / ชั้น
    capacity = Column(Integer, nullable=False)
    equipment = Column(Text)  # โปรเจคเตอร์ ไมโครโฟน จอ LED ...
    active = Column(Boolean, nullable=False, default=True)

    agency = relationship("Agency")
    photos = relationship("RoomPhoto", back_populates="room", order_by="RoomPhoto.id")

    def new_file(self, **fields):
        photo = RoomPhoto(**fields)
        photo.room = self
        return photo

    def __repr__(self):
        return self.name


class RoomPhoto(StoredFile, Model):  # รูปห้องประชุม
    __tablename__ = "room_photo"
    id = Column(Integer, primary_key=True)
    room_id = Column(Integer, ForeignKey("room.id"), nullable=False, index=True)

    room = relationship("Room", back_populates="photos")


class Booking(Model):  # การจองห้องประชุม
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_booking_period"),
        Index("ix_booking_room_time", "room_id", "starts_at", "ends_at"),
    )
    id = Column(Integer, primary_key=True)
    room_id = Column(Integer, ForeignKey("room.id"), nullable=False)
    title = Column(String(255), nullable=False)  # เรื่อง / การประชุม
    starts_at = Column(DateTime, nullable=False)  # UTC
    ends_at = Column(DateTime, nullable=False)  # UTC
    booked_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    attendees = Column(Integer, nullable=False)
    projector = Column(Boolean, nullable=False, default=False)
    video_conference = Column(Boolean, nullable=False, default=False)
    refreshments = Column(Boolean, nullable=False, default=False)
    note = Column(Text)
    status = Column(String(12), nullable=False, default=PENDING)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    decided_at = Column(DateTime)
    decision_note = Column(Text)
    created_at = Column(DateTime, nullable=False)

    room = relationship("Room")
    booked_by = relationship("EOfficeUser", foreign_keys=[booked_by_id])
    decided_by = relationship("EOfficeUser", foreign_keys=[decided_by_id])

    @property
    def is_pending(self):
        return self.status == PENDING

    @property
    def is_approved(self):
        return self.status == APPROVED

    @property
    def holds_the_room(self):
        """Pending or approved: the room is taken at that time (it may still be cancelled)."""
        return self.status in (PENDING, APPROVED)

    def __repr__(self):
        return self.title
