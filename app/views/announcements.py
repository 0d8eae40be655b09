"""Announcement screens (ระบบลงประกาศข่าวสาร, manual 9): the announcements published for the
user, the agency's own (ประกาศของหน่วยงาน), posting, editing and withdrawing one, and, without
logging in, a public one and its files (linked from the login page). Every rule is in
app/services/announcements.py; an announcement the user may not read does not exist (404)."""

import logging

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app import thai
from app.extensions import db
from app.services import announcements as svc
from app.services import richtext
from app.views.base import page_arg
from app.views.errors import attempt
from app.views.files import serve_file, uploads_from

log = logging.getLogger(__name__)


def install(app):
    """The login page's ``public_announcements()``: the public announcements published now.
    The login page must open whatever happens here, so a database error gives none."""

    def public_announcements(limit=5):
        try:
            return svc.public_announcements(db.session, limit=limit)
        except SQLAlchemyError:
            log.exception("public announcements for the login page")
            db.session.rollback()
            return []

    app.jinja_env.globals["public_announcements"] = public_announcements


def _form_data(form):
    """What the service needs from the posted form; a bad date or time is a Thai refusal."""
    return {
        "title": form.get("title"),
        "body": form.get("body"),
        "body_format": form.get("body_format") or "auto",
        "publish_from": svc.parse_moment(form.get("from_day"), form.get("from_time"),
                                         "วันเริ่มประกาศ"),
        "publish_until": svc.parse_moment(form.get("until_day"), form.get("until_time"),
                                          "วันสิ้นสุดการประกาศ", end_of_day=True),
        "everyone": form.get("audience", "everyone") != "agencies",
        "agency_ids": form.getlist("agencies"),
        "public": bool(form.get("public")),
    }


class AnnouncementView(BaseView):
    route_base = "/announcements"
    default_view = "list"
    base_permissions = ["can_list", "can_show", "can_file", "can_add", "can_edit",
                        "can_withdraw", "can_mine"]

    def _render(self, template, **kwargs):
        sm = self.appbuilder.sm
        return self.render_template(
            template, svc=svc, now=thai.utcnow(), format_datetime=thai.format_datetime,
            can_post=sm.has_access("can_add", "AnnouncementView"),
            can_mine=sm.has_access("can_mine", "AnnouncementView"), **kwargs)

    def _readable_or_404(self, pk):
        announcement = svc.announcement_for(db.session, g.user, pk)
        if announcement is None:
            abort(404)  # another audience's announcement does not exist for this user
        return announcement

    def _kept_or_404(self, pk):
        announcement = self._readable_or_404(pk)
        if not svc.keeps(g.user, announcement):
            abort(404)
        return announcement

    @expose("/")
    @has_access
    def list(self):
        q = (request.args.get("q") or "").strip()
        found = svc.published(db.session, g.user, q=q, page=page_arg())
        return self._render("announcements/list.html", **found.shown(), q=q,
                            kept_list=False, title=_l("ประกาศข่าวสาร"))

    @expose("/mine")
    @has_access
    def mine(self):
        q = (request.args.get("q") or "").strip()
        found = svc.kept(db.session, g.user, q=q, page=page_arg())
        return self._render("announcements/list.html", **found.shown(), q=q,
                            kept_list=True, title=_l("ประกาศของหน่วยงาน"))

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        announcement = self._readable_or_404(pk)
        return self._render("announcements/show.html", announcement=announcement,
                            keeps=svc.keeps(g.user, announcement), public_view=False,
                            title=announcement.title)

    def _form(self, announcement, form, title):
        values = dict(svc.form_values(announcement)) if announcement is not None else {
            "from_day": thai.format_date_input(thai.today()),
            "from_time": "", "until_day": "", "until_time": ""}
        if announcement is not None:
            values.update(title=announcement.title, body=announcement.body,
                          audience="everyone" if announcement.everyone else "agencies",
                          public=announcement.public)
            chosen = {str(a.id) for a in announcement.agencies}
        else:
            values.update(title="", body="", audience="everyone", public=False)
            chosen = set()
        if request.method == "POST":  # what was typed stays
            values.update({k: form.get(k, "") for k in
                           ("title", "from_day", "from_time", "until_day", "until_time")})
            values.update(audience=form.get("audience", "everyone"),
                          public=bool(form.get("public")))
            # The editor's HTML comes back as it would be stored, never as it was sent; text
            # typed without the editor comes back as typed.
            body = form.get("body", "")
            values["body"] = richtext.sanitise(body) if form.get("body_format") == "html" else body
            chosen = set(form.getlist("agencies"))
        return self._render(
            "announcements/form.html", announcement=announcement, values=values, chosen=chosen,
            agencies=svc.audience_choices(db.session),
            may_publicise=svc.may_publicise(g.user)
            or (announcement is not None and announcement.public),
            title=title)

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def new(self):
        if request.method == "POST":
            # The form's dates are read inside the attempt: a bad one is a refusal too.
            done = attempt(lambda: svc.post(db.session, g.user, _form_data(request.form),
                                            uploads_from("files")))
            if done:
                announcement = done.value
                flash(f"ลงประกาศ \u201c{announcement.title}\u201d แล้ว "
                      f"({svc.state_label(announcement)})", "success")
                return redirect(url_for(".show", pk=announcement.id))
        return self._form(None, request.form, _l("ลงประกาศ"))

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        announcement = self._kept_or_404(pk)
        if announcement.withdrawn_at is not None:
            flash("ประกาศนี้ถอนแล้ว จึงแก้ไขไม่ได้", "warning")
            return redirect(url_for(".show", pk=announcement.id))
        if request.method == "POST":
            if attempt(lambda: svc.edit(db.session, g.user, announcement,
                                        _form_data(request.form), uploads_from("files"),
                                        request.form.getlist("remove_files"))):
                flash(f"บันทึกการแก้ไขประกาศ \u201c{announcement.title}\u201d แล้ว", "success")
                return redirect(url_for(".show", pk=announcement.id))
        return self._form(announcement, request.form, _l("แก้ไขประกาศ"))

    @expose("/withdraw/<pk>", methods=["GET", "POST"])
    @has_access
    def withdraw(self, pk):
        announcement = self._kept_or_404(pk)
        if request.method == "GET" and announcement.withdrawn_at is not None:
            flash("ประกาศนี้ถอนไปแล้ว", "warning")
            return redirect(url_for(".show", pk=announcement.id))
        if request.method == "POST":
            if attempt(svc.withdraw, db.session, g.user, announcement):
                flash(f"ถอนประกาศ \u201c{announcement.title}\u201d แล้ว "
                      "(ยังเก็บไว้ในประกาศของหน่วยงาน)", "success")
            return redirect(url_for(".show", pk=announcement.id))
        return self._render("announcements/withdraw.html", announcement=announcement,
                            title=_l("ถอนประกาศ"))

    @expose("/file/<pk>/<file_id>")
    @has_access
    def file(self, pk, file_id):
        announcement = self._readable_or_404(pk)
        return serve_file(lambda _disposition: svc.open_file(db.session, announcement, file_id))

    # ---- without logging in: the login page's links -----------------------------------------

    @expose("/public/<pk>")
    def public(self, pk):
        announcement = svc.public_one(db.session, pk)
        if announcement is None:
            abort(404)
        return self._render("announcements/show.html", announcement=announcement, keeps=False,
                            public_view=True, title=announcement.title)

    @expose("/public/<pk>/file/<file_id>")
    def public_file(self, pk, file_id):
        announcement = svc.public_one(db.session, pk)
        if announcement is None:
            abort(404)
        return serve_file(lambda _disposition: svc.open_file(db.session, announcement, file_id))
