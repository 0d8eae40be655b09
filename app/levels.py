"""The five levels of users (ระดับสิทธิ์) and the roles given on top of one: their numbers, the
FAB role of each and how users read it.

What each level may do is declared in app/access.py (``LEVELS``, built level on level); which
registers it keeps, in app/registers.py. This module names them and nothing more, so that the
models, the registers and the rules can all refer to a level without depending on each other.
"""

from flask_babel import lazy_gettext as _l

ADMIN, CENTRAL_CLERK, AGENCY_CLERK, GROUP_CLERK, OFFICER = 1, 2, 3, 4, 5

# The FAB role of each level, as stored (roles are matched by name), and its label.
ROLES = {
    ADMIN: "ผู้ดูแลระบบ",
    CENTRAL_CLERK: "สารบรรณกลาง",
    AGENCY_CLERK: "สารบรรณประจำหน่วยงาน",
    GROUP_CLERK: "สารบรรณประจำกลุ่ม",
    OFFICER: "ผู้ใช้งานทั่วไป",
}
LEVEL_ROLES = frozenset(ROLES.values())
LABELS = {
    ADMIN: _l("ผู้ดูแลระบบ"),
    CENTRAL_CLERK: _l("สารบรรณกลาง"),
    AGENCY_CLERK: _l("สารบรรณประจำหน่วยงาน"),
    GROUP_CLERK: _l("สารบรรณประจำกลุ่ม/กอง/สาขา"),
    OFFICER: _l("ผู้ใช้งานทั่วไป"),
}
LEVEL_CHOICES = [(number, f"{number} - {label}") for number, label in LABELS.items()]

# A role given on top of a level: the executives' secretary (ติดตามแฟ้มเสนอลงนาม, วาระงาน).
SECRETARY_ROLE = "เลขานุการผู้บริหาร"
SECRETARY_LABEL = _l("เลขานุการผู้บริหาร")


def level_label(number):
    """``3 - สารบรรณประจำหน่วยงาน``; empty for no level."""
    label = LABELS.get(number)
    return f"{number} - {label}" if label is not None else ""


def level_from_roles(roles):
    """The highest level whose role the user holds; 5 when none (an unknown role grants nothing)."""
    by_role = {role: number for number, role in ROLES.items()}
    numbers = [by_role[r.name] for r in roles if r.name in by_role]
    return min(numbers) if numbers else OFFICER
