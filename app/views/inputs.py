"""Where request values become typed values: text without NUL, bounded integers, choices.

Two layers, both here:

- ``guard``, before every request: nothing that no field of ours can hold gets past the edge.
  A NUL byte (PostgreSQL refuses it in text), a lone surrogate (not encodable as UTF-8), an
  integer beyond the database's columns (PostgreSQL: "integer out of range"), a JSON body that
  does not parse, a row id in the path that is not a row id. The request is refused with 400
  (404 for an id in the path, which names no row) and a Thai message naming the field, before
  any view runs, so no view and no library (FAB's APIs included) ever sees such a value.
- ``text``, ``integer``, ``choice``, ``ids``: what a view asks for one value. A value of the
  wrong kind (a list for a text, letters for a number) is ``InvalidInput`` (400); one of the
  right kind but not allowed (beyond its range, not among the choices, too long, missing) is
  ``ValidationFailed`` (422), as the services' own refusals are. Both name the field.

Both raise; ``app/views/errors.py`` answers.
"""

import json
import math
import re

from flask import request
from werkzeug.routing import IntegerConverter

from app.services.errors import InvalidInput, ValidationFailed
from app.services.paging import MAX_PAGE

# Row ids and register numbers are PostgreSQL ``integer`` columns.
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
MAX_PAGE_SIZE = 100  # rows of one page of any of our APIs' lists
MAX_JSON_DEPTH = 32
TEXT_LIMIT = 100_000  # no text field of ours holds more; FAB's q parameter included


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a route matches only what an integer column can hold: a larger number
    names no row, so it is a 404 like any other id that is not there."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def install(app):
    """Before the views are registered: the bounded converter; then the guard, first of all
    the before-request hooks."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request_funcs.setdefault(None, []).insert(0, guard)


# ---- the guard at the edge ---------------------------------------------------------------------


def guard():
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            _check_text(value, name)
            if _is_id_name(name) and not _is_row_id(value):
                from flask import abort

                abort(404)
    for name, value in request.args.items(multi=True):
        _check_text(name, name)
        _check_text(value, name)
    if request.path.startswith("/api/"):
        if request.args.get("q"):
            _check_fab_query(request.args["q"])
    else:
        _check_fab_list_args()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _check_body()


def _check_body():
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in request.form.items(multi=True):
            _check_text(name or "", name or "form")
            _check_text(value or "", name or "form")
        for name, storage in request.files.items(multi=True):
            _check_text(name or "", name or "files")
            _check_text(storage.filename or "", name or "files")
    elif request.is_json:
        raw = request.get_data(cache=True)
        if not raw.strip():
            return  # an empty body: the view says what it needed
        try:
            data = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise InvalidInput("ข้อมูลที่ส่งมาไม่ใช่ JSON ที่ถูกต้อง") from None
        _check_json(data, "", 0)


def _refuse_constant(name):
    raise InvalidInput(f"JSON ต้องไม่มีค่า {name}")


def _check_json(value, path, depth):
    if depth > MAX_JSON_DEPTH:
        raise InvalidInput("ข้อมูล JSON ซ้อนกันลึกเกินไป", field=path or None)
    if isinstance(value, str):
        _check_text(value, path or "body")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise InvalidInput(f"{path or 'ข้อมูล'}: ตัวเลขเกินช่วงที่รับได้", field=path or None)
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > INT_MAX:
            raise InvalidInput(f"{path or 'ข้อมูล'}: ตัวเลขเกินช่วงที่รับได้", field=path or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path or "body")
            _check_json(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]" if path else f"[{index}]", depth + 1)


def _check_fab_query(raw):
    """FAB's APIs take their list arguments as ``?q=`` (Rison, or JSON): a mapping of page,
    page_size, order_column, order_direction, filters [{col, opr, value}], columns, keys,
    add_columns/edit_columns. FAB trusts its shape (a number where a mapping is expected is a
    crash, a negative page an OFFSET PostgreSQL refuses): checked here, field by field."""
    import prison

    try:
        q = prison.loads(raw)
    except Exception:  # noqa: BLE001 - prison raises several kinds; FAB then tries JSON
        try:
            q = json.loads(raw, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise InvalidInput("q: ไม่ใช่ Rison หรือ JSON ที่ถูกต้อง", field="q") from None
    _check_json(q, "q", 0)
    if not isinstance(q, dict):
        raise InvalidInput("q: ต้องเป็นออบเจกต์ เช่น (page:0,page_size:25)", field="q")
    for key, value in q.items():
        field = f"q.{key}"
        if key == "page":
            integer(value if not isinstance(value, str) else None, field, 0, MAX_PAGE)
            _require(isinstance(value, int) and not isinstance(value, bool), field,
                     "ต้องเป็นจำนวนเต็มตั้งแต่ 0")
        elif key == "page_size":
            _require(isinstance(value, int) and not isinstance(value, bool)
                     and -1 <= value <= 10_000, field, "ต้องเป็นจำนวนเต็ม 1 ถึง 100")
        elif key == "order_column":
            _require(isinstance(value, str), field, "ต้องเป็นชื่อคอลัมน์")
        elif key == "order_direction":
            _require(value in ("asc", "desc"), field, "ต้องเป็น asc หรือ desc")
        elif key == "filters":
            _require(isinstance(value, list) and all(_is_filter(f) for f in value), field,
                     "ต้องเป็นรายการของ (col:ชื่อคอลัมน์,opr:เงื่อนไข,value:ค่า)")
        elif key in ("columns", "keys", "select_columns"):
            _require(isinstance(value, list) and all(isinstance(c, str) for c in value), field,
                     "ต้องเป็นรายการของชื่อคอลัมน์")
        elif key in ("add_columns", "edit_columns"):
            _require(isinstance(value, dict) and all(
                isinstance(v, dict) and all(isinstance(n, int) and not isinstance(n, bool)
                                            and 0 <= n <= MAX_PAGE for n in v.values())
                for v in value.values()), field, "ต้องเป็น (คอลัมน์:(page:0,page_size:25))")


def _check_fab_list_args():
    """FAB's list screens (and their charts) read their arguments with little care: ``page_<view>``
    and ``psize_<view>`` with a bare ``int()`` (a word or nothing is a crash, a huge number an
    OFFSET the database refuses), ``_oc_<view>`` as any column name to order by (an unknown one
    is a crash, a hidden one an order by what the list does not show), ``_flt_<n>_<column>`` as
    the n-th filter of the column (past the last one is a crash) with a value compared as it is
    (a word against a boolean column, or in place of a related row's id, is the database's
    error). Each is checked against the view that answers the request."""
    view = request_view()
    columns = None
    for name, value in request.args.items(multi=True):
        if name.startswith("page_"):
            _require(value.strip() != "", name, "ต้องเป็นตัวเลข")
            integer(value, name, 0, MAX_PAGE, label="หน้าที่")
        elif name.startswith("psize_"):
            _require(value.strip() != "", name, "ต้องเป็นตัวเลข")
            integer(value, name, 1, 1000, label="จำนวนรายการต่อหน้า")
        elif name.startswith("_oc_") and hasattr(view, "order_columns"):
            _require(value in (view.order_columns or ()), name,
                     "เรียงรายการตามคอลัมน์นี้ไม่ได้")
        elif name.startswith("_flt_"):
            match = re.match(r"_flt_(\d)_(.*)", name)
            if match is None:
                continue  # not a filter FAB reads
            index, column_name = int(match.group(1)), match.group(2)
            known = getattr(getattr(view, "_filters", None), "_all_filters", None) or {}
            if column_name in known:
                _require(index < len(known[column_name]), name, "ไม่มีเงื่อนไขการค้นหานี้")
            if columns is None:
                columns = _view_columns()
            column = columns.get(column_name)
            kind = _python_type(column) if column is not None else None
            datamodel = getattr(view, "datamodel", None)
            if column is None and datamodel is not None and datamodel.is_relation(column_name):
                # A related row (an agency, a role) is chosen by its id.
                _require(value.strip() != "", name, "กรุณาเลือกรายการที่จะค้นหา")
                integer(value, name, 1, label="รายการที่เลือก")
            elif kind is int:
                # A search on a number column (เลขทะเบียน) compares with a value it holds.
                integer(value, name, label=str(column.name))
            elif kind is bool:
                _require(value == "y", name, "ค่าที่ค้นหาต้องเป็น y (ใช่)")


def request_view():
    """The FAB view (or API) object whose method answers this request, if any."""
    from flask import current_app

    func = current_app.view_functions.get(request.endpoint)
    return getattr(func, "__self__", None)


def _view_columns():
    """The columns of the model behind the FAB view that answers this request, by name."""
    view = request_view()
    model = getattr(getattr(view, "datamodel", None), "obj", None)
    table = getattr(model, "__table__", None)
    return {c.name: c for c in table.columns} if table is not None else {}


def _python_type(column):
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _is_filter(f):
    scalar = (str, int, float, bool, type(None))
    return (isinstance(f, dict) and isinstance(f.get("col"), str) and isinstance(f.get("opr"), str)
            and (isinstance(f.get("value"), scalar)
                 or (isinstance(f.get("value"), list)
                     and all(isinstance(v, scalar) for v in f["value"]))))


def _require(ok, field, message):
    if not ok:
        raise InvalidInput(f"{field}: {message}", field=field)


def _check_text(value, field):
    if "\x00" in value:
        raise InvalidInput(f"{field}: มีอักขระ NUL ซึ่งไม่อนุญาต", field=field)
    if len(value) > TEXT_LIMIT:
        raise InvalidInput(f"{field}: ข้อความยาวเกินกว่าที่ระบบรับได้", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field}: มีอักขระที่ไม่ใช่ Unicode ที่ถูกต้อง", field=field) from None


def _is_id_name(name):
    return name == "pk" or name == "id" or name.endswith("_id")


def _is_row_id(value):
    return value.isascii() and value.isdigit() and int(value) <= INT_MAX


# ---- one value, typed --------------------------------------------------------------------------


def text(value, field, max_length=None, required=False, label=None):
    """A text from a request: str (not a list, a number or an object), stripped; None when
    empty and not required."""
    name = label or field
    if value is None or value == "":
        if required:
            raise ValidationFailed(f"กรุณาระบุ{name}", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: ต้องเป็นข้อความ", field=field)
    _check_text(value, field)
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise ValidationFailed(f"{name}: ยาวเกิน {max_length} ตัวอักษร", field=field)
    if not value and required:
        raise ValidationFailed(f"กรุณาระบุ{name}", field=field)
    return value or None


def integer(value, field, minimum=INT_MIN, maximum=INT_MAX, default=None, label=None):
    """An integer from a request (a number or its digits), within [minimum, maximum]; ``default``
    when absent."""
    name = label or field
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidInput(f"{name}: ต้องเป็นตัวเลข", field=field)
    if isinstance(value, str):
        digits = value.strip()
        unsigned = digits[1:] if digits.startswith("-") else digits
        if not (unsigned.isascii() and unsigned.isdigit()) or len(unsigned) > 100:
            raise InvalidInput(f"{name}: ต้องเป็นตัวเลข", field=field)
        value = int(digits)
    if not isinstance(value, int):
        raise InvalidInput(f"{name}: ต้องเป็นตัวเลข", field=field)
    if not minimum <= value <= maximum:
        raise ValidationFailed(f"{name}: ต้องอยู่ระหว่าง {minimum:,} ถึง {maximum:,}", field=field)
    return value


def choice(value, field, choices, default=None, label=None):
    """One of ``choices`` (a mapping or a sequence of allowed values); ``default`` when absent."""
    name = label or field
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: ต้องเป็นข้อความ", field=field)
    if value not in choices:
        raise ValidationFailed(f"{name}: ไม่ใช่ค่าที่เลือกได้ ({', '.join(choices)})", field=field)
    return value


def ids(values, field, label=None):
    """A list of row ids (JSON numbers or their digits); [] when absent."""
    name = label or field
    if values is None or values == "":
        return []
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(f"{name}: ต้องเป็นรายการของเลขที่", field=field)
    return [integer(v.strip() if isinstance(v, str) else v, field, minimum=1, label=name)
            for v in values if not (isinstance(v, str) and not v.strip())]


RECIPIENT_KEY = re.compile(r"(province|agency|group|person):[0-9]{1,10}")


def recipient_keys(values, field="recipients", label="ผู้รับ"):
    """A letter's recipients as the API gives them: ids of the register's usual kind, or
    ``kind:id`` strings (``province:1``, ``group:5``); [] when absent. Anything else is a 400
    that names the field."""
    if values is None or values == "":
        return []
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(f"{label}: ต้องเป็นรายการของผู้รับ", field=field)
    keys = []
    for v in values:
        if isinstance(v, str) and RECIPIENT_KEY.fullmatch(v.strip()):
            kind, _sep, number = v.strip().partition(":")
            keys.append(f"{kind}:{integer(number, field, minimum=1, label=label)}")
        else:
            keys.append(integer(v.strip() if isinstance(v, str) else v, field, minimum=1,
                                label=label))
    return keys


def page_args(args, default_size=25):
    """(page, page_size) of one of our APIs' lists, counted as FAB's own APIs count them:
    ``page`` from 0 (the first), ``page_size`` from 1 to MAX_PAGE_SIZE. Anything else is a 422
    that names the field."""
    page = integer(args.get("page"), "page", minimum=0, maximum=MAX_PAGE, default=0)
    size = integer(args.get("page_size"), "page_size", minimum=1, maximum=MAX_PAGE_SIZE,
                   default=default_size)
    return page, size
