"""The number series (ชุดเลขทะเบียน): the administrator's list of every register's series, and
the one change allowed to a series, its year basis, before its first number."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.fields import PlainSelect
from app.models import NumberSeries
from app.registers import REGISTERS
from app.services import contracts, numbering
from app.services.org import committed
from app.views.base import EOfficeModelView
from app.views.filters import ThaiSQLAInterface
from app.views.labels import choices


YEAR_BASES = {"calendar": "ปีปฏิทิน (เริ่ม 1 มกราคม)", "fiscal": "ปีงบประมาณ (เริ่ม 1 ตุลาคม)"}


def register_label(code):
    """The name of the register (of letters or of contracts) whose code ``code`` is."""
    spec = REGISTERS.get(code) or contracts.REGISTERS.get(code)
    return str(spec.label) if spec else code


class NumberSeriesView(EOfficeModelView):
    """The administrator's list of number series; a series' year basis may change only before
    its first number."""

    datamodel = ThaiSQLAInterface(NumberSeries)
    base_permissions = ["can_list", "can_show", "can_edit"]
    list_title = _l("ชุดเลขทะเบียน")
    show_title = _l("ชุดเลขทะเบียน")
    edit_title = _l("แก้ไขรอบปีของชุดเลข")
    label_columns = {"kind": _l("ทะเบียน"), "owner_name": _l("เจ้าของชุดเลข"),
                     "secret": _l("ชุดเลขหนังสือลับ"), "year_basis": _l("รอบปี"),
                     "key": _l("รหัสชุดเลข")}
    list_columns = ["kind", "owner_name", "secret", "year_basis"]
    show_columns = ["key", "kind", "owner_name", "secret", "year_basis"]
    edit_columns = ["year_basis"]
    search_columns = ["kind", "secret"]
    formatters_columns = {"kind": register_label,
                          "year_basis": lambda v: YEAR_BASES.get(v, v)}
    edit_form_extra_fields = {
        "year_basis": SelectField(_l("รอบปี"), choices=choices(YEAR_BASES),
                                  widget=PlainSelect()),
    }

    def check_edit(self, actor, item):
        numbering.check_year_basis_change(
            self.datamodel.session, item, item.year_basis, committed(item, "year_basis"))
