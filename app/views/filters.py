"""Search filters for dates typed in the Buddhist Era (``18/03/2561``), and "contains" first for
text.

FAB's own date filters parse the text with dateutil, which reads 2561 as a Gregorian year. Every
date and datetime column of our views is searched with these instead: a day of the Buddhist-Era
calendar, in Asia/Bangkok (datetimes are stored in UTC).
"""

import datetime as dt

from flask import flash
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import (
    FilterContains,
    SQLAFilterConverter,
    get_field_setup_query,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app import thai
from app.services.errors import Conflict, ValidationFailed


class _BuddhistEraDayFilter(BaseFilter):
    def _day(self, value):
        try:
            return thai.parse_date(value)
        except thai.ThaiDateError as e:
            flash(f"ค้นหาตามวันที่ไม่ได้: {e}", "warning")
            return None

    def _bounds(self, day):
        """[start, end) of ``day`` in the column's own terms."""
        if self.datamodel.is_datetime(self.column_name):
            return thai.day_bounds(day)
        return day, day + dt.timedelta(days=1)

    def apply(self, query, value):
        day = self._day(value)
        if day is None:
            return query
        query, field = get_field_setup_query(query, self.model, self.column_name)
        start, end = self._bounds(day)
        return query.filter(*self.condition(field, start, end))


class FilterOnDay(_BuddhistEraDayFilter):
    name = _l("ตรงกับวันที่")
    arg_name = "beon"

    def condition(self, field, start, end):
        return field >= start, field < end


class FilterFromDay(_BuddhistEraDayFilter):
    name = _l("ตั้งแต่วันที่")
    arg_name = "befrom"

    def condition(self, field, start, end):
        return (field >= start,)


class FilterToDay(_BuddhistEraDayFilter):
    name = _l("ถึงวันที่")
    arg_name = "beto"

    def condition(self, field, start, end):
        return (field < end,)


BE_DATE_FILTERS = [FilterFromDay, FilterToDay, FilterOnDay]


class FilterContainsText(FilterContains):
    """FAB's "contains", with the user's ``%`` and ``_`` taken literally, and LIKE for a text
    without capital letters (thai.contains)."""

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(thai.contains(field, value))


def _contains_first(filters):
    """Thai runs words together: a clerk searching text means "contains" (FAB puts it third)."""
    return [FilterContainsText] + [f for f in filters if f is not FilterContains]


def _thai_filters(method, filters):
    if method in ("is_date", "is_datetime"):
        return BE_DATE_FILTERS
    if method in ("is_text", "is_string") and FilterContains in filters:
        return _contains_first(filters)
    return filters


class ThaiFilterConverter(SQLAFilterConverter):
    conversion_table = tuple(
        (method, _thai_filters(method, filters))
        for method, filters in SQLAFilterConverter.conversion_table
    )


class ThaiSQLAInterface(SQLAInterface):
    """FAB's SQLAlchemy interface, searching dates in the Buddhist Era, and refusing in Thai what
    the database refuses on an add (FAB would show its English, SQL included)."""

    filter_converter_class = ThaiFilterConverter

    def add(self, item, commit=True):
        try:
            super().add(item, commit)
        except IntegrityError:
            raise Conflict("ข้อมูลซ้ำกับที่มีอยู่แล้ว หรืออ้างถึงข้อมูลที่ไม่มีในระบบ "
                           "ระบบไม่ได้บันทึก กรุณาตรวจสอบแล้วบันทึกใหม่") from None
        except SQLAlchemyError:
            raise ValidationFailed("มีค่าที่ระบบรับไม่ได้ (ยาวเกินไปหรือไม่อยู่ในรูปแบบที่ถูกต้อง) "
                                   "ระบบไม่ได้บันทึก กรุณาตรวจสอบแล้วบันทึกใหม่") from None
