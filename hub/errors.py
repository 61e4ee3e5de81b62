"""Errors the hub turns into HTTP answers.

Each error has a stable, program-readable ``code`` and an English message id that is translated
into the reader's language when the answer is written (see ``hub.i18n``). Domain packages subclass
these in their own ``errors.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hub.i18n import N_, gettext


class HubError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = N_("The request could not be processed.")

    def __init__(self, message: str | None = None, /, *, details: Any = None, **params: Any) -> None:
        self.msgid = message or self.message
        self.params = params
        self.details = details
        super().__init__(self.msgid % params if params else self.msgid)

    def text(self, locale: str | None = None) -> str:
        """The message in the reader's language (the request's, unless ``locale`` is given)."""
        message = gettext(self.msgid, locale)
        return message % self.params if self.params else message


class BadRequest(HubError):
    pass


class MalformedJSON(HubError):
    code = "malformed_json"
    message = N_("The request body is not valid JSON.")


class NulInText(BadRequest):
    code = "nul_in_text"
    message = N_("Text may not contain the NUL character (U+0000).")


class ValidationFailed(HubError):
    status = 422
    code = "validation_error"
    message = N_("Some fields are missing or invalid.")


class Unauthenticated(HubError):
    status = 401
    code = "unauthenticated"
    message = N_("Please log in first.")


class InvalidCredentials(HubError):
    status = 401
    code = "invalid_credentials"
    message = N_("Wrong username or password.")


class CSRFFailed(HubError):
    status = 403
    code = "csrf_failed"
    message = N_("The form has expired or was not sent by this site. Reload the page and try again.")


class Forbidden(HubError):
    status = 403
    code = "forbidden"
    message = N_("You do not have permission to do this.")


class OutOfScope(Forbidden):
    code = "out_of_scope"
    message = N_("This belongs to another agency; your agency cannot see or change it.")


class NotFound(HubError):
    status = 404
    code = "not_found"
    message = N_("Not found.")


class MethodNotAllowed(HubError):
    status = 405
    code = "method_not_allowed"
    message = N_("This method is not allowed here.")


class Conflict(HubError):
    status = 409
    code = "conflict"
    message = N_("This conflicts with existing data.")


class PayloadTooLarge(HubError):
    status = 413
    code = "payload_too_large"
    message = N_("The request is too large (limit %(limit)s bytes).")


class UnsupportedMediaType(HubError):
    status = 415
    code = "unsupported_media_type"
    message = N_("Send the body as application/json.")


class RateLimited(HubError):
    status = 429
    code = "rate_limited"
    message = N_("Too many attempts. Try again in %(seconds)s seconds.")


class InternalError(HubError):
    status = 500
    code = "internal_error"
    message = N_("Something went wrong on our side. The error was logged; please try again later.")


# --- the minutes both meetings and video mediation keep (hub.plaintext); each says it in its words


class MinutesMissing(NotFound):
    code = "minutes_missing"
    message = N_("No minutes have been drafted yet.")


class MinutesNotCirculated(Conflict):
    code = "minutes_not_circulated"
    message = N_("These minutes have not been circulated yet.")


class MinutesChanged(Conflict):
    code = "minutes_changed"
    message = N_("The minutes were changed after you opened them. Read them again first.")
