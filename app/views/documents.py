"""Sending documents (ระบบส่งเอกสาร, manual 8.1): new documents, received documents, the send
history and the two send forms. Every rule is in app/services/documents.py; a document is found
only among those the user sent or that are for them (404 otherwise)."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from app import thai
from app.extensions import db
from app.models.documents import EXTERNAL, INTERNAL, SCOPES
from app.services import documents as docs
from app.views.base import page_arg
from app.views.errors import attempt, searched
from app.views.files import serve_file, uploads_from


class DocumentView(BaseView):
    route_base = "/documents"
    default_view = "list"
    base_permissions = ["can_list", "can_send", "can_show", "can_receive", "can_file"]
    menu_label = _l("เอกสารใหม่")

    def _render(self, template, **kwargs):
        return self.render_template(
            template, format_datetime=thai.format_datetime, scopes=SCOPES, **kwargs)

    def _document_or_404(self, pk):
        document = docs.document_for(db.session, g.user, pk)
        if document is None:
            abort(404)  # another's document does not exist, as far as this user knows
        return document

    def _inbox(self, received, title):
        search = searched("q", "date_from", "date_to")
        found = docs.inbox(db.session, g.user, received=received, page=page_arg(), search=search)
        url = url_for("DocumentView.received" if received else "DocumentView.list")
        return self._render("documents/inbox.html", **found.shown(), received=received,
                            title=title, search=search, search_url=url, speeds=None, search_dates=True,
                            search_hint=_l("เรื่อง หรือข้อความถึงผู้รับ"))

    @expose("/")
    @has_access
    def list(self):
        return self._inbox(False, _l("เอกสารใหม่"))

    @expose("/received")
    @has_access
    @permission_name("list")
    def received(self):
        return self._inbox(True, _l("เอกสารรับแล้ว"))

    @expose("/sent")
    @has_access
    @permission_name("list")
    def sent(self):
        found = docs.history(db.session, g.user, page=page_arg())
        return self._render("documents/history.html", **found.shown("documents"),
                            title=_l("ประวัติการส่ง"))

    def _send(self, scope):
        form = request.form
        if request.method == "POST":
            done = attempt(
                docs.send, db.session, g.user, scope, form.get("subject"), form.get("note"),
                uploads_from("files"), agency_ids=form.getlist("agencies"),
                group_ids=form.getlist("groups"), user_ids=form.getlist("people"))
            if done:
                document = done.value
                flash(f"ส่งเอกสารแล้ว ถึง {len(document.recipients)} ราย", "success")
                return redirect(url_for("DocumentView.show", pk=document.id))
        choices = docs.recipient_choices(db.session, g.user, scope)
        chosen = {name: set(form.getlist(name)) for name in ("agencies", "groups", "people")}
        return self._render("documents/send.html", scope=scope, choices=choices, chosen=chosen,
                            form=form, title=SCOPES[scope])

    @expose("/send/internal", methods=["GET", "POST"])
    @has_access
    @permission_name("send")
    def send_internal(self):
        return self._send(INTERNAL)

    @expose("/send/external", methods=["GET", "POST"])
    @has_access
    @permission_name("send")
    def send_external(self):
        return self._send(EXTERNAL)

    @expose("/open/<pk>", methods=["POST"])
    @has_access
    @permission_name("show")
    def open(self, pk):
        """Opening a new document from its list (its เปิด button) tells the sender it was opened
        (once); then it is shown. Showing it alone (a GET) changes nothing."""
        document = self._document_or_404(pk)
        docs.open_document(db.session, g.user, document)
        return redirect(url_for("DocumentView.show", pk=document.id))

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        document = self._document_or_404(pk)
        mine = docs.my_rows(db.session, g.user, document)
        return self._render("documents/show.html", document=document, mine=mine,
                            pending=any(r.received_at is None for r in mine),
                            is_sender=document.sender_id == g.user.id, title=document.subject)

    @expose("/receive/<pk>", methods=["POST"])
    @has_access
    def receive(self, pk):
        document = self._document_or_404(pk)
        if not attempt(docs.receive, db.session, g.user, document):
            return redirect(url_for("DocumentView.show", pk=document.id))
        flash("ลงรับเอกสารแล้ว", "success")
        return redirect(url_for("DocumentView.received"))

    @expose("/file/<pk>/<file_id>")
    @has_access
    def file(self, pk, file_id):
        document = self._document_or_404(pk)
        return serve_file(lambda disposition: docs.open_file(
            db.session, g.user, document, file_id, disposition))
