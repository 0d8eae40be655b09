"""What runs around every request: the session's checks before it (idle time, a password that
must be changed, a suspended account), the counts the navigation bar shows, the security headers
after it, and the audit of refused accesses (403, and a 404 on a row that exists)."""

import logging

from flask import g, request

from app.views.base import to_int

log = logging.getLogger(__name__)

CSP = "; ".join([
    "default-src 'self'",
    # FAB's templates carry inline scripts and styles (list actions, datepickers): nonces would
    # mean forking them. Everything else is locked to our own origin.
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def install(app):
    """Register the hooks on ``app``."""
    from app.services import audit as audit_service
    from app.extensions import db

    sm = app.appbuilder.sm

    @app.before_request
    def _enforce_session():
        return sm.enforce_session()

    @app.context_processor
    def _waiting_counts():
        def waiting(count, view):
            """A count of what waits for the logged-in user (``count(session, user)``); 0 for
            anyone without ``view``. Counted once per page, when the navigation bar asks."""
            from flask_login import current_user

            if not getattr(current_user, "is_authenticated", False) \
                    or not sm.has_access("can_list", view):
                return 0
            return count(db.session, current_user._get_current_object())

        from app.services import dispatch, documents, filetracking, sent

        return {
            # Letters the user sent on that came back, not yet taken note of (ส่งคืน).
            "returns_count": lambda: waiting(sent.returns_count, "SentView"),
            # Letters waiting for the user's decision (หนังสือเข้าใหม่).
            "inbox_count": lambda: waiting(dispatch.inbox_count, "InboxView"),
            # Documents waiting to be received (เอกสารใหม่).
            "document_count": lambda: waiting(documents.new_count, "DocumentView"),
            # The user's files the executive or the secretaries sent back to them.
            "file_count": lambda: waiting(filetracking.owner_count, "TrackedFileView"),
        }

    @app.after_request
    def _security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.after_request
    def _audit_refusals(response):
        if response.status_code in (403, 404):
            try:
                _record_refusal(app, response.status_code)
            except Exception:  # the audit must never turn a refusal into a server error
                log.exception("could not record a refused access")
                db.session.rollback()
        return response

    def _record_refusal(app, status):
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return
        target = _existing_target(app) if status == 404 else None
        if status == 404 and target is None:
            return  # a 404 on nothing is not a refusal
        db.session.rollback()
        audit_service.record(
            db.session, "access_denied",
            target_type=target[0] if target else None,
            target_id=target[1] if target else None,
            detail={"status": status, "method": request.method, "path": request.path,
                    "endpoint": request.endpoint},
        )
        db.session.commit()


def _existing_target(app):
    """For a 404 answered by a view over a model: the (model, pk) if that row exists."""
    pk = (request.view_args or {}).get("pk")
    if pk is None or request.blueprint is None:
        return None
    for view in app.appbuilder.baseviews:
        if getattr(view, "blueprint", None) is not None and view.blueprint.name == request.blueprint:
            datamodel = getattr(view, "datamodel", None)
            if datamodel is None:
                return None
            number = to_int(pk)  # None for a word, or a number no row can have
            exists = number is not None and \
                datamodel.session.get(datamodel.obj, number) is not None
            return (datamodel.obj.__name__, str(pk)) if exists else None
    return None
