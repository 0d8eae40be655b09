"""The home page."""

import datetime as dt

from flask_appbuilder import IndexView, expose

from app.thai import BANGKOK


class HomeView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        today = dt.datetime.now(BANGKOK).date()
        return self.render_template(self.index_template, appbuilder=self.appbuilder, today=today)
