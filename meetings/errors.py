"""Errors of the meetings package."""

from hub.errors import Conflict, HubError
from hub.i18n import N_


class MeetingClosed(Conflict):
    code = "meeting_cancelled"
    message = N_("This meeting was cancelled; it can no longer be changed.")


class RSVPRefused(HubError):
    status = 403
    code = "rsvp_refused"
    message = N_("This reply link does not belong to this meeting or this person.")


class RSVPExpired(HubError):
    status = 410
    code = "rsvp_expired"
    message = N_("This reply link no longer works: the meeting is over, or the invitation no longer stands.")


class MinutesFrozen(Conflict):
    code = "minutes_frozen"
    message = N_("These minutes are approved and frozen. Start a new revision to change them.")


class MinutesChanged(Conflict):
    code = "minutes_changed"
    message = N_(
        "The minutes were changed since you opened them. Open them again and read the new text first."
    )


class RecurrenceRefused(HubError):
    status = 422
    code = "recurrence_refused"
    message = N_("The repeat rule cannot be used: %(problem)s")
