"""The home page (หน้าแรก): after login, what needs the user (letters and documents to accept,
files returned, the secretaries' queue, bookings to approve, contracts due), today's bookings
and the executives' public agenda, the announcements, and for the clerks a chart of the letters
registered per month. Before login, FAB's login page is where one lands (see the login template)."""

from flask import g, redirect
from flask_appbuilder import IndexView, expose

from app import thai
from app.extensions import db


class HomeView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        from app.services import agenda, announcements, contracts, home

        user = g.user
        if not getattr(user, "is_authenticated", False):
            return redirect(self.appbuilder.get_url_for_login)
        self.update_redirect()
        sm = self.appbuilder.sm
        today = thai.today()
        due = []
        if contracts.keeps_contracts(user) and sm.has_access("can_show", "HireContractView"):
            endpoints = {"hire": "HireContractView", "purchase": "PurchaseContractView",
                         "bid": "BidDocumentView"}
            due = [(c, contracts.REGISTERS[c.register].label, endpoints[c.register],
                    contracts.flags(c, today))
                   for c in contracts.due_soon(db.session, user, today)]
        chart = None
        if home.shows_chart(user):
            chart = home.chart(home.letters_per_month(db.session, user, today))
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, today=today,
            needs=home.needs(db.session, user, sm.has_access),
            due=due, due_days=contracts.DUE_DAYS,
            bookings=home.bookings_today(db.session, user, today)
            if sm.has_access("can_list", "BookingView") else [],
            appointments=agenda.today_public(db.session)
            if sm.has_access("can_day", "AgendaView") else [],
            announcements=announcements.for_home(db.session, user)
            if sm.has_access("can_list", "AnnouncementView") else [],
            chart=chart)
