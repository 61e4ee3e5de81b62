"""Errors of agreements, judicial confirmation and follow-ups: stable codes, translatable messages."""

from hub.errors import Conflict, HubError, NotFound, ValidationFailed
from hub.i18n import N_


class AgreementMissing(NotFound):
    code = "agreement_missing"
    message = N_("This case has no mediation agreement yet.")


class AgreementLocked(Conflict):
    code = "agreement_locked"
    message = N_(
        "Every party has confirmed this agreement, so it can no longer be changed. "
        "A new agreement needs a new mediation."
    )


class AgreementNotEditable(Conflict):
    code = "agreement_not_editable"
    message = N_(
        "The agreement can be written only while the referral is in mediation or resolved "
        "(it is “%(state)s”)."
    )


class NotReceiver(HubError):
    status = 403
    code = "wrong_side"
    message = N_("Only the receiving agency of the case's current referral may do this.")


class AgreementIncomplete(ValidationFailed):
    code = "agreement_incomplete"
    message = N_(
        "Before the parties confirm, the agreement needs the facts, at least one term and its effective date."
    )


class BadParty(ValidationFailed):
    code = "bad_party"
    message = N_("Choose parties of this case (the obligor and the obligee must differ).")


class AlreadyConfirmed(Conflict):
    code = "already_confirmed"
    message = N_("%(name)s has already confirmed this agreement.")


class AgreementNotConfirmed(Conflict):
    code = "agreement_not_confirmed"
    message = N_("Every party must confirm the agreement first.")


class ConfirmationWindowClosed(Conflict):
    code = "confirmation_window_closed"
    message = N_(
        "The 30-day window for judicial confirmation ended on %(deadline)s: "
        "the court can no longer be asked to confirm this agreement."
    )


class BadCourt(ValidationFailed):
    code = "bad_court"
    message = N_("Choose a people's court.")


class BadDate(ValidationFailed):
    code = "bad_date"
    message = N_("This date is not possible here.")


class FollowUpDone(Conflict):
    code = "followup_done"
    message = N_("This follow-up visit has already been recorded.")


class FollowUpsPending(Conflict):
    code = "followups_pending"
    message = N_("The case can be closed only after its follow-up visits: %(count)s still to be made.")
