"""The security manager: our user model and views, lock-out, revocable sessions, the audit trail.

Sessions are revocable on the server: every user carries a ``session_stamp``; a session (cookie)
or JWT remembers the stamp it was issued with, and ends as soon as the stamps differ. A password
change or a suspension changes the stamp. An idle session ends after SESSION_IDLE_MINUTES.
"""

import datetime as dt
import logging

from flask import (
    current_app, flash, g, has_request_context, redirect, request, session, url_for,
)
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Permission, PermissionView, ViewMenu, assoc_permissionview_role,
)
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload
from flask_login import current_user, logout_user
from werkzeug.security import generate_password_hash

from app import thai
from app.access import EXTRA_ROLES, LEVEL_BY_NUMBER, LEVELS
from app.models import EOfficeUser
from app.models.org import new_session_stamp
from app.extensions import db
from app.services import audit
from app.services import roles as roles_service
from app.services import throttle
from app.services.errors import TooManyRequests
from app.thai import to_bangkok
from app.views.people import (
    EOfficeResetMyPasswordView,
    EOfficeSecurityGroupView,
    EOfficeUserStatsChartView,
    EOfficeResetPasswordView,
    EOfficeUserInfoEditView,
    EOfficeUserView,
)
from app.views.chat import BACKGROUND_ENDPOINTS
from app.views.roles import (
    PermissionModelView,
    PermissionViewModelView,
    RoleModelView,
    ViewMenuModelView,
)

log = logging.getLogger(__name__)

STAMP_KEY = "_stamp"
SEEN_KEY = "_seen"
THROTTLE_EXTENSION = "eoffice_throttle"  # the app's counter of attempts, in app.extensions
# Where a user who must change the password may still go.
PASSWORD_CHANGE_ALLOWED = {
    "EOfficeResetMyPasswordView.this_form_get",
    "EOfficeResetMyPasswordView.this_form_post",
    "AuthDBView.logout",
    "AuthDBView.login",
    "LocaleView.index",
    "appbuilder.static",
    "static",
}


_PV = PermissionView.__table__
_PERMISSIONS_OF_ROLES = (  # built once: (permission name, view name) of the roles given
    select(Permission.__table__.c.name, ViewMenu.__table__.c.name)
    .select_from(
        _PV.join(assoc_permissionview_role,
                 assoc_permissionview_role.c.permission_view_id == _PV.c.id)
        .join(Permission.__table__, Permission.__table__.c.id == _PV.c.permission_id)
        .join(ViewMenu.__table__, ViewMenu.__table__.c.id == _PV.c.view_menu_id))
    .where(assoc_permissionview_role.c.role_id.in_(bindparam("role_ids", expanding=True)))
)


class EOfficeSecurityManager(SecurityManager):
    user_model = EOfficeUser
    userdbmodelview = EOfficeUserView
    resetpasswordview = EOfficeResetPasswordView
    resetmypasswordview = EOfficeResetMyPasswordView
    userinfoeditview = EOfficeUserInfoEditView
    userstatschartview = EOfficeUserStatsChartView
    groupmodelview = EOfficeSecurityGroupView
    rolemodelview = RoleModelView
    permissionmodelview = PermissionModelView
    viewmenumodelview = ViewMenuModelView
    permissionviewmodelview = PermissionViewModelView

    def register_views(self):
        """FAB's screens and login API; of FAB's security API (FAB_ADD_SECURITY_API is off),
        the parts the e-office offers (app/views/security_api.py)."""
        super().register_views()
        from app.views.security_api import SECURITY_APIS

        for api in SECURITY_APIS:
            self.appbuilder.add_api(api)

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        from app.views.errors import install_jwt_answers

        install_jwt_answers(jwt_manager)

        # A token remembers the stamp it was issued with, as a session does.
        @jwt_manager.additional_claims_loader
        def _stamp_claim(identity):
            user = self.get_user_by_id(int(identity))
            return {"stamp": user.session_stamp} if user else {}

        return jwt_manager

    def load_user_jwt(self, _jwt_header, jwt_data):
        user = super().load_user_jwt(_jwt_header, jwt_data)
        if user is not None and jwt_data.get("stamp") != user.session_stamp:
            g.user = None
            return None
        return user

    # ---- login, lock-out, logout ---------------------------------------------------------

    def auth_user_db(self, username, password):
        """Both doors come here: the form (``POST /login/``) and the API's login. The throttle
        first (app/services/throttle.py: failed attempts per client address and per account
        name, shared by every worker and host): a refused attempt tests no password, touches no
        user and answers 429 (TooManyRequests); an allowed one gives its place back when the
        password was right. FAB's own limiter (AUTH_RATE_LIMITED) counted per worker: it is
        off. Checked here rather than in subclasses of FAB's two login views: both call this
        first, before anything changes, so that one place guards both doors (and any later one)
        with the very name whose password would be tested."""
        attempt = self._throttle_login(username)
        user = self._authenticate_db(username, password)
        if user is not None:
            throttle.login_succeeded(self.attempt_counter, attempt)
        return user

    @property
    def attempt_counter(self):
        """The app's counter of attempts (Redis or the app's database), built once per app."""
        counter = current_app.extensions.get(THROTTLE_EXTENSION)
        if counter is None:
            counter = current_app.extensions[THROTTLE_EXTENSION] = throttle.counter_for(
                current_app.config, db.engine)
        return counter

    def _throttle_login(self, username):
        rate = throttle.parse_rate(current_app.config["AUTH_RATE_LIMIT"])
        attempt = throttle.begin_login(self.attempt_counter, request.remote_addr, username, rate)
        if attempt.allowed:
            return attempt
        log.warning("login refused by the throttle: address %s, limited by %s",
                    attempt.address, ", ".join(attempt.limited_by))
        if attempt.audit:
            # Its own transaction: the refusal rolls the request's back.
            with Session(db.engine) as apart:
                audit.record(apart, "login_throttled", actor_id=None,
                             actor_name=(username or "")[:128],
                             detail={"address": attempt.address,
                                     "username": (username or "")[:128],
                                     "limited_by": list(attempt.limited_by),
                                     "limit": str(rate), "retry_after": attempt.retry_after})
                apart.commit()
        raise TooManyRequests(attempt.message(), retry_after=attempt.retry_after)

    def _authenticate_db(self, username, password):
        user = self.find_user(username=username) if username else None
        now = thai.utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            # Locked: do not even test the password (that would let a guesser go on).
            audit.record(self.session, "login_locked", target=user,
                         detail={"username": username}, actor_id=None, actor_name=username)
            self.session.commit()
            local = to_bangkok(user.locked_until)
            flash(f"บัญชีนี้ถูกล็อกชั่วคราวเนื่องจากใส่รหัสผ่านผิดหลายครั้ง "
                  f"กรุณาลองใหม่หลังเวลา {local:%H:%M} น.", "danger")
            return None
        result = super().auth_user_db(username, password)
        if result is None and (user is None or not user.is_active):
            # FAB reports failures of known, active users only (on_user_login_failed).
            detail = {"username": username, "suspended": user is not None}
            audit.record(self.session, "login_failed", target=user, detail=detail,
                         actor_id=None, actor_name=(username or "")[:128])
            self.session.commit()
        return result

    def on_user_login(self, user):
        user.lockout_count = 0
        user.locked_until = None
        audit.record(self.session, "login", target=user, actor_id=user.id,
                     actor_name=user.username)
        self.session.commit()
        session.permanent = True
        session[STAMP_KEY] = user.session_stamp
        session[SEEN_KEY] = thai.utcnow().timestamp()

    def on_user_login_failed(self, user):
        cfg = current_app.config
        detail = {"username": user.username, "failures": user.fail_login_count}
        audit.record(self.session, "login_failed", target=user, detail=detail,
                     actor_id=None, actor_name=user.username)
        if (user.fail_login_count or 0) >= cfg["LOCKOUT_THRESHOLD"]:
            # Each lock-out doubles the wait: 1, 2, 4, ... minutes, up to a day.
            user.lockout_count = (user.lockout_count or 0) + 1
            seconds = min(cfg["LOCKOUT_BASE_SECONDS"] * 2 ** (user.lockout_count - 1),
                          cfg["LOCKOUT_MAX_SECONDS"])
            user.locked_until = thai.utcnow() + dt.timedelta(seconds=seconds)
            user.fail_login_count = 0
            audit.record(self.session, "lockout", target=user,
                         detail={"seconds": seconds, "lockouts": user.lockout_count},
                         actor_id=None, actor_name=user.username)
        self.session.commit()

    def on_user_logout(self, user):
        audit.record(self.session, "logout", target=user, actor_id=user.id,
                     actor_name=user.username)
        self.session.commit()
        session.pop(STAMP_KEY, None)
        session.pop(SEEN_KEY, None)

    # ---- passwords ----------------------------------------------------------------------

    def reset_password(self, userid, password):
        """Set a password. Set by someone else, it must be changed at next login; either way
        every other session and token of the user ends."""
        user = self.get_user_by_id(int(userid))
        user.password = generate_password_hash(
            password=password,
            method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
        )
        own = getattr(g, "user", None) is not None and g.user.id == user.id
        user.must_change_password = not own
        user.session_stamp = new_session_stamp()
        user.locked_until = None
        user.fail_login_count = 0
        self.update_user(user)
        if own:
            session[STAMP_KEY] = user.session_stamp  # this session stays; the others end

    # ---- sessions -----------------------------------------------------------------------

    def enforce_session(self):
        """Before each request: end revoked or idle sessions; send first logins to the
        password form."""
        if not current_user.is_authenticated:
            return None
        user = current_user._get_current_object()
        now = thai.utcnow().timestamp()
        idle = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        seen = session.get(SEEN_KEY)
        reason = None
        if session.get(STAMP_KEY) != user.session_stamp:
            reason = "การเข้าสู่ระบบนี้ถูกยกเลิกแล้ว กรุณาเข้าสู่ระบบใหม่"
        elif seen is None or now - seen > idle:
            reason = "หมดเวลาการใช้งานเนื่องจากไม่มีการใช้งานนานเกินกำหนด กรุณาเข้าสู่ระบบใหม่"
        if reason:
            logout_user()
            session.pop(STAMP_KEY, None)
            session.pop(SEEN_KEY, None)
            g.user = None
            if request.path.startswith("/api/"):
                return None  # the API answers 401 on its own
            flash(reason, "warning")
            return redirect(url_for("AuthDBView.login", next=request.full_path))
        if request.endpoint not in BACKGROUND_ENDPOINTS:
            session[SEEN_KEY] = now
        if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ALLOWED:
            if request.path.startswith("/api/"):
                return None
            flash("กรุณาเปลี่ยนรหัสผ่านที่ได้รับก่อนเริ่มใช้งาน", "warning")
            return redirect(url_for("EOfficeResetMyPasswordView.this_form_get"))
        return None

    # ---- permissions, read once per request -----------------------------------------------

    def _has_view_access(self, user, permission_name, view_name):
        """FAB asks the database once per check, and one page makes twenty of them (the menu,
        the buttons, the route itself). Here a user's permissions are read in one query the
        first time a request asks, and kept for the rest of that request only (in ``g``): a
        change of role counts from the next request, and no worker keeps anything."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        cache = g.setdefault("_eoffice_permissions", {})
        key = getattr(user, "id", None)
        permissions = cache.get(key)
        if permissions is None:
            roles = self.get_user_roles(user)
            if any(r.name in self.builtin_roles for r in roles):
                permissions = cache[key] = False  # FAB's own rules (patterns) decide
            else:
                permissions = cache[key] = self._permissions_of_roles(
                    tuple(sorted(r.id for r in roles)))
        if permissions is False:
            return super()._has_view_access(user, permission_name, view_name)
        return (permission_name, view_name) in permissions

    def _permissions_of_roles(self, role_ids):
        if not role_ids:
            return frozenset()
        return frozenset(tuple(row) for row in self.session.execute(
            _PERMISSIONS_OF_ROLES, {"role_ids": list(role_ids)}))

    # ---- roles as data ------------------------------------------------------------------

    def sync_roles(self):
        """Write LEVELS into FAB: the roles, every permission of every screen and menu, and
        each level's defaults where they were never applied (app/services/roles.py): what an
        administrator granted or revoked since stays. Idempotent; run by `flask eoffice
        sync-roles` (and `setup`) after migrations."""
        for name in [lv.role for lv in LEVELS + EXTRA_ROLES] + [self.auth_role_public]:
            if not self.find_role(name):
                self.add_role(name)
        self._known = self._known_rows()
        try:
            self.appbuilder.add_permissions(update_perms=True)
        finally:
            self._known = None
        roles_service.apply_defaults(self.session)
        self.session.commit()

    # FAB looks up and commits each permission, view and pair it adds: a thousand queries and
    # hundreds of commits at every sync. Ours read them all once (`_known`, only while
    # sync_roles runs) and only flush; sync_roles commits them at once: all or nothing.
    _known = None

    def _known_rows(self):
        pairs = self.session.query(self.permissionview_model).options(
            joinedload(self.permissionview_model.permission),
            joinedload(self.permissionview_model.view_menu)).all()
        known = {("pair", pv.permission.name, pv.view_menu.name): pv
                 for pv in pairs if pv.permission and pv.view_menu}
        known.update((("permission", p.name), p)
                     for p in self.session.query(self.permission_model))
        known.update((("view", v.name), v) for v in self.session.query(self.viewmenu_model))
        return known

    def _find_or_add(self, key, find, make):
        if self._known is None:
            return find() or self._flushed(make())
        if key not in self._known:
            self._known[key] = self._flushed(make())
        return self._known[key]

    def add_permission(self, name):
        return self._find_or_add(("permission", name), lambda: self.find_permission(name),
                                 lambda: self.permission_model(name=name))

    def add_view_menu(self, name):
        return self._find_or_add(("view", name), lambda: self.find_view_menu(name),
                                 lambda: self.viewmenu_model(name=name))

    def add_permission_view_menu(self, permission_name, view_menu_name):
        if not (permission_name and view_menu_name):
            return None
        return self._find_or_add(
            ("pair", permission_name, view_menu_name),
            lambda: self.find_permission_view_menu(permission_name, view_menu_name),
            lambda: self.permissionview_model(permission=self.add_permission(permission_name),
                                              view_menu=self.add_view_menu(view_menu_name)))

    def _flushed(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    def add_permissions_view(self, base_permissions, view_menu):
        """FAB's, but it gives no role anything: FAB grants the administrators' role every
        permission at every sync, which would undo an administrator's revocation; the roles
        get the levels' defaults from ``sync_roles``, once. A permission a view no longer
        declares is taken from the roles that hold it and deleted (FAB's own leaves it in
        place whenever a role holds it)."""
        view_menu_db = self.add_view_menu(view_menu)
        existing = self.find_permissions_view_menu(view_menu_db)
        declared = {pv.permission.name for pv in existing if pv.permission is not None}
        for permission in base_permissions:
            if permission not in declared:
                self.add_permission_view_menu(permission, view_menu)
        for pv in existing:
            if pv.permission is None or pv.permission.name in base_permissions:
                continue
            for role in list(pv.role):
                role.permissions.remove(pv)
            self.session.flush()
            if self._known is not None:
                self._known.pop(("pair", pv.permission.name, view_menu), None)
            self.del_permission_view_menu(pv.permission.name, view_menu)

    def add_permissions_menu(self, view_menu_name):
        """FAB's, without giving the menu to the administrators' role (see above)."""
        self.add_permission_view_menu("menu_access", view_menu_name)

    def role_for_level(self, number):
        return self.find_role(LEVEL_BY_NUMBER[number].role)
