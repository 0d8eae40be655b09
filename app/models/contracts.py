"""Contract registers (ระบบทะเบียนคุมสัญญา, manual 6): hire contracts, purchase/sale contracts and
bid/procurement documents of an agency, each numbered (``12/2568``) by the numbering engine.

One table keeps the three registers (``register``: hire, purchase, bid), as ``register_entry``
keeps the correspondence registers: a number is issued in the transaction that inserts the row,
the unique constraint on (series, year, number) is the backstop, and a row is cancelled, never
deleted. A bid document has no contractor, tax id or guarantee; its amount is the budget.
"""

from flask_appbuilder import Model
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.models.files import StoredFile
from app.models.numbered import CANCELLED, NumberedRecord  # noqa: F401 - CANCELLED is a status here too

HIRE, PURCHASE, BID = "hire", "purchase", "bid"

IN_FORCE, COMPLETED, TERMINATED = "in_force", "completed", "terminated"
ACTIVE = "active"  # a bid document's number in use
RESERVED = "reserved"  # จองเลข: a number kept for a contract still being prepared

# The procurement methods of the Public Procurement and Supplies Administration Act B.E. 2560
# (พ.ร.บ.การจัดซื้อจัดจ้างและการบริหารพัสดุภาครัฐ พ.ศ. 2560, sections 55-56 and 70).
METHODS = {
    "e_bidding": "วิธีประกาศเชิญชวนทั่วไป (e-bidding)",
    "e_market": "วิธีประกาศเชิญชวนทั่วไป (e-market)",
    "price_inquiry": "วิธีประกาศเชิญชวนทั่วไป (สอบราคา)",
    "selection": "วิธีคัดเลือก",
    "specific": "วิธีเฉพาะเจาะจง",
    "design_contest": "วิธีประกวดแบบ",
}
# The contract guarantees of the Ministry of Finance's regulation B.E. 2560 (ระเบียบฯ ข้อ 167).
GUARANTEES = {
    "none": "ไม่มีหลักประกัน",
    "cash": "เงินสด",
    "cheque": "เช็คหรือดราฟต์ที่ธนาคารเซ็นสั่งจ่าย",
    "bank_guarantee": "หนังสือค้ำประกันของธนาคารภายในประเทศ",
    "e_guarantee": "หนังสือค้ำประกันอิเล็กทรอนิกส์ของธนาคาร (e-GP)",
    "bond": "พันธบัตรรัฐบาลไทย",
}


class Contract(NumberedRecord, Model):  # รายการทะเบียนคุมสัญญา / เลขเอกสารประกวดราคา
    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("series_id", "year", "number", name="uq_contract_number"),
        Index("ix_contract_agency", "register", "agency_id", "id"),
        Index("ix_contract_end", "agency_id", "status", "end_on"),
        Index("ix_contract_guarantee", "agency_id", "guarantee_return_on"),
    )
    register = Column(String(16), nullable=False)  # hire, purchase, bid (years are fiscal)

    doc_date = Column(Date, nullable=False)  # วันที่ทำสัญญา; a bid document's announcement date
    party_name = Column(String(255))  # ผู้รับจ้าง / ผู้ขาย
    tax_id = Column(String(13))  # เลขประจำตัวผู้เสียภาษีอากร, 13 digits, checked
    subject = Column(Text, nullable=False)  # โครงการ / รายการ
    amount = Column(Numeric(15, 2), nullable=False)  # บาท; a bid document's budget
    method = Column(String(24), nullable=False)  # see METHODS
    start_on = Column(Date)  # วันเริ่มสัญญา
    end_on = Column(Date)  # วันสิ้นสุดสัญญา
    deadline_on = Column(Date)  # กำหนดส่งมอบ / แล้วเสร็จ
    warranty_months = Column(Integer)  # ระยะเวลารับประกันความชำรุดบกพร่อง
    guarantee_type = Column(String(24))  # see GUARANTEES
    guarantee_amount = Column(Numeric(15, 2))
    guarantee_return_on = Column(Date)  # กำหนดคืนหลักประกันสัญญา
    guarantee_returned_on = Column(Date)  # the day it was actually returned
    officer_id = Column(Integer, ForeignKey("ab_user.id"))  # ผู้รับผิดชอบ
    remarks = Column(Text)

    status = Column(String(12), nullable=False)
    reserved_until = Column(DateTime)  # UTC; a reservation not filled in by then is cancelled
    officer = relationship("EOfficeUser", foreign_keys=[officer_id])
    files = relationship("ContractFile", back_populates="contract", order_by="ContractFile.id")

    def number_text(self):
        return f"{self.number}/{self.year}"

    def new_file(self, **fields):
        """A new file of this contract (for app.services.attachments.store)."""
        f = ContractFile(**fields)
        f.contract = self
        return f

    def __repr__(self):
        return f"{self.register} {self.number_text()}"


class ContractFile(StoredFile, Model):  # ไฟล์แนบของสัญญา (never encrypted: not classified)
    __tablename__ = "contract_file"
    id = Column(Integer, primary_key=True)
    contract_id = Column(Integer, ForeignKey("contract.id"), nullable=False, index=True)

    contract = relationship("Contract", back_populates="files")
