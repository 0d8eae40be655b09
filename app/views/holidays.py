"""วันหยุดราชการ: the administrator's calendar of official holidays (app/services/holidays.py), with
the year's fixed-date holidays loaded at one click."""

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app import thai
from app.extensions import db
from app.fields import PlainSelect, ThaiDateField
from app.models.holidays import HOLIDAY_KINDS, Holiday
from app.services import holidays
from app.views.base import EOfficeModelView
from app.views.errors import attempt
from app.views.filters import ThaiSQLAInterface
from app.views.forms import KeepsTypedForm
from app.views.labels import choices


class HolidayView(KeepsTypedForm, EOfficeModelView):
    route_base = "/holidays"
    datamodel = ThaiSQLAInterface(Holiday)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_load"]
    list_title = show_title = _l("วันหยุดราชการ")
    add_title = _l("เพิ่มวันหยุด")
    edit_title = _l("แก้ไขวันหยุด")
    list_template = "holidays/list.html"
    label_columns = {"day": _l("วันที่"), "name": _l("ชื่อวันหยุด"), "kind": _l("ประเภท")}
    list_columns = ["day", "name", "kind"]
    show_columns = add_columns = edit_columns = ["day", "name", "kind"]
    search_columns = ["name", "kind"]
    order_columns = ["day"]
    base_order = ("day", "desc")
    formatters_columns = {"day": lambda d: thai.format_date(d, full_month=True),
                          "kind": lambda k: HOLIDAY_KINDS.get(k, k)}
    add_form_extra_fields = edit_form_extra_fields = {
        "day": ThaiDateField(_l("วันที่")),
        "kind": SelectField(_l("ประเภท"), choices=choices(HOLIDAY_KINDS.items()),
                            widget=PlainSelect()),
    }

    def check_add(self, actor, item):
        holidays.check_change(actor, item, session=self.datamodel.session)

    def check_edit(self, actor, item):
        holidays.check_change(actor, item, session=self.datamodel.session)

    def check_delete(self, actor, item):
        holidays.check_delete(actor, item)

    def render_template(self, template, **kwargs):
        year = thai.today().year + 543
        kwargs.setdefault("years", (year, year + 1))
        return super().render_template(template, **kwargs)

    @expose("/load", methods=["POST"])
    @has_access
    def load(self):
        """The fixed-date national holidays of a Buddhist-Era year, those not there yet."""
        year = request.form.get("year")
        done = attempt(holidays.load_fixed, db.session, g.user, year)
        if done:
            flash(f"เพิ่มวันหยุดราชการประจำปี {year} แล้ว {done.value} วัน "
                  "(วันหยุดทางพุทธศาสนาและวันหยุดชดเชยให้เพิ่มตามประกาศคณะรัฐมนตรี)", "success")
        return redirect(url_for("HolidayView.list"))
