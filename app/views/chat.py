"""The help chat screens (ติดต่อเจ้าหน้าที่): a user's conversation with the administrators, the
administrators' inbox and their page of one conversation, the JSON the pages poll, and the
message a person who cannot log in leaves from the login page. Every rule is in
app/services/chat.py; the pages poll (app/static/js/chat.js), nothing is kept in a worker."""

import logging

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import (
    has_access,
    has_access_api,
    permission_name,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import thai
from app.extensions import db
from app.services import chat as svc
from app.services import throttle
from app.views.base import to_int
from app.views.errors import attempt, api_response

log = logging.getLogger(__name__)

# What a page asks by itself, every few seconds, while it is open (the help chat's polls): not
# the user's doing, so it does not keep an idle session alive (app/security.py).
BACKGROUND_ENDPOINTS = {"ChatView.poll", "ChatView.inbox_rows"}
NO_CONVERSATION = "ไม่พบการสนทนานี้"


def install(app):
    """What the chat adds to every request and page: an administrator's last_seen_at (for
    "online" on the login page), ``admin_online()`` for the login page and ``help_badge()``
    for the navigation bar."""
    sm = app.appbuilder.sm

    @app.before_request
    def _stamp_admin_seen():
        endpoint = request.endpoint or ""
        if not endpoint or endpoint == "static" or endpoint.endswith(".static") \
                or endpoint in BACKGROUND_ENDPOINTS:  # a page polling is not the person
            return None
        try:
            if not getattr(current_user, "is_authenticated", False):
                return None
            user = current_user._get_current_object()
            now = thai.utcnow()
            if svc.needs_stamp(user, now):
                # Its own short transaction: the request's session is left as it was.
                with db.engine.begin() as connection:
                    svc.stamp_seen(connection, user.id, now)
        except Exception:  # being seen is worth less than the page asked for
            log.exception("could not record when an administrator was last seen")
        return None

    def admin_online():
        try:
            return svc.admin_online(db.session)
        except Exception:  # the login page must open whatever happens here
            log.exception("could not tell whether an administrator is online")
            db.session.rollback()
            return False

    app.jinja_env.globals["admin_online"] = admin_online

    @app.context_processor
    def _help_badge():
        def help_badge():
            """For the navbar: the administrators' unread messages (for an administrator), or
            the answers a user has not read; None when there are none."""
            if not getattr(current_user, "is_authenticated", False):
                return None
            if sm.has_access("can_inbox", "ChatView"):
                count, admins = svc.unread_for_admins(db.session), True
            elif sm.has_access("can_mine", "ChatView"):
                count = svc.unread_for_user(db.session, current_user._get_current_object())
                admins = False
            else:
                return None
            return {"count": count, "admins": admins} if count else None

        return {"help_badge": help_badge}


# ---- messages left from the login page -----------------------------------------------------------


def _guest_page(form, message=None, category="danger"):
    appbuilder = current_app.appbuilder
    return render_template("chat/guest.html", form=form, message=message, category=category,
                           title=_l("ฝากข้อความถึงผู้ดูแลระบบ"), appbuilder=appbuilder,
                           base_template=appbuilder.base_template)


# ---- the screens --------------------------------------------------------------------------------


def _wants_json():
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def message_json(message, side):
    return {
        "id": message.id,
        "body": message.body,
        "sender": message.sender_name,
        "from_admin": message.from_admin,
        "mine": message.from_admin == (side == svc.ADMINS),
        "at": thai.format_datetime(message.sent_at),
    }


class ChatView(BaseView):
    route_base = "/help"
    default_view = "mine"

    def _page(self, template, **kwargs):
        return self.render_template(template, person_name=svc.person_name,
                                    person_agency=svc.person_agency, is_guest=svc.is_guest,
                                    waited_text=svc.waited_text, max_body=svc.MAX_BODY,
                                    USER=svc.USER, ADMINS=svc.ADMINS, **kwargs)

    def _conversation_or_404(self, pk, side=None):
        conversation, seen_as = svc.conversation_for(db.session, g.user, pk)
        if conversation is None or (side is not None and seen_as != side):
            abort(404)
        return conversation, seen_as

    # ---- a user and the administrators -------------------------------------------------------

    @expose("/")
    @has_access
    @permission_name("mine")
    def mine(self):
        """The user's conversation: the open one, else the latest (closed) one; what the
        administrators wrote in it is read from here on."""
        conversation = svc.current_conversation(db.session, g.user)
        messages = svc.read(db.session, conversation, svc.USER) if conversation else []
        return self._page("chat/mine.html", conversation=conversation, messages=messages,
                          side=svc.USER, title=_l("ติดต่อเจ้าหน้าที่"))

    @expose("/send", methods=["POST"])
    @has_access
    @permission_name("send")
    def send(self):
        back = url_for(".mine")
        try:
            done = attempt(svc.send, db.session, g.user, request.form.get("body"),
                           request.form.get("conversation"))
        except LookupError:  # another user's conversation: as if there were none
            db.session.rollback()
            if _wants_json():
                return api_response(404, NO_CONVERSATION)
            abort(404)
        if not done:
            return redirect(back)
        message = done.value
        if _wants_json():
            return jsonify({"conversation": message.conversation_id, "status": "open",
                            "message": message_json(message, svc.USER)}), 201
        return redirect(back)

    @expose("/poll")
    @has_access_api
    @permission_name("poll")
    def poll(self):
        """The messages after ``after`` in ``conversation`` (JSON), read from here on."""
        conversation, side = svc.conversation_for(db.session, g.user,
                                                  request.args.get("conversation"))
        if conversation is None:
            return api_response(404, NO_CONVERSATION)
        messages = svc.read(db.session, conversation, side,
                            after=max(to_int(request.args.get("after"), 0), 0))
        response = jsonify({"conversation": conversation.id, "status": conversation.status,
                            "messages": [message_json(m, side) for m in messages],
                            "admin_online": svc.admin_online(db.session)})
        response.headers["Cache-Control"] = "no-store"
        return response

    # ---- the administrators --------------------------------------------------------------------

    @expose("/inbox")
    @has_access
    @permission_name("inbox")
    def inbox(self):
        return self._page("chat/inbox.html", rows=svc.inbox(db.session, g.user),
                          closed=svc.recently_closed(db.session, g.user), now=thai.utcnow(),
                          title=_l("ข้อความถึงผู้ดูแลระบบ"))

    @expose("/inbox/rows")
    @has_access
    @permission_name("inbox")
    def inbox_rows(self):
        """The inbox's rows alone, for the page to refresh itself."""
        return self._page("chat/_inbox_rows.html", rows=svc.inbox(db.session, g.user),
                          now=thai.utcnow())

    @expose("/conversation/<int:pk>")
    @has_access
    @permission_name("inbox")
    def conversation(self, pk):
        conversation, side = self._conversation_or_404(pk)
        messages = svc.read(db.session, conversation, side)
        return self._page("chat/conversation.html", conversation=conversation,
                          messages=messages, side=side, now=thai.utcnow(),
                          title=_l("การสนทนากับผู้ใช้งาน"))

    @expose("/conversation/<int:pk>/reply", methods=["POST"])
    @has_access
    @permission_name("reply")
    def reply(self, pk):
        conversation, _side = self._conversation_or_404(pk, svc.ADMINS)
        back = url_for(".conversation", pk=conversation.id)
        done = attempt(svc.reply, db.session, g.user, conversation, request.form.get("body"))
        if not done:
            return redirect(back)
        message = done.value
        if _wants_json():
            return jsonify({"conversation": conversation.id, "status": conversation.status,
                            "message": message_json(message, svc.ADMINS)}), 201
        return redirect(back)

    @expose("/conversation/<int:pk>/close", methods=["POST"])
    @has_access
    @permission_name("close")
    def close(self, pk):
        conversation, _side = self._conversation_or_404(pk, svc.ADMINS)
        if not attempt(svc.close, db.session, g.user, conversation):
            return redirect(url_for(".conversation", pk=conversation.id))
        flash(f"ปิดการสนทนากับ{svc.person_name(conversation)}แล้ว", "success")
        return redirect(url_for(".inbox"))

    # ---- someone who cannot log in -----------------------------------------------------------

    @expose("/guest", methods=["GET", "POST"])
    def guest(self):
        """No login: a message with a number to call back, into the administrators' inbox.
        Limited per client address (HELP_GUEST_RATE_LIMIT), counted where the login throttle
        counts (app/services/throttle.py): only a stored message uses up a place (a mistyped
        number gives it back). Refused, the form comes back as typed, with 429 and Retry-After.
        CSRF-protected like the login."""
        if getattr(current_user, "is_authenticated", False):
            return redirect(url_for(".mine"))
        form = request.form if request.method == "POST" else {}
        if request.method == "POST":
            counter = self.appbuilder.sm.attempt_counter
            place = throttle.take_guest_message(
                counter, request.remote_addr,
                throttle.parse_rate(current_app.config["HELP_GUEST_RATE_LIMIT"]))
            if not place.allowed:
                response = current_app.make_response(
                    _guest_page(form, throttle.guest_refusal(place)))
                response.status_code = 429
                response.headers["Retry-After"] = str(place.retry_after)
                return response
            done = attempt(svc.leave_message, db.session, form.get("name"), form.get("agency"),
                           form.get("phone"), form.get("body"))
            if not done:
                counter.give_back(place)
                return _guest_page(form)
            conversation = done.value
            flash(f"ฝากข้อความถึงผู้ดูแลระบบแล้ว ผู้ดูแลระบบจะติดต่อกลับที่หมายเลข "
                  f"{conversation.guest_phone}", "success")
            return redirect(self.appbuilder.get_url_for_login)
        return _guest_page(form)
