"""Domain errors: their message is Thai and shown to the user as it is.

Each carries the HTTP status it answers with. A view or an API does not catch them: one handler
(``app/views/errors.py``) turns any of them into a Thai page inside the layout, or a JSON body
``{"message": ..., "field": ...}`` for the API, after rolling the request's transaction back.
"""


class DomainError(Exception):
    status = 422
    shown_on_form = False  # the form says it itself, in its own way (not as a message above it)

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field  # the request field at fault, when there is one

    def __str__(self):
        return self.message


class PermissionDenied(DomainError):
    status = 403


class ValidationFailed(DomainError):
    """Input that breaks a rule. ``errors`` ({field: Thai message}) holds every field at fault
    when a form's fields were checked together, so that a screen shows each beside its field at
    once; the message says them all."""

    status = 422

    def __init__(self, message, field=None, errors=None):
        super().__init__(message, field)
        self.errors = dict(errors or ({field: str(message)} if field else {}))

    @classmethod
    def of(cls, errors):
        """The refusal of a form's ``errors`` ({field: message}, not empty)."""
        return cls(" ".join(errors.values()), field=next(iter(errors)), errors=errors)


class InvalidInput(DomainError):
    """A request value that cannot become the typed value it stands for (a NUL byte in a text,
    a number beyond its range, a list where a text is expected, a body that is not JSON)."""

    status = 400


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request is well formed but the data is not in a state that allows it."""

    status = 409


class TooManyRequests(DomainError):
    """A limit was reached (login attempts, guest messages); ``retry_after`` in seconds."""

    status = 429

    def __init__(self, message, retry_after=60, field=None):
        super().__init__(message, field=field)
        self.retry_after = max(1, int(retry_after))


class Faults:
    """A form's refusals gathered field by field (each field's first), so that every fault is
    said at once: ``take`` runs a check and keeps its refusal, ``add`` names one, ``check``
    raises them together (ValidationFailed.of)."""

    def __init__(self):
        self.errors = {}

    def take(self, field, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValidationFailed as refusal:
            self.errors.setdefault(field, refusal.message)
            return None

    def gather(self, check, *args, **kwargs):
        """``take`` for a check that may name several fields at once: each of its faults kept
        (one that names no field under ``None``)."""
        try:
            return check(*args, **kwargs)
        except ValidationFailed as refusal:
            for field, message in (refusal.errors or {None: refusal.message}).items():
                self.errors.setdefault(field, message)
            return None

    def add(self, field, message):
        self.errors.setdefault(field, message)

    def check(self):
        if self.errors:
            raise ValidationFailed.of(self.errors)

