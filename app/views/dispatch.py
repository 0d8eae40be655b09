"""New incoming (หนังสือเข้าใหม่, manual 7.4): the deliveries waiting for the user's decision,
each opened with its files before it is accepted (ลงรับ) or returned (ส่งคืน). Every rule is in
app/services/dispatch.py; a delivery is found only among those addressed to the user."""

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from app import thai
from app.extensions import db
from app.models.dispatch import DELIVERY_STATUSES, Delivery
from app.registers import REGISTERS
from app.services import dispatch as dispatching
from app.services import paging
from app.services.correspondence import SPEEDS
from app.services.exports import xlsx_bytes
from app.views.base import page_arg
from app.views.correspondence import attachment_response
from app.views.errors import attempt, searched
from app.views.files import XLSX_MIME, thai_file_name
from app.views.labels import secrecy_badge, speed_badge


class InboxView(BaseView):
    route_base = "/inbox"
    default_view = "list"
    base_permissions = ["can_list", "can_open", "can_accept", "can_return", "can_file",
                        "can_received"]
    menu_label = _l("หนังสือเข้าใหม่")

    def _delivery_or_404(self, pk):
        try:
            delivery = db.session.get(Delivery, int(pk))
        except (TypeError, ValueError):
            abort(404)
        if delivery is None or not dispatching.is_recipient(delivery, g.user):
            abort(404)  # another's delivery does not exist, as far as this user knows
        return delivery

    def _page(self, template, **kwargs):
        return self.render_template(
            template, speed_badge=speed_badge, secrecy_badge=secrecy_badge,
            format_datetime=thai.format_datetime, format_date=thai.format_date,
            statuses=DELIVERY_STATUSES, **kwargs)

    @expose("/")
    @has_access
    def list(self):
        search = self._search()
        found = dispatching.inbox(db.session, g.user, page=page_arg(), search=search)
        return self._page("dispatch/inbox.html", **found.shown("deliveries"),
                          title=self.menu_label, **self._search_bar(search, "InboxView.list"))

    @staticmethod
    def _search():
        """The list's search: text, speed, dates."""
        return searched("q", "speed", "date_from", "date_to")

    @staticmethod
    def _search_bar(search, endpoint):
        return dict(search=search, speeds=SPEEDS, search_url=url_for(endpoint), search_dates=True,
                    search_hint=_l("เรื่อง หรือเลขที่หนังสือ (ที่)"))

    @expose("/open/<pk>", methods=["GET", "POST"])
    @has_access
    def open(self, pk):
        """The letter with its files, to decide on. Opening it from the inbox (its เปิด button,
        a POST) tells the sender it was opened (เปิดอ่าน), once; a GET only shows it."""
        delivery = self._delivery_or_404(pk)
        if request.method == "POST":
            dispatching.open_delivery(db.session, g.user, delivery)
            return redirect(url_for("InboxView.open", pk=delivery.id))
        events = dispatching.timeline(db.session, g.user, delivery.letter_id)
        return self._page("dispatch/delivery.html", delivery=delivery, entry=delivery.entry,
                          events=events, title=self.menu_label)

    @expose("/accept/<pk>", methods=["POST"])
    @has_access
    def accept(self, pk):
        delivery = self._delivery_or_404(pk)
        done = attempt(dispatching.accept, db.session, g.user, delivery)
        if not done:
            return redirect(url_for("InboxView.open", pk=delivery.id))
        entry = done.value
        if entry is None:
            flash("รับทราบหนังสือแล้ว", "success")
            return redirect(url_for("InboxView.list"))
        flash(f"ลงรับแล้ว เลขรับ {entry.number_text()}", "success")
        return redirect(url_for(f"{REGISTERS[entry.register].view}.show", pk=entry.id))

    @expose("/return/<pk>", methods=["POST"])
    @has_access
    @permission_name("return")
    def return_(self, pk):
        delivery = self._delivery_or_404(pk)
        if not attempt(dispatching.return_delivery, db.session, g.user, delivery,
                       request.form.get("reason")):
            return redirect(url_for("InboxView.open", pk=delivery.id))
        flash("ส่งคืนหนังสือแล้ว", "success")
        return redirect(url_for("InboxView.list"))

    @expose("/file/<pk>/<int:attachment_id>")
    @has_access
    def file(self, pk, attachment_id):
        delivery = self._delivery_or_404(pk)
        return attachment_response(delivery.entry, attachment_id, party=True)

    @expose("/received")
    @has_access
    def received(self):
        """ทะเบียนหนังสือรับทางระบบ (manual 7.5): what this agency or group accepted, and what the
        user acknowledged in person."""
        search = self._search()
        found = paging.page_of(db.session,
                               dispatching.received_register(db.session, g.user, search),
                               page_arg(), dispatching.RECEIVED_PAGE_SIZE, scalars=False)
        rows = [(d, dispatching.received_row(d, source, here),
                 REGISTERS[here.register].view if here is not None else None)
                for d, source, here in found.rows]
        return self._page("dispatch/received.html", **found.shown("found"), rows=rows,
                          headers=dispatching.RECEIVED_COLUMNS,
                          title=_l("ทะเบียนหนังสือรับทางระบบ"),
                          search_args={k: request.args[k] for k in search},
                          **self._search_bar(search, "InboxView.received"))

    @expose("/received.xlsx")
    @has_access
    @permission_name("received")
    def received_xlsx(self):
        """The register as it is searched, to Excel."""
        from app.services import audit

        statement = dispatching.received_register(db.session, g.user, self._search())
        rows = (dispatching.received_row(*r)
                for r in db.session.execute(statement.execution_options(yield_per=500)))
        data = xlsx_bytes("ทะเบียนหนังสือรับทางระบบ", list(dispatching.RECEIVED_COLUMNS), rows,
                          widths=[10, 20, 28, 24, 20, 14, 50, 22])
        audit.record(db.session, "export", detail={"what": "received_from_province",
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=thai_file_name("ทะเบียนหนังสือรับทางระบบ", "xlsx"))
