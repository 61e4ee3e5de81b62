"""The meetings package's codes and their human names: ``LABELS``, declared on the plugin and
translated through ``hub.labels.label``."""

from __future__ import annotations

from hub.i18n import N_, NC_, InContext

LABELS: dict[str, str | InContext] = {
    # meeting status
    "scheduled": N_("Scheduled"),
    "held": N_("Held"),
    "cancelled": N_("Cancelled"),
    # replies to an invitation, read as label("rsvp." + reply): a meeting reply "accepted" is
    # 已接受, not a referral's 已受理
    "rsvp.needs_action": N_("No reply yet"),
    "rsvp.tentative": N_("Tentative"),
    "rsvp.accepted": NC_("meeting reply", "Accepted"),
    "rsvp.declined": NC_("meeting reply", "Declined"),
    # attendance
    "present": N_("Present"),
    "absent": N_("Absent"),
    "excused": N_("Excused"),
    "proxy": N_("Represented by a proxy"),
    # agenda item kinds
    "report": N_("Briefing"),
    "discussion": N_("Discussion"),
    "decision": N_("For decision"),
    "case_review": N_("Case review"),
    # action status
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
    # minutes status
    "draft": N_("Draft"),
    "circulated": N_("Circulated for comments"),
    "approved": N_("Approved"),
    # early warnings
    "action_overdue": N_("Meeting action overdue"),
}
