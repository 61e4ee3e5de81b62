"""The referrals package's codes and their human names: ``LABELS``, declared on the plugin and
translated through ``hub.labels.label``. One name per code, for every capability of the package."""

from __future__ import annotations

from enum import StrEnum

from hub.i18n import N_


class Category(StrEnum):
    neighbour = "neighbour"
    family = "family"
    labour = "labour"
    land_acquisition = "land_acquisition"
    medical = "medical"
    environmental = "environmental"
    enterprise_restructuring = "enterprise_restructuring"  # 企业改制
    education = "education"  # 教育
    traffic = "traffic"
    property_management = "property_management"
    consumer = "consumer"
    contract = "contract"
    minor_injury = "minor_injury"
    other = "other"


class Channel(StrEnum):
    call_110 = "call_110"
    walk_in = "walk_in"
    patrol = "patrol"
    grid_report = "grid_report"
    transfer = "transfer"
    other = "other"


class ConsentMethod(StrEnum):
    verbal_recorded = "verbal_recorded"
    written = "written"
    signed_form = "signed_form"
    online = "online"
    # People's Mediation Law art. 17: a committee may mediate on its own initiative (主动调解)
    # unless a party refuses; what a grid worker's report of a hidden risk rests on.
    initiative = "initiative"


class GridKind(StrEnum):
    """What a grid worker (网格员) reports: a dispute, or a hidden risk (隐患) before it flares up."""

    dispute = "dispute"
    hidden_risk = "hidden_risk"


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"  # alerts the police station and the supervisors at once


class PartyConsentMethod(StrEnum):
    """How one party's consent (or refusal) to mediation was taken."""

    in_person = "in_person"
    phone = "phone"
    written = "written"
    online = "online"


class PartyConsent(StrEnum):
    pending = "pending"
    given = "given"
    refused = "refused"


class PartyRole(StrEnum):
    applicant = "applicant"
    respondent = "respondent"
    third_party = "third_party"


class Flag(StrEnum):
    group_dispute = "group_dispute"
    violence_risk = "violence_risk"
    minor_criminal = "minor_criminal"
    vulnerable_party = "vulnerable_party"


LABELS: dict[str, str] = {
    "other": N_("Other"),
    "call_110": N_("110 call"),
    "walk_in": N_("Walk-in"),
    "patrol": N_("Found on patrol"),
    "grid_report": N_("Reported by a grid worker"),
    "transfer": N_("Transferred by another body"),
    "verbal_recorded": N_("Verbal, recorded"),
    "written": N_("In writing"),
    "signed_form": N_("Signed consent form"),
    "online": N_("Online"),
    "initiative": N_("The committee's own initiative (art. 17)"),
    # grid workers' reports
    "dispute": N_("Dispute"),
    "hidden_risk": N_("Hidden risk"),
    "normal": N_("Normal"),
    "urgent": N_("Urgent"),
    "in_person": N_("In person"),
    "phone": N_("By phone"),
    # parties: kinds, identity documents, sex, representatives, agents' authority
    "person": N_("Natural person"),
    "organisation": N_("Legal person or other organisation"),
    "resident_id": N_("Resident identity card"),
    "passport": N_("Passport"),
    "foreign_permanent_id": N_("Foreigner's permanent residence ID card"),
    "hmt_permit": N_("Hong Kong, Macao or Taiwan residence or travel permit"),
    "credit_code": N_("Unified social credit code"),
    "male": N_("Male"),
    "female": N_("Female"),
    "legal_representative": N_("Legal representative"),
    "principal": N_("Person in charge"),
    "applicant": N_("Applicant"),
    "respondent": N_("Respondent"),
    "third_party": N_("Third party"),
    "group_dispute": N_("Group dispute"),
    "violence_risk": N_("Risk of violence"),
    "minor_criminal": N_("Minor criminal element"),
    "vulnerable_party": N_("Vulnerable party"),
    # referral states
    "sent": N_("Sent, awaiting acceptance"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "expired": N_("Not accepted in time"),
    "in_mediation": N_("In mediation"),
    "resolved": N_("Resolved by agreement"),
    "failed": N_("Mediation failed"),
    "withdrawn": N_("Withdrawn"),
    "referred_onward": N_("Referred onward"),
    "confirmation_applied": N_("Judicial confirmation applied for"),
    "confirmation_accepted": N_("Accepted by the court"),
    "correction_requested": N_("Correction requested by the court"),
    "confirmed": N_("Judicially confirmed"),
    "confirmation_refused": N_("Confirmation refused"),
    "closed": N_("Closed"),
    # referral actions
    "accept": N_("accept"),
    "decline": N_("decline"),
    "expire": N_("expire"),
    "start_mediation": N_("start mediation"),
    "resolve": N_("resolve"),
    "fail": N_("record as failed"),
    "withdraw": N_("withdraw"),
    "refer_onward": N_("refer onward"),
    "apply_confirmation": N_("apply for judicial confirmation"),
    "accept_application": N_("accept the application"),
    "request_correction": N_("ask for a correction"),
    "resubmit_application": N_("resubmit the application"),
    "confirm": N_("confirm the agreement"),
    "refuse_confirmation": N_("refuse confirmation"),
    "reopen_mediation": N_("mediate again"),
    "close": N_("close"),
    "assign_mediator": N_("assign a mediator"),
    "extend": N_("extend"),
    "pause": N_("pause the mediation period"),
    # follow-up outcomes
    "performed": N_("Performed"),
    "partly": N_("Partly performed"),
    "not_performed": N_("Not performed"),
    # report kinds
    "periodic": N_("Periodic report"),
    "zero": N_("Zero report"),
    "special": N_("Special report"),
    "direct": N_("Direct report"),
    "weekly": N_("Weekly report"),
    # assessment figures (the ranking sorts by one; "referred" is named with the report figures)
    "taken_in": N_("Cases taken in"),
    "referral_rate": N_("Referral rate"),
    "hours_to_accept": N_("Hours to acceptance"),
    "success_rate": N_("Success rate"),
    "followup_rate": N_("Follow-up rate"),
    "performance_rate": N_("Performance rate"),
    "confirmation_rate": N_("Confirmation rate"),
    "overdue": N_("Overdue"),
    "monthly": N_("Monthly report"),
    # report figures ("resolved" is named with the states: one name per code)
    "received": N_("Disputes received"),
    "referred": N_("Referred to mediation"),
    "group_disputes": N_("Group disputes"),
    "criminal_risks": N_("Civil-to-criminal risks"),
    # the first event of every referral
    "send": N_("sent"),
    # evidence: kinds of file, custody events
    "photo": N_("Photo"),
    "audio": N_("Recording"),
    "video": N_("Video"),
    "document": N_("Document"),
    "evidence.uploaded": N_("Uploaded"),
    "evidence.downloaded": N_("Downloaded"),
    # the case file: how a party acknowledged the notice of rights and duties
    "ack_signed": N_("Signed the notice"),
    "ack_read_aloud": N_("Read out and acknowledged orally"),
    "ack_online": N_("Acknowledged online"),
    # early warnings: kinds and severities
    "nonperformance": N_("Agreement not performed"),
    "repeat_address": N_("Repeat dispute at one address"),
    "repeat_parties": N_("Repeat dispute between the same parties"),
    "hotspot": N_("Hotspot"),
    "stuck_case": N_("Case not moving"),
    "missed_report": N_("Report not filed"),
    "missed_weekly_report": N_("Weekly report not filed"),
    "missed_monthly_report": N_("Monthly report not filed"),
    "special_report_overdue": N_("Special report overdue"),
    "overdue_acceptance": N_("Referral not accepted in time"),
    "overdue_mediation": N_("Mediation past its deadline"),
    "court_decision_due": N_("Court decision due"),
    "escalation_risk": N_("Risk of violence"),
    "urgent_risk": N_("Urgent report from the grid"),
    # why a case is proposed for a joint meeting (with the warning kinds above and "failed")
    "escalated": N_("Escalated to the supervisors"),
    # reasons the hub itself gives for a move (people's own reasons are shown as typed)
    "acceptance deadline passed": N_("The acceptance deadline passed"),
    "info": N_("Information"),
    "warning": N_("Warning"),
    "critical": N_("Critical"),
}

# Names of codes other packages name differently ("given" in rtc, "special" for reports): shown
# through these tables, not ``hub.labels``, which allows one name per code.
CONSENT_NAMES: dict[str, str] = {
    "pending": N_("Not asked yet"),
    "given": N_("Agrees to mediation"),
    "refused": N_("Refuses mediation"),
}
AUTHORITY_NAMES: dict[str, str] = {"general": N_("General authority"), "special": N_("Special authority")}
ID_TYPES = ("resident_id", "passport", "foreign_permanent_id", "hmt_permit", "credit_code", "other")
