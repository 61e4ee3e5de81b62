"""Errors of the meetings package."""

from hub.errors import Conflict, Forbidden, HubError, ValidationFailed
from hub.i18n import N_


class MeetingClosed(Conflict):
    code = "meeting_cancelled"
    message = N_("This meeting was cancelled; it can no longer be changed.")


class MeetingHeld(Conflict):
    code = "meeting_held"
    message = N_("This meeting has taken place: it can no longer be cancelled.")


class MeetingNotStarted(Conflict):
    code = "meeting_not_started"
    message = N_("This meeting has not started yet: it can be marked held once it has begun.")


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


class RecurrenceRefused(HubError):
    status = 422
    code = "recurrence_refused"
    message = N_("The repeat rule cannot be used: %(problem)s")


class EndBeforeStart(ValidationFailed):
    code = "end_before_start"
    message = N_("The meeting must end after it starts.")


class UnboundedRule(RecurrenceRefused):
    code = "rrule_unbounded"
    message = N_(
        "The repeat rule never ends: give a number of meetings (COUNT) or a last date (UNTIL), "
        "or ask for a limited period."
    )


class TooManyOccurrences(RecurrenceRefused):
    code = "rrule_too_many"
    message = N_("The repeat rule gives more than %(limit)s meetings in this period.")


class RuleNeverMatches(RecurrenceRefused):
    code = "rrule_empty"
    message = N_("The repeat rule gives no meeting at all.")


class StartNotOnRule(RecurrenceRefused):
    code = "rrule_start_mismatch"
    message = N_(
        "The first meeting (%(start)s) is not on a day the repeat rule gives; the first such day is "
        "%(first)s."
    )


class UnknownOccurrence(RecurrenceRefused):
    code = "occurrence_unknown"
    message = N_("The series has no meeting at %(when)s.")


class InvalidRule(RecurrenceRefused):
    code = "rrule_invalid"
    message = N_("The repeat rule cannot be read (at “%(part)s”).")


class UnknownTimeZone(ValidationFailed):
    code = "unknown_time_zone"
    message = N_("Unknown time zone: %(zone)s")


class NotChair(Forbidden):
    code = "not_chair"
    message = N_("Only the chair of this meeting may approve its minutes.")


# The shared minutes codes (hub.errors), in the meetings' words.
NO_MINUTES = N_("No minutes have been drafted for this meeting yet.")
NOT_CIRCULATED = N_("Comments are taken while the minutes are circulated.")
MINUTES_CHANGED = N_(
    "The minutes were changed since you opened them. Open them again and read the new text first."
)
