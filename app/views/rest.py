"""What the e-office's own REST APIs (registers, letters, documents) share.

- ``Api``: signed in by the API's token or the browser's session; a refusal of a service
  (DomainError) is raised, not caught: app/views/errors.py answers it with its status and Thai
  message after a rollback.
- The parameters every list and every item share are components of the OpenAPI document,
  named in an operation's docstring by their names (``parameters: [page, page_size]``).
- Every list answers ``{more, result}`` (and a register's list its capped ``count`` besides):
  ``more`` says that the next page has rows.
"""

from apispec.exceptions import DuplicateComponentNameError
from flask import request
from flask_appbuilder.api import BaseApi

from app.registers import REGISTERS
from app.services.errors import InvalidInput
from app.services.paging import MAX_PAGE
from app.views.inputs import MAX_PAGE_SIZE

PARAMETERS = {
    "page": ("query", {"schema": {"type": "integer", "default": 0, "minimum": 0,
                                  "maximum": MAX_PAGE},
                       "description": "the page, from 0"}),
    "page_size": ("query", {"schema": {"type": "integer", "default": 25, "minimum": 1,
                                       "maximum": MAX_PAGE_SIZE}}),
    "register": ("path", {"required": True, "schema": {"type": "string", "enum": list(REGISTERS)}}),
    "pk": ("path", {"required": True, "schema": {"type": "integer"}}),
    "file_id": ("path", {"required": True, "schema": {"type": "integer"}}),
}


class Api(BaseApi):
    allow_browser_login = True

    def add_apispec_components(self, api_spec):
        super().add_apispec_components(api_spec)
        for name, (location, spec) in PARAMETERS.items():
            try:
                api_spec.components.parameter(name, location, dict(spec))
            except DuplicateComponentNameError:
                pass

    def listed(self, page, as_json, **extra):
        """The answer of a list: ``page`` (a paging.Page) with each row as ``as_json`` gives it."""
        return self.response(200, **extra, more=page.more,
                             result=[as_json(row) for row in page.rows])


def json_body():
    """The request's JSON object ({} when there is none); anything else is a 422."""
    payload = request.get_json(silent=True)
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise InvalidInput("ต้องส่งข้อมูลเป็น JSON object")
    return payload
