"""Domain errors: their message is Thai and shown to the user as it is."""


class DomainError(Exception):
    status = 422

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)

    def __str__(self):
        return self.message


class PermissionDenied(DomainError):
    status = 403


class ValidationFailed(DomainError):
    status = 422
