"""Errors of video mediation: every stable code it answers with over HTTP (one class per code, see
hub.errors), and the signalling protocol's error codes with their messages (``CODE_MESSAGES``,
docs/signalling.md), which the socket sends in its ``error`` envelope."""

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


class ConfirmLinkInvalid(HubError):
    """A confirmation link (``/minutes/{token}``) that cannot be used; the page says what to do."""

    status = 410
    code = "confirm_link_invalid"
    message = N_("This link to confirm the minutes cannot be used.")


class ConfirmLinkUnknown(ConfirmLinkInvalid):
    status = 404
    code = "confirm_link_unknown"
    message = N_(
        "This link to confirm the minutes is not valid. Please ask the mediation office that sent it "
        "for a new link."
    )


class ConfirmLinkExpired(ConfirmLinkInvalid):
    code = "confirm_link_expired"
    message = N_(
        "This link to confirm the minutes has expired. Please ask the mediation office for a new link: "
        "they can send it to you again."
    )


class ConfirmLinkWithdrawn(ConfirmLinkInvalid):
    code = "confirm_link_withdrawn"
    message = N_(
        "This link to confirm the minutes was withdrawn or replaced by a newer one. Please use the "
        "latest link you received, or ask the mediation office for a new one."
    )


class IdentityMismatch(Forbidden):
    code = "identity_mismatch"
    message = N_("The digits do not match the ID number on file. Please try again.")


class IdentityLocked(Forbidden):
    code = "identity_locked"
    message = N_("Too many wrong attempts. Please ask the mediator for a new link.")


class NotMediable(Conflict):
    code = "not_mediable"
    message = N_("Only an accepted referral, or one in mediation, can have a video session.")


class AlreadyScheduled(Conflict):
    """The scheduling form sent a second time (a reload of the invitations page): the session its
    first sending made is in ``details`` (``[{"field": "session_id", ...}]``); nothing was changed."""

    code = "already_scheduled"
    message = N_("This video mediation was already scheduled; nothing was changed.")


class SessionNotOpen(Conflict):
    code = "session_not_open"
    message = N_("This session has ended or was cancelled.")


class NoSuchParticipant(NotFound):
    code = "no_such_participant"
    message = N_("There is no such participant in this session.")


class SessionNotEnded(Conflict):
    code = "session_not_ended"
    message = N_("Minutes are drafted once the session has ended.")


class MinutesConfirmed(Conflict):
    code = "minutes_confirmed"
    message = N_("Every party has confirmed these minutes; they can no longer be changed.")


class NotAParty(Forbidden):
    code = "minutes_not_party"
    message = N_("Only a party who took part in the mediation confirms its minutes.")


# The shared minutes codes (hub.errors), in video mediation's words.
NO_MINUTES = N_("No minutes have been drafted for this session yet.")
NOT_CIRCULATED = N_("These minutes have not been sent to the parties for confirmation yet.")
MINUTES_CHANGED = N_(
    "The minutes were changed after you opened them. Please read them again before confirming."
)


# A signalling request refused: the socket answers with an ``error`` envelope of its code.
class SignalError(Exception):
    def __init__(self, code: str, detail: str = "", ref: str | int | None = None) -> None:
        assert code in CODE_MESSAGES, code
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.ref = ref


# Messages for error codes, in the guest's language (docs/signalling.md has the list).
# The signalling protocol's error codes and their messages, in the guest's language.
CODE_MESSAGES = {
    "bad_json": N_("The message is not valid JSON."),
    "bad_envelope": N_("The message is not a signalling envelope."),
    "unsupported_version": N_("This version of the protocol is not supported."),
    "unknown_type": N_("Unknown message type."),
    "bad_message": N_("The message has missing or invalid fields."),
    "too_large": N_("The message is too large."),
    "hello_first": N_("Say hello first."),
    "not_allowed": N_("Only the mediator may do that."),
    "not_admitted": N_("Wait until the mediator lets you in."),
    "no_such_participant": N_("There is no such participant in this session."),
    "not_in_lobby": N_("That person is not waiting in the lobby."),
    "caucus_running": N_("A private session is already running."),
    "no_caucus": N_("No private session is running."),
    "room_full": N_("This session is full."),
    "removed": N_("The mediator removed you from this session."),
    "session_ended": N_("This mediation session has ended."),
    "forbidden_target": N_("You cannot reach that participant now."),
    "rate_limited": N_("Too many messages; slow down."),
    "hub_peer_failed": N_("The recorder could not connect."),
    "not_recording": N_("Recording is not running."),
    "sfu_failed": N_("The media server could not connect."),
    "not_sfu": N_("This room does not use the media server."),
}
