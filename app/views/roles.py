"""The Roles screen (บทบาทและสิทธิ์): FAB's, with each role's permissions grouped by menu and
screen in Thai, what differs from its level's default, and a way back to that default.

- List: every role, what it is (a level's, one given on top of a level, one the administrator
  made), how many permissions it holds and how it differs from its level's default.
- Show: the permissions grouped as the menus are (menu → screen → permission); for a level's
  role each one granted beyond the default or revoked from it is marked.
- Add and edit: the same groups as check boxes. A level's role keeps its name; the
  administrators' role keeps what opens this screen (shown, not offered for removal).
- คืนค่าเริ่มต้นของระดับ (restore): the GET lists what would change and asks; the POST (with the
  form's CSRF token) does it.

Named as FAB's view so that its address (/roles/), its endpoint and its permissions
(``RoleModelView``) stay what they were. Every rule is in app/services/roles.py; FAB's copy
action (a GET that writes) is replaced by "copy into a new role", a prefilled add form.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.api import BaseApi
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import PermissionModelView as FabPermissionModelView
from flask_appbuilder.security.views import PermissionViewModelView as FabPermissionViewModelView
from flask_appbuilder.security.views import RoleModelView as FabRoleModelView
from flask_appbuilder.security.views import ViewMenuModelView as FabViewMenuModelView
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.levels import level_label
from app.permission_labels import PERMISSIONS, VIEWS
from app.services import roles as svc
from app.services.errors import DomainError

_PERMISSION_ORDER = {name: i for i, name in enumerate(PERMISSIONS)}
OTHER, API = "__other__", "__api__"


@dataclass
class Entry:
    pv: object
    label: str
    held: bool
    default: object  # True/False for a level's role; None for a role without a level
    locked: bool = False  # the administrators' role may not lose it

    @property
    def mark(self):
        if self.default is None or self.held == self.default:
            return ""
        return "beyond" if self.held else "revoked"


@dataclass
class Group:
    label: str
    entries: list = field(default_factory=list)


@dataclass
class Section:
    key: str
    label: str
    groups: "OrderedDict[str, Group]" = field(default_factory=OrderedDict)

    @property
    def entries(self):
        return [e for grp in self.groups.values() for e in grp.entries]


def _text(label):
    return str(label) if label is not None else ""


class Catalogue:
    """Where each permission shows on the screen: (section, group) by the menus of the app.

    A menu category is a section (ระบบงานสารบรรณ); in it, each screen its menu items open is a
    group, holding the screen's permissions and the menu items' access. Screens no menu opens
    are grouped by screen under "API" or "other" sections, after the menus."""

    def __init__(self, appbuilder):
        self.sections = OrderedDict()
        self.view_place = {}  # view name -> (section key, group key)
        self.menu_place = {}  # menu name -> (section key, group key)
        endpoint_view = {getattr(v, "endpoint", None): v.class_permission_name
                         for v in appbuilder.baseviews}
        apis = {v.class_permission_name for v in appbuilder.baseviews if isinstance(v, BaseApi)}
        for item in appbuilder.menu.get_list():
            key = item.name
            self.sections.setdefault(key, Section(key, _text(item.label) or
                                                  _text(VIEWS.get(key, key))))
            children = item.childs or [item]
            if item.childs:
                self.menu_place[item.name] = (key, "menu:" + item.name)
                self._group(key, "menu:" + item.name, VIEWS.get(item.name, item.name))
            for child in children:
                if not child.name or child.name == "-":
                    continue
                view = None
                if child.baseview is not None:
                    view = child.baseview.class_permission_name
                elif child.href and "." in str(child.href) and "/" not in str(child.href):
                    view = endpoint_view.get(str(child.href).split(".")[0])
                if view is not None:
                    place = self.view_place.setdefault(view, (key, "view:" + view))
                    self._group(*place, VIEWS.get(view, view))
                    self.menu_place[child.name] = place
                else:
                    self.menu_place[child.name] = (key, "menu:" + child.name)
                    self._group(key, "menu:" + child.name, VIEWS.get(child.name, child.name))
        self.sections[API] = Section(API, gettext("API สำหรับโปรแกรมอื่น"))
        self.sections[OTHER] = Section(OTHER, gettext("หน้าจอและสิทธิ์อื่น ๆ ที่ไม่อยู่ในเมนู"))
        for v in appbuilder.baseviews:
            name = v.class_permission_name
            if name not in self.view_place:
                self.view_place[name] = (API if name in apis else OTHER, "view:" + name)

    def _group(self, section, key, label):
        groups = self.sections[section].groups
        if key not in groups:
            groups[key] = Group(_text(label))
        return groups[key]

    def place(self, pv):
        permission, view = svc.pair(pv)
        if permission == "menu_access" and view in self.menu_place:
            return self.menu_place[view]
        if view in self.view_place:
            return self.view_place[view]
        return OTHER, "view:" + view

    def arrange(self, role, pvms, only_relevant=False, held_ids=None):
        """The sections with ``role``'s entries: every permission, or with ``only_relevant``
        the ones held or revoked from the default. ``held_ids`` overrides what is held (the
        check boxes of a form sent back)."""
        level = svc.level_of(role)
        locked = svc.locked_for(role)
        held = held_ids if held_ids is not None else {pv.id for pv in role.permissions} \
            if role is not None else set()
        sections = OrderedDict((k, Section(k, s.label)) for k, s in self.sections.items())
        for pv in sorted(pvms, key=_entry_order):
            default = svc.default_of(level, pv) if level is not None else None
            entry = Entry(pv, _entry_label(pv), pv.id in held, default,
                          locked=svc.pair(pv) in locked)
            if only_relevant and not entry.held and not entry.mark:
                continue
            section_key, group_key = self.place(pv)
            section = sections[section_key]
            group = section.groups.get(group_key)
            if group is None:
                template = self.sections[section_key].groups.get(group_key)
                label = template.label if template is not None else \
                    _text(VIEWS.get(pv.view_menu.name, pv.view_menu.name))
                group = section.groups[group_key] = Group(label)
            group.entries.append(entry)
        # In menu order, without the empty ones.
        for section in sections.values():
            order = list(self.sections[section.key].groups)
            section.groups = OrderedDict(sorted(
                ((k, grp) for k, grp in section.groups.items() if grp.entries),
                key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
        return [s for s in sections.values() if s.groups]


def _entry_order(pv):
    permission, view = svc.pair(pv)
    return (permission != "menu_access", _PERMISSION_ORDER.get(permission, len(PERMISSIONS)),
            permission, view)


def _entry_label(pv):
    permission, view = svc.pair(pv)
    label = _text(PERMISSIONS.get(permission, permission))
    if permission == "menu_access":
        return f"{label}: {_text(VIEWS.get(view, view))}"
    return label


def kind_of(role):
    """What a role is, as the administrator reads it."""
    from flask import current_app

    level = svc.level_of(role)
    if level is not None and level.number:
        return gettext("บทบาทของระดับ %(level)s", level=level_label(level.number))
    if level is not None:
        return gettext("บทบาทเพิ่มจากระดับ (ให้ทีละคนในหน้าจอผู้ใช้งาน)")
    if role.name == current_app.config["AUTH_ROLE_PUBLIC"]:
        return gettext("ผู้ที่ยังไม่เข้าสู่ระบบ")
    return gettext("บทบาทที่ผู้ดูแลระบบสร้าง")


class RoleModelView(FabRoleModelView):
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    copy_role = None  # FAB's copy action (a GET that writes): see "copy into a new role"

    # No FAB action routes: their lookup crashes on an unknown name before any permission check.
    def action(self, name, pk):
        abort(404)

    def action_post(self):
        abort(404)

    # ---- helpers ------------------------------------------------------------------------------

    @property
    def session(self):
        return self.datamodel.session

    def _role_or_404(self, pk):
        try:
            number = int(pk)
        except (TypeError, ValueError):
            abort(404)
        if not 0 < number < 2**31:
            abort(404)
        role = self.session.get(Role, number)
        if role is None:
            abort(404)
        return role

    def _catalogue(self):
        return Catalogue(self.appbuilder)

    def _can(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _render(self, template, status=200, **kwargs):
        return self.render_template(
            template, kind_of=kind_of, can_edit=self._can("can_edit"),
            can_add=self._can("can_add"), can_delete=self._can("can_delete"),
            kept=svc.kept_role_names(), **kwargs), status

    # ---- list and show ------------------------------------------------------------------------

    @expose("/list/")
    @has_access
    def list(self):
        pvms = svc.permission_views(self.session)
        rows = []
        for role in self.session.query(Role).order_by(Role.id):
            beyond, revoked = svc.differences(role, pvms)
            level = svc.level_of(role)
            rows.append({"role": role, "count": len(role.permissions), "beyond": len(beyond),
                         "revoked": len(revoked), "has_default": level is not None,
                         "users": len(role.user)})
        return self._render("roles/list.html", rows=rows, title=gettext("บทบาทและสิทธิ์"))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        role = self._role_or_404(pk)
        pvms = svc.permission_views(self.session)
        beyond, revoked = svc.differences(role, pvms)
        sections = self._catalogue().arrange(role, pvms, only_relevant=True)
        return self._render("roles/show.html", role=role, sections=sections, beyond=beyond,
                            revoked=revoked, level=svc.level_of(role),
                            title=gettext("บทบาท %(name)s", name=role.name))

    # ---- add and edit -------------------------------------------------------------------------

    def _form(self, role, status=200, error=None, copy_of=None):
        pvms = svc.permission_views(self.session)
        held_ids = None
        name = role.name if role is not None else ""
        if request.method == "POST":
            held_ids = {int(v) for v in request.form.getlist("permissions") if v.isdigit()}
            name = request.form.get("name", name)
        elif copy_of is not None:
            held_ids = {pv.id for pv in copy_of.permissions}
        sections = self._catalogue().arrange(role, pvms, held_ids=held_ids)
        return self._render(
            "roles/form.html", status=status, role=role, name=name, sections=sections,
            level=svc.level_of(role), error=error, copy_of=copy_of,
            title=gettext("แก้ไขสิทธิ์ของบทบาท %(name)s", name=role.name) if role is not None
            else gettext("เพิ่มบทบาท"))

    def _save(self, role):
        try:
            permissions = svc.chosen_permissions(self.session, request.form.getlist("permissions"))
            saved = svc.save(self.session, g.user, role, request.form.get("name"), permissions)
        except DomainError as e:
            # What was ticked comes back as it was, with the refusal beside what it is about.
            self.session.rollback()
            role = self.session.get(Role, role.id) if role is not None else None
            return self._form(role, status=e.status, error=e)
        flash(gettext("บันทึกสิทธิ์ของบทบาท %(name)s แล้ว", name=saved.name), "success")
        return redirect(url_for(".show", pk=saved.id))

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if request.method == "POST":
            return self._save(None)
        copy_of = None
        if request.args.get("copy"):
            copy_of = self._role_or_404(request.args.get("copy"))
        return self._form(None, copy_of=copy_of)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        role = self._role_or_404(pk)
        if request.method == "POST":
            return self._save(role)
        return self._form(role)

    # ---- restore the level's default ---------------------------------------------------------

    @expose("/restore/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def restore(self, pk):
        """คืนค่าเริ่มต้นของระดับ: GET asks (and shows what would change), POST does it."""
        role = self._role_or_404(pk)
        level = svc.level_of(role)
        if level is None:
            abort(404)  # no default to go back to: not offered, not there
        if request.method == "POST":
            granted, taken = svc.restore_default(self.session, g.user, role)
            if granted or taken:
                flash(gettext("คืนค่าเริ่มต้นของระดับให้บทบาท %(name)s แล้ว: ให้สิทธิ์คืน "
                              "%(granted)d รายการ ถอนสิทธิ์ %(taken)d รายการ",
                              name=role.name, granted=len(granted), taken=len(taken)),
                      "success")
            else:
                flash(gettext("บทบาท %(name)s ตรงกับค่าเริ่มต้นของระดับอยู่แล้ว", name=role.name),
                      "info")
            return redirect(url_for(".show", pk=role.id))
        pvms = svc.permission_views(self.session)
        beyond, revoked = svc.differences(role, pvms)
        catalogue = self._catalogue()
        changing = catalogue.arrange(role, [pv for pv in pvms if pv in beyond or pv in revoked])
        return self._render("roles/restore.html", role=role, sections=changing, beyond=beyond,
                            revoked=revoked, level=level,
                            title=gettext("คืนค่าเริ่มต้นของระดับ"))

    # ---- delete: FAB's route, the service's rule ----------------------------------------------

    def pre_delete(self, item):
        svc.prepare_delete(g.user, item)


# ---- FAB's lists of permissions, screens and their pairs ---------------------------------------
# Each permission and screen by its Thai name, its identifier beside it as a code (what the audit
# log's JSON and the API name it by); the pairs searched by their two parts only (FAB would offer
# the roles' remembered defaults, "Role Default Records", as a filter too). Named as FAB's views,
# as RoleModelView is, so that their addresses, endpoints and permissions stay what they were.


def _named(labels):
    def name(identifier):
        label = labels.get(identifier)
        if label is None:
            return Markup("<code>{}</code>").format(identifier)
        return Markup('{} <code class="text-muted">{}</code>').format(label, identifier)
    return name


class PermissionModelView(FabPermissionModelView):
    label_columns = {"name": _l("ชื่อ")}
    search_columns = ["name"]
    formatters_columns = {"name": _named(PERMISSIONS)}


class ViewMenuModelView(FabViewMenuModelView):
    label_columns = {"name": _l("ชื่อ")}
    search_columns = ["name"]
    formatters_columns = {"name": _named(VIEWS)}


class PermissionViewModelView(FabPermissionViewModelView):
    search_columns = ["permission", "view_menu"]
