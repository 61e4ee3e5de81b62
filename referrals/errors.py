"""Errors of the referrals package: every stable code it answers with, one class per code, with a
translatable message. Grouped by capability: referrals and cases, agreements and the court's steps,
evidence, reports."""

from hub.errors import Conflict, Forbidden, HubError, NotFound, ValidationFailed
from hub.i18n import N_, gettext

# --- referrals and cases ----------------------------------------------------------------------


class ConsentMissing(HubError):
    status = 422
    code = "consent_missing"
    message = N_("Record the parties' consent to mediation (who, when, how) before referring the case.")


class ConsentInFuture(ValidationFailed):
    code = "consent_in_future"
    message = N_("Consent cannot be dated in the future: give the date and time it was given.")

    @classmethod
    def at(cls, field: str) -> "ConsentInFuture":
        """The error, naming the form field or body member that holds the time."""
        return cls(details=[{"field": field, "type": "future", "message": gettext(cls.message)}])


class PartyRefusedMediation(Conflict):
    code = "party_refused_mediation"
    message = N_("A party refused mediation (People's Mediation Law art. 17): the case cannot be mediated.")


class ConsentFinal(Conflict):
    code = "consent_final"
    message = N_("%(name)s refused mediation; that refusal ended the mediation and stays on record.")


class PartyEditForbidden(Forbidden):
    code = "party_edit_forbidden"
    message = N_("Only the agencies working on this case may change its parties.")


class PauseRefused(ValidationFailed):
    code = "pause_refused"
    message = N_(
        "A pause is recorded by the receiving body while the referral is accepted or in mediation, "
        "and ends on or after the day it starts."
    )


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


# The words of ``wrong_side`` where the agreement's receiving agency alone may act.
RECEIVER_ONLY = N_("Only the receiving agency of the case's current referral may do this.")


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


# --- evidence ---------------------------------------------------------------------------------


ACCEPTED = N_(
    "Accepted: photos (JPEG, PNG, GIF, WebP, HEIC), recordings (MP3, WAV, OGG/Opus, M4A, AMR), "
    "videos (MP4, MOV, WebM/MKV), PDF, Word/Excel (.docx/.xlsx) and plain UTF-8 text."
)


class EvidenceTypeRefused(HubError):
    status = 415
    code = "evidence_type_refused"
    message = N_("This file cannot be kept as evidence: its content is %(found)s. %(accepted)s")

    def __init__(self, found: str) -> None:
        # Translated now (the request's language is set), so the message reads in one language.
        super().__init__(found=gettext(found), accepted=gettext(ACCEPTED))


class EvidenceExtensionMismatch(HubError):
    status = 422
    code = "evidence_extension_mismatch"
    message = N_(
        "The file name ends in “.%(ext)s” but its content is %(found)s. "
        "Choose the right file, or correct its name."
    )

    def __init__(self, ext: str, found: str) -> None:
        super().__init__(ext=ext, found=gettext(found))


class EvidenceUploadForbidden(Forbidden):
    code = "evidence_upload_forbidden"
    message = N_(
        "Only the agency that took the case in and the agency now handling its referral may add evidence."
    )


class EvidenceEmpty(ValidationFailed):
    code = "evidence_empty"
    message = N_("The file is empty.")


class EvidenceFileMissing(NotFound):
    code = "evidence_file_missing"
    message = N_("The stored file of this evidence cannot be found. Please tell the platform administrator.")


# The words of ``unsupported_media_type`` for an upload that is not a multipart form.
SEND_MULTIPART = N_('Send the evidence as multipart/form-data with the file in the field "file".')


# --- reports ----------------------------------------------------------------------------------


class AlreadyReported(Conflict):
    code = "already_reported"
    message = N_("%(agency)s already filed its report for %(day)s.")


class ReportIncomplete(ValidationFailed):
    code = "report_incomplete"
    message = N_("The report is incomplete.")


# --- agreements, the court's steps, follow-up visits -------------------------------------------


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


class AgreementIncomplete(ValidationFailed):
    code = "agreement_incomplete"
    message = N_(
        "Before the parties confirm, the agreement needs the main facts of the dispute and at least one term."
    )


class EffectiveDateNotTyped(ValidationFailed):
    code = "effective_date_not_typed"
    message = N_(
        "The effective date is not typed: the agreement takes effect on the day the last party "
        "confirms (signs) it, and the hub records that day."
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


# --- the case file (一案一档) and its forms ---------------------------------------------------------


class FormNotApplicable(NotFound):
    code = "form_not_applicable"
    message = N_("This case has no such form (yet): %(form)s.")


class AlreadyAcknowledged(Conflict):
    code = "already_acknowledged"
    message = N_("%(name)s has already acknowledged the notice of rights and duties.")


class NotReceivedYet(Conflict):
    code = "not_received_yet"
    message = N_("The notice of rights and duties is given once a mediation body has accepted the case.")


# --- the court's queue -----------------------------------------------------------------------


class ApplicationMissing(NotFound):
    code = "application_missing"
    message = N_("No application for judicial confirmation was made in this case.")


class CourtCaseNumberRequired(ValidationFailed):
    code = "court_case_number_required"
    message = N_("Type the court's case number (案号) to accept the application.")


class CorrectionNoteRequired(ValidationFailed):
    code = "correction_note_required"
    message = N_("Say what is missing from the application.")


class CorrectionReplyRequired(ValidationFailed):
    code = "correction_reply_required"
    message = N_("Say what was supplied to the court.")


class RulingRequired(ValidationFailed):
    code = "ruling_required"
    message = N_("Give the number and the date of the court's ruling (裁定书).")


class RefusalReasonRequired(ValidationFailed):
    code = "refusal_reason_required"
    message = N_("Give the court's reason for not confirming the agreement.")


class ExtensionAlreadyApproved(Conflict):
    code = "extension_already_approved"
    message = N_("The decision period was already extended once; it cannot be extended again.")


class ExtensionApproverRequired(ValidationFailed):
    code = "extension_approver_required"
    message = N_("Name who approved the extension (the court's president).")


class ExtensionNotNow(Conflict):
    code = "extension_not_now"
    message = N_(
        "The decision period can be extended only once the court accepted the application "
        "and before it decides."
    )


# --- grid workers' reports ------------------------------------------------------------------------


class NoGrid(Forbidden):
    code = "no_grid"
    message = N_("No grid is assigned to you yet. Ask your committee's administrator.")


class NotAPhoto(ValidationFailed):
    code = "not_a_photo"
    message = N_("Only photos (JPEG, PNG, WebP, HEIC) can be sent from the grid: %(name)s is not one.")


class TooManyPhotos(ValidationFailed):
    code = "too_many_photos"
    message = N_("Send at most %(count)s photos with one report.")
