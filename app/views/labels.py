"""How codes look on the screens: a letter's speed, secrecy and status as coloured badges of the
services' labels, and the choices of a select field."""

from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.models.correspondence import STATUS_CANCELLED, STATUS_RESERVED
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
