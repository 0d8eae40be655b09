"""The columns of every record that takes a number of a register: a letter's entry
(``register_entry``) and a contract (``contract``).

A numbered record has its series' (series, year, number), unique in its table; the agency it
belongs to; who registered it and when; and, once cancelled (ยกเลิก), why, by whom and when: it
is never deleted, its number stays in the register. app/services/entries.py creates and cancels
every one of them the same way.
"""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Text
from sqlalchemy.orm import declared_attr, relationship

CANCELLED = "cancelled"  # ยกเลิก: kept in the register, never deleted


class NumberedRecord:
    id = Column(Integer, primary_key=True)
    year = Column(Integer, nullable=False)  # Buddhist Era of the series' year
    number = Column(Integer, nullable=False)  # from 1 in each year of its series
    cancel_reason = Column(Text)
    cancelled_at = Column(DateTime)  # UTC
    registered_at = Column(DateTime, nullable=False)  # UTC
    updated_at = Column(DateTime)

    @declared_attr
    def series_id(cls):
        return Column(Integer, ForeignKey("number_series.id"), nullable=False)

    @declared_attr
    def agency_id(cls):
        return Column(Integer, ForeignKey("agency.id"), nullable=False)

    @declared_attr
    def cancelled_by_id(cls):
        return Column(Integer, ForeignKey("ab_user.id"))

    @declared_attr
    def registered_by_id(cls):
        return Column(Integer, ForeignKey("ab_user.id"), nullable=False)

    @declared_attr
    def series(cls):
        return relationship("NumberSeries")

    @declared_attr
    def agency(cls):
        return relationship("Agency")

    @declared_attr
    def registered_by(cls):
        return relationship("EOfficeUser", foreign_keys=[cls.registered_by_id])

    @declared_attr
    def cancelled_by(cls):
        return relationship("EOfficeUser", foreign_keys=[cls.cancelled_by_id])

    @property
    def is_cancelled(self):
        return self.status == CANCELLED
