"""Buddhist-Era dates, Thai month names and Thai digits: the one place for them.

Babel prints Gregorian years even for th_TH (``18 มี.ค. 2018``) and refuses a Buddhist calendar;
the rules are simple enough to keep here: พ.ศ. = ค.ศ. + 543, the fiscal year starts 1 October.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

BE_OFFSET = 543

MONTHS_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
MONTHS_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
BANGKOK = ZoneInfo("Asia/Bangkok")

# A Buddhist-Era year typed today lies in this window; a year below it is almost surely
# Gregorian (2025 instead of 2568), a mistake that would otherwise store a date 543 years off.
MIN_BE_YEAR = 2400
MAX_BE_YEAR = 2700


class ThaiDateError(ValueError):
    """Bad date input; the message is Thai and meant for the user."""


def thai_digits(text):
    return str(text).translate(_THAI_DIGITS)


def be_year(value):
    return value.year + BE_OFFSET


def fiscal_year(value):
    """Thai fiscal year (ปีงบประมาณ) in the Buddhist Era: 1 Oct 2567 opens fiscal year 2568."""
    return be_year(value) + (1 if value.month >= 10 else 0)


def to_bangkok(value):
    """A naive datetime is taken as UTC (how we store times) and shown in Asia/Bangkok."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(BANGKOK)


def format_date(value, full_month=False, digits_thai=False):
    """``18 มี.ค. 2561`` (or ``18 มีนาคม 2561``); '' for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_bangkok(value).date()
    months = MONTHS_FULL if full_month else MONTHS_ABBR
    text = f"{value.day} {months[value.month - 1]} {be_year(value)}"
    return thai_digits(text) if digits_thai else text


def format_datetime(value, digits_thai=False):
    """``18 มี.ค. 2561 14:05 น.`` in Asia/Bangkok, from a UTC datetime."""
    if value is None:
        return ""
    local = to_bangkok(value)
    text = f"{format_date(local.date())} {local:%H:%M} น."
    return thai_digits(text) if digits_thai else text


def format_date_input(value):
    """The form input text for a date: ``18/03/2561``."""
    if value is None:
        return ""
    return f"{value.day:02d}/{value.month:02d}/{be_year(value)}"


_DATE_RE = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")


def parse_date(text):
    """``18/03/2561`` (Buddhist Era, Thai or Arabic digits) to ``date(2018, 3, 18)``.

    Raises ThaiDateError with a Thai message for anything else, including a Gregorian year.
    """
    if text is None or not str(text).strip():
        return None
    match = _DATE_RE.match(str(text).translate(_ARABIC_DIGITS))
    if not match:
        raise ThaiDateError("รูปแบบวันที่ไม่ถูกต้อง กรุณากรอกเป็น วว/ดด/ปปปป พ.ศ. เช่น 18/03/2561")
    day, month, year = (int(g) for g in match.groups())
    if year < MIN_BE_YEAR:
        raise ThaiDateError(
            f"ปี {year} ดูเหมือนเป็นปีคริสต์ศักราช กรุณากรอกปีพุทธศักราช "
            f"(เช่น {year + BE_OFFSET})"
        )
    if year > MAX_BE_YEAR:
        raise ThaiDateError(f"ปี พ.ศ. {year} ไม่ถูกต้อง")
    try:
        return dt.date(year - BE_OFFSET, month, day)
    except ValueError:
        raise ThaiDateError(f"ไม่มีวันที่ {day}/{month:02d}/{year} ในปฏิทิน") from None


def contains(column, text):
    """The SQL condition "``column`` contains ``text``", for any part of a Thai phrase (Thai runs
    words together, so a word is found inside others). ``%`` and ``_`` typed by a user are
    themselves, not wildcards. Thai has no capital letters: a text without any (Thai, digits)
    is matched with LIKE, which finds exactly what ILIKE would and costs a third as much per row
    on PostgreSQL; a text with Latin letters is matched without regard to case."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if text.lower() == text.upper():
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def file_size(size):
    """A file's size as a clerk reads it: ``850 ไบต์``, ``12 KB``, ``3.4 MB``."""
    if size < 1024:
        return f"{size:,} ไบต์"
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size / 1024 / 1024:,.1f} MB"


def register_jinja_filters(app):
    app.jinja_env.filters["filesize"] = file_size
    app.jinja_env.filters["thaidate"] = format_date
    app.jinja_env.filters["thaidatetime"] = format_datetime
    app.jinja_env.filters["thaidigits"] = thai_digits
