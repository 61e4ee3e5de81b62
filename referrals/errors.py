"""Errors of the referrals package, each with a stable code and a translatable message."""

from hub.errors import Conflict, HubError, ValidationFailed
from hub.i18n import N_


class ConsentMissing(HubError):
    status = 422
    code = "consent_missing"
    message = N_("Record the parties' consent to mediation (who, when, how) before referring the case.")


class DuplicateSubmission(Conflict):
    code = "duplicate_submission"
    message = N_("This case was already submitted (case %(number)s); nothing was changed.")


class UseTheCourtForm(HubError):
    status = 409
    code = "use_the_court_form"
    message = N_(
        "Judicial confirmation is applied for and recorded on the agreement's page, not as a plain action."
    )


class TransitionNotAllowed(HubError):
    status = 409
    code = "transition_not_allowed"
    message = N_("A referral that is “%(state)s” cannot be “%(action)s”.")


class WrongSide(HubError):
    status = 403
    code = "wrong_side"
    message = N_("Only the %(side)s agency may do this.")


class ReasonRequired(ValidationFailed):
    code = "reason_required"
    message = N_("Give a reason.")


class NoRouteFound(HubError):
    status = 422
    code = "no_route"
    message = N_("No routing rule matches this case and there is no fallback. Ask an administrator.")


class AlreadyReferred(Conflict):
    code = "already_referred"
    message = N_("This case already has an open referral.")


class CaseSettled(Conflict):
    code = "case_settled"
    message = N_("This case's mediation has run its course (resolved or closed); it is not sent again.")


class StaleState(Conflict):
    code = "stale_state"
    message = N_("Someone changed this referral at the same time. Reload and try again.")


class BadTarget(ValidationFailed):
    code = "bad_target"
    message = N_("This agency cannot receive referrals.")


class BadMediator(ValidationFailed):
    code = "bad_mediator"
    message = N_("Choose a mediator of the receiving agency.")


class ExtensionNotAllowed(ValidationFailed):
    code = "extension_not_allowed"
    message = N_("Mediation may last at most %(days)s days.")
