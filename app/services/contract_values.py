"""Values of a contract as a clerk types them (app/services/contracts.py checks a contract with
them): baht, a tax id with its check digit, Buddhist-Era dates, text within its column, months
added to a date."""

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from app import thai
from app.services.errors import ValidationFailed

MAX_AMOUNT = Decimal("9999999999999.99")  # Numeric(15, 2)


def parse_amount(value, label):
    """An amount of baht from a form or JSON (``1,200,000.50``, Thai digits allowed); refused
    when negative, with more than two decimals, or too large."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationFailed(f"{label} ต้องเป็นตัวเลข")
    text = str(value).translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    text = text.replace(",", "").replace(" ", "").replace("บาท", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(f"{label} ต้องเป็นตัวเลข เช่น 1,200,000.00") from None
    if not amount.is_finite():
        raise ValidationFailed(f"{label} ต้องเป็นตัวเลข เช่น 1,200,000.00")
    if amount < 0:
        raise ValidationFailed(f"{label} ต้องไม่ติดลบ")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{label} มีทศนิยมได้ไม่เกิน 2 ตำแหน่ง (สตางค์)")
    if amount > MAX_AMOUNT:
        raise ValidationFailed(f"{label} มากเกินกว่าที่ระบบรับได้")
    return amount.quantize(Decimal("0.01"))


def clean_tax_id(value):
    """The 13 digits of a tax id as typed (spaces, dashes and Thai digits allowed); refused
    unless 13 digits with a right check digit."""
    text = str(value or "").translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    digits = "".join(ch for ch in text if ch not in " -")
    if not digits:
        raise ValidationFailed("กรุณากรอกเลขประจำตัวผู้เสียภาษีอากรของคู่สัญญา")
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise ValidationFailed("เลขประจำตัวผู้เสียภาษีอากรต้องเป็นตัวเลข 13 หลัก")
    if not thai.valid_tax_id(digits):
        raise ValidationFailed(
            f"เลขประจำตัวผู้เสียภาษีอากร {digits} ไม่ถูกต้อง (เลขตรวจสอบหลักสุดท้ายไม่ตรง) "
            "กรุณาตรวจสอบอีกครั้ง")
    return digits


def date_value(value, label):
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return thai.parse_date(value)
    except thai.ThaiDateError as e:
        raise ValidationFailed(f"{label}: {e}") from None


def text_value(data, name, label, limit, required=False):
    value = data.get(name)
    value = None if value is None else str(value).strip() or None
    if required and not value:
        raise ValidationFailed(f"กรุณากรอก{label}")
    if value is not None and len(value) > limit:
        raise ValidationFailed(f"{label}ยาวเกิน {limit:,} ตัวอักษร")
    return value


def add_months(day, months):
    """``day`` plus ``months`` calendar months (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
