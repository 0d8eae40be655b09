"""One mapping from what went wrong to what the user is answered, for screens and APIs alike.

Whatever refuses a request (a domain error of the services, an HTTP error of Flask or Werkzeug,
a CSRF refusal, a value the database cannot take) reaches ``answer``. It rolls the request's
transaction back, so that nothing of a refused request is written, and answers:

- on a screen: a Thai page inside the app's layout, with the status, what happened, a way back
  to where the user was and a way home;
- on the API (``/api/...``): JSON ``{"message": <Thai>, "field": <the field at fault, if any>}``.

A screen that goes on after a refusal (its form drawn again with what was typed, or the page it
came from) runs the service through ``attempt``: the refusal is rolled back the same way and
becomes the page's message.

FAB's APIs catch every exception themselves (``@safe``) and answer ``500 Fatal error``: see
``app/views/api.py``, which routes that ``except`` here too.
"""

import logging
from urllib.parse import urlsplit

from flask import flash, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services.errors import DomainError, TooManyRequests

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# What each status means to a clerk, when nothing more particular is known.
MESSAGES = {
    400: "คำขอไม่ถูกต้อง ระบบไม่ได้บันทึกข้อมูลใด ๆ",
    401: "กรุณาเข้าสู่ระบบก่อนใช้งาน",
    403: "คุณไม่มีสิทธิ์ใช้งานหน้านี้หรือข้อมูลนี้",
    404: "ไม่พบหน้าหรือข้อมูลที่ต้องการ อาจถูกย้าย ยกเลิก หรือคุณไม่มีสิทธิ์เห็น",
    405: "หน้านี้ไม่รับคำขอแบบ {method}",
    406: "ระบบตอบในรูปแบบที่ขอไม่ได้",
    409: "ข้อมูลซ้ำหรือขัดกับข้อมูลที่มีอยู่แล้ว ระบบไม่ได้บันทึกข้อมูลใด ๆ",
    413: "ไฟล์หรือข้อมูลที่ส่งมีขนาดใหญ่เกินกว่าที่ระบบรับได้ ระบบไม่ได้บันทึกข้อมูลใด ๆ",
    415: "ข้อมูลที่ส่งมาไม่อยู่ในรูปแบบที่รับได้ (ต้องเป็น JSON หรือแบบฟอร์ม)",
    422: "ข้อมูลไม่ถูกต้อง ระบบไม่ได้บันทึกข้อมูลใด ๆ",
    429: "มีการส่งคำขอถี่เกินไป กรุณารอสักครู่แล้วลองใหม่",
    500: "ระบบขัดข้องชั่วคราว ระบบไม่ได้บันทึกข้อมูลของคำขอนี้ "
         "กรุณาลองใหม่อีกครั้ง หากยังพบปัญหา โปรดแจ้งผู้ดูแลระบบ",
    503: "ระบบไม่พร้อมให้บริการชั่วคราว กรุณาลองใหม่ในอีกสักครู่",
}
TITLES = {
    400: "คำขอไม่ถูกต้อง",
    401: "ต้องเข้าสู่ระบบ",
    403: "ไม่มีสิทธิ์",
    404: "ไม่พบหน้าที่ต้องการ",
    405: "วิธีการเรียกไม่ถูกต้อง",
    409: "ข้อมูลขัดกัน",
    413: "ข้อมูลใหญ่เกินไป",
    415: "รูปแบบข้อมูลไม่ถูกต้อง",
    422: "ข้อมูลไม่ถูกต้อง",
    429: "ส่งคำขอถี่เกินไป",
    500: "ระบบขัดข้อง",
}
CSRF_MESSAGE = ("แบบฟอร์มหมดอายุหรือไม่ได้ส่งมาจากหน้าของระบบ ระบบจึงยังไม่ได้บันทึกข้อมูล "
                "กรุณากลับไปที่แบบฟอร์ม โหลดหน้าใหม่ แล้วส่งอีกครั้ง")


def is_api():
    """The API, or a page's script that asked for JSON (the help chat's)."""
    return request.path.startswith(API_PREFIX) \
        or request.accept_mimetypes.best == "application/json"


def describe(error):
    """(status, Thai message, field, headers) for any exception a request may end with."""
    if isinstance(error, TooManyRequests):
        return error.status, error.message, error.field, {"Retry-After": str(error.retry_after)}
    if isinstance(error, DomainError):
        return error.status, error.message, error.field, {}
    if isinstance(error, CSRFError):
        return 400, CSRF_MESSAGE, "csrf_token", {}
    if isinstance(error, HTTPException):
        code = error.code or 500
        message = MESSAGES.get(code) or MESSAGES[500 if code >= 500 else 400]
        headers = {}
        if code == 405:
            message = message.format(method=request.method)
            allowed = getattr(error, "valid_methods", None)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        if code == 413:
            from flask import current_app

            message += f" (ไฟล์ละไม่เกิน {current_app.config['ATTACHMENT_MAX_MB']} MB)"
        if code == 429:
            retry = getattr(error, "retry_after", None)
            headers["Retry-After"] = str(retry or 60)
        return code, message, None, headers
    if isinstance(error, IntegrityError):
        return 409, MESSAGES[409], None, {}
    if isinstance(error, (DataError, OverflowError)):
        # A value the request layer should have refused (app/views/inputs.py) reached the
        # database: the request was wrong, not the server, but it is a gap to close.
        log.warning("a request value reached the database unchecked: %s", getattr(error, "orig", error))
        return 400, MESSAGES[400], None, {}
    if isinstance(error, OperationalError):
        log.exception("database unavailable", exc_info=error)
        return 503, MESSAGES[503], None, {}
    log.error("unexpected error", exc_info=error)
    return 500, MESSAGES[500], None, {}


def answer(error):
    """The response to a request that ended with ``error``: nothing of it is kept."""
    _rollback()
    status, message, field, headers = describe(error)
    if is_api():
        body = {"message": message}
        if field:
            body["field"] = field
        if len(getattr(error, "errors", None) or ()) > 1:
            body["errors"] = error.errors  # every field at fault, each with its message
        response = jsonify(body)
    else:
        response = _page(status, message)
    response.status_code = status
    response.headers.update(headers)
    return response


class Outcome:
    """What ``attempt`` gives back: true when the action was done, with its ``value``; false
    when the services refused it (``refusal``)."""

    def __init__(self, value=None, refusal=None):
        self.value, self.refusal = value, refusal

    def __bool__(self):
        return self.refusal is None


def attempt(action, *args, **kwargs):
    """Run a service's ``action`` for a screen that carries on whatever the answer: the form
    drawn again with what was typed, or the page the user came from. A refusal of the services
    (a DomainError) is rolled back and becomes the page's Thai message; anything else goes on to
    ``answer``, as does a refusal asked for as JSON (a page's script). The one place a screen
    catches a refusal (with attempt_form, its form's twin)."""
    return attempt_form(None, action, *args, **kwargs)


def searched(*names):
    """The search a list's form asks for (app/services/entry_search.py reads and checks it),
    kept to ``names`` when given; a bad criterion is said in Thai and none is applied."""
    from app.services import entry_search

    done = attempt(entry_search.read, request.args)
    found = done.value if done else {}
    return {k: v for k, v in found.items() if k in names} if names else found


def attempt_form(form, action, *args, summary=False, **kwargs):
    """``attempt`` for a screen with a ``form``: each field a refusal names gets its message
    beside it (all of them at once, as the form's own checks do); what names no field of the
    form is said above it, as ``attempt`` says it, and with ``summary`` a line above says how
    many fields to mend (for a form whose template does not say it itself)."""
    try:
        return Outcome(action(*args, **kwargs))
    except DomainError as refusal:
        if is_api():
            raise
        _rollback()
        errors = getattr(refusal, "errors", None) or {}
        beside = {k: v for k, v in errors.items() if form is not None and k in form}
        for name, message in beside.items():
            if not form[name].errors:  # the form's own check of the field said it first
                form[name].errors = [message]
        above = [v for k, v in errors.items() if k not in beside] if beside else \
            ([] if refusal.shown_on_form else [refusal.message])
        for message in above:
            flash(message, "danger")
        faulty = sum(1 for field in form if field.errors) if form is not None else 0
        if summary and faulty:
            flash(f"กรุณาแก้ไขข้อมูล {faulty} ช่องที่มีข้อความสีแดงกำกับไว้", "danger")
        return Outcome(refusal=refusal)


def api_response(status, message, field=None):
    """A JSON refusal in the API's shape, for code that answers without raising."""
    body = {"message": message}
    if field:
        body["field"] = field
    response = jsonify(body)
    response.status_code = status
    return response


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a broken connection must not hide the answer
        log.exception("rollback failed while answering an error")


def _page(status, message):
    if getattr(g, "user", None) is None:
        # The error may come before FAB's own before_request has set it (a CSRF refusal does).
        try:
            g.user = current_user._get_current_object()
        except Exception:  # noqa: BLE001 - no user is a valid answer for an error page
            g.user = None
    from flask import current_app

    appbuilder = current_app.appbuilder
    try:
        html = render_template(
            "errors/page.html", status=status, title=TITLES.get(status, TITLES[500]),
            message=message, back=_back_link(status), form_values=_typed_values(status),
            appbuilder=appbuilder, base_template=appbuilder.base_template)
    except Exception:  # noqa: BLE001 - the page of last resort cannot depend on the layout
        log.exception("could not draw the error page inside the layout")
        html = render_template("errors/bare.html", status=status, message=message)
    return current_app.response_class(html, mimetype="text/html")


def _back_link(status):
    """Where the user was: the page of ours that sent them (the one holding the form they
    posted), else, for a form refused whole (400), the form's own address when it can be drawn
    again; never another site. A 404 or 403 never repeats the address asked: its page is the
    same whichever row was asked for, so that it tells an intruder nothing."""
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc not in ("", request.host) or not parts.path.startswith("/"):
            return None
        back = parts.path + (f"?{parts.query}" if parts.query else "")
        return None if back == request.full_path.rstrip("?") and request.method == "GET" else back
    rule = request.url_rule
    if status == 400 and request.method != "GET" and rule is not None \
            and "GET" in (rule.methods or ()):
        return request.path
    return None


def _typed_values(status):
    """The text a logged-in user typed into a form that was refused whole (an expired form):
    shown back so that it can be copied, never re-sent on their behalf."""
    if status != 400 or request.method != "POST" or not current_user.is_authenticated:
        return []
    from app.views.inputs import request_view

    view = request_view()
    labels = getattr(view, "label_columns", None) or {}
    choices = _choices_of(view)
    values = []
    for name, value in request.form.items(multi=True):
        if not name or name == "csrf_token" or "password" in name:
            continue
        if name in choices:
            value = choices[name].get(value)  # a choice is shown by its label, or not at all
        if value and value.strip() and len(values) < 40:
            # The form's own Thai label; a field without one is shown by its value alone.
            values.append((str(labels.get(name, "")), value[:2000]))
    return values


def _choices_of(view):
    """{field: {value: label}} of the fixed choices of the view's forms (speed, secrecy...)."""
    from wtforms.fields.core import UnboundField

    found = {}
    for attr in ("add_form", "edit_form"):
        form = getattr(view, attr, None)
        for name in dir(form) if form is not None else ():
            unbound = getattr(form, name, None)
            options = unbound.kwargs.get("choices") if isinstance(unbound, UnboundField) else None
            if isinstance(options, (list, tuple)):
                found[name] = dict(_choice(o) for o in options)
    return found


def _choice(option):
    if hasattr(option, "value") and hasattr(option, "label"):
        return str(option.value), str(option.label)
    value, label = option[0], option[1]
    return str(value), str(label)


def install(app):
    """Register the one mapping for every error a request may end with."""

    @app.errorhandler(DomainError)
    def _domain(error):
        return answer(error)

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code is None or error.code < 400:
            return error  # redirects raised as exceptions pass through
        return answer(error)

    @app.errorhandler(500)
    def _server(error):
        original = getattr(error, "original_exception", None)
        return answer(original or error)



def install_jwt_answers(jwt_manager):
    """The API's token refusals (flask-jwt-extended's own English) in Thai, with status 401."""
    def refuse(message):
        return lambda *args: api_response(401, message)

    no_token = "กรุณาเข้าสู่ระบบ: ต้องส่ง Authorization: Bearer <access_token> ที่ได้จาก /api/v1/security/login"
    jwt_manager.unauthorized_loader(refuse(no_token))
    jwt_manager.invalid_token_loader(refuse("โทเค็นไม่ถูกต้อง กรุณาเข้าสู่ระบบใหม่"))
    jwt_manager.expired_token_loader(refuse("โทเค็นหมดอายุแล้ว กรุณาเข้าสู่ระบบใหม่"))
    jwt_manager.revoked_token_loader(refuse("โทเค็นนี้ถูกยกเลิกแล้ว กรุณาเข้าสู่ระบบใหม่"))
    jwt_manager.needs_fresh_token_loader(refuse("ต้องใช้โทเค็นจากการเข้าสู่ระบบครั้งใหม่"))
    jwt_manager.user_lookup_error_loader(
        refuse("การเข้าสู่ระบบนี้ถูกยกเลิกแล้ว กรุณาเข้าสู่ระบบใหม่"))
    jwt_manager.token_verification_failed_loader(refuse("โทเค็นไม่ผ่านการตรวจสอบ"))


def thai_refusal(status, message, **extra):
    """A JSON refusal whose message may be a library's English text or marshmallow's
    ``{field: [messages]}``: in Thai, naming the fields."""
    from app.i18n import thai_validation

    text, field, errors = thai_validation(message, default=MESSAGES.get(status, MESSAGES[400]))
    body = {k: v for k, v in extra.items() if k not in ("message", "field", "errors")}
    body["message"] = text
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response
