"""How codes look on the screens: a letter's speed, secrecy and status as coloured badges of the
services' labels, a file's kind instead of its MIME type, and the choices of a select field."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.models.correspondence import STATUS_CANCELLED, STATUS_RESERVED
from app.services import filetypes
from app.services.correspondence import SECRECIES, SPEEDS, STATUSES

SPEED_BADGES = {"most_urgent": "danger", "very_urgent": "warning", "urgent": "info"}
SECRECY_BADGES = {"top_secret": "danger", "secret": "warning", "confidential": "primary"}
STATUS_BADGES = {STATUS_CANCELLED: "default", STATUS_RESERVED: "info"}


def badge(text, kind):
    return Markup('<span class="label label-{}">{}</span>').format(kind, text)


def speed_badge(code):
    label = SPEEDS.get(code, code or "")
    return badge(label, SPEED_BADGES[code]) if code in SPEED_BADGES else label


def secrecy_badge(code):
    label = SECRECIES.get(code, code or "")
    return badge(label, SECRECY_BADGES[code]) if code in SECRECY_BADGES else label


def status_badge(code):
    label = STATUSES.get(code, code or "")
    return badge(label, STATUS_BADGES[code]) if code in STATUS_BADGES else label


def choices(items, reverse=False):
    """Select choices of ``{code: label}`` (or of (code, label) pairs), in their order or, with
    ``reverse``, least pressing first (so that the default, ปกติ, heads the speeds)."""
    pairs = list(items.items() if hasattr(items, "items") else items)
    return [SelectChoice(str(code), label) for code, label in (reversed(pairs) if reverse else pairs)]


# What a clerk calls a file of each accepted type (app/services/filetypes.py), never its MIME type.
FILE_KINDS = {
    filetypes.PDF[0]: "PDF",  # the same in every language
    filetypes.PNG[0]: _l("รูปภาพ PNG"),
    filetypes.JPEG[0]: _l("รูปภาพ JPEG"),
    filetypes.GIF[0]: _l("รูปภาพ GIF"),
    filetypes.TIFF[0]: _l("รูปภาพ TIFF"),
    filetypes.WEBP[0]: _l("รูปภาพ WebP"),
    filetypes.DOCX[0]: _l("เอกสาร Word"),
    filetypes.DOC[0]: _l("เอกสาร Word (รุ่นเก่า .doc)"),
    filetypes.XLSX[0]: _l("ตารางคำนวณ Excel"),
    filetypes.XLS[0]: _l("ตารางคำนวณ Excel (รุ่นเก่า .xls)"),
    filetypes.PPTX[0]: _l("งานนำเสนอ PowerPoint"),
    filetypes.ODT[0]: _l("เอกสาร OpenDocument"),
    filetypes.ODS[0]: _l("ตารางคำนวณ OpenDocument"),
}
OTHER_FILE_KIND = _l("ไฟล์ชนิดอื่น")


def file_kind(content_type):
    """``application/pdf`` as a clerk reads it: ``PDF``; "" for none. The Jinja filter
    ``filekind`` of every table that lists files."""
    if not content_type:
        return ""
    kind = FILE_KINDS.get(str(content_type).split(";")[0].strip().lower())
    return str(kind if kind is not None else OTHER_FILE_KIND)


def install(app):
    app.jinja_env.filters["filekind"] = file_kind
