"""REST API of letters that travel and of sent documents, for other provincial systems.

    POST /api/v1/letters/entries/<id>/dispatch        send a register entry to recipients
    GET  /api/v1/letters/inbox                        deliveries waiting for my decision
    GET  /api/v1/letters/deliveries/<id>              one delivery addressed to me
    POST /api/v1/letters/deliveries/<id>/accept       ลงรับ: the number it got
    POST /api/v1/letters/deliveries/<id>/return       ส่งคืน with a reason
    GET  /api/v1/letters/<letter id>/timeline         every event of the letter

    GET  /api/v1/documents/new | received | sent      the three lists
    POST /api/v1/documents/                           send (multipart: scope, subject, files...)
    GET  /api/v1/documents/<id>                       one document I sent or that is for me
    POST /api/v1/documents/<id>/receive               ลงรับ
    GET  /api/v1/documents/<id>/files/<file id>       a file

The services of the screens do the work, with the same scope: whatever the user may not see is
a 404, exactly as a missing id; a refusal is 403 or 422 with a Thai message.
"""

from flask import g, request
from flask_appbuilder.api import expose
from flask_appbuilder.security.decorators import protect
from sqlalchemy import select

from app.extensions import db
from app.models import RegisterEntry
from app.models.dispatch import Delivery
from app.services import correspondence as svc
from app.services import dispatch as dispatching
from app.services import documents as docs
from app.services.errors import ValidationFailed
from app.views import inputs
from app.views.rest import Api, json_body
from app.views.files import file_response, uploads_from
from app.views.correspondence_api import entry_json


def _iso(when):
    return when.isoformat() + "Z" if when else None


def delivery_json(d):
    entry = d.entry
    return {
        "id": d.id, "letter_id": d.letter_id, "entry_id": d.entry_id,
        "status": d.status, "recipient_kind": d.recipient_kind, "recipient": d.recipient_name(),
        "from_agency": d.from_agency.name, "note": d.note,
        "sent_at": _iso(d.sent_at), "opened_at": _iso(d.opened_at),
        "accepted_at": _iso(d.accepted_at), "accepted_entry_id": d.accepted_entry_id,
        "returned_at": _iso(d.returned_at), "return_reason": d.return_reason,
        "letter": {"number_text": entry.number_text(), "doc_number": entry.doc_number,
                   "doc_date": entry.doc_date.isoformat() if entry.doc_date else None,
                   "subject": entry.subject, "speed": entry.speed, "secrecy": entry.secrecy},
    }


class LetterApi(Api):
    resource_name = "letters"
    class_permission_name = "LetterApi"
    base_permissions = ["can_get", "can_dispatch", "can_accept", "can_return"]
    method_permission_name = {
        "dispatch_entry": "dispatch", "inbox": "get", "get_delivery": "get",
        "accept_delivery": "accept", "return_delivery": "return", "timeline": "get",
    }
    openapi_spec_tag = "Letters"

    def _delivery(self, pk):
        delivery = db.session.get(Delivery, pk)
        if delivery is None or not dispatching.is_recipient(delivery, g.user):
            return None
        return delivery

    @expose("/entries/<int:pk>/dispatch", methods=["POST"])
    @protect()
    def dispatch_entry(self, pk):
        """Send a register entry, with its attachments, to agencies, groups or people.
        ---
        post:
          summary: Dispatch a register entry (one delivery per recipient)
          parameters:
          - pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    recipients:
                      type: array
                      items:
                        oneOf:
                        - {type: integer, minimum: 1}
                        - {type: string, pattern: "^(province|agency|group|person):[0-9]+$"}
                      description: >-
                        ids of the usual recipients of the register (agencies, groups or
                        people), or kind:id, such as province:1 (the id of the Provincial
                        Office: to the province, into its incoming register) or group:5
                    note: {type: string}
                  required: [recipients]
          responses:
            201: {description: "{deliveries: [delivery]}"}
            403: {description: Not allowed to send this letter}
            404: {description: No such entry that you may see}
            422: {description: Invalid recipients or letter (Thai message); nothing sent}
        """
        entry = db.session.execute(select(RegisterEntry).where(
            RegisterEntry.id == pk, svc.entry_scope(g.user))).scalar_one_or_none()
        if entry is None:
            return self.response_404()
        payload = json_body()
        recipients = inputs.recipient_keys(payload.get("recipients"))
        if not recipients:
            raise ValidationFailed("กรุณาเลือกผู้รับอย่างน้อยหนึ่งราย", field="recipients")
        sent = dispatching.dispatch(db.session, g.user, entry, recipients,
                                    note=inputs.text(payload.get("note"), "note"))
        return self.response(201, deliveries=[delivery_json(d) for d in sent])

    @expose("/inbox", methods=["GET"])
    @protect()
    def inbox(self):
        """New incoming: the deliveries waiting for my decision, most urgent first.
        ---
        get:
          summary: New incoming (หนังสือเข้าใหม่)
          parameters:
          - page
          - page_size
          responses:
            200: {description: "{count, more, result: [delivery]}"}
        """
        page, size = inputs.page_args(request.args)
        return self.listed(dispatching.inbox(db.session, g.user, page=page + 1, size=size),
                           delivery_json, count=dispatching.inbox_count(db.session, g.user))

    @expose("/deliveries/<int:pk>", methods=["GET"])
    @protect()
    def get_delivery(self, pk):
        """One delivery addressed to me.
        ---
        get:
          summary: One delivery addressed to me
          parameters:
          - pk
          responses:
            200: {description: The delivery}
            404: {description: No such delivery addressed to you}
        """
        delivery = self._delivery(pk)
        if delivery is None:
            return self.response_404()
        return self.response(200, **delivery_json(delivery))

    @expose("/deliveries/<int:pk>/accept", methods=["POST"])
    @protect()
    def accept_delivery(self, pk):
        """ลงรับ: enter the letter into my register with its next number.
        ---
        post:
          summary: Accept a delivery (ลงรับ)
          parameters:
          - pk
          responses:
            200: {description: "{delivery, entry}: entry is null for a person's delivery"}
            404: {description: No such delivery addressed to you}
            422: {description: Already returned}
        """
        delivery = self._delivery(pk)
        if delivery is None:
            return self.response_404()
        entry = dispatching.accept(db.session, g.user, delivery)
        return self.response(200, delivery=delivery_json(delivery),
                             entry=entry_json(entry, g.user) if entry is not None else None)

    @expose("/deliveries/<int:pk>/return", methods=["POST"])
    @protect()
    def return_delivery(self, pk):
        """ส่งคืน: refuse a delivery, with a reason.
        ---
        post:
          summary: Return a delivery (ส่งคืน)
          parameters:
          - pk
          requestBody:
            required: true
            content:
              application/json:
                schema: {type: object, properties: {reason: {type: string}}, required: [reason]}
          responses:
            200: {description: The delivery, returned}
            404: {description: No such delivery addressed to you}
            422: {description: No reason, or already accepted or returned}
        """
        delivery = self._delivery(pk)
        if delivery is None:
            return self.response_404()
        dispatching.return_delivery(db.session, g.user, delivery,
                                    inputs.text(json_body().get("reason"), "reason"))
        return self.response(200, **delivery_json(delivery))

    @expose("/<int:letter_id>/timeline", methods=["GET"])
    @protect()
    def timeline(self, letter_id):
        """Every event of a letter, in order.
        ---
        get:
          summary: The timeline of a letter
          parameters:
          - {in: path, name: letter_id, required: true, schema: {type: integer}}
          responses:
            200: {description: "{result: [event]}"}
            404: {description: No such letter that you may follow}
        """
        if not dispatching.may_follow(db.session, g.user, letter_id):
            return self.response_404()
        events = dispatching.timeline(db.session, g.user, letter_id)
        return self.response(200, result=[{
            "action": e["action"], "label": e["label"], "actor": e["actor"],
            "agency": e["agency"], "at": _iso(e["occurred_at"]), "at_th": e["at"],
            "detail": e["detail"], "entry_id": e["entry_id"], "delivery_id": e["delivery_id"],
        } for e in events])


def document_json(document, actor):
    mine = document.sender_id == actor.id
    rows = document.recipients if mine else docs.my_rows(db.session, actor, document)
    return {
        "id": document.id, "scope": document.scope, "subject": document.subject,
        "note": document.note, "sender": document.sender.get_full_name(),
        "from_agency": document.from_agency.name, "sent_at": _iso(document.sent_at),
        "files": [{"id": f.id, "filename": f.filename, "content_type": f.content_type,
                   "size": f.size} for f in document.files],
        "recipients": [{"kind": r.recipient_kind, "name": r.recipient_name(),
                        "opened_at": _iso(r.opened_at), "received_at": _iso(r.received_at)}
                       for r in rows],
    }


class DocumentApi(Api):
    resource_name = "documents"
    class_permission_name = "DocumentApi"
    base_permissions = ["can_get", "can_send", "can_receive"]
    method_permission_name = {
        "new": "get", "received": "get", "sent": "get", "get_document": "get",
        "send": "send", "receive": "receive", "get_file": "get",
    }
    openapi_spec_tag = "Documents"

    def _list(self, read, **kwargs):
        page, size = inputs.page_args(request.args)
        return self.listed(read(db.session, g.user, page=page + 1, size=size, **kwargs),
                           lambda row: document_json(row[0] if isinstance(row, tuple) else row,
                                                     g.user))

    @expose("/new", methods=["GET"])
    @protect()
    def new(self):
        """New documents (เอกสารใหม่): for me and not yet received, newest first.
        ---
        get:
          summary: New documents
          parameters:
          - page
          - page_size
          responses:
            200: {description: "{more, result: [document]}"}
        """
        return self._list(docs.inbox)

    @expose("/received", methods=["GET"])
    @protect()
    def received(self):
        """Received documents (เอกสารรับแล้ว), newest first.
        ---
        get:
          summary: Received documents
          parameters:
          - page
          - page_size
          responses:
            200: {description: "{more, result: [document]}"}
        """
        return self._list(docs.inbox, received=True)

    @expose("/sent", methods=["GET"])
    @protect()
    def sent(self):
        """Send history (ประวัติการส่ง): what I sent, with each recipient's times.
        ---
        get:
          summary: Send history
          parameters:
          - page
          - page_size
          responses:
            200: {description: "{more, result: [document]}"}
        """
        return self._list(docs.history)

    @expose("/", methods=["POST"])
    @protect()
    def send(self):
        """Send files with a note.
        ---
        post:
          summary: Send a document inside the agency or to other agencies
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    scope: {type: string, enum: [internal, external]}
                    subject: {type: string}
                    note: {type: string}
                    agencies: {type: array, items: {type: integer}}
                    groups: {type: array, items: {type: integer}}
                    people: {type: array, items: {type: integer}}
                    files: {type: array, items: {type: string, format: binary}}
                  required: [scope, subject, files]
          responses:
            201: {description: The document}
            422: {description: Invalid input (Thai message); nothing sent, no file kept}
        """
        form = request.form
        document = docs.send(
            db.session, g.user, form.get("scope"), form.get("subject"), form.get("note"),
            uploads_from("files"),
            agency_ids=inputs.ids(form.getlist("agencies"), "agencies", label="หน่วยงาน"),
            group_ids=inputs.ids(form.getlist("groups"), "groups", label="กลุ่มงาน"),
            user_ids=inputs.ids(form.getlist("people"), "people", label="ผู้รับ"))
        return self.response(201, **document_json(document, g.user))

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    def get_document(self, pk):
        """One document I sent or that is for me.
        ---
        get:
          summary: One document
          parameters:
          - pk
          responses:
            200: {description: The document}
            404: {description: No such document that you may see}
        """
        document = docs.document_for(db.session, g.user, pk)
        if document is None:
            return self.response_404()
        return self.response(200, **document_json(document, g.user))

    @expose("/<int:pk>/receive", methods=["POST"])
    @protect()
    def receive(self, pk):
        """ลงรับ a document that is for me.
        ---
        post:
          summary: Receive a document
          parameters:
          - pk
          responses:
            200: {description: The document}
            403: {description: You sent it; it is not for you}
            404: {description: No such document that you may see}
            422: {description: Already received}
        """
        document = docs.document_for(db.session, g.user, pk)
        if document is None:
            return self.response_404()
        docs.receive(db.session, g.user, document)
        return self.response(200, **document_json(document, g.user))

    @expose("/<int:pk>/files/<int:file_id>", methods=["GET"])
    @protect()
    def get_file(self, pk, file_id):
        """A file of a document.
        ---
        get:
          summary: A file of a document
          parameters:
          - pk
          - file_id
          responses:
            200: {description: The file}
            404: {description: No such file that you may see}
        """
        document = docs.document_for(db.session, g.user, pk)
        if document is None:
            return self.response_404()
        row, data = docs.open_file(db.session, g.user, document, file_id, "attachment")
        if row is None:
            return self.response_404()
        return file_response(row, data, "attachment")
