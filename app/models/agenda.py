"""The executives' agenda (ระบบวาระงาน/นัดงานผู้บริหาร, manual 9): the appointments of the
governor, the deputy governors and the chief of the Provincial Office (``Executive``, kept as
data by the administrator), entered by their secretaries.

An executive may be booked twice at once (a secretary is warned, not refused: the executive
sends someone, or the meetings are in one place). An appointment marked public is shown to
everyone on the home page; the others to the secretaries and through the executive's feed.
"""

from flask_appbuilder import Model
from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

ACTIVE, CANCELLED = "active", "cancelled"
APPOINTMENT_STATUSES = {ACTIVE: "นัดหมาย", CANCELLED: "ยกเลิกแล้ว"}


class Appointment(Model):  # นัดหมายของผู้บริหาร
    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_appointment_period"),
        Index("ix_appointment_executive_time", "executive_id", "starts_at"),
        Index("ix_appointment_time", "starts_at"),
    )
    id = Column(Integer, primary_key=True)
    executive_id = Column(Integer, ForeignKey("executive.id"), nullable=False)
    title = Column(String(255), nullable=False)  # เรื่อง
    place = Column(String(255))  # สถานที่
    starts_at = Column(DateTime, nullable=False)  # UTC
    ends_at = Column(DateTime, nullable=False)  # UTC
    attended_by = Column(String(255))  # ผู้ไปแทน: who attends for the executive
    notes = Column(Text)  # หมายเหตุ
    public = Column(Boolean, nullable=False, default=True)  # shown to everyone on the home page
    status = Column(String(12), nullable=False, default=ACTIVE)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_at = Column(DateTime, nullable=False)  # UTC
    changed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    changed_at = Column(DateTime)  # UTC

    executive = relationship("Executive")
    created_by = relationship("EOfficeUser", foreign_keys=[created_by_id])
    changed_by = relationship("EOfficeUser", foreign_keys=[changed_by_id])

    @property
    def is_active(self):
        return self.status == ACTIVE

    def __repr__(self):
        return self.title
