"""Thai for the strings that come from libraries without a Thai catalogue.

WTForms' own messages ("This field is required.", "Not a valid choice.") are looked up by
Flask-WTF in WTForms' catalogue, which has no Thai; we route them through Flask-Babel, so that
our catalogue (which carries them) answers.
"""

import flask_babel
import flask_wtf.form
from flask_babel import lazy_gettext as _l


class _BabelTranslations:
    def gettext(self, string):
        return flask_babel.gettext(string)

    def ngettext(self, singular, plural, n):
        # Not flask_babel.ngettext: it formats the message with ``num`` alone, and WTForms'
        # length messages carry %(min)d/%(max)d that WTForms fills in itself (a KeyError there).
        return flask_babel.get_translations().ungettext(singular, plural, n)


def install():
    flask_wtf.form.translations = _BabelTranslations()


# Strings shown to users that no extractor finds (they are not wrapped where they are written).
EXTRA_STRINGS = (
    _l("The CSRF token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
    _l("The CSRF session token is missing."),
    _l("The referrer header is missing."),
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be at least %(min)d character long."),
    _l("Field must be at most %(max)d character long."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Security"),
    _l("Language"),
)


# ---- validation messages of the API (marshmallow, FAB) -------------------------------------------

import re  # noqa: E402 - the section's own import

# English messages of marshmallow and FAB's API, as patterns, and their Thai.
_VALIDATION_THAI = (
    (r"Missing data for required field\.?", "ต้องระบุข้อมูลนี้"),
    (r"Field may not be null\.?", "ต้องไม่เป็นค่าว่าง (null)"),
    (r"Unknown field\.?", "ไม่มีช่องข้อมูลนี้"),
    (r"Invalid value\.?", "ค่าไม่ถูกต้อง"),
    (r"Invalid type\.?", "ชนิดข้อมูลไม่ถูกต้อง"),
    (r"Invalid input type\.?", "ชนิดข้อมูลไม่ถูกต้อง"),
    (r"Not a valid list\.?", "ต้องเป็นรายการ (list)"),
    (r"Not a valid tuple\.?", "ต้องเป็นรายการ (list)"),
    (r"Not a valid string\.?", "ต้องเป็นข้อความ"),
    (r"Not a valid utf-8 string\.?", "ต้องเป็นข้อความ UTF-8"),
    (r"Not a valid UUID\.?", "ต้องเป็น UUID"),
    (r"Not a valid number\.?", "ต้องเป็นตัวเลข"),
    (r"Number too large\.?", "ตัวเลขมากเกินไป"),
    (r"Not a valid integer\.?", "ต้องเป็นจำนวนเต็ม"),
    (r"Special numeric values .*", "ต้องเป็นตัวเลขจริง"),
    (r"Not a valid boolean\.?", "ต้องเป็น true หรือ false"),
    (r"Not a valid (?:aware |naive )?datetime\.?", "ต้องเป็นวันเวลา (YYYY-MM-DDTHH:MM:SS)"),
    (r"Not a valid date\.?", "ต้องเป็นวันที่ (YYYY-MM-DD)"),
    (r"Not a valid time\.?", "ต้องเป็นเวลา (HH:MM)"),
    (r"Not a valid period of time\.?", "ต้องเป็นช่วงเวลา"),
    (r"Not a valid mapping type\.?", "ต้องเป็นออบเจกต์ (JSON object)"),
    (r"Not a valid URL\.?", "ต้องเป็นที่อยู่เว็บ (URL)"),
    (r"Not a valid email address\.?", "ต้องเป็นอีเมล"),
    (r"Not a valid IP.*", "ต้องเป็นหมายเลข IP"),
    (r"Must be one of: .*", "ต้องเป็นค่าใดค่าหนึ่งที่กำหนด"),
    (r"Must be (?:greater|less) than .*|Must be at (?:least|most) .*",
     "ค่าอยู่นอกช่วงที่รับได้"),
    (r"Longer than maximum length (\d+)\.?", "ยาวเกิน {0} ตัวอักษร"),
    (r"Shorter than minimum length (\d+)\.?", "ต้องมีอย่างน้อย {0} ตัวอักษร"),
    (r"Length must be between (\d+) and (\d+)\.?", "ต้องยาว {0} ถึง {1} ตัวอักษร"),
    (r"Length must be (\d+)\.?", "ต้องยาว {0} ตัวอักษร"),
    (r"Related object doesn't exist in DB.*|.*does not exist.*", "ไม่พบรายการที่อ้างถึง"),
    (r"Already exists\.?", "มีอยู่แล้ว"),
    (r"Request is not JSON\.?|Request payload is not JSON\.?",
     "ต้องส่งข้อมูลเป็น JSON (Content-Type: application/json)"),
    (r"Not a valid rison.*|Not a valid json.*", "พารามิเตอร์ q ไม่ใช่ rison หรือ JSON ที่ถูกต้อง"),
    (r"Arguments are not correct\.?", "พารามิเตอร์ไม่ถูกต้อง"),
    (r"Could not process entity\.?", "ข้อมูลไม่ถูกต้อง"),
)
_VALIDATION_COMPILED = tuple((re.compile(p + r"\Z", re.S), t) for p, t in _VALIDATION_THAI)
_THAI = re.compile("[\u0e00-\u0e7f]")


def thai_text(message, default):
    """A message of a library in Thai: a known English one translated, a Thai one kept, any
    other replaced by ``default`` (English is never shown to a Thai user)."""
    text = str(message or "").strip()
    if not text:
        return default
    if _THAI.search(text):
        return text
    for pattern, thai in _VALIDATION_COMPILED:
        m = pattern.match(text)
        if m:
            return thai.format(*m.groups())
    return default


def _flatten(messages, prefix=""):
    """marshmallow's nested {field: [messages] | {index: ...}} as [(dotted field, message)]."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, name))
        return out
    if isinstance(messages, (list, tuple)):
        out = []
        for value in messages:
            out.extend(_flatten(value, prefix))
        return out
    return [(prefix, messages)]


def thai_validation(message, default):
    """(Thai sentence, the first field at fault, {field: [Thai]}) of a validation message
    given as text, a list, or marshmallow's dict of fields."""
    if not isinstance(message, (dict, list, tuple)):
        return thai_text(message, default), None, None
    errors = {}
    for field, text in _flatten(message):
        errors.setdefault(field or "_", []).append(thai_text(text, "ค่าไม่ถูกต้อง"))
    if not errors:
        return default, None, None
    parts = [f"{f}: {', '.join(m)}" if f != "_" else ", ".join(m) for f, m in errors.items()]
    first = next((f for f in errors if f != "_"), None)
    return "ข้อมูลไม่ถูกต้อง — " + "; ".join(parts), first, errors
