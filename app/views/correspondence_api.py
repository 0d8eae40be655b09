"""REST API of the registers, for scanners and other provincial systems.

    POST /api/v1/registers/<register>/entries              register and number (JSON or multipart)
    GET  /api/v1/registers/<register>/entries              list and search
    GET  /api/v1/registers/<register>/entries/<id>         one entry
    POST /api/v1/registers/<register>/entries/<id>/cancel  cancel with a reason

The same service as the screens does the work, with the same scope and validation: another
agency's entry is a 404, a refusal is 403 or 422 with a Thai message.
"""

from flask import current_app, g, request
from flask_appbuilder.api import expose
from flask_appbuilder.security.decorators import protect
from sqlalchemy import func, select

from app import thai
from app.extensions import db
from app.models import RegisterEntry
from app.access import masked
from app.services import correspondence as svc
from app.services import entry_search, paging
from app.services.attachments import Upload
from app.services.errors import InvalidInput
from app.views import inputs
from app.views.rest import Api, json_body

TEXT_FIELDS = ("doc_number", "doc_date", "sender", "receiver", "subject", "action", "remarks")
CHOICES = {"speed": svc.SPEEDS, "secrecy": svc.SECRECIES}


def entry_json(entry, actor):
    out = {
        "id": entry.id,
        "register": entry.register,
        "number": entry.number,
        "year": entry.year,
        "number_text": entry.number_text(),
        "status": entry.status,
        "speed": entry.speed,
        "secrecy": entry.secrecy,
        "doc_date": entry.doc_date.isoformat() if entry.doc_date else None,
        "doc_date_th": thai.format_date(entry.doc_date),
        "received_at": entry.received_at.isoformat() + "Z" if entry.received_at else None,
        "registered_at": entry.registered_at.isoformat() + "Z",
        "cancel_reason": entry.cancel_reason,
        "attachments": [],
    }
    for name in ("doc_number", "sender", "receiver", "subject", "action", "remarks"):
        out[name] = masked(entry, actor, name)
    if svc.rights(actor, entry).read:
        out["attachments"] = [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in entry.attachments
        ]
    return out


class RegisterApi(Api):
    resource_name = "registers"
    class_permission_name = "RegisterApi"
    base_permissions = ["can_get", "can_info", "can_post", "can_cancel"]
    method_permission_name = {
        "list_entries": "get",
        "get_entry": "get",
        "create_entry": "post",
        "cancel_entry": "cancel",
    }
    openapi_spec_tag = "Registers"

    def _entry(self, register, pk):
        svc.register_of(register)
        return db.session.execute(
            select(RegisterEntry).where(RegisterEntry.id == pk,
                                        svc.entry_scope(g.user, register))
        ).scalar_one_or_none()

    @expose("/<register>/entries", methods=["POST"])
    @protect()
    def create_entry(self, register):
        """Register a letter and issue its number.
        ---
        post:
          summary: Register a letter in a register and issue its next number
          parameters:
          - register
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    doc_number: {type: string, description: "ที่ (the letter's own number)"}
                    doc_date: {type: string, description: "ลงวันที่, YYYY-MM-DD or DD/MM/BBBB"}
                    sender: {type: string}
                    receiver: {type: string}
                    subject: {type: string}
                    action: {type: string}
                    remarks: {type: string}
                    speed: {type: string, enum: [normal, urgent, very_urgent, most_urgent]}
                    secrecy: {type: string, enum: [normal, confidential, secret, top_secret]}
                    readers: {type: array, items: {type: integer}}
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    subject: {type: string}
                    files: {type: array, items: {type: string, format: binary}}
          responses:
            201:
              description: Registered; the issued number is in the body
            403:
              description: Not allowed to use this register
            422:
              description: Invalid input (Thai message); nothing saved, no number used
        """
        if request.files or request.form:
            payload = request.form.to_dict()
            readers = request.form.getlist("readers")
            uploads = [Upload(filename=f.filename, data=f.read())
                       for f in request.files.getlist("files") if f and f.filename]
        else:
            payload = request.get_json(silent=True)
            if not isinstance(payload, dict):
                raise InvalidInput("ต้องส่งข้อมูลเป็น JSON object หรือ multipart/form-data")
            readers = payload.get("readers")
            uploads = []
        data = {k: inputs.text(payload[k], k) for k in TEXT_FIELDS if k in payload}
        data.update({k: inputs.choice(payload[k], k, choices)
                     for k, choices in CHOICES.items() if k in payload})
        if data.get("doc_date") and "-" in data["doc_date"]:
            import datetime as dt

            try:
                data["doc_date"] = dt.date.fromisoformat(data["doc_date"])
            except ValueError:
                raise InvalidInput("ลงวันที่ไม่ถูกต้อง (YYYY-MM-DD หรือ วว/ดด/ปปปป)",
                                   field="doc_date") from None
        entry = svc.register_entry(db.session, g.user, register, data, uploads=uploads,
                                   reader_ids=inputs.ids(readers, "readers", label="ผู้มีสิทธิ์อ่าน"))
        return self.response(201, **entry_json(entry, g.user))

    @expose("/<register>/entries", methods=["GET"])
    @protect()
    def list_entries(self, register):
        """List and search a register's entries, newest first.
        ---
        get:
          summary: List and search a register
          parameters:
          - register
          - {in: query, name: q, schema: {type: string}, description: "any text: a number (12 or 12/2569), ที่, subject, sender, receiver"}
          - {in: query, name: number, schema: {type: integer}}
          - {in: query, name: doc_number, schema: {type: string}}
          - {in: query, name: subject, schema: {type: string}, description: any part of it}
          - {in: query, name: sender, schema: {type: string}}
          - {in: query, name: receiver, schema: {type: string}}
          - {in: query, name: date_from, schema: {type: string}, description: "DD/MM/BBBB, the day of receipt (incoming) or registration"}
          - {in: query, name: date_to, schema: {type: string}, description: "DD/MM/BBBB"}
          - {in: query, name: speed, schema: {type: string}}
          - {in: query, name: secrecy, schema: {type: string}}
          - {in: query, name: status, schema: {type: string}}
          - page
          - page_size
          responses:
            200:
              description: "{count, count_capped, more, result: [entry]}"
            403:
              description: Not allowed to use this register
        """
        args = request.args
        criteria = {k: inputs.text(args.get(k), k) for k in ("q", *entry_search.SEARCH_TEXT)}
        criteria["number"] = inputs.integer(args.get("number"), "number", minimum=1,
                                            label="เลขทะเบียน")
        criteria.update({k: inputs.choice(args.get(k), k, choices)
                         for k, choices in {**CHOICES, "status": svc.STATUSES}.items()})
        for name in ("date_from", "date_to"):
            try:
                criteria[name] = thai.parse_date(args.get(name)) if args.get(name) else None
            except thai.ThaiDateError as e:
                raise InvalidInput(f"{name}: {e}", field=name) from None
        page, size = inputs.page_args(args)
        # Reservations past their deadline are cancelled before anyone reads the register, here
        # as on its screen.
        svc.expire_reservations(db.session)
        query = entry_search.search(db.session, g.user, register, criteria)
        cap = current_app.config["LIST_COUNT_CAP"]
        count = db.session.execute(
            select(func.count()).select_from(
                query.order_by(None).with_only_columns(RegisterEntry.id).limit(cap + 1).subquery())
        ).scalar_one()
        return self.listed(paging.page_of(db.session, query, page + 1, size),
                           lambda entry: entry_json(entry, g.user),
                           count=count, count_capped=count > cap)

    @expose("/<register>/entries/<int:pk>", methods=["GET"])
    @protect()
    def get_entry(self, register, pk):
        """One entry.
        ---
        get:
          summary: One entry of a register
          parameters:
          - register
          - pk
          responses:
            200: {description: The entry}
            404: {description: No such entry that you may see}
        """
        entry = self._entry(register, pk)
        if entry is None:
            return self.response_404()
        return self.response(200, **entry_json(entry, g.user))

    @expose("/<register>/entries/<int:pk>/cancel", methods=["POST"])
    @protect()
    def cancel_entry(self, register, pk):
        """Cancel an entry (it stays in the register, with its number).
        ---
        post:
          summary: Cancel an entry with a reason
          parameters:
          - register
          - pk
          requestBody:
            required: true
            content:
              application/json:
                schema: {type: object, properties: {reason: {type: string}}, required: [reason]}
          responses:
            200: {description: Cancelled}
            404: {description: No such entry that you may see}
            422: {description: No reason, or already cancelled}
        """
        entry = self._entry(register, pk)
        if entry is None:
            return self.response_404()
        svc.cancel(db.session, g.user, entry, inputs.text(json_body().get("reason"), "reason"))
        return self.response(200, **entry_json(entry, g.user))
