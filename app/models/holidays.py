"""Official holidays (วันหยุดราชการ): the national public holidays and the province's own, kept by
the administrator; a day off counts in no count of working days (app/services/holidays.py)."""

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String

NATIONAL, PROVINCIAL = "national", "provincial"
HOLIDAY_KINDS = {NATIONAL: "วันหยุดราชการ", PROVINCIAL: "วันหยุดของจังหวัด"}


class Holiday(Model):  # วันหยุด
    __tablename__ = "holiday"
    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False, unique=True)
    name = Column(String(120), nullable=False)
    kind = Column(String(12), nullable=False, default=NATIONAL)
    updated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    updated_at = Column(DateTime)

    def __repr__(self):
        return self.name
