"""Errors of video mediation, with stable codes (see hub.errors)."""

from __future__ import annotations

from hub.errors import Conflict, Forbidden, HubError, NotFound
from hub.i18n import N_


class LinkInvalid(HubError):
    """An invitation link that cannot be used; ``code`` says why (shown to the guest as a page)."""

    status = 410
    code = "link_invalid"
    message = N_("This invitation link cannot be used.")


class LinkUnknown(LinkInvalid):
    status = 404
    code = "link_unknown"
    message = N_("This invitation link is not valid. Please ask the mediator for a new link.")


class LinkUsed(LinkInvalid):
    code = "link_used"
    message = N_("This invitation link has already been used. Please ask the mediator for a new link.")


class LinkExpired(LinkInvalid):
    code = "link_expired"
    message = N_("This invitation link has expired. Please ask the mediator for a new link.")


class LinkRevoked(LinkInvalid):
    code = "link_revoked"
    message = N_("This invitation link was withdrawn. Please ask the mediator for a new link.")


class SessionOver(LinkInvalid):
    code = "session_over"
    message = N_("This mediation session has ended or was cancelled.")


class IdentityMismatch(Forbidden):
    code = "identity_mismatch"
    message = N_("The digits do not match the ID number on file. Please try again.")


class IdentityLocked(Forbidden):
    code = "identity_locked"
    message = N_("Too many wrong attempts. Please ask the mediator for a new link.")


class NotMediable(Conflict):
    code = "not_mediable"
    message = N_("Only an accepted referral, or one in mediation, can have a video session.")


class SessionNotOpen(Conflict):
    code = "session_not_open"
    message = N_("This session has ended or was cancelled.")


class NoSuchParticipant(NotFound):
    code = "no_such_participant"
    message = N_("There is no such participant in this session.")
