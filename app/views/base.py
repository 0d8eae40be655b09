"""What every model view and API of the project shares: service checks and Thai errors.

FAB calls ``pre_add``/``pre_update``/``pre_delete`` after it has copied the form into the object;
a check that refuses must roll that back, or a later commit in the same request could write it.
FAB flashes ``str(exception)``: our domain errors carry a Thai message.
"""

from flask import abort, g
from flask_babel import gettext
from flask_appbuilder import ModelView
from flask_appbuilder.api import ModelRestApi
from sqlalchemy import Integer

from app.services import paging
from app.services.errors import DomainError, ValidationFailed
from app.views.inputs import INT_MAX, INT_MIN


def _rollback(datamodel):
    datamodel.session.rollback()


def _within_columns(item, labels):
    """Refuse a number a form put into an integer column that the column cannot hold (the
    database's refusal would reach the user as its own English, SQL included)."""
    table = getattr(type(item), "__table__", None)
    for column in table.columns if table is not None else ():
        value = getattr(item, column.key, None)
        if isinstance(value, int) and not isinstance(value, bool) \
                and isinstance(column.type, Integer) and not INT_MIN <= value <= INT_MAX:
            label = labels.get(column.key, column.key)
            raise ValidationFailed(f"{label}: ตัวเลขเกินช่วงที่รับได้", field=column.key)


class ServiceChecks:
    """Route the three write hooks to ``check_add``/``check_edit``/``check_delete``."""

    def check_add(self, actor, item):
        pass

    def check_edit(self, actor, item):
        pass

    def check_delete(self, actor, item):
        pass

    def _guard(self, check, item):
        try:
            _within_columns(item, self.label_columns)
            check(g.user, item)
        except DomainError:
            _rollback(self.datamodel)
            raise

    def pre_add(self, item):
        self._guard(self.check_add, item)

    def pre_update(self, item):
        self._guard(self.check_edit, item)

    def pre_delete(self, item):
        self._guard(self.check_delete, item)



def page_arg():
    """The page a list is asked for (``?page=``, from 1 to MAX_PAGE); anything else is the
    first."""
    from flask import request

    return paging.clamp(request.args.get("page"))


def to_int(value, default=None):
    """A number from a request (``?room=3``) that an id column can hold, or ``default`` for
    anything else (a word, or a number no row can have)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if INT_MIN <= number <= INT_MAX else default


def parse_day(text, default):
    """A Thai date typed or in a link (18/03/2561), or ``default`` when empty or invalid."""
    from app import thai

    try:
        return thai.parse_date(text) or default
    except thai.ThaiDateError:
        return default


def parse_time(text):
    """A time of day typed as 09:00 or 9.00 (app/thai.py); None when it is not one."""
    from app import thai

    try:
        return thai.parse_time(text)
    except thai.ThaiDateError:
        return None


def same_secret(a, b):
    """Whether a token given equals the expected one, compared in constant time."""
    import hmac

    return hmac.compare_digest(str(a), str(b))


def display(value):
    """A value as a clerk reads it: nothing for None, ใช่/ไม่ใช่ for booleans, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("ใช่") if value else gettext("ไม่ใช่")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return value


class ThaiDisplay:
    """Every listed or shown column goes through ``display`` unless the view formats it itself
    (FAB prints Python's None, False and [...] as they are)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        for _title, fieldset in getattr(self, "show_fieldsets", None) or []:
            columns |= set(fieldset.get("fields", []))
        self.formatters_columns = {**{c: display for c in columns}, **(self.formatters_columns or {})}


class EOfficeModelView(ThaiDisplay, ServiceChecks, ModelView):
    page_size = 25

    # No view of ours declares FAB "actions"; FAB's action routes look the action up before any
    # permission check and crash (500) on a name that is not there. Redefined without @expose,
    # they are not routes at all: a request for them is a plain 404.
    def action(self, name, pk):
        abort(404)

    def action_post(self):
        abort(404)


class AnsweredRefusals:
    """For FAB's model APIs: a domain error raised by a write hook (``pre_add``...) is answered
    with its status and Thai message (``app.views.errors.answer``), not logged as a crash by
    FAB's ``@safe``."""

    def _answer_domain_error(self, func, *args):
        try:
            return func(*args)
        except DomainError as e:
            from app.views.errors import answer

            return answer(e)

    def post_headless(self):
        return self._answer_domain_error(super().post_headless)

    def put_headless(self, pk):
        return self._answer_domain_error(super().put_headless, pk)

    def delete_headless(self, pk):
        return self._answer_domain_error(super().delete_headless, pk)


class EOfficeModelRestApi(AnsweredRefusals, ServiceChecks, ModelRestApi):
    """A REST API whose domain refusals answer 403/422 with the Thai message, not 500."""

    allow_browser_login = True


def close_fab_routes(app):
    """FAB routes every model view's ``download/<filename>`` (any file of UPLOAD_FOLDER, which
    the e-office does not use: a KeyError, and a way round the checks of our own file routes)
    and ``action``/``action_post`` (a name not declared is looked up before any permission
    check). Here, once every view is registered: a download is a 404 everywhere; an action is
    a 404 unless the view declares that very action."""
    from flask import request

    for rule in list(app.url_map.iter_rules()):
        name = rule.endpoint.rpartition(".")[2]
        if name not in ("download", "action", "action_post"):
            continue
        original = app.view_functions[rule.endpoint]
        view = getattr(original, "__self__", None)
        declared = set(getattr(view, "actions", None) or {})
        app.view_functions[rule.endpoint] = _guarded(original, name, declared, request)


def _guarded(original, name, declared, request):
    import functools

    @functools.wraps(original)
    def route(*args, **kwargs):
        if name == "download":
            abort(404)
        wanted = kwargs.get("name") if name == "action" else request.form.get("action")
        if wanted not in declared:
            abort(404)
        return original(*args, **kwargs)

    return route
