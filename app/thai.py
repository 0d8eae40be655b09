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
ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
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


def utcnow():
    """The clock as we store times: naive UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def naive_utc(when):
    """``when`` as we store times (naive UTC): the clock's when None, an aware time converted,
    a naive one taken as UTC already."""
    if when is None:
        return utcnow()
    if when.tzinfo is not None:
        return when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def today(now=None):
    """The date in Bangkok at ``now`` (a stored, naive UTC time; the clock's by default): the
    server's clock may run on UTC, and after 17:00 UTC it is already tomorrow here."""
    return to_bangkok(now or dt.datetime.now(dt.timezone.utc)).date()


def to_utc(local):
    """A Bangkok wall-clock time as typed (naive) to a stored time (naive UTC); an aware time
    is converted from its own zone."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=BANGKOK)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def day_bounds(day):
    """[start, end) of the Bangkok day ``day`` as stored times (naive UTC)."""
    start = to_utc(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


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


def format_value(value):
    """A cell of a table as the screen shows it: a time or a date in Thai, '' for None."""
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return "" if value is None else value


_LEADING_VOWELS = "เแโใไ"
_TONE_MARKS = dict.fromkeys(map(ord, "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"))


def sort_key(text):
    """A key that orders Thai as a dictionary does: a leading vowel (เ แ โ ใ ไ) is written before
    its consonant but sorted after it (เกษตร under ก, after กมล), and tone marks count only to
    break ties."""
    text = text or ""
    chars, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in _LEADING_VOWELS and i + 1 < len(text) and "\u0e01" <= text[i + 1] <= "\u0e2e":
            chars += [text[i + 1], ch]
            i += 2
        else:
            chars.append(ch)
            i += 1
    swapped = "".join(chars)
    return swapped.translate(_TONE_MARKS), swapped


WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")


def format_day(value):
    """A day as an agenda heads it: ``วันจันทร์ที่ 18 มกราคม 2570``."""
    return f"วัน{WEEKDAYS[value.weekday()]}ที่ {format_date(value, full_month=True)}"


def format_period(starts_at, ends_at):
    """A stored (UTC) period as Bangkok reads it: ``1 ธ.ค. 2569 09:00-12:00 น.``, or with both
    days when it runs over midnight."""
    start, end = to_bangkok(starts_at), to_bangkok(ends_at)
    day = format_date(start.date())
    if start.date() == end.date():
        return f"{day} {start:%H:%M}-{end:%H:%M} น."
    return f"{day} {start:%H:%M} น. ถึง {format_date(end.date())} {end:%H:%M} น."


def format_time(value):
    """A stored (UTC) time as Bangkok's wall clock: "09:30"."""
    return f"{to_bangkok(value):%H:%M}" if value is not None else ""


def format_date_input(value):
    """The form input text for a date: ``18/03/2561``."""
    if value is None:
        return ""
    return f"{value.day:02d}/{value.month:02d}/{be_year(value)}"


_DATE_RE = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$"
                      r"|^\s*(\d{2})(\d{2})(\d{4})\s*$")  # or 8 digits, from a phone's number pad


def parse_date(text):
    """``18/03/2561`` or ``18032561`` (Buddhist Era, Thai or Arabic digits) to
    ``date(2018, 3, 18)``.

    Raises ThaiDateError with a Thai message for anything else, including a Gregorian year.
    """
    if text is None or not str(text).strip():
        return None
    match = _DATE_RE.match(str(text).translate(ARABIC_DIGITS))
    if not match:
        raise ThaiDateError("รูปแบบวันที่ไม่ถูกต้อง กรุณากรอกเป็น วว/ดด/ปปปป พ.ศ. เช่น 18/03/2561")
    day, month, year = (int(g) for g in match.groups() if g is not None)
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


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*[:.]\s*(\d{2})\s*(?:น\.?)?\s*$")


def parse_time(text):
    """A time of day as a clerk types it: ``08:30``, ``8.30`` or ``08:30 น.``, Thai digits too;
    None if blank. Raises ThaiDateError (Thai) for anything else."""
    text = str(text or "").translate(ARABIC_DIGITS)
    if not text.strip():
        return None
    match = _TIME_RE.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ThaiDateError("รูปแบบเวลาไม่ถูกต้อง กรุณากรอกเป็น ชช:นน เช่น 08:30")


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


_DIGIT_WORDS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_PLACE_WORDS = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def _below_million(n, after_higher):
    """Words of 0 < ``n`` < 1,000,000; ``after_higher``: digits above it were read (millions),
    so a final 1 is เอ็ด (หนึ่งล้านเอ็ด)."""
    words = []
    digits = str(n)
    for i, ch in enumerate(digits):
        d, place = int(ch), len(digits) - 1 - i
        if d == 0:
            continue
        if place == 0 and d == 1 and (n > 9 or after_higher):
            words.append("เอ็ด")
        elif place == 1 and d == 1:
            words.append("สิบ")
        elif place == 1 and d == 2:
            words.append("ยี่สิบ")
        else:
            words.append(_DIGIT_WORDS[d] + _PLACE_WORDS[place])
    return "".join(words)


def _integer_words(n):
    """Words of an integer ``n`` > 0, in groups of millions (ล้าน, ล้านล้าน, ...)."""
    groups = []
    while n:
        n, group = divmod(n, 1_000_000)
        groups.append(group)
    words = []
    for i in range(len(groups) - 1, -1, -1):
        if groups[i]:
            words.append(_below_million(groups[i], after_higher=i < len(groups) - 1))
        if i:
            words.append("ล้าน")
    return "".join(words)


def baht_text(amount):
    """An amount of baht in Thai words, as written on a contract: ``หนึ่งล้านสองแสนบาทถ้วน``,
    ``หนึ่งล้านเอ็ดบาทยี่สิบห้าสตางค์``, ``ศูนย์บาทถ้วน``. Satang are rounded half up."""
    from decimal import ROUND_HALF_UP, Decimal

    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("a negative amount has no words")
    baht, satang = divmod(int(value * 100), 100)
    if baht == 0 and satang == 0:
        return "ศูนย์บาทถ้วน"
    text = _integer_words(baht) + "บาท" if baht else ""
    return text + (_below_million(satang, False) + "สตางค์" if satang else "ถ้วน")


def format_baht(amount):
    """``1,200,000.00``: an amount as the registers show it, with its satang."""
    return "" if amount is None else f"{amount:,.2f}"


def valid_tax_id(text):
    """Whether ``text`` is a 13-digit Thai tax identification number (a citizen's or a juristic
    person's) with a right check digit: 11 less the sum of the first twelve digits weighted 13
    down to 2, modulo 11, last digit."""
    if not isinstance(text, str) or len(text) != 13 or not text.isascii() or not text.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(text[:12]))
    return (11 - total % 11) % 10 == int(text[12])


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
    app.jinja_env.filters["thaidate_input"] = format_date_input
    app.jinja_env.filters["thaidatetime"] = format_datetime
    app.jinja_env.filters["thaitime"] = format_time
    app.jinja_env.filters["thaiday"] = format_day
    app.jinja_env.filters["thaidigits"] = thai_digits
    app.jinja_env.filters["thaivalue"] = format_value
    app.jinja_env.globals["bangkok_today"] = today  # the date picker's "today": Bangkok's
