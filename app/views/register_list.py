"""How a register's list reads: only the entries the user may see of that one register, a
search that never finds a secret letter by its content for someone not party to it, that
content masked in the list and the detail, speed, secrecy and status searched by equality, and
a count that stops at LIST_COUNT_CAP."""

from flask import current_app, g
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.widgets import ListWidget
from sqlalchemy import func, select

from app.access import entry_scope, is_party, masked, party_condition
from app.models import RegisterEntry
from app.models.correspondence import SECRET_CONTENT
from app.services import entry_search
from app.services.dispatch import travel_texts, with_travel
from app.views.filters import ThaiFilterConverter, ThaiSQLAInterface


class RegisterListWidget(ListWidget):
    """FAB's list widget with a leaner template (registers/list_widget.html): a register page
    is rendered on every visit of every clerk, so the per-row work is kept to the cells."""

    template = "registers/list_widget.html"

    def __init__(self, **kwargs):
        formatters = kwargs.get("formatters_columns") or {}
        kwargs["cells"] = [(c, formatters.get(c)) for c in kwargs.get("include_columns", [])]
        kwargs["count_cap"] = current_app.config["LIST_COUNT_CAP"]
        super().__init__(**kwargs)


class RegisterScopeFilter(BaseFilter):
    """Base filter: the entries of one register (the value) that the current user may see."""

    name = "register scope"
    arg_name = "register_scope"

    def apply(self, query, value):
        return query.filter(entry_scope(g.user, value))


class RegisterFilterConverter(ThaiFilterConverter):
    """Speed, secrecy and status are chosen from a list: they are searched by equality, which
    their indexes answer, never by "contains" (which reads every row of the register)."""

    CHOICE_COLUMNS = ("speed", "secrecy", "status")

    def convert(self, col_name):
        if col_name in self.CHOICE_COLUMNS:
            return [FilterEqual(col_name, self.datamodel), FilterNotEqual(col_name, self.datamodel)]
        return super().convert(col_name)


class RegisterInterface(ThaiSQLAInterface):
    """FAB's interface for the registers, with these changes:

    - a search on a letter's content never matches a secret letter the user is not party to (it
      would tell them what it is about), and that content is masked in lists and details;
    - the count under a list stops at LIST_COUNT_CAP: an exact count of millions of rows costs
      more than the page it sits under;
    - speed, secrecy and status are searched by equality (RegisterFilterConverter).
    """

    filter_converter_class = RegisterFilterConverter

    def apply_filters(self, query, filters):
        query = super().apply_filters(query, filters)
        code, criteria = g.get("entry_search") or (None, None)
        if criteria:
            query = query.filter(*entry_search.conditions(g.user, code, criteria))
        if filters and any(getattr(f, "column_name", None) in SECRET_CONTENT
                           for f in filters.filters):
            query = query.filter(party_condition(g.user))
        return query

    def query_count(self, query, filters=None, select_columns=None):
        cap = current_app.config["LIST_COUNT_CAP"]
        inner = self._apply_inner_all(query, filters, select_columns=select_columns,
                                      aliases_mapping={})
        limited = inner.order_by(None).with_entities(RegisterEntry.id).limit(cap + 1).subquery()
        return self.session.execute(select(func.count()).select_from(limited)).scalar_one()

    def _mask(self, item, column, value):
        if column in SECRET_CONTENT and value and not is_party(item, g.user):
            return masked(item, g.user, column)
        return value

    def get_values_item(self, item, show_columns):
        return [self._mask(item, c, v)
                for c, v in zip(show_columns, super().get_values_item(item, show_columns))]

    def get_values(self, lst, list_columns):
        """The list's cells; การปฏิบัติ (``action``) with what the system knows of the letter's
        travels, read for the whole page at once."""
        travels = travel_texts(self.session, [i.id for i in lst]) if "action" in list_columns \
            else {}
        for item in lst:
            values = {c: self._mask(item, c, self._get_attr_value(item, c)) for c in list_columns}
            if "action" in values:
                values["action"] = with_travel(values["action"], travels.get(item.id))
            yield values
