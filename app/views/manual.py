"""The user manual (คู่มือการใช้งาน) as pages of the app: one page per role level
(app/access.py LEVELS), and one for the executives' secretaries (SECRETARY, a role on top of a
level). ``/manual/`` opens the page of the logged-in user's level, with the secretaries' section
after it for those who hold that role; ``/manual/<level>`` and ``/manual/secretary`` open the
others. The pages describe the menus and screens of each level as they are: tests/test_manual.py
checks every menu path they quote against that level's menu, and every link they hold.

A page is written as a fragment (app/templates/manual/level_N.html) whose sections are
``<h3 id="...">`` headings; the table of contents is read from those headings, so that it can never
list a section the page does not have.
"""

import re

from flask import abort, current_app, g, render_template
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.access import LEVEL_BY_NUMBER, LEVELS, SECRETARY
from app.levels import OFFICER

SECTION = re.compile(r'<h3 id="([\w-]+)"[^>]*>(.*?)</h3>', re.S)
TAGS = re.compile(r"<[^>]+>")


def install(app):
    """Hooks this part adds to the app: none (the menu link is registered in app/__init__.py)."""


def reader_level(user):
    """The level whose page is the reader's own (an unknown level reads the officers' page)."""
    level = getattr(user, "level", None)
    return level if level in LEVEL_BY_NUMBER else OFFICER


def holds_secretary_role(user):
    return any(role.name == SECRETARY.role for role in getattr(user, "roles", None) or ())


def settings():
    """The configured numbers the manual quotes (days, minutes, sizes), as the app runs them."""
    config = current_app.config
    return {
        "reservation_days": config["RESERVATION_DAYS"],
        "reservation_max_block": config["RESERVATION_MAX_BLOCK"],
        "attachment_max_mb": config["ATTACHMENT_MAX_MB"],
        "attachments_per_entry": config["ATTACHMENTS_PER_ENTRY"],
        "idle_minutes": config["SESSION_IDLE_MINUTES"],
        "lockout_threshold": config["LOCKOUT_THRESHOLD"],
        "overdue_days": config["FILE_OVERDUE_DAYS"],
    }


def menu_rows(menu, allows):
    """(category name, category label, [item labels]) of the navigation bar of a reader whose
    grants are ``allows(permission, view_name)``, in the bar's order: the menu as that level sees
    it, read from the same grants (app/access.py) that FAB's roles are written from."""
    rows = []
    for category in menu.get_list():
        if not category.childs or not allows("menu_access", category.name):
            continue
        items = [child.label for child in category.childs
                 if child.name != "-" and allows("menu_access", child.name)]
        if items:
            rows.append((category.name, category.label, items))
    return rows


def table_of_contents(body):
    """(anchor, title) of each section of ``body``, in order."""
    return [(anchor, TAGS.sub("", title).strip()) for anchor, title in SECTION.findall(body)]


class ManualView(BaseView):
    route_base = "/manual"
    default_view = "read"

    def _page(self, level, secretary):
        """The manual of ``level`` (None: none), followed by the secretaries' section if
        ``secretary``."""
        menu = self.appbuilder.menu
        context = {"settings": settings(), "secretary": SECRETARY}
        parts = []
        if level is not None:
            parts.append(render_template(
                f"manual/level_{level}.html", level=level,
                menu_rows=menu_rows(menu, LEVEL_BY_NUMBER[level].allows), **context))
        if secretary:
            # What the role adds to the menu of a level-5 officer (it is given on top of a level).
            officer = menu_rows(menu, LEVEL_BY_NUMBER[OFFICER].allows)
            had = {(name, str(item)) for name, _, items in officer for item in items}
            added = [(name, label, [i for i in items if (name, str(i)) not in had])
                     for name, label, items in menu_rows(menu, SECRETARY.allows)]
            parts.append(render_template(
                "manual/secretary.html", menu_rows=[row for row in added if row[2]], **context))
        body = "\n".join(parts)
        own = reader_level(g.user)
        shown = LEVEL_BY_NUMBER[level] if level is not None else SECRETARY
        return self.render_template(
            "manual/layout.html", body=Markup(body), toc=table_of_contents(body),
            levels=LEVELS, shown=shown, shown_level=level, with_secretary=secretary,
            own_level=own, own_secretary=holds_secretary_role(g.user), secretary=SECRETARY,
            title=_l("คู่มือการใช้งาน"))

    @expose("/")
    @has_access
    @permission_name("read")
    def read(self):
        """The page of the reader's own level, and the secretaries' section for a secretary."""
        return self._page(reader_level(g.user), holds_secretary_role(g.user))

    @expose("/<int:level>")
    @has_access
    @permission_name("read")
    def page(self, level):
        """Another level's page (every reader may learn what the other levels do)."""
        if level not in LEVEL_BY_NUMBER:
            abort(404)
        return self._page(level, False)

    @expose("/secretary")
    @has_access
    @permission_name("read")
    def secretary(self):
        """The executives' secretaries' section alone."""
        return self._page(None, True)
