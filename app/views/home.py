"""The home page: who the user is, and for a clerk who keeps the contract registers, the
contracts ending or with a guarantee to return within 30 days (or overdue)."""

import datetime as dt

from flask import g
from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.thai import BANGKOK


class HomeView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        from app.services import contracts

        self.update_redirect()
        today = dt.datetime.now(BANGKOK).date()
        due = []
        user = g.user
        if contracts.keeps_contracts(user) and self.appbuilder.sm.has_access(
                "can_show", "HireContractView"):
            endpoints = {"hire": "HireContractView", "purchase": "PurchaseContractView",
                         "bid": "BidDocumentView"}
            due = [(c, contracts.REGISTERS[c.register].label, endpoints[c.register],
                    contracts.flags(c, today))
                   for c in contracts.due_soon(db.session, user, today)]
        return self.render_template(self.index_template, appbuilder=self.appbuilder, today=today,
                                    due=due, due_days=contracts.DUE_DAYS)
