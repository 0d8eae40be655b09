"""What FAB's REST APIs need before they face the network: Thai answers, and strict values.

Installed once per process (it changes FAB's and marshmallow-sqlalchemy's classes, not an app):

- Every answer of FAB's ``BaseApi`` with a status of 400 or more carries a Thai ``message``:
  ``Forbidden``, ``Not found``, ``Request is not JSON`` and marshmallow's ``{field: [...]}`` are
  translated (``app.i18n.thai_validation``), naming the fields.
- ``@safe`` catches every exception and calls ``response_500`` inside its ``except``: ours asks
  ``app.views.errors.answer`` what the exception was (a domain error keeps its status and Thai
  message, a 415 stays a 415, a value the database refused is a 400), after a rollback.
- An empty label or description stays empty: gettext("") is the catalogue's header
  ("Project-Id-Version: ..."), which FAB's ``_info`` showed as every column's description.
- A related row given as an object, a list, or an id that is not there (``agency: {"k": 1}``,
  ``agency: 999``) is a validation error naming the field. marshmallow-sqlalchemy would build a
  new row from the object's keys (a TypeError, or an INSERT of a half-empty row).
"""

import sys


_installed = False


def install():
    global _installed
    if _installed:
        return
    _installed = True
    _install_answers()
    _install_strict_related()
    _install_empty_labels()


def _install_answers():
    from flask_appbuilder.api import BaseApi

    from app.views.errors import MESSAGES, answer, api_response, thai_refusal

    plain_response = BaseApi.response

    def response(code, **kwargs):
        if code >= 400 and "message" in kwargs:
            return thai_refusal(code, kwargs.pop("message"), **kwargs)
        return plain_response(code, **kwargs)

    def response_400(self, message=None):
        return thai_refusal(400, message)

    def response_422(self, message=None):
        return thai_refusal(422, message)

    def response_401(self):
        return api_response(401, MESSAGES[401])

    def response_403(self):
        return api_response(403, MESSAGES[403])

    def response_404(self):
        return api_response(404, MESSAGES[404])

    def response_500(self, message=None):
        error = sys.exc_info()[1]
        if error is None:
            return api_response(500, MESSAGES[500])
        return answer(error)

    BaseApi.response = staticmethod(response)
    BaseApi.response_400 = response_400
    BaseApi.response_422 = response_422
    BaseApi.response_401 = response_401
    BaseApi.response_403 = response_403
    BaseApi.response_404 = response_404
    BaseApi.response_500 = response_500


def _install_strict_related():
    from marshmallow_sqlalchemy.fields import Related

    plain = Related._deserialize

    def _deserialize(self, value, *args, **kwargs):
        from sqlalchemy import inspect

        from app.views.inputs import INT_MAX

        keys = self.related_keys
        if len(keys) != 1 or isinstance(value, dict):
            raise self.make_error("not_an_id")  # our models are related by one integer id
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT_MAX:
            raise self.make_error("not_an_id")
        result = plain(self, value, *args, **kwargs)
        if inspect(result).transient:
            # marshmallow-sqlalchemy builds a new row when the id is not found.
            raise self.make_error("missing")
        return result

    Related._deserialize = _deserialize
    Related.default_error_messages = {
        **Related.default_error_messages,
        "invalid": "ต้องเป็นเลขที่ (id) ของรายการที่อ้างถึง",
        "not_an_id": "ต้องเป็นเลขที่ (id) ของรายการที่อ้างถึง",
        "missing": "ไม่พบรายการที่อ้างถึง",
    }


def _install_empty_labels():
    import flask_appbuilder.api as fab_api

    translate = fab_api._

    def gettext_or_nothing(string, **variables):
        return translate(string, **variables) if string else ""

    fab_api._ = gettext_or_nothing
